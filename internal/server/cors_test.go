package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/limit"
	"github.com/kin-comms/kinrt/internal/store"
)

// The origins of the CORS tests: startServer allows appOrigin
// (SOCKET_IO_CORS_ORIGIN); evilOrigin is anyone else's page.
const (
	appOrigin  = "https://app.example"
	evilOrigin = "https://evil.example"
)

// corsRoute is one route of a REST API family, as a page of another
// origin calls it, and what it answers an authorized user.
type corsRoute struct {
	family, method, path, body string
	status                     int
}

// corsRoutes are the REST routes, one or more per family, with the
// answer each gives sue (sales supervisor) over a seeded store and the
// fake Twilio.
func corsRoutes(t *testing.T, env *restEnv) []corsRoute {
	t.Helper()
	ctx := t.Context()
	st := env.srv.Store()
	vm, _, err := st.Voicemails().Create(ctx, store.Voicemail{
		CallSID: restSID("CA", 0xc0), RecordingSID: restRecording,
		RecordingURL: "https://api.twilio.com/2010-04-01/Accounts/" + restAccount + "/Recordings/" + restRecording,
		From:         customer, To: salesNumber, Department: "sales", DurationSeconds: 12, CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		t.Fatal(err)
	}
	conv, _, err := st.Conversations().Ensure(ctx, salesNumber, customer, "sales")
	if err != nil {
		t.Fatal(err)
	}
	note := `{"level":"info","title":"t","message":"m","target":{"kind":"department","value":"sales"}}`
	return []corsRoute{
		{"me", "GET", "/api/me", "", 200},
		{"presence", "GET", "/api/presence", "", 200},
		{"presence", "PUT", "/api/presence/me", `{"status":"away"}`, 200},
		{"activity", "GET", "/api/activity", "", 200},
		{"stats", "GET", "/api/stats", "", 200},
		{"notifications", "POST", "/api/notifications", note, 202},
		{"voicemails", "GET", "/api/voicemails", "", 200},
		{"voicemails", "GET", "/api/voicemails/" + vm.ID, "", 200},
		{"voicemails", "PATCH", "/api/voicemails/" + vm.ID, `{"status":"listened"}`, 200},
		{"voicemails", "GET", "/api/voicemails/" + vm.ID + "/media", "", 200},
		{"conversations", "GET", "/api/conversations", "", 200},
		{"conversations", "GET", "/api/conversations/" + conv.ID + "/messages", "", 200},
		{"conversations", "POST", "/api/conversations/" + conv.ID + "/messages", `{"body":"calling you back"}`, 201},
		{"conversations", "POST", "/api/conversations/" + conv.ID + "/read", "", 200},
		{"taskrouter", "GET", "/api/taskrouter/workers", "", 200},
		{"taskrouter", "GET", "/api/taskrouter/tasks", "", 200},
		{"taskrouter", "GET", "/api/taskrouter/offers", "", 200},
		{"taskrouter", "PATCH", "/api/taskrouter/workers/" + restSID("WK", 99), `{"activitySid":"` + restActBreak + `"}`, 404},
		{"taskrouter", "POST", "/api/taskrouter/reservations/" + restSID("WR", 99) + "/accept", "", 404},
		{"taskrouter", "POST", "/api/taskrouter/reservations/" + restSID("WR", 99) + "/reject", "", 404},
		{"unknown route", "GET", "/api/no-such-route", "", 404},
	}
}

// TestCORSPerRouteFamily is issue 16's "the service speaks to another
// origin": for every REST route, a preflight from the allowed origin is
// answered without a session, its calls with a Bearer token or with the
// session cookie are served and readable (CORS headers), and another
// origin is refused (403), preflight or not, without CORS headers.
func TestCORSPerRouteFamily(t *testing.T) {
	t.Parallel()
	env := newRestEnv(t)
	sue := auth.Principal{UserID: "sue", Name: "Sue", Role: events.RoleSupervisor, Department: "sales"}
	token := env.mint(sue)
	cookie := auth.CookieNextAuth + "=" + token
	for _, rt := range corsRoutes(t, env) {
		name := rt.method + " " + rt.path
		preflight := func(origin string) restResponse {
			t.Helper()
			return env.do("OPTIONS", rt.path, "", "", "Origin", origin,
				"Access-Control-Request-Method", rt.method, "Access-Control-Request-Headers", "authorization,content-type")
		}
		// Preflight from the allowed origin: no session, 204, the headers.
		r := preflight(appOrigin)
		if r.Status != http.StatusNoContent {
			t.Errorf("%s: preflight from %s: %d %s, want 204", name, appOrigin, r.Status, r.Body)
		}
		wantCORS(t, name+": preflight", r.Header, appOrigin)
		for _, want := range []struct{ header, has string }{
			{"Access-Control-Allow-Methods", rt.method},
			{"Access-Control-Allow-Headers", "Authorization"},
			{"Access-Control-Allow-Headers", "Content-Type"},
			{"Access-Control-Max-Age", "7200"},
		} {
			if got := r.Header.Get(want.header); !strings.Contains(got, want.has) {
				t.Errorf("%s: preflight %s: %q, want %s in it", name, want.header, got, want.has)
			}
		}
		// The calls of the allowed origin, by Bearer and by cookie.
		for _, c := range []struct {
			how string
			hdr []string
		}{
			{"Bearer", []string{"Authorization", "Bearer " + token}},
			{"cookie", []string{"Cookie", cookie, "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "cors"}},
		} {
			r := env.do(rt.method, rt.path, "", rt.body, append([]string{"Origin", appOrigin}, c.hdr...)...)
			if r.Status != rt.status {
				t.Errorf("%s by %s from %s: %d %s, want %d", name, c.how, appOrigin, r.Status, r.Body, rt.status)
			}
			wantCORS(t, name+" by "+c.how, r.Header, appOrigin)
		}
		// Without a session: 401, readable by the page.
		if rt.family != "unknown route" {
			r = env.do(rt.method, rt.path, "", rt.body, "Origin", appOrigin)
			if r.Status != http.StatusUnauthorized {
				t.Errorf("%s without a session: %d %s, want 401", name, r.Status, r.Body)
			}
			wantCORS(t, name+" without a session", r.Header, appOrigin)
		}
		// Another origin: 403, preflight and request, no CORS headers.
		for _, r := range []restResponse{
			preflight(evilOrigin),
			env.do(rt.method, rt.path, "", rt.body, "Origin", evilOrigin, "Authorization", "Bearer "+token),
			env.do(rt.method, rt.path, "", rt.body, "Origin", evilOrigin, "Cookie", cookie),
		} {
			if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "origin not allowed") {
				t.Errorf("%s from %s: %d %s, want 403 origin not allowed", name, evilOrigin, r.Status, r.Body)
			}
			wantNoCORS(t, name+" from "+evilOrigin, r.Header)
		}
	}
}

// wantCORS fails unless h lets origin's page read the answer with
// credentials.
func wantCORS(t *testing.T, what string, h http.Header, origin string) {
	t.Helper()
	if got := h.Get("Access-Control-Allow-Origin"); got != origin {
		t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", what, got, origin)
	}
	if got := h.Get("Access-Control-Allow-Credentials"); got != "true" {
		t.Errorf("%s: Access-Control-Allow-Credentials %q, want true", what, got)
	}
	if !strings.Contains(strings.Join(h.Values("Vary"), ","), "Origin") {
		t.Errorf("%s: Vary %q lacks Origin", what, h.Values("Vary"))
	}
	// Nothing may keep an allowed origin from reading JSON or media.
	if corp := h.Get("Cross-Origin-Resource-Policy"); corp != "" && corp != "cross-origin" {
		t.Errorf("%s: Cross-Origin-Resource-Policy %q blocks the allowed origin", what, corp)
	}
}

// wantNoCORS fails if h lets any other origin read the answer.
func wantNoCORS(t *testing.T, what string, h http.Header) {
	t.Helper()
	for _, k := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods", "Access-Control-Allow-Headers"} {
		if v := h.Get(k); v != "" {
			t.Errorf("%s: %s %q, want none", what, k, v)
		}
	}
}

// TestCORSOnRefusals: the limit's 429 (its Retry-After exposed) reaches
// the allowed origin's page readable; preflights spend no budget and need
// no session; webhooks and the dashboard get no CORS headers.
func TestCORSOnRefusals(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.APIRate = limit.Rate{PerSecond: 1.0 / 60, Burst: 2} })
	token, err := srv.Verifier().Mint(auth.Principal{UserID: "ann", Role: events.RoleAgent, Department: "sales"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path string, hdr ...string) (int, string, http.Header) {
		t.Helper()
		h := http.Header{}
		for i := 0; i+1 < len(hdr); i += 2 {
			h.Set(hdr[i], hdr[i+1])
		}
		return limDo(t, method, hs.URL+path, nil, h)
	}
	// Many preflights: none limited, none needs a session.
	for range 5 {
		if status, body, h := do("OPTIONS", "/api/presence", "Origin", appOrigin, "Access-Control-Request-Method", "GET"); status != http.StatusNoContent {
			t.Fatalf("preflight: %d %s", status, body)
		} else {
			wantCORS(t, "preflight", h, appOrigin)
		}
	}
	statuses := []int{}
	for range 3 {
		status, body, h := do("GET", "/api/presence", "Origin", appOrigin, "Authorization", "Bearer "+token)
		statuses = append(statuses, status)
		wantCORS(t, "GET /api/presence", h, appOrigin)
		if status == http.StatusTooManyRequests {
			var e map[string]string
			if json.Unmarshal([]byte(body), &e) != nil || e["error"] == "" {
				t.Errorf("429 answer %q is not a JSON error", body)
			}
			if h.Get("Retry-After") == "" || !strings.Contains(h.Get("Access-Control-Expose-Headers"), "Retry-After") {
				t.Errorf("429: Retry-After %q, exposed %q", h.Get("Retry-After"), h.Get("Access-Control-Expose-Headers"))
			}
		}
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 {
		t.Errorf("statuses %v, want 200 200 429: the preflights must not have spent the budget", statuses)
	}
	// Webhooks (Twilio, server to server) and the dashboard: no CORS.
	for _, path := range []string{"/api/webhooks/twilio/sms", "/"} {
		_, _, h := do("OPTIONS", path, "Origin", appOrigin, "Access-Control-Request-Method", "POST")
		wantNoCORS(t, "OPTIONS "+path, h)
	}
}
