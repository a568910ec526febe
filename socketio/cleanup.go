package socketio

// A child namespace (of a parent made by OfMatch) is deleted, with
// Options.CleanupEmptyChildNamespaces, when it has no socket and no
// CONNECT in progress: Server.namespace counts each CONNECT it hands the
// namespace to (holds) under the server's lock, and the deletion checks
// both under that lock, so that a client never joins a deleted namespace.

// release ends a CONNECT that namespace handed n to.
func (n *Namespace) release() {
	if n.holds.Add(-1) == 0 {
		n.cleanup()
	}
}

// cleanup deletes n when it is an empty child namespace and the server
// cleans those up, then closes its adapter.
func (n *Namespace) cleanup() {
	s := n.server
	if n.parent == nil || !s.opts.CleanupEmptyChildNamespaces || n.holds.Load() > 0 || n.Len() > 0 {
		return
	}
	s.mu.Lock()
	n.mu.Lock()
	gone := !n.deleted && n.holds.Load() == 0 && len(n.sockets) == 0 && s.nsps[n.name] == n
	if gone {
		n.deleted = true
		delete(s.nsps, n.name)
	}
	n.mu.Unlock()
	s.mu.Unlock()
	if !gone {
		return
	}
	n.parent.mu.Lock()
	if n.parent.children[n.name] == n {
		delete(n.parent.children, n.name)
	}
	n.parent.mu.Unlock()
	s.opts.Logger.Debug("socketio: empty child namespace deleted", "nsp", n.name)
	_ = n.adapter.Close()
}
