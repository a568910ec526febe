package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/admin"
)

// newAdminServer is admin.mjs's contract on our server: "/" sockets join
// the rooms of their auth.rooms and answer "echo"; the admin UI's
// namespace is instrumented with admin "admin", password "secret".
func newAdminServer(t *testing.T) string {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		var auth struct{ Rooms []string }
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		s.Join(auth.Rooms...)
		s.On("echo", func(e *socketio.Event) {
			var x any
			_ = e.Decode(0, &x)
			_ = s.Emit("echoed", x)
			_ = e.Ack()
		})
	})
	a, err := admin.Instrument(io, admin.Options{
		Username:      "admin",
		CheckPassword: func(p string) bool { return p == "secret" },
		StatsInterval: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		a.Close()
	})
	return srv.URL
}

// startAdminReference starts admin-reference.mjs and returns its URL.
func startAdminReference(t *testing.T, node string) string {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "admin-reference.mjs", "0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		port, ok := strings.CutPrefix(l, "listening ")
		if !ok {
			t.Fatalf("admin-reference.mjs said %q", l)
		}
		return "http://127.0.0.1:" + port
	case <-time.After(20 * time.Second):
		t.Fatal("admin-reference.mjs did not start")
	}
	return ""
}

// TestAdminUIProtocol drives the admin UI's protocol with the real
// socket.io-client: wrong password refused, session, config, all_sockets
// with the users' rooms, server_stats, events both ways, the join, leave
// and _disconnect actions, live reports, sign-in again by session id.
// The same script passes against Node's socket.io instrumented by
// @socket.io/admin-ui, which proves its expectations.
func TestAdminUIProtocol(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client"), filepath.Join("node_modules", "@socket.io", "admin-ui"))
	tests := []struct {
		name string
		url  func(t *testing.T) string
	}{
		{"node reference", func(t *testing.T) string { return startAdminReference(t, node) }},
		{"go", newAdminServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := tt.url(t)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, node, "admin.mjs", url).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "ok admin") {
				t.Fatalf("admin.mjs against %s: %v\n%s", tt.name, err, out)
			}
		})
	}
}
