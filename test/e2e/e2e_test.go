// Package e2e runs the dashboard in a real browser (Debian's Chromium,
// driven by playwright-core) against the real service. Screenshots go to
// test/e2e/screenshots/.
package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// startService runs the demo service (sign-in page, generated secrets) on
// a random port, with the internal API enabled, and without the demo's
// simulated agents: their presence would keep a user the test signs out
// online (as a simulated connection), at random.
func startService(t *testing.T, args ...string) (config.Config, *httptest.Server) {
	t.Helper()
	cfg, err := config.Load(append([]string{"--demo", "--simulate=false"}, args...), func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	cfg.InternalAPIKey = "e2e-key"
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	// Test-only: drop a user's connections as a network failure would (the
	// client reconnects by itself, with connection state recovery).
	mux.HandleFunc("POST /__e2e/drop", func(w http.ResponseWriter, r *http.Request) {
		sockets, _ := srv.Realtime().Of("/").In("user-" + r.URL.Query().Get("user")).FetchSockets(r.Context())
		for _, s := range sockets {
			s.Local.Conn().Close(engineio.ReasonTransportClose)
		}
		w.WriteHeader(http.StatusNoContent)
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return cfg, hs
}

// browserTools finds Node.js (with this folder's playwright-core) and
// Debian's Chromium, or skips (fails with CI=true) saying what is missing.
func browserTools(t *testing.T) (node, chromium string) {
	t.Helper()
	node = testenv.Node(t, filepath.Join("node_modules", "playwright-core"))
	chromium = os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		testenv.Missing(t, "%s not found: scripts/test installs Debian's chromium", chromium)
	}
	return node, chromium
}

// runBrowser runs one of this folder's browser scripts for at most limit.
func runBrowser(t *testing.T, script, spec string, limit time.Duration) {
	t.Helper()
	node, chromium := browserTools(t)
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, spec)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("%s failed: %v\n%s", script, err, out)
	}
	t.Logf("%s:\n%s", script, out)
}

// TestVoicemailFlowInChromium is issue 6's scenario: a signed inbound call
// to voicemail reaches the right users only (toast, feed, list row),
// marking it listened updates another user's open list, a forced reconnect
// misses nothing (recovered), and closing a page turns its user offline
// for the admin.
func TestVoicemailFlowInChromium(t *testing.T) {
	cfg, hs := startService(t)
	spec, _ := json.Marshal(map[string]string{
		"url": hs.URL, "publicUrl": cfg.PublicURL, "twilioToken": cfg.TwilioAuthToken, "apiKey": "e2e-key", "shots": "screenshots",
	})
	runBrowser(t, "voicemail.mjs", string(spec), 2*time.Minute)
	for _, shot := range []string{"voicemail-toast-sales-agent.png", "voicemail-linked-sales-agent.png", "voicemails-sales-agent.png", "voicemails-sales-supervisor.png", "overview-admin.png",
		"overview-sales-agent-after-reconnect.png", "conversations-admin.png", "taskrouter-admin.png",
		"taskrouter-sales-agent.png"} {
		if st, err := os.Stat(filepath.Join("screenshots", shot)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s missing or empty: %v", shot, err)
		}
	}
}

// TestDashboardInChromium: two demo users sign in through /signin; a
// notification for sales toasts for the sales agent and never for the
// support agent.
func TestDashboardInChromium(t *testing.T) {
	_, hs := startService(t)
	runBrowser(t, "browser.mjs", `{"url":"`+hs.URL+`","apiKey":"e2e-key","shots":"screenshots"}`, 2*time.Minute)
	for _, shot := range []string{"signin.png", "dashboard-sales-agent.png", "dashboard-support-agent.png"} {
		if st, err := os.Stat(filepath.Join("screenshots", shot)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s missing or empty: %v", shot, err)
		}
	}
}

// TestPresenceWatchedInChromium: with KIN_PRESENCE_SCOPE=watched, the
// dashboard watches the users its team list shows, so a colleague's status
// change and his going offline reach it live (presence.mjs).
func TestPresenceWatchedInChromium(t *testing.T) {
	_, hs := startService(t, "--presence-scope", "watched")
	runBrowser(t, "presence.mjs", `{"url":"`+hs.URL+`","shots":"screenshots"}`, 2*time.Minute)
	for _, shot := range []string{"presence-watched-busy.png", "presence-watched-offline.png"} {
		if st, err := os.Stat(filepath.Join("screenshots", shot)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s missing or empty: %v", shot, err)
		}
	}
}
