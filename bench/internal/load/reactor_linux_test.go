package load

import (
	"testing"
	"time"
)

// assertServed fails unless a reactor serves c.
func assertServed(t *testing.T, c *Client) {
	t.Helper()
	if _, ok := c.sock.(*fdConn); !ok {
		t.Fatalf("client on a %T, not served by a reactor", c.sock)
	}
}

// TestSpinTimeLeftOut checks that a spinning reactor's empty polls are
// counted as spun time, which selfCPU leaves out.
func TestSpinTimeLeftOut(t *testing.T) {
	addr, served := serveOne(t, nil, func(s *wsServer) error { return s.write(text(`42["one"]`)) })
	got := make(chan string, 4)
	before := spun.Load()
	_, closePool := connectOne(t, addr, got, 20*time.Millisecond)
	within(t, got, "event")
	if err := within(t, served, "end of serve"); err != nil {
		t.Fatal(err)
	}
	// Nothing more comes: the reactor polls 20ms, then blocks, adding
	// what it spun.
	deadline := time.Now().Add(testDeadline)
	for spun.Load()-before < int64(10*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("spun %v, want at least 10ms", time.Duration(spun.Load()-before))
		}
		time.Sleep(time.Millisecond) // polls the counter
	}
	closePool()
}
