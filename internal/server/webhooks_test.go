package server_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/twilio"
)

const (
	salesNumber   = "+15550001111"
	supportNumber = "+15550002222"
	customer      = "+15557654321"
)

// twilioClient posts webhooks signed as Twilio signs them, over the
// service's public URL.
type twilioClient struct {
	t      *testing.T
	base   string // where the test server listens
	public string // KIN_PUBLIC_URL
}

func (c twilioClient) post(path string, form url.Values) (int, string) {
	c.t.Helper()
	return c.postSigned(path, form, twilio.Sign(twilioToken, c.public+path, form))
}

func (c twilioClient) postSigned(path string, form url.Values, sig string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if sig != "" {
		req.Header.Set("X-Twilio-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func form(kv ...string) url.Values {
	v := url.Values{"AccountSid": {"AC00000000000000000000000000000000"}, "ApiVersion": {"2010-04-01"}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

func webhookServer(t *testing.T, dbPath string) (*server.Server, *httptest.Server, twilioClient) {
	t.Helper()
	srv, hs := startServer(t, func(c *config.Config) {
		c.PublicURL = "https://cc.example.com"
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
		if dbPath != "" {
			c.DatabaseURL = "sqlite:" + dbPath
		}
	})
	return srv, hs, twilioClient{t: t, base: hs.URL, public: "https://cc.example.com"}
}

// TestWebhooksEndToEnd drives every webhook route with signed requests,
// retries and out-of-order callbacks, and checks with real socket.io-client
// sockets which events reach whom, once each.
func TestWebhooksEndToEnd(t *testing.T) {
	srv, hs, tw := webhookServer(t, "")
	mint := func(p auth.Principal) string {
		tok, _ := srv.Verifier().Mint(p, time.Hour)
		return tok
	}
	sally := auth.Principal{UserID: "sally", Role: "agent", Department: "sales"}
	nc, results := startClients(t, hs.URL, []clientSpec{
		{Name: "sally", Auth: map[string]string{"token": mint(sally)}},
		{Name: "pat", Auth: map[string]string{"token": mint(auth.Principal{UserID: "pat", Role: "agent", Department: "support"})}},
		{Name: "admin", Auth: map[string]string{"token": mint(auth.Principal{UserID: "ada", Role: "admin"})}},
	})
	for n, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s: %s", n, r)
		}
	}
	expect := func(path string, f url.Values, status int) string {
		t.Helper()
		got, body := tw.post(path, f)
		if got != status {
			t.Fatalf("%s: %d %s, want %d", path, got, body, status)
		}
		return body
	}

	// An inbound call to sales goes to voicemail; Twilio retries /voice.
	voice := form("CallSid", "CA1", "From", customer, "To", salesNumber, "CallStatus", "ringing", "Direction", "inbound", "CallerName", "Carla")
	twiml := expect("/api/webhooks/twilio/voice", voice, 200)
	var doc struct {
		Verbs []struct {
			XMLName xml.Name
			Attrs   []xml.Attr `xml:",any,attr"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal([]byte(twiml), &doc); err != nil || len(doc.Verbs) != 4 || doc.Verbs[1].XMLName.Local != "Record" {
		t.Fatalf("voicemail TwiML %q: %v", twiml, err)
	}
	for _, a := range doc.Verbs[1].Attrs {
		if a.Name.Local == "recordingStatusCallback" && a.Value != "https://cc.example.com/api/webhooks/twilio/recording?kind=voicemail" {
			t.Errorf("recordingStatusCallback %q", a.Value)
		}
	}
	if again := expect("/api/webhooks/twilio/voice", voice, 200); canonicalXML(t, again) != canonicalXML(t, twiml) {
		t.Errorf("retried /voice answered differently:\n%s\n%s", again, twiml)
	}
	// Status callbacks out of order: completed arrives before in-progress.
	expect("/api/webhooks/twilio/status", form("CallSid", "CA1", "CallStatus", "completed", "SequenceNumber", "2", "CallDuration", "42", "From", customer, "To", salesNumber), 204)
	expect("/api/webhooks/twilio/status", form("CallSid", "CA1", "CallStatus", "in-progress", "SequenceNumber", "1", "From", customer, "To", salesNumber), 204)
	expect("/api/webhooks/twilio/status", form("CallSid", "CA1", "CallStatus", "completed", "SequenceNumber", "2", "CallDuration", "42", "From", customer, "To", salesNumber), 204)
	rec := form("CallSid", "CA1", "RecordingSid", "RE1", "RecordingStatus", "completed", "RecordingUrl", "https://api.twilio.com/rec/RE1", "RecordingDuration", "17", "RecordingSource", "RecordVerb")
	expect("/api/webhooks/twilio/recording?kind=voicemail", rec, 204)
	expect("/api/webhooks/twilio/recording?kind=voicemail", rec, 204)

	// Two SMS from a customer to support, one delivered twice.
	sms := form("MessageSid", "SM1", "From", customer, "To", supportNumber, "Body", "Hello there", "NumMedia", "0")
	expect("/api/webhooks/twilio/sms", sms, 200)
	expect("/api/webhooks/twilio/sms", sms, 200)
	expect("/api/webhooks/twilio/sms", form("MessageSid", "SM2", "From", customer, "To", supportNumber, "Body", "Anyone?", "NumMedia", "0"), 200)

	// An outbound message Sally sent fails.
	conv, _, err := srv.Store().Conversations().Ensure(context.Background(), salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store().Messages().Create(context.Background(), store.Message{SID: "SM9", ConversationID: conv.ID, Direction: store.Outbound, From: salesNumber, To: customer, Body: "Hi", SentBy: "sally"}); err != nil {
		t.Fatal(err)
	}
	expect("/api/webhooks/twilio/message-status", form("MessageSid", "SM9", "MessageStatus", "sent"), 204)
	expect("/api/webhooks/twilio/message-status", form("MessageSid", "SM9", "MessageStatus", "undelivered", "ErrorCode", "30003"), 204)
	expect("/api/webhooks/twilio/message-status", form("MessageSid", "SM9", "MessageStatus", "sent"), 204)

	// TaskRouter: an offer to Sally, delivered twice, accepted, completed;
	// her activity changes; an unknown event type is ignored.
	task := func(kv ...string) url.Values {
		return form(append([]string{"WorkspaceSid", "WS1", "TaskSid", "WT1", "TaskAttributes", `{"department":"sales","from":"` + customer + `"}`,
			"WorkerSid", "WK1", "WorkerName", "Sally Seller", "WorkerAttributes", `{"userId":"sally","department":"sales"}`, "ReservationSid", "WR1"}, kv...)...)
	}
	expect("/api/webhooks/taskrouter", task("EventType", "reservation.created", "Sid", "EV1", "TimestampMs", "1000", "TaskVersion", "1", "ReservationVersion", "0"), 204)
	expect("/api/webhooks/taskrouter", task("EventType", "reservation.created", "Sid", "EV1", "TimestampMs", "1000", "TaskVersion", "1", "ReservationVersion", "0"), 204)
	expect("/api/webhooks/taskrouter", task("EventType", "reservation.accepted", "Sid", "EV2", "TimestampMs", "2000", "TaskVersion", "2", "ReservationVersion", "1"), 204)
	expect("/api/webhooks/taskrouter", task("EventType", "task.completed", "Sid", "EV3", "TimestampMs", "3000", "TaskVersion", "3", "TaskCompletedReason", "done"), 204)
	expect("/api/webhooks/taskrouter", form("EventType", "worker.activity.update", "Sid", "EV4", "TimestampMs", "4000", "WorkerSid", "WK1",
		"WorkerName", "Sally Seller", "WorkerAttributes", `{"userId":"sally","department":"sales"}`, "WorkerActivityName", "Break", "WorkerPreviousActivityName", "Available", "WorkerVersion", "5"), 204)
	expect("/api/webhooks/taskrouter", form("EventType", "workspace.galaxy.exploded", "Sid", "EV5"), 204)

	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(context.Background(), end); err != nil {
		t.Fatal(err)
	}
	got := nc.received()
	names := func(who string) []string {
		var out []string
		for _, ev := range withoutPresence(got[who]) {
			var n string
			_ = json.Unmarshal(ev[0], &n)
			out = append(out, n)
		}
		return out
	}
	want := map[string][]string{
		"sally": {"call_incoming", "call_status_changed", "call_completed", "call_recording_available", "voicemail_created",
			"message_status_changed", "message_status_changed", "system_notification",
			"task_assigned", "task_accepted", "task_completed", "worker_activity_changed", "worker_status_changed"},
		"pat": {"message_received", "conversation_updated", "message_received", "conversation_updated"},
	}
	want["admin"] = []string{"call_incoming", "call_status_changed", "call_completed", "call_recording_available", "voicemail_created",
		"message_received", "conversation_updated", "message_received", "conversation_updated",
		"message_status_changed", "message_status_changed",
		"task_assigned", "task_accepted", "task_completed", "worker_activity_changed", "worker_status_changed"}
	for who, w := range want {
		if g := names(who); strings.Join(g, " ") != strings.Join(w, " ") {
			t.Errorf("%s received\n  %v\nwant\n  %v", who, g, w)
		}
	}
	for _, ev := range withoutPresence(got["pat"]) {
		if strings.Contains(string(ev[1]), `"unreadCount":2`) {
			goto unreadOK
		}
	}
	t.Error("pat never saw the conversation with 2 unread messages")
unreadOK:

	// The store holds the right final state.
	call, err := srv.Store().Calls().Get(context.Background(), "CA1")
	if err != nil || call.Status != "completed" || call.DurationSeconds != 42 || call.Department != "sales" {
		t.Errorf("call %+v %v", call, err)
	}
	hist, _ := srv.Store().Calls().History(context.Background(), "CA1")
	if len(hist) < 3 {
		t.Errorf("call history %+v: the late callback must be recorded", hist)
	}
	vms, _ := srv.Store().Voicemails().List(context.Background(), store.VoicemailFilter{Scope: store.AllDepartments()})
	if len(vms.Items) != 1 || vms.Items[0].From != customer || vms.Items[0].DurationSeconds != 17 {
		t.Errorf("voicemails %+v", vms.Items)
	}
	msg, _ := srv.Store().Messages().Get(context.Background(), "SM9")
	if msg.Status != "undelivered" || msg.ErrorCode != "30003" {
		t.Errorf("message %+v", msg)
	}

	// What people read: the caller and the worker by name, the record to
	// open (the recording's voicemail), in every task event the task's
	// attributes.
	payload := func(name string) map[string]any {
		for _, ev := range got["sally"] {
			var n string
			_ = json.Unmarshal(ev[0], &n)
			if n == name {
				var m map[string]any
				_ = json.Unmarshal(ev[1], &m)
				return m
			}
		}
		t.Fatalf("sally never saw %s", name)
		return nil
	}
	if len(vms.Items) == 1 {
		rec := payload("call_recording_available")
		if rec["voicemailId"] != vms.Items[0].ID || rec["from"] != customer || rec["callerName"] != "Carla" {
			t.Errorf("call_recording_available %v: want voicemail %s, from %s, Carla", rec, vms.Items[0].ID, customer)
		}
	}
	for _, name := range []string{"task_assigned", "task_accepted", "task_completed"} {
		m := payload(name)
		attrs, _ := m["attributes"].(map[string]any)
		if m["workerName"] != "Sally Seller" || attrs["from"] != customer {
			t.Errorf("%s %v: want workerName Sally Seller and the task's attributes", name, m)
		}
	}
	for _, name := range []string{"worker_activity_changed", "worker_status_changed"} {
		if m := payload(name); m["workerName"] != "Sally Seller" {
			t.Errorf("%s %v: want workerName Sally Seller", name, m)
		}
	}
}

// canonicalXML renders a TwiML document with sorted attributes: twilio-go
// writes attributes in a random order.
func canonicalXML(t *testing.T, s string) string {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			attrs := make([]string, 0, len(el.Attr))
			for _, a := range el.Attr {
				attrs = append(attrs, a.Name.Local+"="+a.Value)
			}
			sort.Strings(attrs)
			b.WriteString("<" + el.Name.Local + " " + strings.Join(attrs, " ") + ">")
		case xml.EndElement:
			b.WriteString("</" + el.Name.Local + ">")
		case xml.CharData:
			b.WriteString(strings.TrimSpace(string(el)))
		}
	}
	return b.String()
}

// TestWebhookRefusals: bad signatures, missing fields, oversized bodies
// and unknown statuses are refused and store nothing.
func TestWebhookRefusals(t *testing.T) {
	t.Parallel()
	srv, _, tw := webhookServer(t, "")
	voice := form("CallSid", "CA7", "From", customer, "To", salesNumber, "CallStatus", "ringing")
	cases := []struct {
		name   string
		status int
		body   string
		do     func() (int, string)
	}{
		{"no signature", 403, "signature", func() (int, string) { return tw.postSigned("/api/webhooks/twilio/voice", voice, "") }},
		{"wrong signature", 403, "signature", func() (int, string) {
			return tw.postSigned("/api/webhooks/twilio/voice", voice, twilio.Sign("not-the-token", tw.public+"/api/webhooks/twilio/voice", voice))
		}},
		{"signed for another URL", 403, "signature", func() (int, string) {
			return tw.postSigned("/api/webhooks/twilio/voice", voice, twilio.Sign(twilioToken, tw.public+"/api/webhooks/twilio/sms", voice))
		}},
		{"missing fields", 400, "CallSid, From", func() (int, string) { return tw.post("/api/webhooks/twilio/voice", form("To", salesNumber)) }},
		{"unknown status", 400, "CallStatus", func() (int, string) {
			return tw.post("/api/webhooks/twilio/status", form("CallSid", "CA7", "CallStatus", "exploded"))
		}},
		{"too large", 413, "too large", func() (int, string) {
			return tw.post("/api/webhooks/twilio/sms", form("MessageSid", "SM7", "From", customer, "To", salesNumber, "Body", strings.Repeat("x", twilio.MaxBody)))
		}},
	}
	for _, c := range cases {
		status, body := c.do()
		if status != c.status || !strings.Contains(body, c.body) || !strings.Contains(body, `"error"`) {
			t.Errorf("%s: %d %s, want %d mentioning %q", c.name, status, body, c.status, c.body)
		}
	}
	if _, err := srv.Store().Calls().Get(context.Background(), "CA7"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused webhook stored a call: %v", err)
	}
	if _, err := srv.Store().Messages().Get(context.Background(), "SM7"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused webhook stored a message: %v", err)
	}
}

// TestRecordsSurviveRestart: what a webhook stored is there after the
// service restarts on the same database.
func TestRecordsSurviveRestart(t *testing.T) {
	t.Parallel()
	db := t.TempDir() + "/kin.db"
	srv, _, tw := webhookServer(t, db)
	if status, body := tw.post("/api/webhooks/twilio/sms", form("MessageSid", "SM5", "From", customer, "To", salesNumber, "Body", "keep me")); status != 200 {
		t.Fatalf("sms: %d %s", status, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)
	srv2, _, _ := webhookServer(t, db)
	msg, err := srv2.Store().Messages().Get(context.Background(), "SM5")
	if err != nil || msg.Body != "keep me" {
		t.Fatalf("after restart: %+v %v", msg, err)
	}
}
