package server_test

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/twilio/twiliofake"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// newDemoEnv is a service in demo mode (its fake Twilio built in), with
// the REST tests' public URL and token so that restEnv's helpers sign its
// webhooks; an admin socket sees every event.
func newDemoEnv(t *testing.T, demo bool) (*restEnv, *siotest.Client) {
	t.Helper()
	srv, hs := startServer(t, func(c *config.Config) {
		c.Demo = demo
		c.PublicURL = restPublicURL
		c.TwilioAuthToken = restToken
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
	})
	e := &restEnv{t: t, srv: srv, hs: hs}
	return e, e.dial("demo-admin")
}

// token is a session of the demo user id.
func (e *restEnv) token(id string) string {
	e.t.Helper()
	for _, u := range server.DemoUsers {
		if u.UserID == id {
			return e.mint(u)
		}
	}
	e.t.Fatalf("no demo user %s", id)
	return ""
}

// dial connects a socket as the demo user id.
func (e *restEnv) dial(id string) *siotest.Client {
	e.t.Helper()
	return siotest.Dial(e.t, e.hs.URL, "", map[string]string{"token": e.token(id)})
}

// awaitEvent reads c's events until one named name matches, and returns
// its payload.
func awaitEvent(t *testing.T, c *siotest.Client, name string, match func(m map[string]any) bool) map[string]any {
	t.Helper()
	for range 2000 {
		args, _ := c.Event()
		var n string
		_ = json.Unmarshal(args[0], &n)
		if n != name || len(args) < 2 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(args[1], &m); err != nil {
			t.Fatalf("%s: %s", name, args[1])
		}
		if match == nil || match(m) {
			return m
		}
	}
	t.Fatalf("no matching %s", name)
	return nil
}

// conversation makes a conversation of a customer with sales through a
// signed SMS webhook and returns its id.
func (e *restEnv) conversation(customer string) string {
	e.t.Helper()
	if st, body := e.webhook("/api/webhooks/twilio/sms", url.Values{"MessageSid": {restSID("SM", 77)}, "From": {customer}, "To": {salesNumber},
		"Body": {"hello"}, "NumMedia": {"0"}, "AccountSid": {server.DemoAccountSID}}); st/100 != 2 {
		e.t.Fatalf("sms webhook: %d %s", st, body)
	}
	var list struct {
		Items []struct{ ID, CustomerNumber string }
	}
	e.expect("GET", "/api/conversations", e.token("demo-admin"), "", 200, "").json(e.t, &list)
	for _, c := range list.Items {
		if c.CustomerNumber == customer {
			return c.ID
		}
	}
	e.t.Fatalf("no conversation with %s", customer)
	return ""
}

// TestDemoSMSReply: without a Twilio account a reply is 503; in demo mode
// it is sent (201) through the fake Twilio, whose signed status callbacks
// reach the service and move the message on.
func TestDemoSMSReply(t *testing.T) {
	t.Parallel()
	const customer = "+15557654321"
	off, _ := newDemoEnv(t, false)
	if off.srv.DemoTwilio() != "" {
		t.Errorf("a fake Twilio without --demo: %s", off.srv.DemoTwilio())
	}
	off.expect("POST", "/api/conversations/"+off.conversation(customer)+"/messages", off.token("demo-admin"), `{"body":"hi"}`, 503, "not configured")

	e, admin := newDemoEnv(t, true)
	agent := e.token("demo-sales-1")
	id := e.conversation(customer)
	var sent struct{ SID, Status, SentBy string }
	e.expect("POST", "/api/conversations/"+id+"/messages", agent, `{"body":"We'll call you back."}`, 201, "").json(t, &sent)
	if !strings.HasPrefix(sent.SID, "SM") || sent.Status != "queued" || sent.SentBy != "demo-sales-1" {
		t.Fatalf("sent %+v", sent)
	}
	final := awaitEvent(t, admin, "message_status_changed", func(m map[string]any) bool {
		return m["messageSid"] == sent.SID && (m["status"] == "delivered" || m["status"] == "undelivered")
	})
	var msgs struct {
		Items []struct{ SID, Status, ErrorCode string }
	}
	e.expect("GET", "/api/conversations/"+id+"/messages", agent, "", 200, "").json(t, &msgs)
	if len(msgs.Items) == 0 || msgs.Items[0].SID != sent.SID || msgs.Items[0].Status != final["status"] {
		t.Errorf("messages %+v after %v", msgs.Items, final)
	}
	if final["status"] == "undelivered" && msgs.Items[0].ErrorCode == "" {
		t.Errorf("undelivered without an error code: %+v", msgs.Items[0])
	}
}

// TestDemoTaskRouter: the demo's workers are announced; an agent changes
// their activity (the fake's signed worker.activity.update follows); a
// task is offered to a signed-in agent, accepted, the agent is Busy, and
// the task completes; another is rejected and offered to the other agent.
func TestDemoTaskRouter(t *testing.T) {
	t.Parallel()
	e, admin := newDemoEnv(t, true)
	// Both sales agents are signed in: their offers wait for them.
	e.dial("demo-sales-1")
	e.dial("demo-sales-2")
	for range server.DemoWorkers() {
		awaitEvent(t, admin, "worker_activity_changed", nil)
	}
	sally := e.token("demo-sales-1")
	var w struct{ ActivityName string }
	e.expect("PATCH", "/api/taskrouter/workers/WKdemo02", sally, `{"activitySid":"`+server.DemoActivityBreak+`"}`, 200, "").json(t, &w)
	if w.ActivityName != "Break" {
		t.Fatalf("PATCH worker: %+v", w)
	}
	awaitEvent(t, admin, "worker_activity_changed", func(m map[string]any) bool {
		return m["workerSid"] == "WKdemo02" && m["activityName"] == "Break"
	})
	e.expect("PATCH", "/api/taskrouter/workers/WKdemo03", sally, `{"activitySid":"`+server.DemoActivityBreak+`"}`, 403, "only your own")
	e.expect("PATCH", "/api/taskrouter/workers/WKdemo02", sally, `{"activitySid":"`+server.DemoActivityAvailable+`"}`, 200, "")

	fake := func(path string, form url.Values) map[string]any {
		t.Helper()
		req, _ := http.NewRequest("POST", e.srv.DemoTwilio()+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(server.DemoAccountSID, restToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode/100 != 2 {
			t.Fatalf("fake Twilio %s: %d %v", path, resp.StatusCode, m)
		}
		return m
	}
	tasks := "/v1/Workspaces/" + server.DemoWorkspaceSID + "/Tasks"
	users := map[string]string{"WKdemo02": "demo-sales-1", "WKdemo03": "demo-sales-2"}

	task := fake(tasks, url.Values{"Attributes": {`{"type":"inbound_call","department":"sales","from":"+15557654321","name":"Mina Park"}`}})["sid"].(string)
	offer := awaitEvent(t, admin, "task_assigned", func(m map[string]any) bool { return m["taskSid"] == task })
	worker, res := offer["workerSid"].(string), offer["reservationSid"].(string)
	tok := e.token(users[worker])
	var offers struct {
		Items []struct{ ReservationSid string }
	}
	e.expect("GET", "/api/taskrouter/offers", tok, "", 200, "").json(t, &offers)
	if len(offers.Items) != 1 || offers.Items[0].ReservationSid != res {
		t.Fatalf("%s's offers: %+v, want %s", users[worker], offers.Items, res)
	}
	e.expect("POST", "/api/taskrouter/reservations/"+res+"/accept", tok, "", 200, "")
	awaitEvent(t, admin, "worker_activity_changed", func(m map[string]any) bool {
		return m["workerSid"] == worker && m["activityName"] == "Busy"
	})
	fake(tasks+"/"+task, url.Values{"AssignmentStatus": {"completed"}, "Reason": {"call ended"}})
	awaitEvent(t, admin, "task_completed", func(m map[string]any) bool { return m["taskSid"] == task && m["outcome"] == "completed" })
	awaitEvent(t, admin, "worker_activity_changed", func(m map[string]any) bool {
		return m["workerSid"] == worker && m["activityName"] == "Available"
	})

	task = fake(tasks, url.Values{"Attributes": {`{"type":"inbound_call","department":"sales"}`}})["sid"].(string)
	offer = awaitEvent(t, admin, "task_assigned", func(m map[string]any) bool { return m["taskSid"] == task })
	first := offer["workerSid"].(string)
	e.expect("POST", "/api/taskrouter/reservations/"+offer["reservationSid"].(string)+"/reject", e.token(users[first]), "", 200, "")
	awaitEvent(t, admin, "task_rejected", func(m map[string]any) bool { return m["taskSid"] == task })
	again := awaitEvent(t, admin, "task_assigned", func(m map[string]any) bool { return m["taskSid"] == task })
	if again["workerSid"] == first || users[again["workerSid"].(string)] == "" {
		t.Errorf("after %s rejected it, the task went to %v", first, again["workerSid"])
	}
	// Answering it twice: Twilio refuses, the service says so.
	e.expect("POST", "/api/taskrouter/reservations/"+offer["reservationSid"].(string)+"/accept", e.token(users[first]), "", 502, "")
}

// TestDemoVoicemailMedia: a voicemail's recording is generated, playable
// audio: a WAV (RIFF, PCM) proxied from the fake Twilio.
func TestDemoVoicemailMedia(t *testing.T) {
	t.Parallel()
	e, _ := newDemoEnv(t, true)
	call, rec := restSID("CA", 9), restSID("RE", 9)
	base := url.Values{"CallSid": {call}, "From": {"+15557654321"}, "To": {supportNumber}, "Direction": {"inbound"}, "AccountSid": {server.DemoAccountSID}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, x := range base {
			v[k] = x
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	for _, s := range []struct {
		path string
		form url.Values
	}{
		{"/api/webhooks/twilio/voice", with("CallStatus", "ringing")},
		{"/api/webhooks/twilio/recording?kind=voicemail", with("RecordingSid", rec, "RecordingStatus", "completed", "RecordingDuration", "3", "RecordingSource", "RecordVerb",
			"RecordingUrl", "https://api.twilio.com/2010-04-01/Accounts/"+server.DemoAccountSID+"/Recordings/"+rec)},
	} {
		if st, body := e.webhook(s.path, s.form); st/100 != 2 {
			t.Fatalf("%s: %d %s", s.path, st, body)
		}
	}
	tok := e.token("demo-support-1")
	var vms struct {
		Items []struct{ ID, MediaURL string }
	}
	e.expect("GET", "/api/voicemails", tok, "", 200, "").json(t, &vms)
	if len(vms.Items) != 1 {
		t.Fatalf("voicemails %+v", vms.Items)
	}
	r := e.do("GET", vms.Items[0].MediaURL, tok, "")
	b := []byte(r.Body)
	if r.Status != 200 || r.Header.Get("Content-Type") != "audio/wav" || len(b) < 44 {
		t.Fatalf("media: %d %s %d bytes", r.Status, r.Header.Get("Content-Type"), len(b))
	}
	le := binary.LittleEndian
	if string(b[0:4]) != "RIFF" || int(le.Uint32(b[4:]))+8 != len(b) || string(b[8:16]) != "WAVEfmt " ||
		le.Uint16(b[20:]) != 1 || le.Uint16(b[22:]) != 1 || le.Uint32(b[24:]) == 0 || string(b[36:40]) != "data" ||
		int(le.Uint32(b[40:]))+44 != len(b) {
		t.Fatalf("not a PCM WAV: % x", b[:44])
	}
	secs := float64(le.Uint32(b[40:])) / float64(le.Uint32(b[28:]))
	loud := 0 // samples above a tenth of full scale
	for i := 44; i+1 < len(b); i += 2 {
		if v := int16(le.Uint16(b[i:])); v > 3276 || v < -3276 {
			loud++
		}
	}
	if samples := (len(b) - 44) / 2; secs < 1 || secs > 10 || loud < samples/10 {
		t.Errorf("%.1f s of audio, %d of %d samples audible", secs, loud, samples)
	}
	// The player seeks: a range is honoured.
	if r := e.do("GET", vms.Items[0].MediaURL, tok, "", "Range", "bytes=0-3"); r.Status != 206 || r.Body != "RIFF" {
		t.Errorf("range: %d %q", r.Status, r.Body)
	}
}

// TestDemoFakeTwilioNotPublic: the fake Twilio is not on the service's
// listener, in demo mode or out of it; outside demo mode it does not run.
func TestDemoFakeTwilioNotPublic(t *testing.T) {
	t.Parallel()
	for _, demo := range []bool{false, true} {
		e, _ := newDemoEnv(t, demo)
		if (e.srv.DemoTwilio() != "") != demo {
			t.Errorf("demo %v: fake Twilio at %q", demo, e.srv.DemoTwilio())
		}
		for _, p := range []struct{ method, path string }{
			{"POST", "/2010-04-01/Accounts/" + server.DemoAccountSID + "/Messages.json"},
			{"POST", "/v1/Workspaces/" + server.DemoWorkspaceSID + "/Tasks"},
			{"POST", "/v1/Workspaces/" + server.DemoWorkspaceSID + "/Workers/WKdemo02"},
			{"GET", "/2010-04-01/Accounts/" + server.DemoAccountSID + "/Recordings/" + twiliofake.SID("RE", 1) + ".mp3"},
		} {
			req, _ := http.NewRequest(p.method, e.hs.URL+p.path, strings.NewReader("To=%2B15557654321&From=%2B15550001111&Body=x&ActivitySid="+server.DemoActivityBreak))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(server.DemoAccountSID, restToken)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode/100 == 2 && (strings.Contains(string(body), "sid") || strings.HasPrefix(resp.Header.Get("Content-Type"), "audio/")) {
				t.Errorf("demo %v: %s %s answered by the public listener: %d %.100s", demo, p.method, p.path, resp.StatusCode, body)
			}
		}
	}
}
