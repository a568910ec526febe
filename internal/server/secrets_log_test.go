package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/twilio"
)

// syncBuffer is a log destination safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestNoSecretInLogs runs the service with debug logging, in each log
// format, through what involves a secret (sockets and API calls with good
// and bad tokens and cookies, webhooks with good and bad signatures, the
// internal API with a wrong key, the logged configuration) and finds none
// of them in the log. In JSON every line parses, and the strings it holds
// are searched once decoded too.
func TestNoSecretInLogs(t *testing.T) {
	for _, format := range []string{config.LogText, config.LogJSON} {
		t.Run(format, func(t *testing.T) { t.Parallel(); testNoSecretInLogs(t, format) })
	}
}

func testNoSecretInLogs(t *testing.T, format string) {
	const (
		secret   = "nextauth-secret-never-logged-0123456789"
		twTok    = "twilio-token-never-logged-0123456789"
		key      = "internal-key-never-logged-0123456789"
		wrongKey = "wrong-internal-key-never-logged-0123"
		redisPw  = "redis-password-never-logged"
	)
	cfg, err := config.Load([]string{"--redis-url", "redis://:" + redisPw + "@127.0.0.1:1/0"}, func(k string) string {
		switch k {
		case "NEXTAUTH_SECRET":
			return secret
		case "TWILIO_AUTH_TOKEN":
			return twTok
		case "KIN_INTERNAL_API_KEY":
			return key
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := server.NewLogger(logs, format, slog.LevelDebug)
	log.Info("listening", "config", cfg.Redacted()) // as kinrt serve does
	cfg.RedisURL = ""                               // no cluster for the rest
	cfg.DatabaseURL = "sqlite:" + t.TempDir() + "/kin.db"
	cfg.PublicURL = "https://cc.example.com"
	cfg.NumberDepartments = map[string]string{salesNumber: "sales"}
	srv, err := server.New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptestServer(t, srv)
	token, _ := srv.Verifier().Mint(auth.Principal{UserID: "ann", Role: "agent", Department: "sales"}, time.Hour)
	past, err := auth.NewVerifier(auth.Options{Secrets: []string{secret}, Now: func() time.Time { return time.Now().Add(-2 * time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	expired, _ := past.Mint(auth.Principal{UserID: "ann", Role: "agent", Department: "sales"}, time.Hour)
	if token == "" || expired == "" {
		t.Fatal("no tokens")
	}
	forged := token[:len(token)-4] + "AAAA"

	// Sockets: a good token, an expired one, a forged one, a cookie
	// without Origin on a WebSocket.
	good := dialRaw(t, hs.URL, nil)
	if _, ok := good.connect(map[string]string{"token": token}); !ok {
		t.Fatal("the good token was refused")
	}
	for _, bad := range []string{expired, forged} {
		if _, ok := dialRaw(t, hs.URL, nil).connect(map[string]string{"token": bad}); ok {
			t.Fatal("a bad token was accepted")
		}
	}
	cookie := http.Header{"Cookie": {"next-auth.session-token=" + token}}
	if _, ok := dialRaw(t, hs.URL, cookie).connect(map[string]string{}); ok {
		t.Fatal("a cookie without Origin was accepted on a WebSocket")
	}
	// The API with good and bad Bearer tokens, the internal API with a
	// wrong key.
	for _, tok := range []string{token, forged, expired} {
		req, _ := http.NewRequest("GET", hs.URL+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
		req, _ = http.NewRequest("GET", hs.URL+"/api/presence", nil)
		req.Header.Set("Cookie", "next-auth.session-token="+tok)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	req, _ := http.NewRequest("POST", hs.URL+"/api/internal/events", strings.NewReader(`{}`))
	req.Header.Set("Authorization", "Bearer "+wrongKey)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
	// Webhooks signed with the token, and with another.
	form := url.Values{"MessageSid": {"SM1"}, "From": {"+15550001234"}, "To": {salesNumber}, "Body": {"hi"}, "NumMedia": {"0"}, "AccountSid": {"AC1"}}
	for _, signer := range []string{twTok, "not-the-token"} {
		req, _ := http.NewRequest("POST", hs.URL+"/api/webhooks/twilio/sms", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", twilio.Sign(signer, cfg.PublicURL+"/api/webhooks/twilio/sms", form))
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	good.close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(ctx)

	text := logs.String()
	if !strings.Contains(text, "socket refused") || !strings.Contains(text, "/api/webhooks/twilio/sms") {
		t.Fatalf("the refusals and requests were not logged at all (debug):\n%s", text)
	}
	if format == config.LogJSON {
		// Every line is a JSON object; its strings, decoded, are searched
		// below with the raw text.
		var decoded strings.Builder
		for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("line %d is not JSON: %v: %.300s", i+1, err, line)
			}
			appendStrings(&decoded, rec)
			decoded.WriteByte('\n')
		}
		text += decoded.String()
	}
	for name, s := range map[string]string{
		"NEXTAUTH_SECRET": secret, "TWILIO_AUTH_TOKEN": twTok, "internal API key": key, "wrong key": wrongKey,
		"Redis password": redisPw, "session token": token, "its signature part": token[len(token)-20:],
		"forged token": forged, "expired token": expired,
	} {
		if i := strings.Index(text, s); i >= 0 {
			line := text[strings.LastIndex(text[:i], "\n")+1:]
			if j := strings.IndexByte(line, '\n'); j >= 0 {
				line = line[:j]
			}
			t.Errorf("the log holds the %s: %.300s", name, line)
		}
	}
}

// appendStrings writes the strings (keys and values) of a decoded JSON
// value to b, one a line.
func appendStrings(b *strings.Builder, v any) {
	switch v := v.(type) {
	case string:
		b.WriteString(v)
		b.WriteByte('\n')
	case []any:
		for _, e := range v {
			appendStrings(b, e)
		}
	case map[string]any:
		for k, e := range v {
			b.WriteString(k)
			b.WriteByte('\n')
			appendStrings(b, e)
		}
	}
}

// httptestServer serves srv's handler until the end of the test.
func httptestServer(t *testing.T, srv *server.Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs
}
