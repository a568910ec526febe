import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { ConversationUpdated, EventName, MessageReceived, MessageStatusChanged } from "../generated/events.js";
import type { Page } from "./api.js";
import { parseItems } from "./collection.js";
import {
  conversationList,
  initialMessages,
  messageList,
  messagesReducer,
  parseConversation,
  parseMessage,
  type Conversation,
  type Message,
} from "./messages.js";
import { useSocket } from "./SocketProvider.js";
import { useActions, useListLoader } from "./useListLoader.js";
import { useSocketEvent } from "./useSocketEvent.js";

const MESSAGE_EVENTS: readonly EventName[] = ["conversation_updated", "message_received", "message_status_changed"];
const NO_EVENTS: readonly EventName[] = [];

export interface UseMessagesOptions {
  /** Page size (the API's limit). */
  limit?: number;
  /** Mark the open conversation read (POST …/read) while it has unread messages. Default true. */
  markReadWhenOpen?: boolean;
  enabled?: boolean;
}

export interface MessagesResult {
  /** The most recent message first. */
  conversations: Conversation[];
  conversationsLoaded: boolean;
  conversationsLoading: boolean;
  hasMoreConversations: boolean;
  loadMoreConversations: () => Promise<void>;
  conversationsError: string | null;
  /** The open conversation. */
  selectedId: string | null;
  selected: Conversation | null;
  select: (conversationId: string | null) => void;
  /** The open conversation's messages, oldest first. */
  messages: Message[];
  messagesLoaded: boolean;
  messagesLoading: boolean;
  /** Whether older messages can be loaded. */
  hasMoreMessages: boolean;
  loadMoreMessages: () => Promise<void>;
  messagesError: string | null;
  /** POST /api/conversations/{id}/messages; resolves with the stored message, rejects with the server's message. */
  send: (conversationId: string, body: string) => Promise<Message>;
  /** POST /api/conversations/{id}/read. */
  markRead: (conversationId: string) => Promise<Conversation>;
  /** Conversation ids with an action in flight. */
  pending: readonly string[];
  actionError: string | null;
  clearActionError: () => void;
}

/**
 * SMS conversations with unread counts, and one open conversation's
 * messages: REST pages (loadMore* follow the cursors), live events, sending
 * and marking read (the server's answers update the state), reloaded after
 * every reconnection that was not recovered.
 */
export function useMessages({ limit, markReadWhenOpen = true, enabled = true }: UseMessagesOptions = {}): MessagesResult {
  const { api } = useSocket();
  const [state, dispatch] = useReducer(messagesReducer, initialMessages);
  const selectedId = state.selectedId;

  const convs = useListLoader<Conversation>({
    enabled,
    key: "",
    seq: state.conversations.seq,
    nextCursor: state.conversations.nextCursor,
    fetchPage: (cursor, signal) =>
      api<Page<unknown>>("/api/conversations", { query: { cursor, limit }, signal }).then((p) => parseItems(p, parseConversation)),
    onSnapshot: (p, requestedAt) => dispatch({ type: "conversations", ...p, requestedAt }),
    onPage: (p, requestedAt) => dispatch({ type: "conversations", ...p, requestedAt, more: true }),
  });

  const msgs = useListLoader<Message>({
    enabled: enabled && selectedId !== null,
    key: selectedId ?? "",
    seq: state.messages.seq,
    nextCursor: state.messages.nextCursor,
    fetchPage: (cursor, signal) => {
      const id = selectedId ?? "";
      return api<Page<unknown>>(`/api/conversations/${encodeURIComponent(id)}/messages`, {
        query: { cursor, limit },
        signal,
      }).then((p) => parseItems(p, parseMessage));
    },
    onSnapshot: (p, requestedAt) =>
      selectedId && dispatch({ type: "messages", conversationId: selectedId, ...p, requestedAt }),
    onPage: (p, requestedAt) =>
      selectedId && dispatch({ type: "messages", conversationId: selectedId, ...p, requestedAt, more: true }),
  });

  useSocketEvent(enabled ? MESSAGE_EVENTS : NO_EVENTS, (event, payload) => {
    if (event === "conversation_updated") dispatch({ type: event, event: payload as ConversationUpdated });
    else if (event === "message_received") dispatch({ type: event, event: payload as MessageReceived });
    else if (event === "message_status_changed") dispatch({ type: event, event: payload as MessageStatusChanged });
  });

  const { pending, actionError, run, clearError } = useActions();
  const send = useCallback(
    (conversationId: string, body: string) =>
      run(conversationId, async () => {
        const raw = await api<unknown>(`/api/conversations/${encodeURIComponent(conversationId)}/messages`, {
          method: "POST",
          body: { body },
        });
        const m = parseMessage(raw);
        if (!m) throw new Error("unexpected answer from the server");
        dispatch({ type: "confirmedMessage", message: m });
        return m;
      }),
    [api, run],
  );
  const markRead = useCallback(
    (conversationId: string) =>
      run(conversationId, async () => {
        const raw = await api<unknown>(`/api/conversations/${encodeURIComponent(conversationId)}/read`, { method: "POST" });
        const c = parseConversation(raw);
        if (!c) throw new Error("unexpected answer from the server");
        dispatch({ type: "confirmedConversation", conversation: c });
        return c;
      }),
    [api, run],
  );
  const select = useCallback((conversationId: string | null) => dispatch({ type: "select", conversationId }), []);

  const selected = selectedId ? (state.conversations.byId[selectedId] ?? null) : null;
  const unread = selected?.unreadCount ?? 0;
  const reading = useRef<string | null>(null);
  useEffect(() => {
    if (!enabled || !markReadWhenOpen || !selectedId || unread === 0 || reading.current === selectedId) return;
    reading.current = selectedId;
    markRead(selectedId)
      .catch(() => {})
      .finally(() => {
        reading.current = null;
      });
  }, [enabled, markReadWhenOpen, selectedId, unread, markRead]);

  const conversations = useMemo(() => conversationList(state), [state.conversations]);
  const messages = useMemo(() => messageList(state), [state.messages]);
  return {
    conversations,
    conversationsLoaded: state.conversations.loaded,
    conversationsLoading: convs.loading,
    hasMoreConversations: state.conversations.nextCursor !== null,
    loadMoreConversations: convs.loadMore,
    conversationsError: convs.error,
    selectedId,
    selected,
    select,
    messages,
    messagesLoaded: state.messages.loaded,
    messagesLoading: msgs.loading,
    hasMoreMessages: state.messages.nextCursor !== null,
    loadMoreMessages: msgs.loadMore,
    messagesError: msgs.error,
    send,
    markRead,
    pending,
    actionError,
    clearActionError: clearError,
  };
}
