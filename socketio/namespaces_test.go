package socketio

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

func namespaceNames(list []*Namespace) []string {
	out := make([]string, len(list))
	for i, n := range list {
		out[i] = n.Name()
	}
	return out
}

// Namespaces lists those Of made and the children clients joined, sorted;
// Lookup finds them and creates none; OnNamespace hears each new one
// before its first client's middleware runs.
func TestNamespacesAndOnNamespace(t *testing.T) {
	t.Parallel()
	var (
		mu      sync.Mutex
		created []string
	)
	var parent *Namespace
	srv := newTestServer(t, nil, func(io *Server) {
		io.OnNamespace(func(n *Namespace) {
			mu.Lock()
			created = append(created, n.Name())
			mu.Unlock()
			// A listener may add middleware: it runs for the first client.
			n.Use(func(s *Socket) error {
				if s.Handshake().Query.Get("deny") != "" {
					return &ConnectError{Message: "denied by " + n.Name()}
				}
				return nil
			})
		})
		io.Of("/chat")
		parent = io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") })
	})
	createdNow := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(created)
	}

	if got, want := createdNow(), []string{"/chat"}; !slices.Equal(got, want) {
		t.Fatalf("OnNamespace heard %q, want %q (not \"/\", made before it was added, nor the parent)", got, want)
	}
	if got, want := namespaceNames(srv.io.Namespaces()), []string{"/", "/chat"}; !slices.Equal(got, want) {
		t.Fatalf("Namespaces = %q, want %q", got, want)
	}

	c := srv.dial(t, dialConfig{query: "deny=1"})
	defer c.close()
	c.send(connectPacket("/dyn-1", ""))
	if got, want := c.nextText(), `44/dyn-1,{"message":"denied by /dyn-1"}`; got != want {
		t.Fatalf("CONNECT to a new child: %q, want %q (the listener's middleware)", got, want)
	}
	if got, want := createdNow(), []string{"/chat", "/dyn-1"}; !slices.Equal(got, want) {
		t.Fatalf("OnNamespace heard %q, want %q", got, want)
	}
	if got, want := namespaceNames(srv.io.Namespaces()), []string{"/", "/chat", "/dyn-1"}; !slices.Equal(got, want) {
		t.Fatalf("Namespaces = %q, want %q", got, want)
	}

	tests := []struct {
		name string
		want *Namespace
	}{
		{"/", srv.io.Of("/")},
		{"/chat", srv.io.Of("/chat")},
		{"/dyn-1", parent.childList()[0]},
		{"/nope", nil},
		{"chat", nil}, // names are exact
	}
	for _, tt := range tests {
		if got := srv.io.Lookup(tt.name); got != tt.want {
			t.Errorf("Lookup(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got, want := namespaceNames(srv.io.Namespaces()), []string{"/", "/chat", "/dyn-1"}; !slices.Equal(got, want) {
		t.Fatalf("Namespaces after Lookup = %q, want %q (Lookup creates none)", got, want)
	}
}

// The function OnNamespace returns removes the listener.
func TestOnNamespaceOff(t *testing.T) {
	t.Parallel()
	io := newTestServer(t, nil, nil).io
	var heard []string
	off := io.OnNamespace(func(n *Namespace) { heard = append(heard, n.Name()) })
	io.Of("/a")
	off()
	io.Of("/b")
	if want := []string{"/a"}; !slices.Equal(heard, want) {
		t.Fatalf("heard %q, want %q", heard, want)
	}
}
