package interop

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/msgpackparser"
)

// startContract serves newContractServerWith(parser) until the test ends.
func startContract(t *testing.T, parser socketio.Parser) string {
	t.Helper()
	io := newContractServerWith(parser)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		srv.Close()
	})
	return srv.URL
}

// runNode runs a script with the environment env added and returns its
// output, failing the test when it exits with an error.
func runNode(t *testing.T, node string, env []string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestScenariosMsgpack runs every contract scenario with the clients on
// socket.io-msgpack-parser and our server on msgpackparser: connect and
// connect_error with data, acks both ways, binary, rooms and broadcasts,
// namespaces, recovery, over polling, WebSocket and the upgrade.
func TestScenariosMsgpack(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-msgpack-parser"))
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			url := startContract(t, msgpackparser.Parser{})
			out := runNode(t, node, []string{"INTEROP_PARSER=msgpack"}, "run.mjs", name, url)
			if !strings.Contains(out, "ok "+name) {
				t.Fatalf("scenario %s did not report ok:\n%s", name, out)
			}
		})
	}
}

// TestParserMismatch: a client on the other parser than the server's is
// closed at once, on both transports, and the server carries on serving
// its own clients. Over WebSocket the client sees the transport close, as
// with Node's server. Over polling too, unless its next GET comes after
// the server dropped the session: then that GET gets 400 (unknown sid)
// and the client a connect_error "xhr poll error" (Node's engine keeps a
// closed polling session until the next GET, to answer it with a close
// packet).
func TestParserMismatch(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-msgpack-parser"))
	const (
		closed  = `result {"event":"close","reason":"transport close"}`
		pollErr = `result {"event":"connect_error","message":"xhr poll error"}`
	)
	for _, tc := range []struct {
		server    socketio.Parser
		client    string
		transport string
		want      []string // what the client may see first
	}{
		{msgpackparser.Parser{}, "json", "polling", []string{closed, pollErr}},
		{msgpackparser.Parser{}, "json", "websocket", []string{closed}},
		{nil, "msgpack", "polling", []string{closed, pollErr}},
		{nil, "msgpack", "websocket", []string{closed}},
	} {
		t.Run(tc.client+" client/"+tc.transport, func(t *testing.T) {
			url := startContract(t, tc.server)
			out := runNode(t, node, nil, "parser-mismatch.mjs", url, tc.client, tc.transport)
			if !slices.ContainsFunc(tc.want, func(w string) bool { return strings.Contains(out, w) }) {
				t.Fatalf("want the client to see one of %q, got:\n%s", tc.want, out)
			}
			// The server still serves a client of its own parser.
			var env []string
			if tc.server != nil {
				env = []string{"INTEROP_PARSER=msgpack"}
			}
			if out := runNode(t, node, env, "run.mjs", "websocket-only", url); !strings.Contains(out, "ok websocket-only") {
				t.Fatalf("the server no longer serves its own clients:\n%s", out)
			}
		})
	}
}
