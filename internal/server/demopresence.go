package server

import (
	"context"
	mrand "math/rand/v2"
	"sync"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// demoPeople is the demo's simulated presence: the connections it holds
// for demo users nobody signed in as, beside the real sockets. A real
// socket takes its user over: the simulated connection is dropped at once
// (and a status the simulation chose is undone), and nothing is simulated
// for that user while a real socket of theirs is connected, so that
// presence follows the real person (offline after they leave).
type demoPeople struct {
	presence Presence

	mu   sync.Mutex
	held map[string]bool // users with a simulated connection
	away map[string]bool // held users the simulation set away
	real map[string]int  // real sockets per user, on this node
}

func newDemoPeople(p Presence) *demoPeople {
	return &demoPeople{presence: p, held: map[string]bool{}, away: map[string]bool{}, real: map[string]int{}}
}

// realConnected counts a real socket of p's user (already counted by the
// presence tracker) and drops the user's simulated connection.
func (d *demoPeople) realConnected(p auth.Principal) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.real[p.UserID]++
	if !d.held[p.UserID] {
		return
	}
	delete(d.held, p.UserID)
	if d.away[p.UserID] {
		delete(d.away, p.UserID)
		_, _ = d.presence.SetStatus(p, events.PresenceOnline)
	}
	d.presence.Disconnect(p.UserID)
}

// realDisconnected counts a closed real socket of the user.
func (d *demoPeople) realDisconnected(userID string) {
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.real[userID] <= 1 {
		delete(d.real, userID)
	} else {
		d.real[userID]--
	}
}

// connect brings p online as a simulated connection, unless a real socket
// of p's user is connected or the user is already held; it reports
// whether it did.
func (d *demoPeople) connect(p auth.Principal) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.real[p.UserID] > 0 || d.held[p.UserID] {
		return false
	}
	d.presence.Connect(p)
	d.held[p.UserID] = true
	return true
}

// disconnect drops the simulated connection of the user, if held.
func (d *demoPeople) disconnect(userID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.held[userID] {
		return false
	}
	delete(d.held, userID)
	delete(d.away, userID)
	d.presence.Disconnect(userID)
	return true
}

// setStatus sets the status of a held user (never of a real one).
func (d *demoPeople) setStatus(p auth.Principal, status string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.held[p.UserID] || d.real[p.UserID] > 0 {
		return false
	}
	if _, err := d.presence.SetStatus(p, status); err != nil {
		return false
	}
	if status == events.PresenceOnline {
		delete(d.away, p.UserID)
	} else {
		d.away[p.UserID] = true
	}
	return true
}

// holds reports whether the simulation holds a connection of the user.
func (d *demoPeople) holds(userID string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.held[userID]
}

// releaseAll drops every simulated connection.
func (d *demoPeople) releaseAll() {
	d.mu.Lock()
	ids := make([]string, 0, len(d.held))
	for id := range d.held {
		ids = append(ids, id)
	}
	d.mu.Unlock()
	for _, id := range ids {
		d.disconnect(id)
	}
}

// demoPresence lets the demo's agents nobody signed in as come online, go
// away, come back and leave, every few seconds, their TaskRouter activity
// following (Offline when they leave, Available when they come).
func (s *Server) demoPresence(ctx context.Context) {
	people := s.demo.people
	rng := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
	defer people.releaseAll()
	workers := map[string]string{}
	for _, w := range DemoWorkers() {
		workers[w.UserID] = w.SID
	}
	var agents []auth.Principal
	for _, u := range DemoUsers {
		if u.Role != events.RoleAdmin {
			agents = append(agents, u)
		}
	}
	// Most come online at once; then one changes every few seconds.
	for _, p := range agents {
		if rng.IntN(4) != 0 {
			people.connect(p)
		}
	}
	t := time.NewTicker(8 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		p := agents[rng.IntN(len(agents))]
		wk := workers[p.UserID]
		switch k := rng.IntN(10); {
		case !people.holds(p.UserID):
			if people.connect(p) && wk != "" { // refused while a person is signed in as p
				s.demo.fake.SetActivity(wk, DemoActivityAvailable)
			}
		case k < 3:
			if people.disconnect(p.UserID) && wk != "" {
				s.demo.fake.SetActivity(wk, DemoActivityOffline)
			}
		case k < 6:
			people.setStatus(p, events.PresenceAway)
		default:
			people.setStatus(p, events.PresenceOnline)
		}
	}
}

// demoPeople returns the demo's simulated presence, nil outside demo mode.
func (s *Server) demoPeople() *demoPeople {
	if s.demo == nil {
		return nil
	}
	return s.demo.people
}
