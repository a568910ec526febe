package socketio

import (
	"slices"
	"strings"
)

// namespaceListener is one OnNamespace listener.
type namespaceListener struct {
	id uint64
	fn func(*Namespace)
}

// Namespaces returns the server's namespaces, sorted by name: those Of
// made and the children of parents (OfMatch) that clients joined, not the
// parents themselves.
func (s *Server) Namespaces() []*Namespace {
	s.mu.RLock()
	out := make([]*Namespace, 0, len(s.nsps))
	for _, n := range s.nsps {
		out = append(out, n)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Namespace) int { return strings.Compare(a.name, b.name) })
	return out
}

// Lookup returns the namespace with the given name, or nil when there is
// none; unlike Of, it never creates one.
func (s *Server) Lookup(name string) *Namespace {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.nsps[name]
}

// OnNamespace adds a listener called with each namespace created from now
// on (Node's io.on("new_namespace")): by Of, or by a client joining a
// child of a parent namespace, before that client's middleware runs, so
// that the listener may add middleware and connection handlers to it. A
// child deleted (Options.CleanupEmptyChildNamespaces) and joined again is
// a new namespace. The returned function removes the listener.
func (s *Server) OnNamespace(fn func(n *Namespace)) (off func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextNsp++
	id := s.nextNsp
	s.onNsp = append(slices.Clip(s.onNsp), namespaceListener{id: id, fn: fn})
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.onNsp = slices.DeleteFunc(slices.Clone(s.onNsp), func(l namespaceListener) bool { return l.id == id })
	}
}

// notifyNamespace tells listeners that n was created; no lock is held.
func notifyNamespace(listeners []namespaceListener, n *Namespace) {
	for _, l := range listeners {
		l.fn(n)
	}
}
