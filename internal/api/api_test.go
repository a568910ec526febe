package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/api"
	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
	_ "github.com/kin-comms/kinrt/internal/store/sqlite"
	"github.com/kin-comms/kinrt/internal/twilio/twiliotest"
)

const (
	accountSID = "AC0123456789abcdef0123456789abcdef"
	authToken  = "s3cretTok3n"
	workspace  = "WS0123456789abcdef0123456789abcdef"
	ourNumber  = "+15550001000"
	salesNum   = "+15550002000"
	customer   = "+15557654321"
	badNumber  = "+15550000000" // the fake Twilio refuses to send to it
	publicURL  = "https://rt.example.com"
)

// sid returns a well-formed Twilio sid: prefix and 32 hex digits.
var sid = twiliotest.SID

var (
	activityAvailable = sid("WA", 1)
	activityOffline   = sid("WA", 2)
	activityBreak     = sid("WA", 3)
	activityBroken    = sid("WA", 99) // the fake Twilio refuses it
	activities        = map[string]twiliotest.Activity{activityAvailable: {Name: "Available", Available: true},
		activityOffline: {Name: "Offline"}, activityBreak: {Name: "Break"}}
)

// principals the tests act as.
var principals = map[string]auth.Principal{
	"admin":         {UserID: "admin", Role: events.RoleAdmin},
	"supSupport":    {UserID: "sup-support", Role: events.RoleSupervisor, Department: "support"},
	"supSales":      {UserID: "sup-sales", Role: events.RoleSupervisor, Department: "sales"},
	"agentSupport":  {UserID: "agent-support", Role: events.RoleAgent, Department: "support"},
	"agent2Support": {UserID: "agent2-support", Role: events.RoleAgent, Department: "support"},
	"agentSales":    {UserID: "agent-sales", Role: events.RoleAgent, Department: "sales"},
}

// --- the recording publisher -------------------------------------------

type recorder struct {
	mu  sync.Mutex
	evs []events.Event
}

func (r *recorder) Publish(_ context.Context, e events.Event) error {
	if err := e.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return nil
}

// take returns the events published since the last take.
func (r *recorder) take() []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.evs
	r.evs = nil
	return evs
}

func names(evs []events.Event) string {
	var n []string
	for _, e := range evs {
		n = append(n, e.EventName())
	}
	return strings.Join(n, ",")
}

// --- the environment -------------------------------------------------------

type env struct {
	t      *testing.T
	st     store.Store
	pub    *recorder
	twilio *twiliotest.Server
	srv    *httptest.Server
	ids    map[string]string // seeded record ids by name
}

// authedAs injects the principal named by the X-Test-As header (the real
// session check is tested in package server).
func authedAs(h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := principals[r.Header.Get("X-Test-As")]
		if !ok {
			http.Error(w, `{"error":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		h(w, r, p)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/kin.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{t: t, st: st, pub: &recorder{}, twilio: twiliotest.New(t, twiliotest.Config{
		AccountSID: accountSID, AuthToken: authToken, WorkspaceSID: workspace, Activities: activities,
		Recordings: map[string]string{sid("RE", 1): "ID3-fake-mp3-audio"}, BadNumber: badNumber,
	}), ids: map[string]string{}}
	a := api.New(api.Config{
		AccountSID: accountSID, AuthToken: authToken, TwilioBaseURL: e.twilio.URL, PublicURL: publicURL + "/",
		WorkspaceSID: workspace,
	}, st, e.pub, slog.New(slog.DiscardHandler))
	mux := http.NewServeMux()
	a.Register(mux, authedAs)
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	e.seed(ctx)
	return e
}

func (e *env) seed(ctx context.Context) {
	t := e.t
	base := time.Now().Add(-time.Hour).UTC()
	for i, dept := range []string{"support", "support", "support", "support", "support", "sales"} {
		vm, _, err := e.st.Voicemails().Create(ctx, store.Voicemail{
			CallSID: sid("CA", i+1), RecordingSID: sid("RE", i+1),
			RecordingURL: "https://api.twilio.com/2010-04-01/Accounts/" + accountSID + "/Recordings/" + sid("RE", i+1),
			From:         customer, To: ourNumber, Department: dept, DurationSeconds: 10 + i,
			CreatedAt: base.Add(time.Duration(i) * time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
		e.ids[fmt.Sprintf("vm%d", i+1)] = vm.ID
	}
	for name, c := range map[string]struct{ our, dept string }{"convSupport": {ourNumber, "support"}, "convSales": {salesNum, "sales"}, "convBad": {ourNumber + "9", "support"}} {
		cust := customer
		if name == "convBad" {
			cust = badNumber
		}
		conv, _, err := e.st.Conversations().Ensure(ctx, c.our, cust, c.dept)
		if err != nil {
			t.Fatal(err)
		}
		e.ids[name] = conv.ID
	}
	for i := range 3 {
		_, err := e.st.Messages().Create(ctx, store.Message{
			SID: sid("SM", 1000+i), ConversationID: e.ids["convSupport"], Direction: store.Inbound,
			From: customer, To: ourNumber, Body: fmt.Sprintf("hello %d", i), CreatedAt: base.Add(time.Duration(i) * time.Second),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, w := range []struct{ user, dept string }{{"agent-support", "support"}, {"agent2-support", "support"}, {"agent-sales", "sales"}} {
		_, err := e.st.Workers().Upsert(ctx, store.Worker{
			SID: sid("WK", i+1), Name: w.user, ActivitySID: activityOffline, ActivityName: "Offline", UserID: w.user,
			Department: w.dept, Attributes: json.RawMessage(`{"userId":"` + w.user + `","department":"` + w.dept + `"}`),
			Version: 3, EventAt: base,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, dept := range []string{"support", "sales"} {
		if _, err := e.st.Tasks().Upsert(ctx, store.Task{SID: sid("WT", i+1), Status: store.TaskReserved, Department: dept,
			Attributes: json.RawMessage(`{"from":"` + customer + `"}`), Version: 1, EventAt: base}); err != nil {
			t.Fatal(err)
		}
	}
	// reservations: WR1 and WR2 offer WT1 to agent-support's worker, WR3 WT2 to agent-sales's.
	for i, r := range []struct{ task, worker string }{{sid("WT", 1), sid("WK", 1)}, {sid("WT", 1), sid("WK", 1)}, {sid("WT", 2), sid("WK", 3)}} {
		if _, err := e.st.Tasks().UpsertReservation(ctx, store.Reservation{SID: sid("WR", i+1), TaskSID: r.task,
			WorkerSID: r.worker, Status: store.ReservationPending, Version: 1, EventAt: base}); err != nil {
			t.Fatal(err)
		}
	}
}

// do sends a request as who and returns the status and the body.
func (e *env) do(who, method, path, body string) (int, string) {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("X-Test-As", who)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

// sub replaces {name} in s with the seeded ids.
func (e *env) sub(s string) string {
	for k, v := range e.ids {
		s = strings.ReplaceAll(s, "{"+k+"}", v)
	}
	return s
}

// --- tests -------------------------------------------------------------------

// TestStatusAndBody checks each route's answer to a request: scope
// (404 outside the caller's department), validation (400, 413), methods.
func TestStatusAndBody(t *testing.T) {
	e := newEnv(t)
	big := `{"notes":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name, who, method, path, body string
		status                        int
		contains                      string
	}{
		{"voicemail of my department", "agentSupport", "GET", "/api/voicemails/{vm1}", "", 200, `"mediaUrl":"/api/voicemails/{vm1}/media"`},
		{"voicemail has its sids", "agentSupport", "GET", "/api/voicemails/{vm1}", "", 200, `"recordingSid":"` + sid("RE", 1) + `"`},
		{"voicemail hides Twilio's URL", "agentSupport", "GET", "/api/voicemails/{vm1}", "", 200, `"assignedTo":null`},
		{"voicemail of another department", "agentSales", "GET", "/api/voicemails/{vm1}", "", 404, `"error":"voicemail not found"`},
		{"voicemail unknown", "admin", "GET", "/api/voicemails/nope", "", 404, "not found"},
		{"admin sees all", "admin", "GET", "/api/voicemails/{vm6}", "", 200, `"department":"sales"`},
		{"list bad status", "agentSupport", "GET", "/api/voicemails?status=deleted", "", 400, "status"},
		{"list bad limit", "agentSupport", "GET", "/api/voicemails?limit=0", "", 400, "limit"},
		{"list bad cursor", "agentSupport", "GET", "/api/voicemails?cursor=%21%21", "", 400, "cursor"},
		{"patch unknown field", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"status":"listened","color":"red"}`, 400, `unknown field \"color\"`},
		{"patch bad status", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"status":"deleted"}`, 400, "status: must be"},
		{"patch null status", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"status":null}`, 400, "status: must be"},
		{"patch status not a string", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"status":1}`, 400, "status: must be a string"},
		{"patch assignee not a string", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"assignedTo":7}`, 400, "assignedTo: must be a string"},
		{"patch empty assignee", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"assignedTo":""}`, 400, "assignedTo: must be a user id or null"},
		{"patch nothing", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{}`, 400, "nothing to change"},
		{"patch not JSON", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `status=new`, 400, "JSON object"},
		{"patch array", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `[]`, 400, "JSON object"},
		{"patch trailing data", "agentSupport", "PATCH", "/api/voicemails/{vm1}", `{"notes":"a"} {}`, 400, "JSON object"},
		{"patch too large", "agentSupport", "PATCH", "/api/voicemails/{vm1}", big, 413, "64 KiB"},
		{"patch another department", "agentSales", "PATCH", "/api/voicemails/{vm1}", `{"status":"listened"}`, 404, "not found"},
		{"delete not allowed", "admin", "DELETE", "/api/voicemails/{vm1}", "", 405, ""},
		{"messages of another department", "agentSales", "GET", "/api/conversations/{convSupport}/messages", "", 404, "conversation not found"},
		{"read another department", "agentSales", "POST", "/api/conversations/{convSupport}/read", "", 404, "not found"},
		{"send to another department", "agentSales", "POST", "/api/conversations/{convSupport}/messages", `{"body":"hi"}`, 404, "not found"},
		{"send empty", "agentSupport", "POST", "/api/conversations/{convSupport}/messages", `{"body":"  "}`, 400, "body: is required"},
		{"send no body", "agentSupport", "POST", "/api/conversations/{convSupport}/messages", `{"text":"hi"}`, 400, "unknown field"},
		{"send too long", "agentSupport", "POST", "/api/conversations/{convSupport}/messages", `{"body":"` + strings.Repeat("é", 1601) + `"}`, 400, "1600"},
		{"send unknown conversation", "agentSupport", "POST", "/api/conversations/nope/messages", `{"body":"hi"}`, 404, "not found"},
		{"worker bad activity", "agentSupport", "PATCH", "/api/taskrouter/workers/" + sid("WK", 1), `{"activitySid":"WAnope"}`, 400, "activitySid"},
		{"worker unknown", "admin", "PATCH", "/api/taskrouter/workers/" + sid("WK", 9), `{"activitySid":"` + activityAvailable + `"}`, 404, "worker not found"},
		{"worker of a colleague", "agent2Support", "PATCH", "/api/taskrouter/workers/" + sid("WK", 1), `{"activitySid":"` + activityAvailable + `"}`, 403, "your own worker"},
		{"worker of another department", "agentSales", "PATCH", "/api/taskrouter/workers/" + sid("WK", 1), `{"activitySid":"` + activityAvailable + `"}`, 404, "not found"},
		{"worker of another department (supervisor)", "supSales", "PATCH", "/api/taskrouter/workers/" + sid("WK", 1), `{"activitySid":"` + activityAvailable + `"}`, 404, "not found"},
		{"reservation of a colleague", "agent2Support", "POST", "/api/taskrouter/reservations/" + sid("WR", 1) + "/accept", "", 403, "another worker"},
		{"reservation of another department", "agentSales", "POST", "/api/taskrouter/reservations/" + sid("WR", 1) + "/reject", "", 404, "not found"},
		{"reservation unknown", "admin", "POST", "/api/taskrouter/reservations/" + sid("WR", 9) + "/accept", "", 404, "reservation not found"},
		{"reservation GET not allowed", "admin", "GET", "/api/taskrouter/reservations/" + sid("WR", 1) + "/accept", "", 405, ""},
		{"media of another department", "agentSales", "GET", "/api/voicemails/{vm1}/media", "", 404, "not found"},
		{"media Twilio fails", "agentSupport", "GET", "/api/voicemails/{vm2}/media", "", 502, "Twilio"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.do(tc.who, tc.method, e.sub(tc.path), tc.body)
			if status != tc.status || !strings.Contains(body, e.sub(tc.contains)) {
				t.Errorf("%s %s: %d %s; want %d containing %q", tc.method, tc.path, status, body, tc.status, e.sub(tc.contains))
			}
			if strings.Contains(body, "api.twilio.com") || strings.Contains(body, authToken) {
				t.Errorf("answer leaks Twilio's URL or credentials: %s", body)
			}
		})
	}
	if evs := e.pub.take(); len(evs) != 0 {
		t.Errorf("refused requests published %s", names(evs))
	}
	for _, r := range e.twilio.Requests() {
		if r.Method == http.MethodPost {
			t.Errorf("refused requests called Twilio: %s %s", r.Method, r.Path)
		}
	}
}

func TestListVoicemailsScopeAndPagination(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		who, query string
		want       []string // seeded names, newest first
	}{
		{"agentSupport", "", []string{"vm5", "vm4", "vm3", "vm2", "vm1"}},
		{"agentSales", "", []string{"vm6"}},
		{"admin", "", []string{"vm6", "vm5", "vm4", "vm3", "vm2", "vm1"}},
		{"agentSupport", "limit=2", []string{"vm5", "vm4", "vm3", "vm2", "vm1"}},
		{"admin", "limit=4", []string{"vm6", "vm5", "vm4", "vm3", "vm2", "vm1"}},
		{"agentSupport", "status=listened", nil},
	}
	for _, tc := range tests {
		t.Run(tc.who+"?"+tc.query, func(t *testing.T) {
			var got []string
			cursor, pages := "", 0
			for {
				q := tc.query
				if cursor != "" {
					q += "&cursor=" + url.QueryEscape(cursor)
				}
				status, body := e.do(tc.who, "GET", "/api/voicemails?"+q, "")
				if status != 200 {
					t.Fatalf("%d %s", status, body)
				}
				if !strings.Contains(body, `"nextCursor":`) {
					t.Fatalf("no nextCursor in %s", body)
				}
				p := decode[page[api.Voicemail]](t, body)
				pages++
				for _, v := range p.Items {
					got = append(got, v.ID)
				}
				if p.NextCursor == nil {
					break
				}
				cursor = *p.NextCursor
				if pages > 10 {
					t.Fatal("too many pages")
				}
			}
			var want []string
			for _, n := range tc.want {
				want = append(want, e.ids[n])
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
	// filters
	if _, body := e.do("agentSupport", "PATCH", e.sub("/api/voicemails/{vm3}"), `{"assignedTo":"agent-support","status":"listened"}`); !strings.Contains(body, `"assignedTo":"agent-support"`) {
		t.Fatal(body)
	}
	for _, q := range []string{"status=listened", "assignee=me", "assignee=agent-support"} {
		_, body := e.do("agentSupport", "GET", "/api/voicemails?"+q, "")
		p := decode[page[api.Voicemail]](t, body)
		if len(p.Items) != 1 || p.Items[0].ID != e.ids["vm3"] {
			t.Errorf("?%s: %s", q, body)
		}
	}
}

func TestPatchVoicemailEvents(t *testing.T) {
	e := newEnv(t)
	patch := func(who, body string) api.Voicemail {
		t.Helper()
		status, out := e.do(who, "PATCH", e.sub("/api/voicemails/{vm1}"), body)
		if status != 200 {
			t.Fatalf("PATCH %s: %d %s", body, status, out)
		}
		return decode[api.Voicemail](t, out)
	}
	steps := []struct {
		name, who, body string
		changed         []string // nil: no event
		prevAssignee    string
		check           func(api.Voicemail) bool
	}{
		{"listen", "agentSupport", `{"status":"listened"}`, []string{"status"}, "", func(v api.Voicemail) bool { return v.Status == "listened" }},
		{"listen again (no-op)", "agentSupport", `{"status":"listened"}`, nil, "", nil},
		{"assign and note", "supSupport", `{"assignedTo":"agent-support","notes":"call back"}`, []string{"assignedTo", "notes"}, "", func(v api.Voicemail) bool {
			return v.AssignedTo != nil && *v.AssignedTo == "agent-support" && v.Notes == "call back" && v.UpdatedBy == "sup-support"
		}},
		{"same values (no-op)", "admin", `{"assignedTo":"agent-support","notes":"call back","status":"listened"}`, nil, "", nil},
		{"reassign", "admin", `{"assignedTo":"agent2-support"}`, []string{"assignedTo"}, "agent-support", nil},
		{"unassign and archive", "agent2Support", `{"assignedTo":null,"status":"archived"}`, []string{"status", "assignedTo"}, "agent2-support", func(v api.Voicemail) bool {
			return v.AssignedTo == nil && v.Status == "archived"
		}},
	}
	for _, s := range steps {
		v := patch(s.who, s.body)
		if s.check != nil && !s.check(v) {
			t.Errorf("%s: answer %+v", s.name, v)
		}
		evs := e.pub.take()
		if s.changed == nil {
			if len(evs) != 0 {
				t.Errorf("%s: published %s", s.name, names(evs))
			}
			continue
		}
		if len(evs) != 1 {
			t.Fatalf("%s: published %q, want voicemail_updated", s.name, names(evs))
		}
		u, ok := evs[0].(*events.VoicemailUpdated)
		if !ok || u.VoicemailID != e.ids["vm1"] || u.Department != "support" || strings.Join(u.Changed, ",") != strings.Join(s.changed, ",") ||
			u.PreviousAssignee != s.prevAssignee || u.Status != v.Status || u.UpdatedBy != principals[s.who].UserID {
			t.Errorf("%s: event %+v", s.name, evs[0])
		}
		if s.prevAssignee != "" && !strings.Contains(strings.Join(u.Rooms(), ","), events.UserRoom(s.prevAssignee)) {
			t.Errorf("%s: previous assignee not told: %v", s.name, u.Rooms())
		}
	}
	stored, err := e.st.Voicemails().Get(context.Background(), e.ids["vm1"])
	if err != nil || stored.Status != "archived" || stored.AssignedTo != "" || stored.Notes != "call back" {
		t.Errorf("stored %+v %v", stored, err)
	}
}

func TestVoicemailMedia(t *testing.T) {
	e := newEnv(t)
	req, _ := http.NewRequest("GET", e.srv.URL+e.sub("/api/voicemails/{vm1}/media"), nil)
	req.Header.Set("X-Test-As", "agentSupport")
	req.Header.Set("Range", "bytes=0-2")
	for _, rng := range []string{"", "bytes=0-2"} {
		req.Header.Set("Range", rng)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want, wantStatus := "ID3-fake-mp3-audio", 200
		if rng != "" {
			want, wantStatus = "ID3", 206
		}
		if resp.StatusCode != wantStatus || string(b) != want || resp.Header.Get("Content-Type") != "audio/mpeg" {
			t.Errorf("Range %q: %d %q %q", rng, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
	}
	var media []twiliotest.Request
	for _, r := range e.twilio.Requests() {
		if r.Method == "GET" {
			media = append(media, r)
		}
	}
	if len(media) != 2 || media[0].Path != "/2010-04-01/Accounts/"+accountSID+"/Recordings/"+sid("RE", 1)+".mp3" ||
		media[0].User != accountSID || media[0].Pass != authToken {
		t.Errorf("Twilio saw %+v", media)
	}
}

func TestConversations(t *testing.T) {
	e := newEnv(t)
	_, body := e.do("agentSupport", "GET", "/api/conversations", "")
	p := decode[page[api.Conversation]](t, body)
	if len(p.Items) != 2 || p.NextCursor != nil {
		t.Fatalf("support conversations: %s", body)
	}
	var conv api.Conversation
	for _, c := range p.Items {
		if c.ID == e.ids["convSupport"] {
			conv = c
		}
	}
	if conv.ID != e.ids["convSupport"] || conv.UnreadCount != 3 || conv.LastMessagePreview != "hello 2" {
		t.Errorf("newest conversation: %+v", conv)
	}
	_, body = e.do("agentSales", "GET", "/api/conversations", "")
	if p := decode[page[api.Conversation]](t, body); len(p.Items) != 1 || p.Items[0].ID != e.ids["convSales"] {
		t.Errorf("sales conversations: %s", body)
	}

	// messages through the cursor, newest first
	var got []string
	cursor := ""
	for range 5 {
		status, body := e.do("agentSupport", "GET", e.sub("/api/conversations/{convSupport}/messages?limit=2&cursor=")+url.QueryEscape(cursor), "")
		if status != 200 {
			t.Fatalf("%d %s", status, body)
		}
		p := decode[page[api.Message]](t, body)
		for _, m := range p.Items {
			got = append(got, m.Body)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if strings.Join(got, ",") != "hello 2,hello 1,hello 0" {
		t.Errorf("messages: %v", got)
	}

	// mark read: one event, then none
	for i, want := range []string{"conversation_updated", ""} {
		status, body := e.do("agentSupport", "POST", e.sub("/api/conversations/{convSupport}/read"), "")
		if status != 200 || decode[api.Conversation](t, body).UnreadCount != 0 {
			t.Fatalf("read %d: %d %s", i, status, body)
		}
		evs := e.pub.take()
		if names(evs) != want {
			t.Errorf("read %d published %q, want %q", i, names(evs), want)
		}
		if len(evs) == 1 {
			if u := evs[0].(*events.ConversationUpdated); u.UnreadCount != 0 || u.ConversationID != e.ids["convSupport"] || u.Department != "support" {
				t.Errorf("event %+v", u)
			}
		}
	}
}

func TestSendMessage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	status, body := e.do("agentSupport", "POST", e.sub("/api/conversations/{convSupport}/messages"), `{"body":"We will call you back."}`)
	if status != 201 {
		t.Fatalf("send: %d %s", status, body)
	}
	m := decode[api.Message](t, body)
	if m.SID != sid("SM", 1) || m.Status != "queued" || m.Direction != "outbound" || m.From != ourNumber || m.To != customer || m.SentBy != "agent-support" {
		t.Errorf("answer %+v", m)
	}
	reqs := e.twilio.Requests()
	if len(reqs) != 1 || reqs[0].Path != "/2010-04-01/Accounts/"+accountSID+"/Messages.json" ||
		reqs[0].Form.Get("From") != ourNumber || reqs[0].Form.Get("To") != customer || reqs[0].Form.Get("Body") != "We will call you back." ||
		reqs[0].Form.Get("StatusCallback") != publicURL+"/api/webhooks/twilio/message-status" {
		t.Errorf("Twilio saw %+v", reqs)
	}
	stored, err := e.st.Messages().Get(ctx, m.SID)
	if err != nil || stored.SentBy != "agent-support" || stored.ConversationID != e.ids["convSupport"] || stored.Status != "queued" {
		t.Errorf("stored %+v %v", stored, err)
	}
	evs := e.pub.take()
	if names(evs) != "message_status_changed,conversation_updated" {
		t.Fatalf("published %q", names(evs))
	}
	if s := evs[0].(*events.MessageStatusChanged); s.MessageSID != m.SID || s.Status != "queued" || s.ConversationID != e.ids["convSupport"] || s.Department != "support" {
		t.Errorf("status event %+v", s)
	}
	if c := evs[1].(*events.ConversationUpdated); c.LastMessagePreview != "We will call you back." || c.Department != "support" {
		t.Errorf("conversation event %+v", c)
	}

	// Twilio refuses: 502, nothing stored, nothing published
	before, _ := e.st.Messages().List(ctx, store.MessageFilter{ConversationID: e.ids["convBad"]})
	status, body = e.do("agentSupport", "POST", e.sub("/api/conversations/{convBad}/messages"), `{"body":"hi"}`)
	if status != 502 || !strings.Contains(body, "21211") || !strings.Contains(body, "not a valid phone number") {
		t.Errorf("Twilio error: %d %s", status, body)
	}
	after, _ := e.st.Messages().List(ctx, store.MessageFilter{ConversationID: e.ids["convBad"]})
	if len(before.Items) != 0 || len(after.Items) != 0 {
		t.Errorf("stored after a Twilio error: %+v", after.Items)
	}
	if evs := e.pub.take(); len(evs) != 0 {
		t.Errorf("published after a Twilio error: %s", names(evs))
	}
}

func TestPatchWorker(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tests := []struct {
		name, who, worker, activity string
		status                      int
		events                      string
		wantStatus                  string
	}{
		{"agent, own worker, available", "agentSupport", sid("WK", 1), activityAvailable, 200, "worker_activity_changed,worker_status_changed", "available"},
		{"same activity again", "agentSupport", sid("WK", 1), activityAvailable, 200, "", "available"},
		{"break: busy", "agentSupport", sid("WK", 1), activityBreak, 200, "worker_activity_changed,worker_status_changed", "busy"},
		{"supervisor of the department", "supSupport", sid("WK", 2), activityBreak, 200, "worker_activity_changed,worker_status_changed", "busy"},
		{"admin, any department", "admin", sid("WK", 3), activityAvailable, 200, "worker_activity_changed,worker_status_changed", "available"},
		{"agent, a colleague", "agentSupport", sid("WK", 2), activityAvailable, 403, "", ""},
		{"agent, other department", "agentSupport", sid("WK", 3), activityOffline, 404, "", ""},
		{"Twilio refuses", "agentSupport", sid("WK", 1), activityBroken, 502, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.st.Workers().Get(ctx, tc.worker)
			status, body := e.do(tc.who, "PATCH", "/api/taskrouter/workers/"+tc.worker, `{"activitySid":"`+tc.activity+`"}`)
			if status != tc.status {
				t.Fatalf("%d %s", status, body)
			}
			evs := e.pub.take()
			if names(evs) != tc.events {
				t.Errorf("published %q, want %q", names(evs), tc.events)
			}
			after, _ := e.st.Workers().Get(ctx, tc.worker)
			if tc.status != 200 {
				if after.ActivitySID != before.ActivitySID {
					t.Errorf("store changed: %+v", after)
				}
				return
			}
			w := decode[api.Worker](t, body)
			if w.ActivitySID != tc.activity || w.Status != tc.wantStatus || after.ActivitySID != tc.activity || after.Status != tc.wantStatus {
				t.Errorf("answer %+v, stored %+v", w, after)
			}
			if len(evs) == 2 {
				a := evs[0].(*events.WorkerActivityChanged)
				s := evs[1].(*events.WorkerStatusChanged)
				if a.ActivitySID != tc.activity || a.PreviousActivitySID != before.ActivitySID || a.UserID != before.UserID ||
					a.Department != before.Department || s.Status != tc.wantStatus || s.PreviousStatus != before.Status {
					t.Errorf("events %+v %+v", a, s)
				}
			}
		})
	}
	var posts int
	for _, r := range e.twilio.Requests() {
		if strings.HasPrefix(r.Path, "/v1/Workspaces/"+workspace+"/Workers/") {
			posts++
		}
	}
	if posts != 6 { // the 200s and the refused one
		t.Errorf("TaskRouter got %d worker updates, want 6", posts)
	}
	_, body := e.do("agentSales", "GET", "/api/taskrouter/workers", "")
	if p := decode[page[api.Worker]](t, body); len(p.Items) != 1 || p.Items[0].SID != sid("WK", 3) || p.NextCursor != nil {
		t.Errorf("sales workers: %s", body)
	}
	_, body = e.do("supSupport", "GET", "/api/taskrouter/workers", "")
	if p := decode[page[api.Worker]](t, body); len(p.Items) != 2 {
		t.Errorf("support workers: %s", body)
	}
}

func TestReservations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	_, body := e.do("agentSupport", "GET", "/api/taskrouter/tasks", "")
	if p := decode[page[api.Task]](t, body); len(p.Items) != 1 || p.Items[0].SID != sid("WT", 1) || string(p.Items[0].Attributes) != `{"from":"`+customer+`"}` {
		t.Errorf("support tasks: %s", body)
	}
	_, body = e.do("admin", "GET", "/api/taskrouter/tasks?limit=1", "")
	if p := decode[page[api.Task]](t, body); len(p.Items) != 1 || p.NextCursor == nil {
		t.Errorf("admin tasks, first page: %s", body)
	}

	tests := []struct {
		name, who, res, action string
		status                 int
		event                  string
		stored                 string
	}{
		{"own worker accepts", "agentSupport", sid("WR", 1), "accept", 200, "task_accepted", "accepted"},
		{"supervisor rejects", "supSupport", sid("WR", 2), "reject", 200, "task_rejected", "rejected"},
		{"admin accepts in sales", "admin", sid("WR", 3), "accept", 200, "task_accepted", "accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.do(tc.who, "POST", "/api/taskrouter/reservations/"+tc.res+"/"+tc.action, "")
			if status != tc.status {
				t.Fatalf("%d %s", status, body)
			}
			if r := decode[api.Reservation](t, body); r.Status != tc.stored || r.SID != tc.res {
				t.Errorf("answer %+v", r)
			}
			evs := e.pub.take()
			if names(evs) != tc.event {
				t.Fatalf("published %q", names(evs))
			}
			switch ev := evs[0].(type) {
			case *events.TaskAccepted:
				if ev.ReservationSID != tc.res || ev.TaskSID == "" || ev.WorkerSID == "" || ev.UserID == "" || ev.Department == "" {
					t.Errorf("event %+v", ev)
				}
			case *events.TaskRejected:
				if ev.ReservationSID != tc.res || ev.Reason != "rejected" || ev.UserID != "agent-support" || ev.Department != "support" {
					t.Errorf("event %+v", ev)
				}
			}
			r, err := e.st.Tasks().GetReservation(ctx, tc.res)
			if err != nil || r.Status != tc.stored {
				t.Errorf("stored %+v %v", r, err)
			}
			reqs := e.twilio.Requests()
			last := reqs[len(reqs)-1]
			if last.Path != "/v1/Workspaces/"+workspace+"/Workers/"+r.WorkerSID+"/Reservations/"+tc.res || last.Form.Get("ReservationStatus") != tc.stored {
				t.Errorf("TaskRouter saw %+v", last)
			}
		})
	}
}

// TestTwilioNotConfigured: without credentials the routes that call
// Twilio answer 503 and the others work.
func TestTwilioNotConfigured(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+t.TempDir()+"/kin.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conv, _, _ := st.Conversations().Ensure(ctx, ourNumber, customer, "support")
	mux := http.NewServeMux()
	api.New(api.Config{}, st, &recorder{}, nil).Register(mux, authedAs)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := &env{t: t, srv: srv}
	if status, body := e.do("agentSupport", "POST", "/api/conversations/"+conv.ID+"/messages", `{"body":"hi"}`); status != 503 || !strings.Contains(body, "TWILIO_ACCOUNT_SID") {
		t.Errorf("send: %d %s", status, body)
	}
	if status, body := e.do("agentSupport", "GET", "/api/conversations", ""); status != 200 || !strings.Contains(body, `"nextCursor":null`) {
		t.Errorf("list: %d %s", status, body)
	}
}
