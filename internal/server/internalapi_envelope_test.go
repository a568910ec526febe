package server_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/config"
)

// TestInternalAPIEnvelope: the body of POST /api/internal/events is
// {"type", "data", "room"?} and nothing else. A "room" outside the rooms
// of the event's routing policy, or a list of rooms, is refused with a
// message saying why, instead of being ignored and the event delivered to
// another audience; nothing is published.
func TestInternalAPIEnvelope(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.InternalAPIKey = "env-key" })
	post := func(body string) (int, string) { t.Helper(); return postInternal(t, hs.URL, "env-key", body) }
	const data = `{"level":"info","message":"standup","target":{"kind":"department","value":"support"}}`
	tests := []struct {
		name, body string
		status     int
		contains   string
	}{
		{"room outside the policy", `{"type":"system_notification","room":"user-u1","data":` + data + `}`, 400, `room: must be one of the rooms that may see this system_notification: department-support`},
		{"rooms", `{"type":"system_notification","data":` + data + `,"rooms":["role-admin"]}`, 400, `rooms: not supported`},
		{"other field", `{"type":"system_notification","data":` + data + `,"priority":1}`, 400, `unknown field \"priority\"`},
		{"trailing data", `{"type":"system_notification","data":` + data + `} {}`, 400, `body must be a JSON object`},
		{"not an object", `[]`, 400, `body must be a JSON object`},
		{"type and data", `{"type":"system_notification","data":` + data + `}`, 202, `"id"`},
		{"case-insensitive keys as before", `{"Type":"system_notification","Data":` + data + `}`, 202, `"id"`},
	}
	for _, tt := range tests {
		status, body := post(tt.body)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", tt.name, status, body, tt.status, tt.contains)
		}
	}
	if m := scrape(t, srv); !strings.Contains(m, `kinrt_events_emitted_total{type="system_notification"} 2`) {
		t.Errorf("want exactly the two accepted events published:\n%s", grepLines(m, "kinrt_events_emitted_total"))
	}
}

// TestInternalAPIPresenceWatched: in the watched scope a presence change
// published through the internal API takes that scope's routing (its
// user's room and watchers: narrowing to the department is refused), and
// a batch, which would go to a department, is refused.
func TestInternalAPIPresenceWatched(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, func(c *config.Config) {
		c.InternalAPIKey = "env-key"
		c.PresenceScope = config.PresenceWatched
	})
	post := func(body string) (int, string) { t.Helper(); return postInternal(t, hs.URL, "env-key", body) }
	const one = `{"userId":"u1","department":"sales","status":"online","version":3}`
	for _, tt := range []struct {
		name, body string
		status     int
		contains   string
	}{
		{"single", `{"type":"user_presence_updated","data":` + one + `}`, 202, `"id"`},
		{"narrowed to the watchers", `{"type":"user_presence_updated","room":"presence-5-sales-u1","data":` + one + `}`, 202, `"id"`},
		{"narrowed to the department", `{"type":"user_presence_updated","room":"department-sales","data":` + one + `}`, 400, `user-u1, presence-5-sales-u1`},
		{"batch", `{"type":"user_presence_updated","data":{"userId":"u1","department":"sales","status":"online","version":3,` +
			`"users":[{"userId":"u1","status":"online","version":3},{"userId":"u2","status":"away","version":1}]}}`, 400, `KIN_PRESENCE_SCOPE=watched`},
	} {
		status, body := post(tt.body)
		if status != tt.status || !strings.Contains(body, tt.contains) {
			t.Errorf("%s: %d %s, want %d containing %s", tt.name, status, body, tt.status, tt.contains)
		}
	}
}

// postInternal posts body to POST /api/internal/events with key and
// returns the answer's status and body.
func postInternal(t *testing.T, base, key, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/internal/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
