package twilio

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
)

// voice stores a call and answers with its flow; a new inbound call emits
// call_incoming.
func (h *Webhooks) voice(ctx context.Context, tx store.Tx, r *http.Request, f Form) (reply, []events.Event, error) {
	if r.URL.Query().Get("step") == "vm-done" {
		rep, err := twimlReply(Hangup())
		return rep, nil, err
	}
	status := f.Get("CallStatus")
	if status == "" {
		status = store.CallRinging
	}
	if _, ok := store.CallStatusRank(status); !ok {
		return reply{}, nil, &badInput{"CallStatus: unknown status " + strconv.Quote(status)}
	}
	call, created, err := tx.Calls().Create(ctx, store.Call{
		SID: f.Get("CallSid"), ParentSID: f.Get("ParentCallSid"), Direction: f.Get("Direction"),
		From: f.Get("From"), To: f.Get("To"), CallerName: f.Get("CallerName"),
		Department: h.department(ourNumber(f)), Status: status, Sequence: store.NoSequence,
	})
	if err != nil {
		return reply{}, nil, err
	}
	var emit []events.Event
	if created && (call.Direction == "" || call.Direction == "inbound") && call.ParentSID == "" {
		emit = append(emit, &events.CallIncoming{
			CallSID: call.SID, From: call.From, To: call.To, CallerName: call.CallerName,
			Department: call.Department, AssignedTo: call.AssignedTo,
		})
	}
	var rep reply
	if h.cfg.WorkflowSID != "" {
		attrs, _ := json.Marshal(map[string]string{"type": "inbound_call", "callSid": call.SID, "from": call.From, "to": call.To, "department": call.Department})
		rep, err = twimlReply(EnqueueFlow(h.cfg.WorkflowSID, string(attrs)))
	} else {
		rep, err = twimlReply(VoicemailFlow(h.cfg.PublicURL, h.cfg.Greeting))
	}
	return rep, emit, err
}

// status applies a call status callback: call_status_changed when the
// status moved forward, and call_completed when it reached a terminal
// status. Late or repeated callbacks are recorded and emit nothing.
func (h *Webhooks) status(ctx context.Context, tx store.Tx, _ *http.Request, f Form) (reply, []events.Event, error) {
	status := f.Get("CallStatus")
	if _, ok := store.CallStatusRank(status); !ok {
		return reply{}, nil, &badInput{"CallStatus: unknown status " + strconv.Quote(status)}
	}
	seq := store.NoSequence
	if s := f.Get("SequenceNumber"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return reply{}, nil, &badInput{"SequenceNumber: not a number"}
		}
		seq = n
	}
	call, tr, err := tx.Calls().UpdateStatus(ctx, store.CallStatusUpdate{
		SID: f.Get("CallSid"), Status: status, Sequence: seq, DurationSeconds: atoi(f.Get("CallDuration")),
		At: twilioTime(f.Get("Timestamp")),
		Call: store.Call{ParentSID: f.Get("ParentCallSid"), Direction: f.Get("Direction"), From: f.Get("From"), To: f.Get("To"),
			CallerName: f.Get("CallerName"), Department: h.department(ourNumber(f))},
	})
	if err != nil {
		return reply{}, nil, err
	}
	if !tr.Changed {
		return noContent, nil, nil
	}
	emit := []events.Event{&events.CallStatusChanged{
		CallSID: call.SID, Status: call.Status, PreviousStatus: tr.Previous, Direction: call.Direction,
		From: call.From, To: call.To, Department: call.Department, AssignedTo: call.AssignedTo,
	}}
	if store.IsTerminalCallStatus(call.Status) && !store.IsTerminalCallStatus(tr.Previous) {
		emit = append(emit, &events.CallCompleted{
			CallSID: call.SID, Status: call.Status, DurationSeconds: call.DurationSeconds,
			From: call.From, To: call.To, Department: call.Department, AssignedTo: call.AssignedTo,
		})
	}
	return noContent, emit, nil
}

// recording applies a recording status callback: call_recording_available
// for a completed recording, and for a voicemail also the voicemail and
// voicemail_created.
func (h *Webhooks) recording(ctx context.Context, tx store.Tx, r *http.Request, f Form) (reply, []events.Event, error) {
	status := f.Get("RecordingStatus")
	if _, ok := store.RecordingStatusRank(status); !ok {
		return reply{}, nil, &badInput{"RecordingStatus: unknown status " + strconv.Quote(status)}
	}
	kind := store.RecordingKindCall
	if r.URL.Query().Get("kind") == "voicemail" || f.Get("RecordingSource") == "RecordVerb" {
		kind = store.RecordingKindVoicemail
	}
	rec, tr, err := tx.Recordings().UpdateStatus(ctx, store.RecordingUpdate{
		SID: f.Get("RecordingSid"), Kind: kind, CallSID: f.Get("CallSid"), Status: status,
		URL: f.Get("RecordingUrl"), DurationSeconds: atoi(f.Get("RecordingDuration")),
		Source: f.Get("RecordingSource"), ErrorCode: f.Get("ErrorCode"),
	})
	if err != nil {
		return reply{}, nil, err
	}
	if !tr.Changed || rec.Status != store.RecordingCompleted {
		return noContent, nil, nil
	}
	call, err := tx.Calls().Get(ctx, rec.CallSID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return reply{}, nil, err
	}
	if call.Department == "" {
		call.Department = events.DefaultDepartment
	}
	rae := &events.CallRecordingAvailable{
		CallSID: rec.CallSID, RecordingSID: rec.SID, DurationSeconds: rec.DurationSeconds,
		MediaURL: "/api/recordings/" + rec.SID, Department: call.Department, AssignedTo: call.AssignedTo,
		From: call.From, CallerName: call.CallerName,
	}
	emit := []events.Event{rae}
	if kind == store.RecordingKindVoicemail {
		vm, created, err := tx.Voicemails().Create(ctx, store.Voicemail{
			CallSID: rec.CallSID, RecordingSID: rec.SID, RecordingURL: rec.URL,
			From: call.From, To: call.To, CallerName: call.CallerName, Department: call.Department,
			AssignedTo: call.AssignedTo, DurationSeconds: rec.DurationSeconds,
		})
		if err != nil {
			return reply{}, nil, err
		}
		rae.VoicemailID = vm.ID
		if created {
			emit = append(emit, &events.VoicemailCreated{
				VoicemailID: vm.ID, CallSID: vm.CallSID, RecordingSID: vm.RecordingSID, From: vm.From, To: vm.To,
				CallerName: vm.CallerName, Department: vm.Department, Status: vm.Status, AssignedTo: vm.AssignedTo,
				DurationSeconds: vm.DurationSeconds,
			})
		}
	}
	return noContent, emit, nil
}
