package load

import (
	"bufio"
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/bench/internal/refserver"
	"github.com/kin-comms/kinrt/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// servers returns the targets to run the harness against: ours in
// process, and Node's reference server when Node is installed (in CI it
// must be).
func servers(t *testing.T) map[string]Target {
	t.Helper()
	io := refserver.New(nil)
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	sources := []string{"127.0.0.1", "127.0.0.2"}
	out := map[string]Target{"kinrt": {Addr: strings.TrimPrefix(ts.URL, "http://"), Sources: sources}}
	if addr := startNode(t); addr != "" {
		out["node"] = Target{Addr: addr, Sources: sources}
	}
	return out
}

func startNode(t *testing.T) string {
	t.Helper()
	var node string
	t.Run("node", func(t *testing.T) {
		node = testenv.Node(t, "../../node/node_modules/socket.io")
	})
	if node == "" {
		return ""
	}
	cmd := exec.Command(node, "../../node/server.mjs", "-addr", "127.0.0.1:0")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
			go func() { // keep the pipe drained
				for sc.Scan() {
				}
			}()
			return addr
		}
	}
	t.Fatalf("node server did not start: %v", sc.Err())
	return ""
}

// TestHarness runs each scenario for a tiny point against each server and
// checks that every delivery arrives (not how fast).
func TestHarness(t *testing.T) {
	ctx := context.Background()
	targets := servers(t)
	for name, target := range targets {
		t.Run(name+"/fanout", func(t *testing.T) {
			res, err := Fanout(ctx, target, FanoutConfig{Clients: 4, Messages: 20, StartRate: 400, Bound: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			s := res.Steps[0]
			if s.Sent != 20 || s.Expected != 80 || s.Received != s.Expected || s.Missing != 0 {
				t.Fatalf("step %+v: want 20 broadcasts delivered to 4 clients", s)
			}
			if res.Best == 0 || res.Lost != 0 {
				t.Fatalf("result %+v", res)
			}
		})
		t.Run(name+"/echo", func(t *testing.T) {
			res, err := Echo(ctx, target, EchoConfig{Clients: 3, Duration: 100 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			if res.RoundTrips == 0 || res.Lost != 0 {
				t.Fatalf("result %+v: want acks", res)
			}
		})
	}
	t.Run("idle", func(t *testing.T) {
		res, err := Idle(ctx, targets["kinrt"], IdleConfig{Clients: 5, PID: os.Getpid(), Settle: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		if res.RSSKiB <= 0 || res.Clients != 5 {
			t.Fatalf("result %+v", res)
		}
	})
}

func TestHist(t *testing.T) {
	var h Hist
	for i := 1; i <= 1000; i++ {
		h.Add(time.Duration(i) * time.Millisecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		got := h.Quantile(c.q)
		if got < c.want*96/100 || got > c.want*104/100 {
			t.Errorf("quantile %v = %v, want about %v", c.q, got, c.want)
		}
	}
	for us := uint64(0); us < 1<<20; us += 7 {
		if b := bucketOf(us); upper(b) < us || (b > 0 && upper(b-1) >= us) {
			t.Fatalf("value %d in bucket %d [.., %d]", us, b, upper(b))
		}
	}
}

func TestField(t *testing.T) {
	data := []byte(`["bench:msg",{"p":3,"t":123456789,"pad":"xx"}]`)
	if v, ok := field(data, `"p":`); !ok || v != 3 {
		t.Fatalf("p = %d %v", v, ok)
	}
	if v, ok := field(data, `"t":`); !ok || v != 123456789 {
		t.Fatalf("t = %d %v", v, ok)
	}
	if _, ok := field(data, `"q":`); ok {
		t.Fatal("found a missing key")
	}
	allocs := testing.AllocsPerRun(100, func() { field(data, `"t":`) })
	if allocs != 0 {
		t.Fatalf("field allocates %v times", allocs)
	}
}
