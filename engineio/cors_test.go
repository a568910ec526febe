package engineio

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

const appOrigin = "https://app.example"

func corsOpts() *Options {
	return &Options{CORS: &CORS{AllowedOrigins: []string{appOrigin}, AllowCredentials: true}}
}

func hasVaryOrigin(hdr http.Header) bool {
	for _, v := range hdr.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(f), "Origin") {
				return true
			}
		}
	}
	return false
}

func TestCORSAllowedOrigin(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: corsOpts(), echo: true})
	origin := http.Header{"Origin": {appOrigin}}
	status, body, hdr := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, origin)
	if status != http.StatusOK {
		t.Fatalf("handshake %d %q", status, body)
	}
	sid := parseOpen(t, body).SID
	checkCORS := func(what string, hdr http.Header) {
		t.Helper()
		if got := hdr.Get("Access-Control-Allow-Origin"); got != appOrigin {
			t.Errorf("%s: Access-Control-Allow-Origin %q, want %q", what, got, appOrigin)
		}
		if got := hdr.Get("Access-Control-Allow-Credentials"); got != "true" {
			t.Errorf("%s: Access-Control-Allow-Credentials %q, want true", what, got)
		}
		if !hasVaryOrigin(hdr) {
			t.Errorf("%s: Vary %q lacks Origin", what, hdr.Values("Vary"))
		}
	}
	checkCORS("handshake", hdr)

	status, body, hdr = h.do(context.Background(), http.MethodPost, pollQuery(sid), strings.NewReader("4x"), origin)
	if status != http.StatusOK || body != "ok" {
		t.Fatalf("POST %d %q", status, body)
	}
	checkCORS("POST", hdr)
	status, body, hdr = h.do(context.Background(), http.MethodGet, pollQuery(sid), nil, origin)
	if status != http.StatusOK || body != "4x" {
		t.Fatalf("GET %d %q", status, body)
	}
	checkCORS("GET", hdr)
}

func TestCORSWildcard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{CORS: &CORS{AllowedOrigins: []string{"*"}}}})
	status, _, hdr := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil,
		http.Header{"Origin": {"https://anyone.example"}})
	if status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	if got := hdr.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("Access-Control-Allow-Origin %q, want *", got)
	}
	if got := hdr.Get("Access-Control-Allow-Credentials"); got != "" {
		t.Errorf("Access-Control-Allow-Credentials %q without AllowCredentials", got)
	}
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		cors        CORS
		reqHeaders  string
		wantHeaders string
		wantMaxAge  string
	}{
		{"echoes requested headers", CORS{AllowedOrigins: []string{appOrigin}, AllowCredentials: true},
			"content-type, x-token", "content-type, x-token", ""},
		{"configured headers and max age", CORS{AllowedOrigins: []string{appOrigin}, AllowedHeaders: []string{"X-A", "X-B"}, MaxAge: time.Hour},
			"x-other", "X-A, X-B", "3600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: &Options{CORS: &tt.cors}})
			status, body, hdr := h.do(context.Background(), http.MethodOptions, "EIO=4&transport=polling", nil, http.Header{
				"Origin":                         {appOrigin},
				"Access-Control-Request-Method":  {"POST"},
				"Access-Control-Request-Headers": {tt.reqHeaders},
			})
			if status != http.StatusNoContent || body != "" {
				t.Fatalf("preflight %d %q, want 204 and no body", status, body)
			}
			methods := hdr.Get("Access-Control-Allow-Methods")
			for _, m := range []string{"GET", "POST"} {
				if !strings.Contains(methods, m) {
					t.Errorf("Access-Control-Allow-Methods %q lacks %s", methods, m)
				}
			}
			if got := hdr.Get("Access-Control-Allow-Headers"); got != tt.wantHeaders {
				t.Errorf("Access-Control-Allow-Headers %q, want %q", got, tt.wantHeaders)
			}
			if got := hdr.Get("Access-Control-Max-Age"); got != tt.wantMaxAge {
				t.Errorf("Access-Control-Max-Age %q, want %q", got, tt.wantMaxAge)
			}
			if got := hdr.Get("Access-Control-Allow-Origin"); got != appOrigin {
				t.Errorf("Access-Control-Allow-Origin %q, want %q", got, appOrigin)
			}
			if h.srv.Len() != 0 {
				t.Errorf("preflight opened a session")
			}
		})
	}
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   *Options
		origin string // "same" stands for the server's own origin
		allow  bool
	}{
		{"no origin", corsOpts(), "", true},
		{"same host", corsOpts(), "same", true},
		{"same host without CORS", nil, "same", true},
		{"CORS origin", corsOpts(), appOrigin, true},
		{"foreign origin", corsOpts(), "https://evil.example", false},
		{"foreign origin without CORS", nil, "https://evil.example", false},
		{"lookalike origin", corsOpts(), appOrigin + ".evil.example", false},
		{"null origin", corsOpts(), "null", false},
		{"same host, not a web scheme", corsOpts(), "scheme:evil", false},
		{"same host, https (TLS ended by a proxy)", corsOpts(), "https:same", true},
		{"same host, ws scheme", corsOpts(), "ws:same", false},
		{"same host, with a path", corsOpts(), "path:same", false},
		{"same host, with user info", corsOpts(), "user:same", false},
		{"custom check accepts foreign", &Options{CheckOrigin: func(r *http.Request) bool {
			return r.Header.Get("Origin") == "https://partner.example"
		}}, "https://partner.example", true},
		{"custom check refuses no origin", &Options{CheckOrigin: func(r *http.Request) bool {
			return r.Header.Get("Origin") != ""
		}}, "", false},
		{"custom check overrides CORS", &Options{CORS: &CORS{AllowedOrigins: []string{appOrigin}},
			CheckOrigin: func(*http.Request) bool { return false }}, appOrigin, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: tt.opts})
			hdr := http.Header{}
			host := strings.TrimPrefix(h.ts.URL, "http://")
			switch tt.origin {
			case "":
			case "same":
				hdr.Set("Origin", h.ts.URL)
			case "scheme:evil":
				hdr.Set("Origin", "evil://"+host)
			case "https:same":
				hdr.Set("Origin", "https://"+host)
			case "ws:same":
				hdr.Set("Origin", "ws://"+host)
			case "path:same":
				hdr.Set("Origin", h.ts.URL+"/x")
			case "user:same":
				hdr.Set("Origin", "http://evil.example@"+host)
			default:
				hdr.Set("Origin", tt.origin)
			}

			// Polling handshake.
			status, body, _ := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, hdr)
			if tt.allow {
				if status != http.StatusOK {
					t.Fatalf("polling: %d %q, want 200", status, body)
				}
				parseOpen(t, body)
			} else {
				expectError(t, status, body, http.StatusForbidden, 4)
			}

			// WebSocket handshake: refusing it stops cross-site WebSocket
			// hijacking.
			ws, resp, err := h.dial("EIO=4&transport=websocket", hdr)
			if tt.allow {
				if err != nil {
					t.Fatalf("websocket: %v", err)
				}
				parseOpen(t, ws.readText())
			} else {
				if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil || resp.StatusCode != http.StatusForbidden {
					t.Fatalf("websocket: %v, want a 403 refusal", err)
				}
			}
			want := 0
			if tt.allow {
				want = 2
			}
			if n := h.srv.Len(); n != want {
				t.Fatalf("Len() = %d, want %d", n, want)
			}
		})
	}
}

// The origin is checked on every request, not only on the handshake: a
// foreign page that learnt a sid cannot use it.
func TestOriginCheckedOnSessionRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: corsOpts(), echo: true})
	sid := h.openPolling().SID
	evil := http.Header{"Origin": {"https://evil.example"}}
	status, body, _ := h.do(context.Background(), http.MethodPost, pollQuery(sid), strings.NewReader("4steal"), evil)
	expectError(t, status, body, http.StatusForbidden, 4)
	status, body, _ = h.do(context.Background(), http.MethodGet, pollQuery(sid), nil, evil)
	expectError(t, status, body, http.StatusForbidden, 4)
	_, resp, err := h.dial("EIO=4&transport=websocket&sid="+sid, evil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("upgrade from a foreign origin: %v, want 403", err)
	}
	if msgs := h.rec(sid).messages(); len(msgs) != 0 {
		t.Fatalf("foreign POST delivered %v", msgs)
	}
	h.mustPost(sid, "4mine")
	h.mustGet(sid, "4mine")
}

func TestAllowRequest(t *testing.T) {
	t.Parallel()
	opts := &Options{AllowRequest: func(r *http.Request) error {
		if c, err := r.Cookie("session"); err != nil || c.Value != "valid" {
			return errors.New("not logged in")
		}
		return nil
	}}
	h := newHarness(t, harnessConfig{opts: opts})

	status, body, _ := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
	if msg := expectError(t, status, body, http.StatusForbidden, 4); msg != "not logged in" {
		t.Errorf("message %q, want %q", msg, "not logged in")
	}
	_, resp, err := h.dial("EIO=4&transport=websocket", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("websocket handshake: %v, want 403", err)
	}
	if n := h.srv.Len(); n != 0 {
		t.Fatalf("Len() = %d after refusals, want 0", n)
	}
	h.mu.Lock()
	created := len(h.recs)
	h.mu.Unlock()
	if created != 0 {
		t.Fatalf("ServeConn called %d times for refused handshakes", created)
	}

	ok := http.Header{"Cookie": {"session=valid"}}
	status, body, _ = h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, ok)
	if status != http.StatusOK {
		t.Fatalf("allowed handshake: %d %q", status, body)
	}
	if n := h.srv.Len(); n != 1 {
		t.Fatalf("Len() = %d, want 1", n)
	}
}
