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
