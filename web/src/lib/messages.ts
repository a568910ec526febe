import type { ConversationUpdated, MessageReceived, MessageStatusChanged } from "../generated/events.js";
import {
  applyConfirmed,
  applyLive,
  applyPage,
  applySnapshot,
  collectionItems,
  compareTimes,
  emptyCollection,
  newestFirst,
  num,
  obj,
  str,
  strOrNull,
  type Collection,
} from "./collection.js";
import type { RestSchemas } from "./rest.js";

/** A conversation as the REST API gives it (GET /api/conversations). */
export type Conversation = RestSchemas["Conversation"];

/** A message as the REST API gives it (GET /api/conversations/{id}/messages); direction is inbound or outbound. */
export type Message = RestSchemas["Message"];

export function parseConversation(raw: unknown): Conversation | null {
  const r = obj(raw);
  if (!r || typeof r.id !== "string" || r.id === "") return null;
  const c: Conversation = {
    id: r.id,
    ourNumber: str(r.ourNumber),
    customerNumber: str(r.customerNumber),
    department: str(r.department),
    assignedTo: strOrNull(r.assignedTo),
    unreadCount: num(r.unreadCount),
    lastMessagePreview: str(r.lastMessagePreview),
    lastMessageAt: strOrNull(r.lastMessageAt),
    createdAt: str(r.createdAt),
  };
  if (typeof r.updatedAt === "string" && r.updatedAt) c.updatedAt = r.updatedAt;
  return c;
}

export function parseMessage(raw: unknown): Message | null {
  const r = obj(raw);
  if (!r || typeof r.sid !== "string" || r.sid === "" || typeof r.conversationId !== "string") return null;
  const m: Message = {
    sid: r.sid,
    conversationId: r.conversationId,
    direction: str(r.direction),
    from: str(r.from),
    to: str(r.to),
    body: str(r.body),
    numMedia: num(r.numMedia),
    status: str(r.status),
    createdAt: str(r.createdAt),
  };
  if (typeof r.errorCode === "string" && r.errorCode) m.errorCode = r.errorCode;
  if (typeof r.sentBy === "string" && r.sentBy) m.sentBy = r.sentBy;
  if (typeof r.updatedAt === "string" && r.updatedAt) m.updatedAt = r.updatedAt;
  return m;
}

/** A message from its message_received event. */
export function messageFromEvent(e: MessageReceived): Message {
  return {
    sid: e.messageSid,
    conversationId: e.conversationId,
    direction: "inbound",
    from: e.from,
    to: e.to,
    body: e.body,
    numMedia: e.numMedia,
    status: "received",
    createdAt: e.occurredAt,
  };
}

export interface MessagesState {
  conversations: Collection<Conversation>;
  /** The open conversation, or null. */
  selectedId: string | null;
  /** The open conversation's messages. */
  messages: Collection<Message>;
}

export type MessagesAction =
  | { type: "conversations"; items: readonly Conversation[]; nextCursor: string | null; requestedAt: number; more?: boolean }
  | { type: "messages"; conversationId: string; items: readonly Message[]; nextCursor: string | null; requestedAt: number; more?: boolean }
  | { type: "select"; conversationId: string | null }
  | { type: "conversation_updated"; event: ConversationUpdated }
  | { type: "message_received"; event: MessageReceived }
  | { type: "message_status_changed"; event: MessageStatusChanged }
  | { type: "confirmedConversation"; conversation: Conversation }
  | { type: "confirmedMessage"; message: Message };

export const initialMessages: MessagesState = {
  conversations: emptyCollection(),
  selectedId: null,
  messages: emptyCollection(),
};

const convKey = (c: Conversation) => c.id;
const msgKey = (m: Message) => m.sid;

/**
 * Conversations (unique by id, most recent message first) and the open
 * conversation's messages (unique by sid, oldest first), from REST pages and
 * conversation_updated, message_received and message_status_changed.
 */
export function messagesReducer(state: MessagesState, action: MessagesAction): MessagesState {
  switch (action.type) {
    case "conversations": {
      const apply = action.more ? applyPage : applySnapshot;
      return { ...state, conversations: apply(state.conversations, action.items, convKey, action.nextCursor, action.requestedAt) };
    }
    case "messages": {
      if (action.conversationId !== state.selectedId) return state;
      const apply = action.more ? applyPage : applySnapshot;
      const items = action.items.filter((m) => m.conversationId === state.selectedId);
      return { ...state, messages: apply(state.messages, items, msgKey, action.nextCursor, action.requestedAt) };
    }
    case "select":
      if (action.conversationId === state.selectedId) return state;
      return { ...state, selectedId: action.conversationId, messages: emptyCollection() };
    case "conversation_updated": {
      const e = action.event;
      return {
        ...state,
        conversations: applyLive(state.conversations, e.id, e.conversationId, (cur) => {
          // An older event than what is shown (events of one conversation may cross).
          if (cur?.lastMessageAt && e.lastMessageAt && compareTimes(e.lastMessageAt, cur.lastMessageAt) < 0) return undefined;
          return {
            id: e.conversationId,
            ourNumber: e.ourNumber,
            customerNumber: e.customerNumber,
            department: e.department,
            assignedTo: e.assignedTo || null,
            unreadCount: e.unreadCount,
            lastMessagePreview: e.lastMessagePreview,
            lastMessageAt: e.lastMessageAt || null,
            createdAt: cur?.createdAt ?? e.occurredAt,
            updatedAt: e.occurredAt,
          };
        }),
      };
    }
    case "message_received": {
      const e = action.event;
      if (e.conversationId !== state.selectedId) return state;
      return {
        ...state,
        messages: applyLive(state.messages, e.id, e.messageSid, (cur) => (cur ? undefined : messageFromEvent(e))),
      };
    }
    case "message_status_changed": {
      const e = action.event;
      if (e.conversationId !== state.selectedId) return state;
      return {
        ...state,
        messages: applyLive(state.messages, e.id, e.messageSid, (cur) => {
          if (!cur) return undefined;
          const next: Message = { ...cur, status: e.status, updatedAt: e.occurredAt };
          if (e.errorCode) next.errorCode = e.errorCode;
          return next;
        }),
      };
    }
    case "confirmedConversation":
      return { ...state, conversations: applyConfirmed(state.conversations, action.conversation, convKey) };
    case "confirmedMessage": {
      const m = action.message;
      if (m.conversationId !== state.selectedId) return state;
      return {
        ...state,
        // A status event may have come first: keep the newer status.
        messages: applyLive(state.messages, null, m.sid, (cur) => (cur ? { ...m, status: cur.status, ...pickError(cur) } : m)),
      };
    }
  }
}

const pickError = (m: Message) => (m.errorCode ? { errorCode: m.errorCode } : {});

/** Conversations, the most recent message first. */
export function conversationList(state: MessagesState): Conversation[] {
  return collectionItems(state.conversations, (a, b) =>
    newestFirst(a.lastMessageAt ?? a.createdAt, b.lastMessageAt ?? b.createdAt, a.id, b.id),
  );
}

/** The open conversation's messages, oldest first (chat order). */
export function messageList(state: MessagesState): Message[] {
  return collectionItems(state.messages, (a, b) => -newestFirst(a.createdAt, b.createdAt, a.sid, b.sid));
}

/** Total unread messages. */
export function unreadTotal(state: MessagesState): number {
  return Object.values(state.conversations.byId).reduce((n, c) => n + c.unreadCount, 0);
}
