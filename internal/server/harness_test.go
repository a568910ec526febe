package server_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

const (
	testSecret  = "kin-test-secret-0123456789abcdef"
	twilioToken = "twilio-token-for-tests"
)

var (
	interopDir = filepath.Join("..", "..", "test", "interop")
	mintDir    = filepath.Join("..", "..", "internal", "auth", "testdata", "mint")
)

func requireNode(t *testing.T) string {
	t.Helper()
	return testenv.Node(t, filepath.Join(interopDir, "node_modules", "socket.io-client"), filepath.Join(mintDir, "node_modules", "next-auth"))
}

// startServer runs the service on a random port.
func startServer(t testing.TB, mutate func(*config.Config)) (*server.Server, *httptest.Server) {
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
	cfg.AllowedOrigins = []string{"https://app.example"}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	cfg.TwilioAuthToken = twilioToken
	if mutate != nil {
		mutate(&cfg)
	}
	var logTo io.Writer = io.Discard
	if os.Getenv("KIN_TEST_LOG") != "" { // the servers' debug log, to debug a test
		logTo = os.Stderr
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := server.New(cfg, log)
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
	return srv, hs
}

// scrape returns the Prometheus metrics of srv, from its admin handler
// (the public one has none).
func scrape(t testing.TB, srv *server.Server) string {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics on the admin handler: %d %s", rec.Code, rec.Body)
	}
	return rec.Body.String()
}

// clientSpec is one socket of kin-clients.mjs.
type clientSpec struct {
	Name       string            `json:"name"`
	Auth       map[string]string `json:"auth,omitempty"`
	Headers    map[string]string `json:"headers,omitempty"`
	Transports []string          `json:"transports,omitempty"`
	// URL, when set, is the node this client connects to.
	URL string `json:"url,omitempty"`
	// Reconnect lets the client reconnect (and recover) after a drop.
	Reconnect bool `json:"reconnect,omitempty"`
	// WaitUpgrade counts the client connected only once it has upgraded
	// from polling to WebSocket: a test that cuts connections then cuts
	// steady ones, not an upgrade halfway through.
	WaitUpgrade bool `json:"waitUpgrade,omitempty"`
	// Emit are events the client sends once connected, in order, each
	// waiting for its ack (nodeClients.acks) before the next.
	Emit []emitSpec `json:"emit,omitempty"`
}

// emitSpec is an event a client of kin-clients.mjs sends with an ack.
type emitSpec struct {
	Event   string `json:"event"`
	Payload any    `json:"payload"`
}

// reconnectCount is how often a client reconnected, by outcome.
type reconnectCount struct {
	Recovered int `json:"recovered"`
	Fresh     int `json:"fresh"`
}

// nodeClients drives test/interop/kin-clients.mjs.
type nodeClients struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  *bufio.Scanner
	cancel context.CancelFunc
	// reconnects is filled by received.
	reconnects map[string]reconnectCount
	// acks are the answers to each client's Emit, in order.
	acks map[string][]json.RawMessage
}

const endMarker = "__end_of_test__"

func startClients(t *testing.T, url string, clients []clientSpec) (*nodeClients, map[string]json.RawMessage) {
	t.Helper()
	return startClientsN(t, url, clients, 1)
}

// startClientsN is startClients for clients that end after endCount end
// markers (one from each node of a cluster).
func startClientsN(t *testing.T, url string, clients []clientSpec, endCount int) (*nodeClients, map[string]json.RawMessage) {
	t.Helper()
	node := requireNode(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, node, "kin-clients.mjs")
	cmd.Dir = interopDir
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	nc := &nodeClients{t: t, cmd: cmd, stdin: stdin, lines: bufio.NewScanner(stdout), cancel: cancel}
	nc.lines.Buffer(make([]byte, 1<<20), 64<<20)
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	spec, _ := json.Marshal(map[string]any{"url": url, "clients": clients, "endMarker": endMarker, "endCount": endCount})
	if _, err := stdin.Write(append(spec, '\n')); err != nil {
		t.Fatal(err)
	}
	var msg struct {
		Type    string                       `json:"type"`
		Error   string                       `json:"error"`
		Results map[string]json.RawMessage   `json:"results"`
		Acks    map[string][]json.RawMessage `json:"acks"`
	}
	nc.read(&msg)
	nc.acks = msg.Acks
	if msg.Type != "connected" {
		t.Fatalf("kin-clients: %s %s", msg.Type, msg.Error)
	}
	return nc, msg.Results
}

func (nc *nodeClients) read(v any) {
	nc.t.Helper()
	if !nc.lines.Scan() {
		nc.t.Fatalf("kin-clients ended: %v", nc.lines.Err())
	}
	if err := json.Unmarshal(nc.lines.Bytes(), v); err != nil {
		text := nc.lines.Text()
		if len(text) > 300 {
			text = text[:300] + "…"
		}
		nc.t.Fatalf("kin-clients said %q: %v", text, err)
	}
}

// received waits for the end marker on every connected client and returns
// what each received: event name and payload, in order.
func (nc *nodeClients) received() map[string][][2]json.RawMessage {
	nc.t.Helper()
	var msg struct {
		Type       string                          `json:"type"`
		Error      string                          `json:"error"`
		Received   map[string][][2]json.RawMessage `json:"received"`
		Reconnects map[string]reconnectCount       `json:"reconnects"`
	}
	nc.read(&msg)
	if msg.Type != "events" {
		nc.t.Fatalf("kin-clients: %s %s", msg.Type, msg.Error)
	}
	nc.reconnects = msg.Reconnects
	return msg.Received
}

// withoutPresence drops the user_presence_updated events the service emits
// by itself as users connect.
func withoutPresence(evs [][2]json.RawMessage) [][2]json.RawMessage {
	var out [][2]json.RawMessage
	for _, ev := range evs {
		if string(ev[0]) != `"user_presence_updated"` {
			out = append(out, ev)
		}
	}
	return out
}
