// Package interop runs the real socket.io-client (npm, Node.js) against our
// server: the scenarios in scenarios.mjs, each against a fresh server.
package interop

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
)

var scenarios = []string{
	"polling-only", "websocket-only", "upgrade", "auth-reject", "auth-accept",
	"acks-both-ways", "binary", "namespaces", "rooms", "disconnect", "recovery",
}

func TestScenarios(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client"))
	// One scenario at a time: each starts several clients with timeouts of
	// its own, and a loaded 2-core machine must not make them flaky.
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			io := newContractServer()
			mux := http.NewServeMux()
			mux.Handle("/socket.io/", io)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				_ = io.Shutdown(ctx)
			}()

			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, node, "run.mjs", name, srv.URL).CombinedOutput()
			if err != nil {
				t.Fatalf("scenario %s failed: %v\n%s", name, err, out)
			}
			if !strings.Contains(string(out), "ok "+name) {
				t.Fatalf("scenario %s did not report ok:\n%s", name, out)
			}
		})
	}
}
