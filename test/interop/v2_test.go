package interop

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
)

// v2Scenarios are the scenarios of v2.mjs: the real socket.io-client 2
// (Engine.IO protocol 3) against our server with AllowEIO3.
var v2Scenarios = []string{"polling", "websocket", "upgrade", "binary", "rooms", "namespace", "mixed", "disconnect"}

func TestV2ClientScenarios(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client-v2"))
	for _, name := range v2Scenarios {
		t.Run(name, func(t *testing.T) {
			srv, sio := serveContract(t)
			defer shutdown(sio)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, node, "v2.mjs", name, srv.URL).CombinedOutput()
			if err != nil {
				t.Fatalf("v2 scenario %s failed: %v\n%s", name, err, out)
			}
			if !strings.Contains(string(out), "ok "+name) {
				t.Fatalf("v2 scenario %s did not report ok:\n%s", name, out)
			}
		})
	}
}

// TestV2ClientRefusedWithoutAllowEIO3: by default (as Node's), a protocol
// 3 handshake is refused with code 5, and the real client fails to
// connect.
func TestV2ClientRefusedWithoutAllowEIO3(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client-v2"))
	sio := socketio.NewServer(nil)
	defer shutdown(sio)
	srv := httptest.NewServer(sio)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/socket.io/?EIO=3&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var refusal struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if resp.StatusCode != http.StatusBadRequest || json.Unmarshal(body, &refusal) != nil ||
		refusal.Code != 5 || refusal.Message != "Unsupported protocol version" {
		t.Fatalf("EIO=3 handshake: %d %s, want 400 {code 5, Unsupported protocol version}", resp.StatusCode, body)
	}

	script := `import io from "socket.io-client-v2";
const s = io(process.argv[1], { reconnection: false, transports: [process.argv[2]] });
s.on("connect", () => { console.log("connected"); process.exit(1); });
s.on("connect_error", (err) => { console.log("connect_error " + (err && err.message)); process.exit(0); });`
	for _, transport := range []string{"polling", "websocket"} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(ctx, node, "--input-type=module", "-e", script, srv.URL, transport).CombinedOutput()
		cancel()
		if err != nil || !strings.HasPrefix(string(out), "connect_error") {
			t.Errorf("%s: the v2 client was not refused: %v\n%s", transport, err, out)
		}
	}
}

// serveContract serves the contract server on a fresh port.
func serveContract(t *testing.T) (*httptest.Server, *socketio.Server) {
	t.Helper()
	sio := newContractServer()
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", sio)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, sio
}

func shutdown(sio *socketio.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = sio.Shutdown(ctx)
}
