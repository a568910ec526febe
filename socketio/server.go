package socketio

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

// Server is a Socket.IO v5 server: an http.Handler to mount at the path
// clients use, "/socket.io/" by default.
type Server struct {
	opts   Options
	engine *engineio.Server

	mu      sync.RWMutex
	nsps    map[string]*Namespace
	parents []*Namespace
	onNsp   []namespaceListener // OnNamespace (namespaces.go), copy on write
	nextNsp uint64

	recovered, refused atomic.Int64  // CONNECTs that asked to recover a session
	delivered          atomic.Uint64 // broadcasts delivered, to sample for DeliveryLatency
}

// Recoveries returns how many CONNECT packets asked to recover a session
// (connection state recovery) since the server started: recovered, with
// the socket's rooms and missed packets back, or refused (unknown or
// expired session, offset gone, an error), the socket starting afresh.
func (s *Server) Recoveries() (recovered, refused int64) {
	return s.recovered.Load(), s.refused.Load()
}

// NewServer returns a server with the namespace "/".
func NewServer(opts *Options) *Server {
	s := &Server{opts: opts.withDefaults(), nsps: make(map[string]*Namespace)}
	s.engine = engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		cl := newClient(s, c)
		if cl.v2 {
			cl.connectV2Root()
		}
		return cl
	}), s.opts.Engine)
	s.Of("/")
	return s
}

// ServeHTTP serves the Engine.IO transports.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// RecoveryOptions returns the connection state recovery options in force
// (defaults applied), or nil when recovery is off; a cluster adapter that
// keeps sessions and broadcasts for recovery reads them.
func (s *Server) RecoveryOptions() *RecoveryOptions {
	if s.opts.Recovery == nil {
		return nil
	}
	r := *s.opts.Recovery
	return &r
}

// Engine returns the Engine.IO server underneath.
func (s *Server) Engine() *engineio.Server { return s.engine }

// Of returns the namespace with the given name, creating it if needed
// (then the OnNamespace listeners are told, before it returns).
func (s *Server) Of(name string) *Namespace {
	if name == "" {
		name = "/"
	} else if name[0] != '/' {
		name = "/" + name
	}
	s.mu.Lock()
	if n := s.nsps[name]; n != nil {
		s.mu.Unlock()
		return n
	}
	n := newNamespace(s, name)
	s.nsps[name] = n
	listeners := s.onNsp
	s.mu.Unlock()
	notifyNamespace(listeners, n)
	return n
}

// OfMatch returns a parent namespace: a client may join any namespace
// whose name match accepts, created on first use, with the parent's
// middleware and connection handlers.
func (s *Server) OfMatch(match func(name string) bool) *Namespace {
	p := &Namespace{server: s, match: match, children: make(map[string]*Namespace), sockets: make(map[string]*Socket)}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parents = append(s.parents, p)
	return p
}

// namespace returns the namespace a CONNECT names, or nil; the caller
// releases it when done connecting (Namespace.release).
func (s *Server) namespace(name string) *Namespace {
	s.mu.RLock()
	n := s.nsps[name]
	parents := s.parents
	if n != nil {
		n.holds.Add(1) // before the lock is released: cleanup waits for it
	}
	s.mu.RUnlock()
	if n != nil {
		return n
	}
	for _, p := range parents {
		if !p.match(name) {
			continue
		}
		s.mu.Lock()
		if n := s.nsps[name]; n != nil {
			n.holds.Add(1)
			s.mu.Unlock()
			return n
		}
		n := newNamespace(s, name)
		n.holds.Add(1)
		n.parent = p
		s.nsps[name] = n
		p.mu.Lock()
		p.children[name] = n
		p.mu.Unlock()
		listeners := s.onNsp
		s.mu.Unlock()
		notifyNamespace(listeners, n) // n is held: the CONNECT waits for them
		return n
	}
	return nil
}

// Use adds a middleware to the namespace "/".
func (s *Server) Use(m Middleware) { s.Of("/").Use(m) }

// OnConnection adds a connection handler to the namespace "/".
func (s *Server) OnConnection(fn func(*Socket)) { s.Of("/").OnConnection(fn) }

// To starts a broadcast to rooms of the namespace "/".
func (s *Server) To(rooms ...string) *BroadcastOperator { return s.Of("/").To(rooms...) }

// Emit broadcasts an event to every socket of the namespace "/".
func (s *Server) Emit(event string, args ...any) error { return s.Of("/").Emit(event, args...) }

// Shutdown stops accepting connections and closes every connection (the
// sockets disconnect with ReasonServerShutdown, which connection state
// recovery treats as recoverable), waiting for queued packets to be
// written until ctx is done; then it closes the adapters.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.engine.Shutdown(ctx)
	// A socket ends, and persists its session for recovery, in its
	// connection's OnClose, which may run just after the engine counts the
	// connection gone: wait for every socket before closing the adapters,
	// so that a cluster adapter still stores the sessions.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for s.liveSockets() > 0 && err == nil {
		select {
		case <-ctx.Done():
			err = ctx.Err()
		case <-tick.C:
		}
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, n := range s.nsps {
		_ = n.adapter.Close()
	}
	return err
}

// liveSockets returns the number of sockets of every namespace.
func (s *Server) liveSockets() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	total := 0
	for _, n := range s.nsps {
		total += n.Len()
	}
	return total
}

func newID() string {
	var b [15]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
