"use client";

import { useMessages } from "@kin-comms/kinrt-web";
import { type FormEvent, useState } from "react";

/** SMS conversations and the open one's messages, live; replies go through kinrt (Twilio). */
export function Conversations() {
  const m = useMessages();
  const [draft, setDraft] = useState("");
  const send = (e: FormEvent) => {
    e.preventDefault();
    if (!m.selectedId || draft.trim() === "") return;
    m.send(m.selectedId, draft.trim()).then(
      () => setDraft(""),
      () => {},
    );
  };
  return (
    <div className="app-grid app-grid--2">
      <section className="app-card">
        <h1>Conversations</h1>
        {m.conversationsError && <p className="app-error">{m.conversationsError}</p>}
        {m.conversationsLoaded && m.conversations.length === 0 && <p className="app-muted">No conversations.</p>}
        <ul className="app-list">
          {m.conversations.map((c) => (
            <li key={c.id} className="app-row">
              <button className="app-link" aria-pressed={c.id === m.selectedId} onClick={() => m.select(c.id)}>
                {c.customerNumber}
              </button>
              <span className="app-muted">{c.lastMessagePreview}</span>
              {c.unreadCount > 0 && <span className="app-badge app-badge--new">{c.unreadCount}</span>}
            </li>
          ))}
        </ul>
        {m.hasMoreConversations && <button onClick={() => void m.loadMoreConversations()}>Load more</button>}
      </section>
      <section className="app-card">
        {m.selected ? (
          <>
            <h2>{m.selected.customerNumber}</h2>
            {m.hasMoreMessages && <button onClick={() => void m.loadMoreMessages()}>Older messages</button>}
            {m.messagesError && <p className="app-error">{m.messagesError}</p>}
            <ol className="app-messages">
              {m.messages.map((msg) => (
                <li key={msg.sid} className={`app-message app-message--${msg.direction}`}>
                  {msg.body} <small className="app-muted">{msg.status}</small>
                </li>
              ))}
            </ol>
            <form onSubmit={send} className="app-toolbar">
              <input aria-label="Reply" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="Reply…" />
              <button disabled={m.pending.includes(m.selected.id)}>Send</button>
            </form>
            {m.actionError && <p className="app-error">{m.actionError}</p>}
          </>
        ) : (
          <p className="app-muted">Choose a conversation.</p>
        )}
      </section>
    </div>
  );
}
