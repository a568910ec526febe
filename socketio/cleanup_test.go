package socketio

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// closeCounter is a memory adapter that counts its Close calls.
type closeCounter struct {
	*MemoryAdapter
	mu     *sync.Mutex
	closed map[string]int
}

func (a closeCounter) Close() error {
	a.mu.Lock()
	a.closed[a.nsp.name]++
	a.mu.Unlock()
	return a.MemoryAdapter.Close()
}

func TestCleanupEmptyChildNamespaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cleanup bool
		// steps runs on a client joined to /dyn-1 and returns whether
		// the namespace should be gone at the end.
		steps func(t *testing.T, srv *testServer, c *wsClient) (gone bool)
	}{
		{"last socket leaves", true, func(t *testing.T, srv *testServer, c *wsClient) bool {
			c.send("41/dyn-1,")
			return true
		}},
		{"last connection closes", true, func(t *testing.T, srv *testServer, c *wsClient) bool {
			c.close()
			return true
		}},
		{"one of two leaves", true, func(t *testing.T, srv *testServer, c *wsClient) bool {
			other := srv.dial(t, dialConfig{})
			other.connect("/dyn-1", "")
			c.send("41/dyn-1,")
			eventually(t, func() bool { return srv.io.Of("/").Len() == 0 && nspLen(srv.io, "/dyn-1") == 1 }, "one socket left")
			return false
		}},
		{"server disconnects it", true, func(t *testing.T, srv *testServer, c *wsClient) bool {
			srv.io.Of("/dyn-1").DisconnectSockets(false)
			return true
		}},
		{"off by default", false, func(t *testing.T, srv *testServer, c *wsClient) bool {
			c.send("41/dyn-1,")
			eventually(t, func() bool { return nspLen(srv.io, "/dyn-1") == 0 }, "socket gone")
			return false
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			closed := map[string]int{}
			opts := &Options{Engine: quietEngine(), CleanupEmptyChildNamespaces: tt.cleanup,
				NewAdapter: func(n *Namespace) Adapter { return closeCounter{NewMemoryAdapter(n), &mu, closed} }}
			var parent *Namespace
			srv := newTestServer(t, opts, func(io *Server) {
				parent = io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") })
			})
			c := srv.dial(t, dialConfig{})
			c.connect("/dyn-1", "")
			first := srv.io.Of("/dyn-1")
			gone := tt.steps(t, srv, c)
			exists := func() bool {
				srv.io.mu.RLock()
				defer srv.io.mu.RUnlock()
				return srv.io.nsps["/dyn-1"] != nil
			}
			if gone {
				eventually(t, func() bool { return !exists() && len(parent.childList()) == 0 }, "namespace deleted")
				mu.Lock()
				n := closed["/dyn-1"]
				mu.Unlock()
				if n != 1 {
					t.Fatalf("adapter closed %d times, want once", n)
				}
				// A client joins it again: a new namespace.
				again := srv.dial(t, dialConfig{})
				again.connect("/dyn-1", "")
				if srv.io.Of("/dyn-1") == first || nspLen(srv.io, "/dyn-1") != 1 {
					t.Fatal("joined the deleted namespace")
				}
				return
			}
			if !exists() || srv.io.Of("/dyn-1") != first || len(parent.childList()) != 1 {
				t.Fatal("namespace deleted")
			}
		})
	}
}

// nspLen returns the number of sockets of the namespace name, without
// creating it.
func nspLen(io *Server, name string) int {
	io.mu.RLock()
	n := io.nsps[name]
	io.mu.RUnlock()
	if n == nil {
		return -1
	}
	return n.Len()
}

// TestCleanupRefusedChild: a child namespace whose only client a
// middleware refused is deleted, as in Node.
func TestCleanupRefusedChild(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine(), CleanupEmptyChildNamespaces: true}, func(io *Server) {
		io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") }).Use(func(s *Socket) error {
			return errors.New("no")
		})
	})
	c := srv.dial(t, dialConfig{})
	c.send("40/dyn-2,")
	c.expect(`44/dyn-2,{"message":"no"}`)
	eventually(t, func() bool { return nspLen(srv.io, "/dyn-2") == -1 }, "namespace deleted")
}

// TestCleanupWaitsForConnects: the last socket of a child namespace
// leaves while another client is in its middleware: the namespace stays
// (it is not deleted under the joining client), and the client joins it.
func TestCleanupWaitsForConnects(t *testing.T) {
	t.Parallel()
	entered, proceed := make(chan struct{}), make(chan struct{})
	srv := newTestServer(t, &Options{Engine: quietEngine(), CleanupEmptyChildNamespaces: true}, func(io *Server) {
		io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") }).Use(func(s *Socket) error {
			if s.Handshake().Query.Get("wait") != "" {
				close(entered)
				<-proceed
			}
			return nil
		})
	})
	first := srv.dial(t, dialConfig{})
	first.connect("/dyn-w", "")
	nsp := srv.io.Of("/dyn-w")
	waiting := srv.dial(t, dialConfig{query: "wait=1"})
	waiting.send("40/dyn-w,")
	recv(t, entered, "the middleware")
	first.send("41/dyn-w,")
	eventually(t, func() bool { return nsp.Len() == 0 }, "the first socket gone")
	close(proceed)
	connectReplySID(t, "/dyn-w", waiting.nextText())
	if nspLen(srv.io, "/dyn-w") != 1 || srv.io.Of("/dyn-w") != nsp {
		t.Fatalf("the client joined a deleted namespace")
	}
}
