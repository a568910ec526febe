package cluster

import (
	"sync"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// DefaultEchoWait is how long a logged broadcast of this node waits for
// its message to come back from the cluster's bus before it is delivered
// here anyway (the subscription was cut): late, and maybe out of the log's
// order.
const DefaultEchoWait = 2 * time.Second

// echoForget is how long OwnEchoes remembers a broadcast delivered
// without its echo (so that a late echo does not deliver it again), or an
// echo that came before the broadcast was registered.
const echoForget = time.Minute

// OwnBroadcast is a logged broadcast of this node whose message has not
// come back yet, or was delivered without it (late).
type OwnBroadcast struct {
	// Packet is the broadcast's packet, its offset appended.
	Packet *parser.Packet
	// Opts are the options it was broadcast with.
	Opts  socketio.BroadcastOptions
	timer *time.Timer
	late  bool
}

// OwnEchoes are the logged broadcasts of this node waiting for their
// message to come back from the bus, which delivers them here in the
// log's order (a Redis stream, a PostgreSQL log table): each is delivered
// once, by its echo (Claim) or late (Await's late function). The adapters
// that keep recovery across nodes share it.
type OwnEchoes struct {
	mu     sync.Mutex
	own    map[string]*OwnBroadcast // not back yet, or delivered late, by offset
	echoed map[string]time.Time     // back before Await registered them
	wait   time.Duration
}

// NewOwnEchoes returns OwnEchoes whose broadcasts wait wait for their
// echo (DefaultEchoWait when wait ≤ 0).
func NewOwnEchoes(wait time.Duration) *OwnEchoes {
	if wait <= 0 {
		wait = DefaultEchoWait
	}
	return &OwnEchoes{own: make(map[string]*OwnBroadcast), echoed: make(map[string]time.Time), wait: wait}
}

// SetWait changes how long the broadcasts awaited from now on wait (tests
// shorten it).
func (e *OwnEchoes) SetWait(wait time.Duration) {
	e.mu.Lock()
	e.wait = wait
	e.mu.Unlock()
}

// Await waits for the echo of the broadcast at offset, p being its packet
// with the offset appended; when it does not come within the wait, late is
// called with the broadcast to deliver.
func (e *OwnEchoes) Await(offset string, p *parser.Packet, opts *socketio.BroadcastOptions, late func(o *OwnBroadcast)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, back := e.echoed[offset]; back { // came back first
		delete(e.echoed, offset)
		return
	}
	if len(e.echoed) > 1024 { // echoes of broadcasts that failed on their way back
		now := time.Now()
		for k, at := range e.echoed {
			if now.Sub(at) > echoForget {
				delete(e.echoed, k)
			}
		}
	}
	o := &OwnBroadcast{Packet: p, Opts: *opts}
	o.timer = time.AfterFunc(e.wait, func() {
		if e.markLate(offset, o) {
			late(o)
		}
	})
	e.own[offset] = o
}

// markLate reports whether o, whose echo did not come in time, is to be
// delivered late: it is then remembered for echoForget.
func (e *OwnEchoes) markLate(offset string, o *OwnBroadcast) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.own[offset] != o || o.late {
		return false
	}
	o.late = true
	o.timer = time.AfterFunc(echoForget, func() {
		e.mu.Lock()
		if e.own[offset] == o {
			delete(e.own, offset)
		}
		e.mu.Unlock()
	})
	return true
}

// Claim is called when this node's broadcast at offset comes back: it
// reports whether to deliver it here now (false when it was delivered late
// already), with the options it was broadcast with when they are known
// (nil when the echo came before Await): a delivery with them is timed
// from the broadcast's Emit (socketio.Options.DeliveryLatency), the round
// trip included, not from the echo's receipt.
func (e *OwnEchoes) Claim(offset string) (opts *socketio.BroadcastOptions, deliver bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.own[offset]
	if !ok { // back before Await registered it
		e.echoed[offset] = time.Now()
		return nil, true
	}
	delete(e.own, offset)
	o.timer.Stop()
	return &o.Opts, !o.late
}

// Pending returns how many broadcasts wait for their echo (not delivered
// late) and how many early echoes are remembered.
func (e *OwnEchoes) Pending() (waiting, early int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, o := range e.own {
		if !o.late {
			waiting++
		}
	}
	return waiting, len(e.echoed)
}

// Waiting returns the offsets of the broadcasts that wait for their echo
// (not delivered late).
func (e *OwnEchoes) Waiting() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var offsets []string
	for off, o := range e.own {
		if !o.late {
			offsets = append(offsets, off)
		}
	}
	return offsets
}

// Delivered reports whether the broadcast at offset no longer waits for
// its echo: delivered by it or late, or never awaited.
func (e *OwnEchoes) Delivered(offset string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.own[offset]
	return !ok || o.late
}

// Stop stops the timers and forgets the broadcasts (the adapter closes).
func (e *OwnEchoes) Stop() {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, o := range e.own {
		o.timer.Stop()
		delete(e.own, k)
	}
}

// Loggable reports whether a broadcast of p is kept in the recovery log
// (and given an offset): an event without an ack, unless volatile or
// unlogged, as Node's session-aware adapters decide.
func Loggable(p *parser.Packet, opts *socketio.BroadcastOptions) bool {
	return !opts.Volatile && !opts.Unlogged && !p.HasID && (p.Type == parser.Event || p.Type == parser.BinaryEvent)
}
