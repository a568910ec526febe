"use client";

import { type FormEvent, useState } from "react";

/** Posts to this app's /api/announce, which broadcasts through kinrt. */
export function AnnounceForm({ departments }: { departments: string[] }) {
  const [department, setDepartment] = useState(departments[0] ?? "");
  const [message, setMessage] = useState("");
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);
  const [sending, setSending] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSending(true);
    setStatus(null);
    try {
      const res = await fetch("/api/announce", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ department, message }),
      });
      const body = (await res.json().catch(() => ({}))) as { error?: string };
      if (!res.ok) setStatus({ ok: false, text: body.error ?? `failed (${res.status})` });
      else {
        setStatus({ ok: true, text: `Sent to ${department}: ${message}` });
        setMessage("");
      }
    } catch (err) {
      setStatus({ ok: false, text: String(err) });
    } finally {
      setSending(false);
    }
  };

  return (
    <section className="app-card">
      <h1>Announce</h1>
      <form onSubmit={submit} className="app-form">
        <label>
          Department{" "}
          <select value={department} onChange={(e) => setDepartment(e.target.value)}>
            {departments.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </label>
        <label>
          Message <textarea value={message} maxLength={500} required onChange={(e) => setMessage(e.target.value)} />
        </label>
        <button type="submit" disabled={sending || message.trim() === ""}>
          Send announcement
        </button>
      </form>
      {status && (
        <p role="status" className={status.ok ? "app-ok" : "app-error"}>
          {status.text}
        </p>
      )}
    </section>
  );
}
