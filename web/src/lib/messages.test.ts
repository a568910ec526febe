import { describe, expect, it } from "vitest";
import type { ConversationUpdated, MessageStatusChanged } from "../generated/events";
import { message as msgEvent } from "../test/fixtures";
import {
  conversationList,
  initialMessages,
  messageList,
  messagesReducer,
  parseConversation,
  parseMessage,
  unreadTotal,
  type Conversation,
  type Message,
  type MessagesAction,
  type MessagesState,
} from "./messages";

const conv = (id: string, lastMessageAt: string | null, over: Partial<Conversation> = {}): Conversation => ({
  id,
  ourNumber: "+1999",
  customerNumber: "+1555",
  department: "support",
  assignedTo: null,
  unreadCount: 0,
  lastMessagePreview: "",
  lastMessageAt,
  createdAt: "2025-01-01T00:00:00Z",
  ...over,
});
const msg = (sid: string, createdAt: string, over: Partial<Message> = {}): Message => ({
  sid,
  conversationId: "c1",
  direction: "inbound",
  from: "+1555",
  to: "+1999",
  body: "hi",
  numMedia: 0,
  status: "received",
  createdAt,
  ...over,
});
let n = 0;
const convUpdated = (over: Partial<ConversationUpdated> & { conversationId: string }): ConversationUpdated => ({
  id: `evt-cu-${++n}`,
  occurredAt: "2025-01-15T12:00:00Z",
  ourNumber: "+1999",
  customerNumber: "+1555",
  unreadCount: 1,
  lastMessagePreview: "new",
  lastMessageAt: "2025-01-15T12:00:00Z",
  department: "support",
  ...over,
});
const statusChanged = (over: Partial<MessageStatusChanged> & { messageSid: string }): MessageStatusChanged => ({
  id: `evt-ms-${++n}`,
  occurredAt: "2025-01-15T12:00:01Z",
  conversationId: "c1",
  status: "delivered",
  department: "support",
  ...over,
});

const run = (s: MessagesState, ...actions: MessagesAction[]) => actions.reduce(messagesReducer, s);

describe("messagesReducer", () => {
  it("lists conversations by their last message, newest first; conversation_updated upserts and reorders", () => {
    let s = run(initialMessages, {
      type: "conversations",
      items: [conv("a", "2025-01-02T00:00:00Z"), conv("b", "2025-01-01T00:00:00Z")],
      nextCursor: null,
      requestedAt: 0,
    });
    expect(conversationList(s).map((c) => c.id)).toEqual(["a", "b"]);
    const e = convUpdated({ conversationId: "b", unreadCount: 3, lastMessagePreview: "hello" });
    s = run(s, { type: "conversation_updated", event: e }, { type: "conversation_updated", event: e });
    expect(conversationList(s).map((c) => c.id)).toEqual(["b", "a"]);
    expect(conversationList(s)[0]).toMatchObject({ unreadCount: 3, lastMessagePreview: "hello" });
    expect(unreadTotal(s)).toBe(3);
    s = run(s, { type: "conversation_updated", event: convUpdated({ conversationId: "new", lastMessageAt: "2025-02-01T00:00:00Z" }) });
    expect(conversationList(s).map((c) => c.id)).toEqual(["new", "b", "a"]);
  });

  it("ignores a conversation_updated older than what it shows", () => {
    let s = run(initialMessages, {
      type: "conversations",
      items: [conv("a", "2025-01-15T12:00:05Z", { unreadCount: 0 })],
      nextCursor: null,
      requestedAt: 0,
    });
    s = run(s, { type: "conversation_updated", event: convUpdated({ conversationId: "a", unreadCount: 4, lastMessageAt: "2025-01-15T12:00:00Z" }) });
    expect(conversationList(s)[0]?.unreadCount).toBe(0);
  });

  it("shows the open conversation's messages oldest first, older pages merged, unique by sid", () => {
    let s = run(initialMessages, { type: "select", conversationId: "c1" });
    s = run(s, {
      type: "messages",
      conversationId: "c1",
      items: [msg("m3", "2025-01-03T00:00:00Z"), msg("m2", "2025-01-02T00:00:00Z")],
      nextCursor: "older",
      requestedAt: 0,
    });
    s = run(s, {
      type: "messages",
      conversationId: "c1",
      items: [msg("m2", "2025-01-02T00:00:00Z"), msg("m1", "2025-01-01T00:00:00Z")],
      nextCursor: null,
      requestedAt: 0,
      more: true,
    });
    expect(messageList(s).map((m) => m.sid)).toEqual(["m1", "m2", "m3"]);
    // A page for another conversation (a late answer) is ignored.
    s = run(s, { type: "messages", conversationId: "c2", items: [msg("x", "2025-01-04T00:00:00Z", { conversationId: "c2" })], nextCursor: null, requestedAt: 0 });
    expect(messageList(s)).toHaveLength(3);
  });

  it("adds message_received to the open conversation once, and patches message_status_changed", () => {
    let s = run(initialMessages, { type: "select", conversationId: "c1" });
    const e = msgEvent({ conversationId: "c1", messageSid: "SMin", body: "yo" });
    s = run(s, { type: "message_received", event: e }, { type: "message_received", event: e });
    s = run(s, { type: "message_received", event: msgEvent({ conversationId: "other" }) });
    expect(messageList(s).map((m) => m.sid)).toEqual(["SMin"]);
    s = run(s, { type: "confirmedMessage", message: msg("SMout", "2025-02-01T00:00:00Z", { direction: "outbound", status: "queued" }) });
    s = run(s, { type: "message_status_changed", event: statusChanged({ messageSid: "SMout", status: "delivered" }) });
    expect(messageList(s).map((m) => [m.sid, m.status])).toEqual([
      ["SMin", "received"],
      ["SMout", "delivered"],
    ]);
    s = run(s, { type: "message_status_changed", event: statusChanged({ messageSid: "SMout", status: "failed", errorCode: "30003" }) });
    expect(messageList(s)[1]).toMatchObject({ status: "failed", errorCode: "30003" });
  });

  it("selecting another conversation clears the messages", () => {
    let s = run(initialMessages, { type: "select", conversationId: "c1" });
    s = run(s, { type: "messages", conversationId: "c1", items: [msg("m1", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt: 0 });
    s = run(s, { type: "select", conversationId: "c2" });
    expect(messageList(s)).toEqual([]);
    expect(s.messages.loaded).toBe(false);
  });

  it("mark read's answer zeroes the unread count", () => {
    let s = run(initialMessages, { type: "conversations", items: [conv("a", null, { unreadCount: 2 })], nextCursor: null, requestedAt: 0 });
    s = run(s, { type: "confirmedConversation", conversation: conv("a", null, { unreadCount: 0 }) });
    expect(unreadTotal(s)).toBe(0);
  });

  it("parses the API's records", () => {
    expect(parseConversation({ ...conv("a", null), lastMessageAt: null })).toMatchObject({ id: "a", lastMessageAt: null });
    expect(parseMessage({ ...msg("m", "t"), errorCode: "1" })).toMatchObject({ sid: "m", errorCode: "1" });
    expect(parseMessage({ sid: "m" })).toBeNull();
  });
});
