package server_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

func TestDemoSignInOnlyInDemoMode(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, nil)
	resp, err := http.Get(hs.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /signin without --demo: %d", resp.StatusCode)
	}
	resp, err = http.PostForm(hs.URL+"/signin", url.Values{"user": {"demo-admin"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusSeeOther || len(resp.Cookies()) > 0 {
		t.Errorf("POST /signin without --demo signed in: %d %v", resp.StatusCode, resp.Cookies())
	}
}

func TestDemoSignIn(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.Demo = true })
	page := get(t, hs.URL+"/signin")
	if !strings.Contains(page, `value="demo-sales-1"`) || !strings.Contains(page, "Demo mode") {
		t.Fatalf("sign-in page:\n%s", page)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(user, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/signin", strings.NewReader(url.Values{"user": {user}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	if resp := post("demo-sales-1", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign origin: %d", resp.StatusCode)
	}
	if resp := post("nobody", hs.URL); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unknown user: %d", resp.StatusCode)
	}
	resp := post("demo-sales-1", hs.URL)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "next-auth.session-token" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", cookie)
	}
	r := &http.Request{Header: http.Header{"Cookie": {cookie.String()}}}
	p, err := srv.Verifier().FromRequest(r)
	if err != nil || p.UserID != "demo-sales-1" || p.Department != "sales" || p.Role != "agent" {
		t.Fatalf("cookie carries %+v, %v", p, err)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, func(c *config.Config) { c.Demo = true })
	for _, path := range []string{"/signin", "/healthz"} {
		resp, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || !strings.Contains(csp, "script-src 'self'") ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: headers %v", path, resp.Header)
		}
		if path == "/signin" {
			// The page's inline style is the one the CSP hash allows.
			start := strings.Index(string(body), "<style>") + len("<style>")
			end := strings.Index(string(body), "</style>")
			sum := sha256.Sum256(body[start:end])
			if !strings.Contains(csp, base64.StdEncoding.EncodeToString(sum[:])) {
				t.Errorf("the sign-in style is not allowed by the CSP %q", csp)
			}
		}
	}
}

func TestDashboardServed(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, nil)
	page := get(t, hs.URL+"/")
	if !strings.Contains(page, `<script type="module"`) || strings.Contains(page, "<script>") {
		t.Errorf("dashboard page:\n%s", page)
	}
	resp, err := http.Get(hs.URL + "/api/nope")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"error"`) {
		t.Errorf("unknown API route: %d %s", resp.StatusCode, body)
	}
}

// TestDemoPresenceTakeover: a real socket of a demo user takes the user
// over from the demo's simulated presence: the simulated connection is
// dropped at once, the simulation cannot bring the user back while the
// person is connected, and when the person leaves the user goes offline
// (the simulation may resume after that).
func TestDemoPresenceTakeover(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) {
		c.Demo = true
		c.Simulate = false // the test drives the simulation itself
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
	})
	e := &restEnv{t: t, srv: srv, hs: hs}
	admin := e.token("demo-admin")
	watcher := e.dial("demo-admin") // sees every department's presence
	status := func(user string) string {
		t.Helper()
		var list struct {
			Items []struct{ UserID, Status string }
		}
		e.expect("GET", "/api/presence", admin, "", 200, "").json(t, &list)
		for _, it := range list.Items {
			if it.UserID == user {
				return it.Status
			}
		}
		return "absent"
	}
	const user = "demo-sales-1"
	if !server.HoldDemoUser(srv, user) {
		t.Fatal("the simulation could not bring a user nobody signed in as online")
	}
	if got := status(user); got != "online" {
		t.Fatalf("simulated user: %s, want online", got)
	}

	person := e.dial(user)
	if server.DemoHolds(srv, user) {
		t.Error("the simulation still holds a user a person signed in as")
	}
	if server.HoldDemoUser(srv, user) {
		t.Error("the simulation took a user back while a person is connected")
	}
	if got := status(user); got != "online" {
		t.Errorf("with the person connected: %s, want online", got)
	}

	person.Close()
	awaitEvent(t, watcher, "user_presence_updated", func(m map[string]any) bool { return presenceOf(m, user) == "offline" })
	if got := status(user); got != "offline" {
		t.Errorf("after the person left: %s, want offline", got)
	}
	if !server.HoldDemoUser(srv, user) {
		t.Error("the simulation did not resume once the person left")
	}
}

// presenceOf is the status a user_presence_updated payload (one user, or
// a batch of users) gives the user, "" when it holds no change of theirs.
func presenceOf(m map[string]any, user string) string {
	if m["userId"] == user {
		s, _ := m["status"].(string)
		return s
	}
	users, _ := m["users"].([]any)
	for _, u := range users {
		if e, _ := u.(map[string]any); e["userId"] == user {
			s, _ := e["status"].(string)
			return s
		}
	}
	return ""
}
