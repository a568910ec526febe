// A GET /api/stats answer for tests.

/** An answer of GET /api/stats, with over's fields replacing the defaults. */
export function statsAnswer(over: Record<string, unknown> = {}): Record<string, unknown> {
  const calls = Array.from({ length: 60 }, (_, i) => (i === 59 ? 2 : i % 10 === 0 ? 1 : 0));
  const messages = Array.from({ length: 60 }, (_, i) => (i === 30 ? 3 : 0));
  return {
    generatedAt: new Date().toISOString(),
    departments: ["sales", "support"],
    queue: [
      { department: "sales", waiting: 2, longestWaitSeconds: 95 },
      { department: "support", waiting: 0, longestWaitSeconds: 0 },
    ],
    agents: [
      { userId: "sally", name: "Sally Seller", department: "sales", role: "agent", presence: "online", activity: "Available", activitySince: "2025-01-15T11:00:00Z", workerStatus: "available", workerSid: "WK1" },
      { userId: "simon", name: "Simon Seller", department: "sales", role: "agent", presence: "online", activity: "Break", activitySince: "2025-01-15T11:30:00Z", workerStatus: "busy", workerSid: "WK2" },
      { userId: "sam", name: "Sam Sales", department: "sales", role: "supervisor", presence: "away", activity: null, activitySince: null, workerStatus: null },
      { userId: "pat", name: "Pat Helper", department: "support", role: "agent", presence: "offline", activity: "Available", activitySince: "2025-01-15T10:00:00Z", workerStatus: "available", workerSid: "WK3" },
    ],
    voicemailsUnlistened: 3,
    conversationsUnread: 4,
    today: { since: "2025-01-15T00:00:00Z", timeZone: "UTC", calls: 12, missedCalls: 2, voicemails: 1, smsIn: 7, smsOut: 5 },
    serviceLevel: { thresholdSeconds: 20, answered: 8, answeredWithin: 6, percent: 75 },
    perMinute: { from: "2025-01-15T11:01:00Z", calls, messages },
    ...over,
  };
}
