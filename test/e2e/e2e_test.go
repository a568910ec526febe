// Package e2e runs the dashboard in a real browser (Debian's Chromium,
// driven by playwright-core) against the real service. Screenshots go to
// test/e2e/screenshots/.
package e2e

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

func TestDashboardInChromium(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "playwright-core"))
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		testenv.Missing(t, "%s not found: scripts/test installs Debian's chromium", chromium)
	}
	cfg, err := config.Load([]string{"--demo"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	cfg.InternalAPIKey = "e2e-key"
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	spec := `{"url":"` + hs.URL + `","apiKey":"e2e-key","shots":"screenshots"}`
	cmd := exec.CommandContext(ctx, node, "browser.mjs", spec)
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("browser run failed: %v\n%s", err, out)
	}
	for _, shot := range []string{"signin.png", "dashboard-sales-agent.png", "dashboard-support-agent.png"} {
		if st, err := os.Stat(filepath.Join("screenshots", shot)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s missing or empty: %v", shot, err)
		}
	}
}
