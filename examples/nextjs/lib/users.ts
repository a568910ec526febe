// The demo users. A real app looks them up in its database; what matters to
// kinrt is what the jwt callback (lib/auth.ts) puts in the session token.

export type Role = "agent" | "supervisor" | "admin";

/** The departments kinrt routes to (its KIN_NUMBER_DEPARTMENTS). */
export const DEPARTMENTS = ["sales", "support"] as const;
export type Department = (typeof DEPARTMENTS)[number];

export interface DemoUser {
  /** The session token's "sub": kinrt's user id (room user-<id>). */
  id: string;
  /** What the sign-in form asks for. */
  username: string;
  name: string;
  email: string;
  role: Role;
  /** Admins have none: they see every department. */
  department?: Department;
}

// The ids are those of kinrt's own demo users, so the TaskRouter workers
// that `kinrt simulate` sends (the agents) are these users' workers.
export const DEMO_USERS: readonly DemoUser[] = [
  { id: "demo-sales-1", username: "sally", name: "Sally Seller", email: "sally@example.test", role: "agent", department: "sales" },
  { id: "demo-sales-2", username: "simon", name: "Simon Seller", email: "simon@example.test", role: "agent", department: "sales" },
  { id: "demo-sales-lead", username: "sam", name: "Sam Sales", email: "sam@example.test", role: "supervisor", department: "sales" },
  { id: "demo-support-1", username: "pat", name: "Pat Helper", email: "pat@example.test", role: "agent", department: "support" },
  { id: "demo-support-2", username: "quinn", name: "Quinn Helper", email: "quinn@example.test", role: "agent", department: "support" },
  { id: "demo-support-lead", username: "sue", name: "Sue Support", email: "sue@example.test", role: "supervisor", department: "support" },
  { id: "demo-admin", username: "ada", name: "Ada Admin", email: "ada@example.test", role: "admin" },
];

export function isDepartment(v: unknown): v is Department {
  return typeof v === "string" && (DEPARTMENTS as readonly string[]).includes(v);
}
