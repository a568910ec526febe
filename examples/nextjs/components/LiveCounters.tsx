"use client";

import { useSocket } from "@kin-comms/kinrt-web";
import type { CallIncoming, MessageReceived, VoicemailCreated } from "@kin-comms/kinrt-web";
import { useEffect, useState } from "react";

/** The seed's pattern: subscribe with on, unsubscribe with off in the cleanup. */
export function LiveCounters() {
  // emit is there too; kinrt takes no events from clients (state changes go
  // through its REST API, which the hooks call), so nothing here sends one.
  const { on, off, emit: _emit, isConnected } = useSocket();
  const [counts, setCounts] = useState({ calls: 0, voicemails: 0, messages: 0 });
  const [last, setLast] = useState<string | null>(null);

  useEffect(() => {
    const onCall = (c: CallIncoming) => {
      setCounts((n) => ({ ...n, calls: n.calls + 1 }));
      setLast(`Incoming call from ${c.callerName || c.from}`);
    };
    const onVoicemail = (v: VoicemailCreated) => {
      setCounts((n) => ({ ...n, voicemails: n.voicemails + 1 }));
      setLast(`New voicemail from ${v.callerName || v.from}`);
    };
    const onMessage = (m: MessageReceived) => {
      setCounts((n) => ({ ...n, messages: n.messages + 1 }));
      setLast(`Message from ${m.from}`);
    };
    on("call_incoming", onCall);
    on("voicemail_created", onVoicemail);
    on("message_received", onMessage);
    return () => {
      off("call_incoming", onCall);
      off("voicemail_created", onVoicemail);
      off("message_received", onMessage);
    };
  }, [on, off]);

  return (
    <div>
      <h2>Since this page opened {isConnected ? "" : "(reconnecting…)"}</h2>
      <dl className="app-counters">
        <div>
          <dt>Calls</dt>
          <dd data-testid="count-calls">{counts.calls}</dd>
        </div>
        <div>
          <dt>Voicemails</dt>
          <dd data-testid="count-voicemails">{counts.voicemails}</dd>
        </div>
        <div>
          <dt>Messages</dt>
          <dd data-testid="count-messages">{counts.messages}</dd>
        </div>
      </dl>
      {last && <p className="app-muted">Last: {last}</p>}
    </div>
  );
}
