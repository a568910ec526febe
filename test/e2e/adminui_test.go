package e2e

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// TestAdminUIInChromium is issue 20 item 5's browser test: the admin UI
// that npm @socket.io/admin-ui ships (ui/dist), served from another
// origin, signs in to a kinrt node with the configured credentials (a
// wrong password first: refused) and lists that node's sockets (two demo
// users signed in through /signin) and their rooms (user-…,
// department-…).
func TestAdminUIInChromium(t *testing.T) {
	browserTools(t)
	dist := filepath.Join("node_modules", "@socket.io", "admin-ui", "ui", "dist")
	if _, err := os.Stat(filepath.Join(dist, "index.html")); err != nil {
		testenv.Missing(t, "%s not found: npm ci in test/e2e", dist)
	}
	// The UI's own origin: another port of 127.0.0.1.
	ui := httptest.NewServer(http.FileServer(http.Dir(dist)))
	defer ui.Close()

	const username, password = "ops", "e2e-admin-password"
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"--demo", "--simulate=false"}, func(k string) string {
		return map[string]string{
			"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_USERNAME": username, "KIN_ADMIN_UI_PASSWORD_HASH": string(hash),
			"KIN_ADMIN_UI_ORIGIN": ui.URL,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	// Test-only: the sockets of "/" with their rooms, as the node knows
	// them, for the script to find in the UI.
	mux.HandleFunc("GET /__e2e/sockets", func(w http.ResponseWriter, r *http.Request) {
		socks, err := srv.Realtime().Of("/").FetchSockets(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		type sock struct {
			ID    string   `json:"id"`
			Rooms []string `json:"rooms"`
		}
		out := []sock{}
		for _, s := range socks {
			out = append(out, sock{ID: s.ID, Rooms: s.Rooms})
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	hs := httptest.NewServer(mux)
	defer func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()

	start := time.Now()
	spec, _ := json.Marshal(map[string]string{
		"url": hs.URL, "ui": ui.URL, "username": username, "password": password, "shots": "screenshots",
	})
	runBrowser(t, "adminui.mjs", string(spec), 2*time.Minute)
	for _, shot := range []string{"admin-ui-refused.png", "admin-ui-dashboard.png", "admin-ui-sockets.png", "admin-ui-rooms.png"} {
		if st, err := os.Stat(filepath.Join("screenshots", shot)); err != nil || st.Size() < 1000 || st.ModTime().Before(start) {
			t.Errorf("screenshot %s missing, empty or old: %v", shot, err)
		}
	}
}
