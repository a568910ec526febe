package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/store"
)

const presenceEvent = "user_presence_updated"

// sockEvent is one event a raw socket received.
type sockEvent struct {
	name    string
	id      string
	payload json.RawMessage
}

// adminSocket connects a raw socket as an admin (who sees every event).
func adminSocket(t *testing.T, srv *server.Server, base string) *rawSocket {
	t.Helper()
	tok, err := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rs := dialRaw(t, base, nil)
	if reply, ok := rs.connect(map[string]string{"token": tok}); !ok {
		t.Fatalf("admin refused: %v", reply)
	}
	return rs
}

// nextEvent reads the socket's next event that is not a presence event.
func nextEvent(t *testing.T, rs *rawSocket) sockEvent {
	t.Helper()
	for {
		name, payload, _ := rs.event()
		if name == presenceEvent {
			continue
		}
		return sockEvent{name: name, id: eventID(t, payload), payload: payload}
	}
}

func eventID(t *testing.T, payload json.RawMessage) string {
	t.Helper()
	var m struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(payload, &m); err != nil || m.ID == "" {
		t.Fatalf("event without an id: %s (%v)", payload, err)
	}
	return m.ID
}

// adminLog lists the activity log as an admin sees it, presence aside.
func adminLog(t *testing.T, st store.Store) map[string]store.ActivityEntry {
	t.Helper()
	entries, err := st.Activity().List(context.Background(), store.ActivityQuery{Rooms: []string{"role-admin"}, Limit: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]store.ActivityEntry{}
	for _, e := range entries {
		if e.Type != presenceEvent {
			out[e.ID] = e
		}
	}
	return out
}

// sameJSON reports whether a and b are the same JSON value.
func sameJSON(a, b []byte) bool {
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// sendMarker publishes a system notification everyone sees and returns
// its id.
func sendMarker(t *testing.T, srv *server.Server, msg string) string {
	t.Helper()
	e := &events.SystemNotification{Level: "info", Message: msg, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().Publish(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// TestWebhookActivityJournaled: a webhook's activity entries are in the
// store as soon as it has answered (they commit with its records), with
// the ids and payloads of the events the sockets then receive. The
// activity writer is stopped: only the webhooks' transactions can write
// these entries, and the events they journaled must not be queued again.
func TestWebhookActivityJournaled(t *testing.T) {
	t.Parallel()
	srv, hs, tw := webhookServer(t, "")
	server.StopActivityWriter(srv)
	admin := adminSocket(t, srv, hs.URL)
	// The admin's own presence is the one event dropped so far.
	for {
		name, payload, _ := admin.event()
		if name == presenceEvent && strings.Contains(string(payload), `"userId":"ada"`) {
			break
		}
	}
	waitDropped(t, srv, 1)
	cases := []struct {
		name string
		path string
		form map[string]string
		want []string // event names, in emission order
	}{
		{"sms", "/api/webhooks/twilio/sms",
			map[string]string{"MessageSid": "SM31", "From": customer, "To": supportNumber, "Body": "journal me", "NumMedia": "0"},
			[]string{"message_received", "conversation_updated"}},
		{"voice", "/api/webhooks/twilio/voice",
			map[string]string{"CallSid": "CA31", "From": customer, "To": salesNumber, "CallStatus": "ringing", "Direction": "inbound"},
			[]string{"call_incoming"}},
		{"taskrouter", "/api/webhooks/taskrouter",
			map[string]string{"EventType": "reservation.created", "Sid": "EV31", "TimestampMs": "1000", "WorkspaceSid": "WS1", "TaskSid": "WT31",
				"TaskAttributes": `{"department":"sales","from":"` + customer + `"}`, "WorkerSid": "WK1",
				"WorkerAttributes": `{"userId":"sally","department":"sales"}`, "ReservationSid": "WR31", "TaskVersion": "1"},
			[]string{"task_assigned"}},
	}
	for _, c := range cases {
		before := adminLog(t, srv.Store())
		var kv []string
		for k, v := range c.form {
			kv = append(kv, k, v)
		}
		if status, body := tw.post(c.path, form(kv...)); status >= 300 {
			t.Fatalf("%s: %d %s", c.name, status, body)
		}
		// No waiting: the entries committed with the webhook.
		added := map[string]store.ActivityEntry{}
		for id, e := range adminLog(t, srv.Store()) {
			if _, ok := before[id]; !ok {
				added[id] = e
			}
		}
		var got []sockEvent
		for range c.want {
			got = append(got, nextEvent(t, admin))
		}
		var names []string
		for _, ev := range got {
			names = append(names, ev.name)
			entry, ok := added[ev.id]
			switch {
			case !ok:
				t.Errorf("%s: %s %s was not in the log when the webhook answered (added: %d entries)", c.name, ev.name, ev.id, len(added))
			case entry.Type != ev.name || !sameJSON(entry.Payload, ev.payload):
				t.Errorf("%s: logged %s %s, the socket got %s %s", c.name, entry.Type, entry.Payload, ev.name, ev.payload)
			}
		}
		if strings.Join(names, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: the socket got %v, want %v", c.name, names, c.want)
		}
		if len(added) != len(c.want) {
			t.Errorf("%s: %d entries added, want %d: %v", c.name, len(added), len(c.want), added)
		}
	}
	counts := map[string]int{}
	for _, e := range adminLog(t, srv.Store()) {
		counts[e.Type]++
	}
	for _, c := range cases {
		for _, name := range c.want {
			if counts[name] != 1 {
				t.Errorf("%d %s entries in the log, want 1", counts[name], name)
			}
		}
	}
	// Nothing else was emitted: the marker is next. It is the only event
	// since the admin's presence that went to the (stopped) writer: the
	// journaled ones did not.
	marker := sendMarker(t, srv, "journal test end")
	if ev := nextEvent(t, admin); ev.id != marker {
		t.Fatalf("after the webhooks the socket got %s %s, want the marker", ev.name, ev.payload)
	}
	if n := dropped(t, srv); n != 2 {
		t.Errorf("kinrt_activity_dropped_total = %v, want 2 (the admin's presence and the marker)", n)
	}
}

// dropped reads kinrt_activity_dropped_total from /metrics.
func dropped(t *testing.T, srv *server.Server) float64 {
	t.Helper()
	for _, line := range strings.Split(scrape(t, srv), "\n") {
		if v, ok := strings.CutPrefix(line, "kinrt_activity_dropped_total "); ok {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric line %q: %v", line, err)
			}
			return n
		}
	}
	t.Fatal("no kinrt_activity_dropped_total in /metrics")
	return 0
}

// waitDropped waits until kinrt_activity_dropped_total is n (observers
// run just after the emit, on the publishing goroutine).
func waitDropped(t *testing.T, srv *server.Server, n float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := dropped(t, srv)
		if got == n {
			return
		}
		if got > n || time.Now().After(deadline) {
			t.Fatalf("kinrt_activity_dropped_total = %v, want %v", got, n)
		}
		time.Sleep(5 * time.Millisecond) // a poll, not a timing assumption
	}
}

// waitLogged waits until the activity log, read with rooms, holds every
// id of ids, and returns it (presence aside). The activity writer appends
// in the background: this waits for a condition, with a deadline.
func waitLogged(t *testing.T, st store.Store, rooms []string, ids ...string) []store.ActivityEntry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		entries, err := st.Activity().List(context.Background(), store.ActivityQuery{Rooms: rooms, Limit: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, e := range entries {
			have[e.ID] = true
		}
		var missing []string
		for _, id := range ids {
			if !have[id] {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return entries
		}
		if time.Now().After(deadline) {
			t.Fatalf("not in the activity log after 10s: %v", missing)
		}
		time.Sleep(5 * time.Millisecond) // a poll, not a timing assumption
	}
}

// TestFailedWebhookJournalsNothing: a webhook whose transaction fails
// leaves no activity entry (and no record) and emits nothing.
func TestFailedWebhookJournalsNothing(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "kin.db")
	srv, hs, tw := webhookServer(t, db)
	admin := adminSocket(t, srv, hs.URL)
	cases := []struct {
		name   string
		setup  func(t *testing.T) // before the webhook
		sid    string
		form   map[string]string
		status int
	}{
		{name: "bad input", sid: "SM41", status: http.StatusBadRequest,
			form: map[string]string{"From": customer, "To": supportNumber, "Body": "too much media", "NumMedia": "11"}},
		{name: "store error appending the activity", sid: "SM42", status: http.StatusInternalServerError,
			setup: func(t *testing.T) {
				// The records are written first, then the entry fails: the
				// transaction must take the records back with it.
				refuseActivity(t, db, "message_received")
			},
			form: map[string]string{"From": customer, "To": supportNumber, "Body": "not journaled", "NumMedia": "0"}},
	}
	for _, c := range cases {
		if c.setup != nil {
			c.setup(t)
		}
		kv := []string{"MessageSid", c.sid}
		for k, v := range c.form {
			kv = append(kv, k, v)
		}
		if status, body := tw.post("/api/webhooks/twilio/sms", form(kv...)); status != c.status {
			t.Fatalf("%s: %d %s, want %d", c.name, status, body, c.status)
		}
		if n := len(adminLog(t, srv.Store())); n != 0 {
			t.Errorf("%s: %d activity entries after a failed webhook", c.name, n)
		}
		if _, err := srv.Store().Messages().Get(context.Background(), c.sid); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: the failed webhook stored its message: %v", c.name, err)
		}
	}
	// Nothing was emitted: the first event the socket gets is the marker;
	// and once the marker is logged, it is alone in the log.
	marker := sendMarker(t, srv, "failed webhooks end")
	if ev := nextEvent(t, admin); ev.id != marker {
		t.Fatalf("a failed webhook emitted %s %s", ev.name, ev.payload)
	}
	for _, e := range waitLogged(t, srv.Store(), []string{"role-admin"}, marker) {
		if e.ID != marker && e.Type != presenceEvent {
			t.Errorf("unexpected entry %s %s", e.Type, e.Payload)
		}
	}
}

// refuseActivity makes the SQLite database at path refuse activity
// entries of type typ (a trigger), as a failing store would.
func refuseActivity(t *testing.T, path, typ string) {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.Exec(fmt.Sprintf(`CREATE TRIGGER refuse_%[1]s BEFORE INSERT ON activity WHEN NEW.type = '%[1]s'
		BEGIN SELECT RAISE(ABORT, 'activity refused by the test'); END`, typ))
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnjournaledEventsLogged: presence, REST API and internal API events
// reach the activity log through the activity writer, each once, with the
// ids the sockets received.
func TestUnjournaledEventsLogged(t *testing.T) {
	t.Parallel()
	const apiKey = "internal-key-for-the-journal-test"
	srv, hs := startServer(t, func(c *config.Config) { c.InternalAPIKey = apiKey })
	admin := adminSocket(t, srv, hs.URL)
	adminTok, _ := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)

	// Presence: bob comes online.
	bobTok, _ := srv.Verifier().Mint(auth.Principal{UserID: "bob", Role: "agent", Department: "sales"}, time.Hour)
	if reply, ok := dialRaw(t, hs.URL, nil).connect(map[string]string{"token": bobTok}); !ok {
		t.Fatalf("bob refused: %v", reply)
	}
	post := func(path, bearer, body string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, hs.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var r struct {
			ID string `json:"id"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || resp.StatusCode != http.StatusAccepted || r.ID == "" {
			t.Fatalf("%s: %d %+v %v", path, resp.StatusCode, r, err)
		}
		return r.ID
	}
	// What the admin's socket receives. Bob's presence is published by
	// his connection handler, after his CONNECT answer: it is awaited
	// first, so that it comes before the marker.
	var got []sockEvent
	recv := func() sockEvent {
		name, payload, _ := admin.event()
		ev := sockEvent{name: name, id: eventID(t, payload), payload: payload}
		got = append(got, ev)
		return ev
	}
	for {
		if ev := recv(); ev.name == presenceEvent && strings.Contains(string(ev.payload), `"userId":"bob"`) {
			break
		}
	}
	restID := post("/api/notifications", adminTok, `{"level":"info","title":"t","message":"from the REST API","target":{"kind":"all"}}`)
	internalID := post("/api/internal/events", apiKey,
		`{"type":"system_notification","data":{"level":"warning","message":"from the internal API","target":{"kind":"role","value":"admin"}}}`)
	marker := sendMarker(t, srv, "unjournaled end")
	for recv().id != marker {
	}
	var ids []string
	for _, ev := range got {
		ids = append(ids, ev.id)
	}
	for _, id := range []string{restID, internalID} {
		if !strings.Contains(strings.Join(ids, " "), id) {
			t.Errorf("the socket never got %s (got %v)", id, ids)
		}
	}
	logged := waitLogged(t, srv.Store(), []string{"role-admin"}, ids...)
	byID := map[string]store.ActivityEntry{}
	perType := map[string]int{}
	for _, e := range logged {
		if _, dup := byID[e.ID]; dup {
			t.Errorf("%s logged twice", e.ID)
		}
		byID[e.ID] = e
		perType[e.Type]++
	}
	for _, ev := range got {
		if e := byID[ev.id]; e.Type != ev.name || !sameJSON(e.Payload, ev.payload) {
			t.Errorf("logged %s %s, the socket got %s %s", e.Type, e.Payload, ev.name, ev.payload)
		}
	}
	if perType["system_notification"] != 3 {
		t.Errorf("%d system notifications logged, want 3 (each once)", perType["system_notification"])
	}
}

// TestCloseFlushesActivity: the entries queued when Close is called are
// written before the store closes.
func TestCloseFlushesActivity(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "kin.db")
	srv, _ := startServer(t, func(c *config.Config) { c.DatabaseURL = "sqlite:" + db })
	// Users' rooms keep each query under a page: store.MaxPageSize.
	const users, perUser = 10, store.MaxPageSize - 1
	want := map[string][]string{}
	for i := 0; i < perUser; i++ {
		for u := 0; u < users; u++ {
			user := fmt.Sprintf("user%d", u)
			e := &events.SystemNotification{Level: "info", Message: fmt.Sprintf("n%d", i), Target: events.Target{Kind: events.TargetUser, Value: user}}
			if err := srv.Broadcaster().Publish(context.Background(), e); err != nil {
				t.Fatal(err)
			}
			want[user] = append(want[user], e.ID)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, "sqlite:"+db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for user, ids := range want {
		entries, err := st.Activity().List(ctx, store.ActivityQuery{Rooms: []string{events.UserRoom(user)}, Limit: store.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var gotIDs []string
		for _, e := range entries {
			gotIDs = append(gotIDs, e.ID)
		}
		sort.Strings(gotIDs)
		sort.Strings(ids)
		if !reflect.DeepEqual(gotIDs, ids) {
			t.Errorf("%s: %d of %d entries after Close", user, len(gotIDs), len(ids))
		}
	}
}
