import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { formatTime } from "../lib/format";
import type { Conversation } from "../lib/messages";
import { useMessages } from "../lib/useMessages";
import { useRouteId } from "./useRoute";
import { useScrollToTarget, useShowDetail } from "./useTarget";

const MAX_SMS = 1600;

/** SMS threads with unread counts, the open thread's messages and a send box. */
export function ConversationsPage() {
  const m = useMessages();
  // A link to one conversation (#/conversations/{id}) opens it.
  const targetId = useRouteId("conversations");
  const { select } = m;
  useEffect(() => {
    if (targetId) select(targetId);
  }, [targetId, select]);
  const page = useRef<HTMLElement>(null);
  useScrollToTarget(page, targetId, m.conversations.some((c) => c.id === targetId));
  useShowDetail(page, m.selected?.id ?? null);
  return (
    <section className="dash-page" aria-labelledby="conv-title" ref={page}>
      <div className="dash-section-head">
        <h2 id="conv-title">Conversations</h2>
      </div>
      {m.actionError && (
        <p role="alert" className="dash-error">
          {m.actionError}{" "}
          <button type="button" className="dash-link-button" onClick={m.clearActionError}>
            Dismiss
          </button>
        </p>
      )}
      <div className="dash-split">
        <div className="dash-panel dash-split__list">
          {m.conversationsError && (
            <p role="note" className="dash-error">
              Could not load conversations: {m.conversationsError}
            </p>
          )}
          {!m.conversationsLoaded && !m.conversationsError && <p className="dash-muted">Loading conversations…</p>}
          {m.conversationsLoaded && m.conversations.length === 0 && <p className="dash-muted">No conversations.</p>}
          <ul className="dash-rows" aria-label="Conversations">
            {m.conversations.map((c) => (
              <ThreadRow key={c.id} c={c} selected={c.id === m.selectedId} target={c.id === targetId} onSelect={() => m.select(c.id)} />
            ))}
          </ul>
          {m.hasMoreConversations && (
            <button type="button" className="dash-button dash-button--quiet" onClick={() => void m.loadMoreConversations()}>
              Load more
            </button>
          )}
        </div>
        <div className="dash-panel dash-split__detail">
          {m.selected ? <Thread m={m} c={m.selected} /> : <p className="dash-muted">Select a conversation.</p>}
        </div>
      </div>
    </section>
  );
}

function ThreadRow({ c, selected, target, onSelect }: { c: Conversation; selected: boolean; target: boolean; onSelect: () => void }) {
  const unread = c.unreadCount > 0;
  return (
    <li className={`dash-row${selected ? " dash-row--selected" : ""}${target ? " dash-row--target" : ""}`} data-id={c.id}>
      <button type="button" className="dash-row__main" aria-pressed={selected} onClick={onSelect}>
        <span className={`dash-row__title${unread ? " dash-row__title--unread" : ""}`}>{c.customerNumber}</span>
        <span className="dash-row__meta">
          {c.lastMessageAt ? `${formatTime(c.lastMessageAt)} · ` : ""}
          {c.lastMessagePreview}
        </span>
      </button>
      {unread && (
        <span className="dash-count" aria-label={`${c.unreadCount} unread`}>
          {c.unreadCount}
        </span>
      )}
    </li>
  );
}

function Thread({ m, c }: { m: ReturnType<typeof useMessages>; c: Conversation }) {
  const [body, setBody] = useState("");
  const boxId = useId();
  const listRef = useRef<HTMLOListElement>(null);
  const sending = m.pending.includes(c.id);
  const last = m.messages.at(-1)?.sid;
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [last]);

  const send = (e?: FormEvent) => {
    e?.preventDefault();
    const text = body.trim();
    if (!text || sending) return;
    m.send(c.id, text).then(
      () => setBody(""),
      () => {}, // shown in the page's alert; the text stays to retry
    );
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) send();
  };
  return (
    <article className="dash-thread" aria-labelledby={`conv-${c.id}`}>
      <h3 id={`conv-${c.id}`}>{c.customerNumber}</h3>
      <p className="dash-muted">
        Our number {c.ourNumber} · {c.department}
      </p>
      {m.messagesError && (
        <p role="note" className="dash-error">
          Could not load messages: {m.messagesError}
        </p>
      )}
      {m.hasMoreMessages && (
        <button type="button" className="dash-button dash-button--quiet dash-button--small" onClick={() => void m.loadMoreMessages()}>
          Older messages
        </button>
      )}
      <ol className="dash-messages" aria-label="Messages" ref={listRef} tabIndex={0}>
        {!m.messagesLoaded && !m.messagesError && <li className="dash-muted">Loading messages…</li>}
        {m.messages.map((msg) => (
          <li key={msg.sid} className={`dash-msg dash-msg--${msg.direction === "outbound" ? "out" : "in"}`} data-id={msg.sid}>
            <span className="kin-sr-only">{msg.direction === "outbound" ? "Sent: " : "Received: "}</span>
            <span className="dash-msg__body">{msg.body}</span>
            <span className="dash-msg__meta">
              {formatTime(msg.createdAt)}
              {msg.direction === "outbound" ? ` · ${msg.status}` : ""}
              {msg.errorCode ? ` (error ${msg.errorCode})` : ""}
            </span>
          </li>
        ))}
      </ol>
      <form className="dash-send" onSubmit={send}>
        <label htmlFor={boxId} className="kin-sr-only">
          Message to {c.customerNumber}
        </label>
        <textarea
          id={boxId}
          value={body}
          rows={2}
          maxLength={MAX_SMS}
          placeholder="Write a message (Ctrl+Enter sends)"
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="dash-button" disabled={sending || body.trim() === ""}>
          {sending ? "Sending…" : "Send"}
        </button>
      </form>
    </article>
  );
}
