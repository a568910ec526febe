package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/limit"
	"github.com/kin-comms/kinrt/internal/server"
)

// startLogged runs the service on a random port with NewLogger's logger
// (format, level) writing to the returned buffer.
func startLogged(t *testing.T, format string, level slog.Level, mutate func(*config.Config)) (*server.Server, *httptest.Server, *syncBuffer) {
	t.Helper()
	cfg, err := config.Load(nil, func(k string) string {
		if k == "NEXTAUTH_SECRET" {
			return testSecret
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &syncBuffer{}
	srv, err := server.New(cfg, server.NewLogger(logs, format, level))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	return srv, hs, logs
}

// jsonLines parses every line of a JSON log, failing on one that is not
// a JSON object.
func jsonLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if line == "" {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %d is not a JSON object: %v: %.300s", i+1, err, line)
		}
		out = append(out, rec)
	}
	return out
}

// reqID sends a request with extra headers and returns the answer's status
// and X-Request-Id.
func reqID(t *testing.T, method, url string, h map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("X-Request-Id")
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRequestID: every answer has an X-Request-Id, and the request's log
// line the same requestId. The id a client sends is taken only from a
// trusted proxy (KIN_TRUSTED_PROXIES; the test's client is 127.0.0.1),
// and only when well-formed; otherwise the service makes one up.
func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		proxies string
		sent    string
		taken   bool
	}{
		{"none sent", "", "", false},
		{"spoofed by a client, no proxy trusted", "", "spoofed-id-1234", false},
		{"spoofed by a client that is not the trusted proxy", "10.0.0.0/8", "spoofed-id-5678", false},
		{"from the trusted proxy", "127.0.0.1", "0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"from a trusted prefix", "127.0.0.0/8, 10.0.0.0/8", "Root=1-67891233-abcdef0123", true},
		{"malformed, from the trusted proxy", "127.0.0.1", "id with spaces <script>", false},
		{"too long, from the trusted proxy", "127.0.0.1", strings.Repeat("x", 129), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, hs, logs := startLogged(t, config.LogJSON, slog.LevelDebug, func(c *config.Config) {
				p, err := limit.ParseProxies(tt.proxies)
				if err != nil {
					t.Fatal(err)
				}
				c.TrustedProxies = p
			})
			h := map[string]string{}
			if tt.sent != "" {
				h["X-Request-Id"] = tt.sent
			}
			ids := map[string]bool{}
			for _, path := range []string{"/api/me", "/healthz", "/nowhere", "/socket.io/?EIO=4&transport=polling"} {
				status, id := reqID(t, http.MethodGet, hs.URL+path, h)
				if status == 0 || id == "" {
					t.Fatalf("GET %s: %d without X-Request-Id", path, status)
				}
				if tt.taken && id != tt.sent {
					t.Errorf("GET %s: X-Request-Id %q, want the proxy's %q", path, id, tt.sent)
				}
				if !tt.taken && !generatedID.MatchString(id) {
					t.Errorf("GET %s: X-Request-Id %q, want a generated one (32 hex digits), not %q", path, id, tt.sent)
				}
				ids[id] = true
				if path == "/socket.io/?EIO=4&transport=polling" {
					continue // no log line for Engine.IO requests
				}
				var line map[string]any
				for _, rec := range jsonLines(t, logs.String()) {
					if rec["msg"] == "http request" && rec["path"] == strings.SplitN(path, "?", 2)[0] {
						line = rec
					}
				}
				if line == nil {
					t.Fatalf("no log line for GET %s:\n%s", path, logs.String())
				}
				if line["requestId"] != id {
					t.Errorf("GET %s: logged requestId %v, answered %q", path, line["requestId"], id)
				}
			}
			if !tt.taken && len(ids) != 4 {
				t.Errorf("generated ids are not one per request: %v", ids)
			}
			if !tt.taken && tt.sent != "" && strings.Contains(logs.String(), tt.sent) {
				t.Errorf("the client's id %q is in the log", tt.sent)
			}
		})
	}
}

// TestLogLevels: the JSON log parses line by line, holds nothing below
// the level, and a request's line is at info (debug for the health
// probes, warn for a 5xx answer) with its method, route pattern, path,
// status and request id.
func TestLogLevels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		level slog.Level
		want  []string // "METHOD path LEVEL" lines expected
		not   []string // paths with no line
	}{
		{slog.LevelDebug, []string{"GET /healthz DEBUG", "GET /api/me INFO", "POST /api/webhooks/twilio/sms WARN"}, nil},
		{slog.LevelInfo, []string{"GET /api/me INFO", "POST /api/webhooks/twilio/sms WARN"}, []string{"/healthz"}},
		{slog.LevelWarn, []string{"POST /api/webhooks/twilio/sms WARN"}, []string{"/healthz", "/api/me"}},
		{slog.LevelError, nil, []string{"/healthz", "/api/me", "/api/webhooks/twilio/sms"}},
	}
	for _, tt := range tests {
		t.Run(tt.level.String(), func(t *testing.T) {
			t.Parallel()
			_, hs, logs := startLogged(t, config.LogJSON, tt.level, nil) // no Twilio token: the webhooks answer 503
			reqID(t, http.MethodGet, hs.URL+"/healthz", nil)
			reqID(t, http.MethodGet, hs.URL+"/api/me", nil)
			if status, _ := reqID(t, http.MethodPost, hs.URL+"/api/webhooks/twilio/sms", nil); status != http.StatusServiceUnavailable {
				t.Fatalf("webhook without a Twilio token: %d, want 503", status)
			}
			got := map[string]bool{}
			for _, rec := range jsonLines(t, logs.String()) {
				var lvl slog.Level
				if err := lvl.UnmarshalText([]byte(rec["level"].(string))); err != nil || lvl < tt.level {
					t.Errorf("a %v line in a %v log: %v", rec["level"], tt.level, rec)
				}
				if rec["msg"] != "http request" {
					continue
				}
				got[rec["method"].(string)+" "+rec["path"].(string)+" "+rec["level"].(string)] = true
				if rec["route"] != rec["method"].(string)+" "+rec["path"].(string) && rec["route"] != "POST /api/webhooks/" {
					t.Errorf("route %v of %v %v", rec["route"], rec["method"], rec["path"])
				}
				if id, _ := rec["requestId"].(string); !generatedID.MatchString(id) {
					t.Errorf("line without a request id: %v", rec)
				}
				if _, ok := rec["status"].(float64); !ok {
					t.Errorf("line without a status: %v", rec)
				}
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("no line %q in:\n%s", w, logs.String())
				}
			}
			for line := range got {
				for _, n := range tt.not {
					if strings.Contains(line, " "+n+" ") {
						t.Errorf("line %q at level %v", line, tt.level)
					}
				}
			}
		})
	}
}

// TestTextLog: the text format is key=value lines, with the request id.
func TestTextLog(t *testing.T) {
	t.Parallel()
	_, hs, logs := startLogged(t, config.LogText, slog.LevelInfo, nil)
	_, id := reqID(t, http.MethodGet, hs.URL+"/api/nope", nil)
	want := regexp.MustCompile(`level=INFO msg="http request" method=GET route=/api/ path=/api/nope status=404 ms=[0-9.]+ bytes=\d+ client=127\.0\.0\.1 requestId=` + id + `\n`)
	if !want.MatchString(logs.String()) {
		t.Errorf("no line matching %s in:\n%s", want, logs.String())
	}
}

// TestKinrtJSONLog: `kinrt serve` with KIN_LOG_FORMAT=json writes only
// JSON lines, from start-up (the configuration, redacted) to requests.
func TestKinrtJSONLog(t *testing.T) {
	t.Parallel()
	p := startKinrt(t, []string{"NEXTAUTH_SECRET=" + testSecret, "REDIS_URL=", "KIN_LOG_FORMAT=json", "KIN_LOG_LEVEL=debug",
		"DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "kin.db")})
	_, id := reqID(t, http.MethodGet, p.URL+"/api/me", nil)
	p.kill()
	var listening, request bool
	for _, rec := range jsonLines(t, p.logText()) {
		switch rec["msg"] {
		case "listening":
			cfg, _ := rec["config"].(map[string]any)
			listening = cfg["logFormat"] == "json" && cfg["logLevel"] == "DEBUG"
		case "http request":
			request = request || (rec["path"] == "/api/me" && rec["requestId"] == id)
		}
	}
	if !listening || !request {
		t.Errorf("listening line %v, request line %v:\n%s", listening, request, p.logText())
	}
}

// TestRequestIDOnHandlerLines: a line a handler logs while serving a
// request carries the request's id too, not only the request's own line:
// a webhook refused for its signature, answered with an X-Request-Id
// that both lines name.
func TestRequestIDOnHandlerLines(t *testing.T) {
	t.Parallel()
	_, hs, logs := startLogged(t, config.LogJSON, slog.LevelDebug, func(c *config.Config) {
		c.TwilioAuthToken = "handler-lines-token-0123456789"
	})
	req, err := http.NewRequest(http.MethodPost, hs.URL+"/api/webhooks/twilio/sms", strings.NewReader("MessageSid=SM1&From=%2B1555&To=%2B1666&Body=hi"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", "forged")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")
	if resp.StatusCode != http.StatusForbidden || id == "" {
		t.Fatalf("forged webhook: %d, X-Request-Id %q; want 403 with an id", resp.StatusCode, id)
	}
	found := map[string]bool{}
	for _, rec := range jsonLines(t, logs.String()) {
		if rec["requestId"] == id {
			found[rec["msg"].(string)] = true
		}
	}
	for _, msg := range []string{"webhook refused: bad signature", "http request"} {
		if !found[msg] {
			t.Errorf("no %q line with requestId %s:\n%s", msg, id, logs.String())
		}
	}
}
