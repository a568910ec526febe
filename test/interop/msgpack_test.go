package interop

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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

// TestMsgpackValues: what a handler gets for JavaScript's values through
// socket.io-msgpack-parser (the package comment of msgpackparser lists
// them), and what the client gets for the handler's Go values.
func TestMsgpackValues(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-msgpack-parser"))
	io := socketio.NewServer(&socketio.Options{Parser: msgpackparser.Parser{}})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("values", func(e *socketio.Event) {
			raw := make([]string, e.Len())
			for i := range raw {
				raw[i] = string(e.Raw(i))
			}
			var ab, buf []byte
			var big int64
			err1, err2, err3 := e.Decode(3, &ab), e.Decode(4, &buf), e.Decode(6, &big)
			_ = e.Ack("["+strings.Join(raw, ",")+"]", ab, buf, big, errors.Join(err1, err2, err3) == nil,
				map[string]any{"nested": []byte{9}, "n": 1 << 40, "f": 0.25})
		})
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	out := runNode(t, node, nil, "msgpack-values.mjs", ts.URL)
	got, ok := strings.CutPrefix(strings.TrimSpace(out), "ack ")
	if !ok {
		t.Fatalf("no ack line:\n%s", out)
	}
	var ack []any
	if err := json.Unmarshal([]byte(got), &ack); err != nil || len(ack) != 6 {
		t.Fatalf("ack %s: %v", got, err)
	}
	// The arguments as the handler saw them (Args.Raw, JSON).
	wantRaw := `["2024-01-02T03:04:05.006Z",null,{"b":1},{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},null,9007199254740992,-1.5,"é"]`
	if ack[0] != wantRaw {
		t.Errorf("the handler's arguments:\n got %v\nwant %s", ack[0], wantRaw)
	}
	want := []any{
		wantRaw,
		map[string]any{"bytes": []any{1.0, 2.0}}, // the ArrayBuffer, decoded as []byte
		map[string]any{"bytes": []any{3.0}},      // the Buffer
		float64(1 << 53),
		true, // every Decode succeeded
		map[string]any{"nested": map[string]any{"bytes": []any{9.0}}, "n": float64(1 << 40), "f": 0.25},
	}
	if !reflect.DeepEqual(ack[1:], want[1:]) {
		t.Errorf("the client got:\n%v\nwant\n%v", ack[1:], want[1:])
	}
}
