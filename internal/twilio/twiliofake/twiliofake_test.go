package twiliofake_test

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/twilio"
	"github.com/kin-comms/kinrt/internal/twilio/twiliofake"
)

const (
	token     = "0123456789abcdef0123456789abcdef"
	publicURL = "https://kin.example.com"
)

var (
	account   = twiliofake.SID("AC", 1)
	workspace = twiliofake.SID("WS", 1)
	actAvail  = twiliofake.SID("WA", 1)
	actBusy   = twiliofake.SID("WA", 2)
	actBreak  = twiliofake.SID("WA", 3)
)

// receiver is the service's side: it checks each callback's signature with
// the service's own verifier (over the public URL) and keeps the forms.
type receiver struct {
	mu       sync.Mutex
	forms    []url.Values
	refused  int
	verifier *twilio.Verifier
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, err := rc.verifier.Read(w, r)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil {
		rc.refused++
		w.WriteHeader(http.StatusForbidden)
		return
	}
	rc.forms = append(rc.forms, url.Values(f))
	w.WriteHeader(http.StatusNoContent)
}

// fakeEnv is a fake whose callbacks go to a receiver.
type fakeEnv struct {
	t    *testing.T
	fake *twiliofake.Fake
	api  *httptest.Server
}

func newFakeEnv(t *testing.T, mutate func(*twiliofake.Config)) *fakeEnv {
	t.Helper()
	v, err := twilio.NewVerifier(token, publicURL)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{verifier: v}
	svc := httptest.NewServer(rc)
	t.Cleanup(svc.Close)
	// Callbacks are signed over the public URL and sent to the test server.
	client := &http.Client{Transport: rewrite{to: svc.URL}}
	c := twiliofake.Config{
		AccountSID: account, AuthToken: token, WorkspaceSID: workspace,
		Activities: map[string]twiliofake.Activity{actAvail: {Name: "Available", Available: true}, actBusy: {Name: "Busy"}, actBreak: {Name: "Break"}},
		Client:     client, EventCallbackURL: publicURL + "/api/webhooks/taskrouter",
		Workers: []twiliofake.Worker{
			{SID: "WK1", Name: "Ann", UserID: "u1", Department: "sales", ActivitySID: actAvail},
			{SID: "WK2", Name: "Bob", UserID: "u2", Department: "sales", ActivitySID: actAvail},
			{SID: "WK3", Name: "Cy", UserID: "u3", Department: "support", ActivitySID: actAvail},
		},
		Strict: true, BusyActivity: actBusy, AvailableActivity: actAvail,
		Delay: func() time.Duration { return 0 }, ReservationTimeout: time.Hour,
	}
	if mutate != nil {
		mutate(&c)
	}
	f := twiliofake.New(c)
	api := httptest.NewServer(f.Handler())
	t.Cleanup(func() { api.Close(); f.Close() })
	return &fakeEnv{t: t, fake: f, api: api}
}

// rewrite sends a request to another origin, keeping its path.
type rewrite struct{ to string }

func (rw rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	u, _ := url.Parse(rw.to)
	r = r.Clone(r.Context())
	r.URL.Scheme, r.URL.Host, r.Host = u.Scheme, u.Host, ""
	return http.DefaultTransport.RoundTrip(r)
}

// post calls the fake's REST API with the account's credentials.
func (e *fakeEnv) post(path string, form url.Values) (int, map[string]any) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.api.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(account, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// waitFor waits until the delivered callbacks satisfy done, and returns them.
func (e *fakeEnv) waitFor(what string, done func([]twiliofake.Callback) bool) []twiliofake.Callback {
	e.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		cbs, next := e.fake.Callbacks()
		if done(cbs) {
			return cbs
		}
		select {
		case <-next:
		case <-deadline:
			e.t.Fatalf("waiting for %s; callbacks so far:\n%s", what, describe(cbs))
		}
	}
}

func describe(cbs []twiliofake.Callback) string {
	var b strings.Builder
	for _, c := range cbs {
		b.WriteString(c.Form.Get("EventType") + c.Form.Get("MessageStatus") + " " + c.Form.Get("WorkerSid") + " " + c.Form.Get("TaskAssignmentStatus") + "\n")
	}
	return b.String()
}

// events returns the EventTypes of the TaskRouter callbacks about task.
func events(cbs []twiliofake.Callback, task string) []string {
	var out []string
	for _, c := range cbs {
		if task == "" || c.Form.Get("TaskSid") == task {
			out = append(out, c.Form.Get("EventType"))
		}
	}
	return out
}

func has(cbs []twiliofake.Callback, task, typ string) bool {
	for _, e := range events(cbs, task) {
		if e == typ {
			return true
		}
	}
	return false
}

func TestMessageStatusCallbacksSigned(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, nil)
	const n = 30 // enough that some are out of order
	for i := 0; i < n; i++ {
		status, m := e.post("/2010-04-01/Accounts/"+account+"/Messages.json", url.Values{
			"From": {"+15550001111"}, "To": {"+15557654321"}, "Body": {"hi"}, "StatusCallback": {publicURL + "/api/webhooks/twilio/message-status"},
		})
		if status != 201 || m["status"] != "queued" {
			t.Fatalf("create message: %d %v", status, m)
		}
	}
	final := func(st string) bool { return st == "delivered" || st == "undelivered" }
	cbs := e.waitFor("every message's final status", func(cbs []twiliofake.Callback) bool {
		seen := map[string]bool{}
		for _, c := range cbs {
			if final(c.Form.Get("MessageStatus")) {
				seen[c.Form.Get("MessageSid")] = true
			}
		}
		return len(seen) == n
	})
	e.waitFor("every sent", func(cbs []twiliofake.Callback) bool {
		k := 0
		for _, c := range cbs {
			if c.Form.Get("MessageStatus") == "sent" {
				k++
			}
		}
		return k >= n
	})
	cbs, _ = e.fake.Callbacks()
	firstSent := map[string]int{}
	outOfOrder := 0
	for i, c := range cbs {
		if c.Status != http.StatusNoContent {
			t.Fatalf("callback %v refused by the service's verifier: %d", c.Form, c.Status)
		}
		if c.URL != publicURL+"/api/webhooks/twilio/message-status" || c.Form.Get("AccountSid") != account {
			t.Fatalf("callback %s %v", c.URL, c.Form)
		}
		sid, st := c.Form.Get("MessageSid"), c.Form.Get("MessageStatus")
		if st == "undelivered" && c.Form.Get("ErrorCode") == "" {
			t.Errorf("undelivered without ErrorCode: %v", c.Form)
		}
		if st == "sent" {
			if _, ok := firstSent[sid]; !ok {
				firstSent[sid] = i
			}
		}
	}
	for i, c := range cbs {
		if final(c.Form.Get("MessageStatus")) && i < firstSent[c.Form.Get("MessageSid")] {
			outOfOrder++
		}
	}
	// One in three overtakes "sent": P(none of 30) < 1e-5.
	if outOfOrder == 0 {
		t.Errorf("no final status came before sent in %d messages", n)
	}
}

func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// act answers the first reservation; want are the task's events after reservation.created.
		act  func(e *fakeEnv, task, res, worker string)
		want []string
	}{
		{"accepted, completed", func(e *fakeEnv, task, res, worker string) {
			if st, m := e.post("/v1/Workspaces/"+workspace+"/Workers/"+worker+"/Reservations/"+res, url.Values{"ReservationStatus": {"accepted"}}); st != 200 || m["reservation_status"] != "accepted" {
				t.Fatalf("accept: %d %v", st, m)
			}
			if st, m := e.post("/v1/Workspaces/"+workspace+"/Workers/"+worker+"/Reservations/"+res, url.Values{"ReservationStatus": {"rejected"}}); st != 400 {
				t.Errorf("reject an accepted reservation: %d %v", st, m)
			}
			e.waitFor("accepted", func(cbs []twiliofake.Callback) bool { return has(cbs, task, "reservation.accepted") })
			if st, m := e.post("/v1/Workspaces/"+workspace+"/Tasks/"+task, url.Values{"AssignmentStatus": {"completed"}, "Reason": {"call ended"}}); st != 200 || m["assignment_status"] != "completed" {
				t.Fatalf("complete: %d %v", st, m)
			}
		}, []string{"reservation.accepted", "task.completed", "reservation.completed"}},
		{"rejected, offered to the other", func(e *fakeEnv, task, res, worker string) {
			if st, m := e.post("/v1/Workspaces/"+workspace+"/Workers/"+worker+"/Reservations/"+res, url.Values{"ReservationStatus": {"rejected"}}); st != 200 {
				t.Fatalf("reject: %d %v", st, m)
			}
		}, []string{"reservation.rejected", "reservation.created"}},
		{"canceled while reserved", func(e *fakeEnv, task, res, worker string) {
			if st, m := e.post("/v1/Workspaces/"+workspace+"/Tasks/"+task, url.Values{"AssignmentStatus": {"canceled"}, "Reason": {"hangup"}}); st != 200 {
				t.Fatalf("cancel: %d %v", st, m)
			}
		}, []string{"reservation.canceled", "task.canceled"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newFakeEnv(t, nil)
			st, m := e.post("/v1/Workspaces/"+workspace+"/Tasks", url.Values{"Attributes": {`{"department":"sales","from":"+15557654321"}`}})
			if st != 201 {
				t.Fatalf("create task: %d %v", st, m)
			}
			task := m["sid"].(string)
			cbs := e.waitFor("reservation.created", func(cbs []twiliofake.Callback) bool { return has(cbs, task, "reservation.created") })
			var res, worker string
			for _, c := range cbs {
				if c.Form.Get("EventType") == "reservation.created" {
					res, worker = c.Form.Get("ReservationSid"), c.Form.Get("WorkerSid")
					if worker != "WK1" && worker != "WK2" {
						t.Fatalf("a sales task reserved %s", worker)
					}
					var attrs map[string]string
					if err := json.Unmarshal([]byte(c.Form.Get("WorkerAttributes")), &attrs); err != nil || attrs["department"] != "sales" || attrs["userId"] == "" {
						t.Errorf("WorkerAttributes %q", c.Form.Get("WorkerAttributes"))
					}
				}
			}
			tc.act(e, task, res, worker)
			want := append([]string{"task.created", "reservation.created"}, tc.want...)
			cbs = e.waitFor(strings.Join(want, ", "), func(cbs []twiliofake.Callback) bool { return len(events(cbs, task)) >= len(want) })
			if got := events(cbs, task); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("task events %v, want %v", got, want)
			}
			for _, c := range cbs {
				if c.Status != http.StatusNoContent {
					t.Errorf("%s refused by the service's verifier: %d", c.Form.Get("EventType"), c.Status)
				}
			}
			if tc.name == "rejected, offered to the other" {
				last := cbs[len(cbs)-1]
				for _, c := range cbs {
					if c.Form.Get("TaskSid") == task && c.Form.Get("EventType") == "reservation.created" {
						last = c
					}
				}
				if last.Form.Get("WorkerSid") == worker {
					t.Errorf("re-offered to %s, who rejected it", worker)
				}
			}
			if tc.name == "accepted, completed" {
				// Busy while on the task, Available after.
				var acts []string
				for _, c := range cbs {
					if c.Form.Get("EventType") == "worker.activity.update" && c.Form.Get("WorkerSid") == worker {
						acts = append(acts, c.Form.Get("WorkerActivityName"))
					}
				}
				e.waitFor("Available again", func(cbs []twiliofake.Callback) bool {
					acts = acts[:0]
					for _, c := range cbs {
						if c.Form.Get("EventType") == "worker.activity.update" && c.Form.Get("WorkerSid") == worker {
							acts = append(acts, c.Form.Get("WorkerActivityName"))
						}
					}
					return len(acts) >= 2
				})
				if strings.Join(acts, " ") != "Busy Available" {
					t.Errorf("worker activities %v", acts)
				}
			}
		})
	}
}

func TestReservationTimeoutAndQueueTimeout(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, func(c *twiliofake.Config) {
		c.ReservationTimeout = 20 * time.Millisecond
		c.QueueTimeout = 300 * time.Millisecond
		c.Workers = c.Workers[:1]
	})
	_, m := e.post("/v1/Workspaces/"+workspace+"/Tasks", url.Values{"Attributes": {`{"department":"sales"}`}})
	task := m["sid"].(string)
	cbs := e.waitFor("task.canceled", func(cbs []twiliofake.Callback) bool { return has(cbs, task, "task.canceled") })
	want := "task.created reservation.created reservation.timeout task.canceled"
	if got := strings.Join(events(cbs, task), " "); got != want {
		t.Errorf("events %q, want %q", got, want)
	}
	if r := cbs[len(cbs)-1].Form.Get("TaskCanceledReason"); r == "" {
		t.Errorf("task.canceled without a reason")
	}
}

func TestAutoAnswerAndActivity(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, func(c *twiliofake.Config) {
		c.AutoAnswer = func(w twiliofake.Worker) bool { return true }
		c.AnswerDelay = func() time.Duration { return 0 }
		c.ReservationTimeout = 50 * time.Millisecond
		c.Workers = c.Workers[2:] // support: one worker, on a break
		c.Workers[0].ActivitySID = actBreak
	})
	_, m := e.post("/v1/Workspaces/"+workspace+"/Tasks", url.Values{"Attributes": {`{"department":"support"}`}})
	task := m["sid"].(string)
	// Nobody is available: the task waits, until the worker is.
	if st, m := e.post("/v1/Workspaces/"+workspace+"/Workers/WK3", url.Values{"ActivitySid": {actAvail}}); st != 200 || m["activity_name"] != "Available" || m["available"] != true {
		t.Fatalf("update worker: %d %v", st, m)
	}
	if st, _ := e.post("/v1/Workspaces/"+workspace+"/Workers/WK9", url.Values{"ActivitySid": {actAvail}}); st != 404 {
		t.Errorf("an unknown worker: %d", st)
	}
	if st, _ := e.post("/v1/Workspaces/"+workspace+"/Workers/WK3", url.Values{"ActivitySid": {twiliofake.SID("WA", 9)}}); st != 400 {
		t.Errorf("an unknown activity: %d", st)
	}
	cbs := e.waitFor("an answer", func(cbs []twiliofake.Callback) bool {
		return has(cbs, task, "reservation.accepted") || has(cbs, task, "reservation.rejected") || has(cbs, task, "reservation.timeout")
	})
	if got := strings.Join(events(cbs, task)[:2], " "); got != "task.created reservation.created" {
		t.Errorf("task events %v", events(cbs, task))
	}
	upd := cbs[1]
	if upd.Form.Get("EventType") != "worker.activity.update" || upd.Form.Get("WorkerActivityName") != "Available" || upd.Form.Get("WorkerPreviousActivityName") != "Break" {
		t.Errorf("activity update %v", upd.Form)
	}
}

func TestRecordings(t *testing.T) {
	t.Parallel()
	wav := make([]byte, 44)
	copy(wav, "RIFF")
	binary.LittleEndian.PutUint32(wav[4:], 36)
	e := newFakeEnv(t, func(c *twiliofake.Config) { c.AnyRecording, c.AnyRecordingType = wav, "audio/wav" })
	get := func(path, user string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, e.api.URL+path, nil)
		req.SetBasicAuth(user, token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := get("/2010-04-01/Accounts/"+account+"/Recordings/"+twiliofake.SID("RE", 3)+".mp3", account)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "audio/wav" || string(body[:4]) != "RIFF" {
		t.Errorf("recording: %d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, path := range []string{"/2010-04-01/Accounts/" + twiliofake.SID("AC", 2) + "/Recordings/" + twiliofake.SID("RE", 3) + ".mp3"} {
		if resp := get(path, account); resp.StatusCode != 404 {
			t.Errorf("%s: %d", path, resp.StatusCode)
		}
	}
	if resp := get("/2010-04-01/Accounts/"+account+"/Recordings/"+twiliofake.SID("RE", 3)+".mp3", "ACnobody"); resp.StatusCode != 401 {
		t.Errorf("wrong credentials: %d", resp.StatusCode)
	}
}

// TestPeopleFirst: an available person (a worker AutoAnswer does not
// answer for) gets the offers before a simulated agent.
func TestPeopleFirst(t *testing.T) {
	t.Parallel()
	e := newFakeEnv(t, func(c *twiliofake.Config) {
		c.AutoAnswer = func(w twiliofake.Worker) bool { return w.SID == "WK1" }
		c.AnswerDelay = func() time.Duration { return time.Hour }
	})
	for i := 0; i < 10; i++ {
		_, m := e.post("/v1/Workspaces/"+workspace+"/Tasks", url.Values{"Attributes": {`{"department":"sales"}`}})
		task := m["sid"].(string)
		cbs := e.waitFor("reservation.created", func(cbs []twiliofake.Callback) bool { return has(cbs, task, "reservation.created") })
		for _, c := range cbs {
			if c.Form.Get("TaskSid") == task && c.Form.Get("EventType") == "reservation.created" && c.Form.Get("WorkerSid") != "WK2" {
				t.Fatalf("task %d offered to %s, not to the person", i, c.Form.Get("WorkerSid"))
			}
		}
		if st, m := e.post("/v1/Workspaces/"+workspace+"/Tasks/"+task, url.Values{"AssignmentStatus": {"canceled"}}); st != 200 {
			t.Fatalf("cancel: %d %v", st, m)
		}
	}
}
