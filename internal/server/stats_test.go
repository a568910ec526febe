package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/store"
)

// apiGet sends GET path with the token as Bearer ("" for none) and
// decodes a 200 answer into out.
func apiGet(t *testing.T, base, path, token string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, body)
		}
	}
	return resp.StatusCode
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// TestStatsEndpoint builds the floor from signed webhooks (and one
// outbound message stored as the REST API stores it) and checks each
// role's GET /api/stats: its departments only, each figure from the
// records, and 401 without a session.
func TestStatsEndpoint(t *testing.T) {
	srv, hs, tw := webhookServer(t, "")
	mint := func(p auth.Principal) string {
		tok, err := srv.Verifier().Mint(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	sam := auth.Principal{UserID: "sam", Name: "Sam Sales", Role: "supervisor", Department: "sales"}
	pat := auth.Principal{UserID: "pat", Name: "Pat Helper", Role: "agent", Department: "support"}
	ada := auth.Principal{UserID: "ada", Name: "Ada Admin", Role: "admin"}
	expect := func(path string, kv ...string) {
		t.Helper()
		if got, body := tw.post(path, form(kv...)); got >= 300 {
			t.Fatalf("%s: %d %s", path, got, body)
		}
	}
	now := time.Now().UTC()
	ts := func(d time.Duration) string { return now.Add(d).Format(time.RFC1123Z) }
	call := func(sid, to string) {
		expect("/api/webhooks/twilio/voice", "CallSid", sid, "From", customer, "To", to, "CallStatus", "ringing", "Direction", "inbound")
	}
	status := func(sid, to, st, seq string, at time.Duration) {
		expect("/api/webhooks/twilio/status", "CallSid", sid, "From", customer, "To", to, "CallStatus", st, "SequenceNumber", seq, "Timestamp", ts(at))
	}
	// Sales: one call answered in 5 s, one in a minute, one missed.
	call("CA1", salesNumber)
	status("CA1", salesNumber, "in-progress", "1", 5*time.Second)
	status("CA1", salesNumber, "completed", "2", 90*time.Second)
	call("CA2", salesNumber)
	status("CA2", salesNumber, "in-progress", "1", time.Minute)
	call("CA3", salesNumber)
	status("CA3", salesNumber, "no-answer", "1", 30*time.Second)
	// Support: a call left to voicemail.
	call("CA4", supportNumber)
	status("CA4", supportNumber, "completed", "1", 40*time.Second)
	expect("/api/webhooks/twilio/recording?kind=voicemail", "CallSid", "CA4", "RecordingSid", "RE4", "RecordingStatus", "completed",
		"RecordingUrl", "https://api.twilio.com/rec/RE4", "RecordingDuration", "12", "RecordingSource", "RecordVerb")
	// Messages: two in to support (one conversation), one in to sales and a reply.
	expect("/api/webhooks/twilio/sms", "MessageSid", "SM1", "From", customer, "To", supportNumber, "Body", "hello", "NumMedia", "0")
	expect("/api/webhooks/twilio/sms", "MessageSid", "SM2", "From", customer, "To", supportNumber, "Body", "anyone?", "NumMedia", "0")
	expect("/api/webhooks/twilio/sms", "MessageSid", "SM3", "From", customer, "To", salesNumber, "Body", "prices?", "NumMedia", "0")
	conv, _, err := srv.Store().Conversations().Ensure(t.Context(), salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := srv.Store().Conversations().MarkRead(t.Context(), conv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store().Messages().Create(t.Context(), store.Message{SID: "SM4", ConversationID: conv.ID, Direction: store.Outbound, From: salesNumber, To: customer, Body: "here", SentBy: "sam"}); err != nil {
		t.Fatal(err)
	}
	// TaskRouter: a sales task waiting for 30 s, a support task accepted;
	// Sally on a break, Quinn (support) available.
	ms := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).UnixMilli(), 10) }
	expect("/api/webhooks/taskrouter", "EventType", "task.created", "Sid", "EV1", "TimestampMs", ms(-30*time.Second), "TaskSid", "WT1",
		"TaskAssignmentStatus", "pending", "TaskAttributes", `{"department":"sales"}`)
	expect("/api/webhooks/taskrouter", "EventType", "task.created", "Sid", "EV2", "TimestampMs", ms(-20*time.Second), "TaskSid", "WT2",
		"TaskAssignmentStatus", "assigned", "TaskAttributes", `{"department":"support"}`)
	expect("/api/webhooks/taskrouter", "EventType", "worker.activity.update", "Sid", "EV3", "TimestampMs", ms(-10*time.Second), "WorkerSid", "WK1",
		"WorkerName", "Sally Seller", "WorkerAttributes", `{"userId":"sally","department":"sales"}`, "WorkerActivityName", "Break", "WorkerVersion", "1")
	expect("/api/webhooks/taskrouter", "EventType", "worker.activity.update", "Sid", "EV4", "TimestampMs", ms(-5*time.Second), "WorkerSid", "WK2",
		"WorkerName", "Quinn Helper", "WorkerAttributes", `{"userId":"quinn","department":"support"}`, "WorkerActivityName", "Available",
		"WorkerActivityAvailable", "true", "WorkerVersion", "1")
	// Sam, Pat and Ada have used the dashboard (the presence tracker knows
	// them); Ada, an admin, is not on the floor.
	for _, p := range []auth.Principal{sam, pat, ada} {
		req, _ := http.NewRequest(http.MethodPut, hs.URL+"/api/presence/me", strings.NewReader(`{"status":"away"}`))
		req.Header.Set("Authorization", "Bearer "+mint(p))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT presence: %v %v", resp, err)
		}
		resp.Body.Close()
	}

	type want struct {
		departments                      []string
		waiting                          map[string]int
		agents                           []string // userId=presence/activity
		calls, missed, voicemails        int
		smsIn, smsOut                    int
		unlistened, unread               int
		answered, within                 int
		percent                          float64
		perMinuteCalls, perMinuteMessage int
	}
	tests := []struct {
		name string
		who  auth.Principal
		want want
	}{
		{"sales supervisor", sam, want{
			departments: []string{"sales"}, waiting: map[string]int{"sales": 1},
			agents: []string{"sally=offline/Break", "sam=offline/-"},
			calls:  3, missed: 1, smsIn: 1, smsOut: 1, unread: 0, answered: 2, within: 1, percent: 50,
			perMinuteCalls: 3, perMinuteMessage: 2,
		}},
		{"support agent", pat, want{
			departments: []string{"support"}, waiting: map[string]int{"support": 0},
			agents: []string{"pat=offline/-", "quinn=offline/Available"},
			calls:  1, missed: 1, voicemails: 1, smsIn: 2, unlistened: 1, unread: 1,
			perMinuteCalls: 1, perMinuteMessage: 2,
		}},
		{"admin", ada, want{
			departments: []string{"sales", "support"}, waiting: map[string]int{"sales": 1, "support": 0},
			agents: []string{"sally=offline/Break", "sam=offline/-", "pat=offline/-", "quinn=offline/Available"},
			calls:  4, missed: 2, voicemails: 1, smsIn: 3, smsOut: 1, unlistened: 1, unread: 1, answered: 2, within: 1, percent: 50,
			perMinuteCalls: 4, perMinuteMessage: 4,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var st server.Stats
			if code := apiGet(t, hs.URL, "/api/stats", mint(tc.who), &st); code != http.StatusOK {
				t.Fatalf("GET /api/stats: %d", code)
			}
			w := tc.want
			if !slices.Equal(st.Departments, w.departments) {
				t.Errorf("departments %v, want %v", st.Departments, w.departments)
			}
			if len(st.Queue) != len(w.waiting) {
				t.Errorf("queue %+v, want %v", st.Queue, w.waiting)
			}
			for _, q := range st.Queue {
				if n, ok := w.waiting[q.Department]; !ok || q.Waiting != n {
					t.Errorf("queue %s: %d waiting, want %d (listed: %v)", q.Department, q.Waiting, n, ok)
				}
				if q.Waiting > 0 && (q.LongestWaitSeconds < 30 || q.LongestWaitSeconds > 90) {
					t.Errorf("queue %s: longest wait %d s, want about 30", q.Department, q.LongestWaitSeconds)
				}
			}
			var agents []string
			for _, a := range st.Agents {
				act := "-"
				if a.Activity != nil {
					act = *a.Activity
				}
				agents = append(agents, a.UserID+"="+a.Presence+"/"+act)
				if a.Name == "" || a.Name == a.UserID {
					t.Errorf("agent %s has no name", a.UserID)
				}
				if (a.Activity != nil) != (a.ActivitySince != nil) {
					t.Errorf("agent %s: activity %v since %v", a.UserID, a.Activity, a.ActivitySince)
				}
			}
			if !slices.Equal(agents, w.agents) {
				t.Errorf("agents %v, want %v", agents, w.agents)
			}
			d := st.Today
			got := [5]int{d.Calls, d.MissedCalls, d.Voicemails, d.SMSIn, d.SMSOut}
			if got != [5]int{w.calls, w.missed, w.voicemails, w.smsIn, w.smsOut} {
				t.Errorf("today calls, missed, voicemails, in, out = %v, want %v", got, [5]int{w.calls, w.missed, w.voicemails, w.smsIn, w.smsOut})
			}
			gen := st.GeneratedAt.UTC()
			if wantSince := time.Date(gen.Year(), gen.Month(), gen.Day(), 0, 0, 0, 0, time.UTC); !d.Since.Equal(wantSince) || d.TimeZone != "UTC" {
				t.Errorf("today since %v (%s), want %v UTC", d.Since, d.TimeZone, wantSince)
			}
			if st.VoicemailsUnlistened != w.unlistened || st.ConversationsUnread != w.unread {
				t.Errorf("unlistened %d, unread %d; want %d, %d", st.VoicemailsUnlistened, st.ConversationsUnread, w.unlistened, w.unread)
			}
			sl := st.ServiceLevel
			if sl.ThresholdSeconds != 20 || sl.Answered != w.answered || sl.AnsweredWithin != w.within {
				t.Errorf("service level %+v, want 20 s, %d answered, %d within", sl, w.answered, w.within)
			}
			if (sl.Percent == nil) != (w.answered == 0) || (sl.Percent != nil && *sl.Percent != w.percent) {
				t.Errorf("service level percent %v, want %v", sl.Percent, w.percent)
			}
			pm := st.PerMinute
			if len(pm.Calls) != 60 || len(pm.Messages) != 60 || sum(pm.Calls) != w.perMinuteCalls || sum(pm.Messages) != w.perMinuteMessage {
				t.Errorf("per minute: %d/%d buckets, %d calls, %d messages; want 60, %d, %d",
					len(pm.Calls), len(pm.Messages), sum(pm.Calls), sum(pm.Messages), w.perMinuteCalls, w.perMinuteMessage)
			}
			if end := pm.From.Add(60 * time.Minute); !st.GeneratedAt.Before(end) || st.GeneratedAt.Before(end.Add(-time.Minute)) {
				t.Errorf("per minute from %v: the last bucket does not hold %v", pm.From, st.GeneratedAt)
			}
		})
	}

	t.Run("unauthorized", func(t *testing.T) {
		if code := apiGet(t, hs.URL, "/api/stats", "", nil); code != http.StatusUnauthorized {
			t.Errorf("without a session: %d, want 401", code)
		}
		if code := apiGet(t, hs.URL, "/api/stats", "not-a-token", nil); code != http.StatusUnauthorized {
			t.Errorf("with a bad token: %d, want 401", code)
		}
	})
}

// TestStatsSettings: "today" starts at midnight in KIN_TIMEZONE, and the
// threshold is KIN_SERVICE_LEVEL_SECONDS.
func TestStatsSettings(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	srv, hs := startServer(t, func(c *config.Config) {
		c.TimeZone = tokyo
		c.ServiceLevel = 90 * time.Second
	})
	tok, _ := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
	var st server.Stats
	if code := apiGet(t, hs.URL, "/api/stats", tok, &st); code != http.StatusOK {
		t.Fatalf("GET /api/stats: %d", code)
	}
	gen := st.GeneratedAt.In(tokyo)
	if want := time.Date(gen.Year(), gen.Month(), gen.Day(), 0, 0, 0, 0, tokyo); !st.Today.Since.Equal(want) || st.Today.TimeZone != "Asia/Tokyo" {
		t.Errorf("today since %v (%s), want %v Asia/Tokyo", st.Today.Since, st.Today.TimeZone, want)
	}
	if st.ServiceLevel.ThresholdSeconds != 90 || st.ServiceLevel.Percent != nil {
		t.Errorf("service level %+v, want 90 s and no percent (nothing answered)", st.ServiceLevel)
	}
	var raw map[string]json.RawMessage
	apiGet(t, hs.URL, "/api/stats", tok, &raw)
	for _, k := range []string{"departments", "queue", "agents"} {
		if string(raw[k]) != "[]" {
			t.Errorf("%s: %s, want []", k, raw[k])
		}
	}
}
