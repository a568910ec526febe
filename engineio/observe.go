package engineio

import (
	"sync"
	"sync/atomic"
)

// Observer is told of the life of a server's connections, as Node's
// engine "connection" event and a socket's "upgrade" and "close" events
// tell (an admin UI, a connection log). Each field may be nil. The calls
// are made from the goroutines serving the connections, outside the
// connection's locks: they must be fast, and may call the Conn's methods.
type Observer struct {
	// OnOpen is called once a new connection is registered with the
	// server (Server.Conn finds it), before its handshake is answered.
	OnOpen func(c *Conn)
	// OnUpgrade is called when a polling connection has moved to
	// WebSocket (Conn.Transport says so).
	OnUpgrade func(c *Conn)
	// OnClose is called once after a connection OnOpen reported has
	// closed, with the reason the Receiver gets.
	OnClose func(c *Conn, reason CloseReason)
}

// observers holds a server's Observers, copy on write: a connection's
// event reads the list without a lock.
type observers struct {
	mu     sync.Mutex
	list   atomic.Pointer[[]observerEntry]
	nextID uint64
}

type observerEntry struct {
	id uint64
	o  Observer
}

// Observe adds an Observer of the server's connections, for the
// connections that open from now on (and the upgrades and closes of those
// already open). The returned function removes it.
func (s *Server) Observe(o Observer) (off func()) {
	obs := &s.observers
	obs.mu.Lock()
	defer obs.mu.Unlock()
	obs.nextID++
	id := obs.nextID
	var cur []observerEntry
	if p := obs.list.Load(); p != nil {
		cur = *p
	}
	next := append(append(make([]observerEntry, 0, len(cur)+1), cur...), observerEntry{id: id, o: o})
	obs.list.Store(&next)
	return func() {
		obs.mu.Lock()
		defer obs.mu.Unlock()
		p := obs.list.Load()
		if p == nil {
			return
		}
		next := make([]observerEntry, 0, len(*p))
		for _, e := range *p {
			if e.id != id {
				next = append(next, e)
			}
		}
		obs.list.Store(&next)
	}
}

// observing returns the observers, nil when there are none.
func (s *Server) observing() []observerEntry {
	if p := s.observers.list.Load(); p != nil {
		return *p
	}
	return nil
}

// PollingLen returns the number of open connections whose transport is
// polling (Len minus those on WebSocket): Node's admin UI's
// pollingClientsCount.
func (s *Server) PollingLen() int { return int(s.pollingConns.Load()) }

// opened marks c, just registered, as open unless it closed meanwhile,
// counts it if it polls, and tells the observers.
func (s *Server) opened(c *Conn) {
	c.mu.Lock()
	if c.state == stateClosed {
		c.mu.Unlock()
		return
	}
	c.opened = true
	if c.transport == Polling {
		s.pollingConns.Add(1)
	}
	c.mu.Unlock()
	for _, e := range s.observing() {
		if e.o.OnOpen != nil {
			e.o.OnOpen(c)
		}
	}
}

// upgraded tells the observers that c moved to WebSocket.
func (s *Server) upgraded(c *Conn) {
	for _, e := range s.observing() {
		if e.o.OnUpgrade != nil {
			e.o.OnUpgrade(c)
		}
	}
}

// closed tells the observers that c, which was open, closed.
func (s *Server) closed(c *Conn, reason CloseReason) {
	for _, e := range s.observing() {
		if e.o.OnClose != nil {
			e.o.OnClose(c, reason)
		}
	}
}
