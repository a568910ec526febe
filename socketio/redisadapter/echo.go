package redisadapter

import (
	"sync"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// ownEchoWait is how long a logged broadcast of this node waits for its
// message to come back from Redis before it is delivered here anyway (the
// subscription was cut): late, and maybe out of the stream's order.
const ownEchoWait = 2 * time.Second

// ownForget is how long the adapter remembers a broadcast delivered
// without its echo (so that a late echo does not deliver it again), or an
// echo that came before the broadcast was registered.
const ownForget = time.Minute

// ownBroadcast is a logged broadcast of this node whose message has not
// come back yet, or was delivered without it (late).
type ownBroadcast struct {
	packet *parser.Packet // with its offset
	opts   socketio.BroadcastOptions
	timer  *time.Timer
	late   bool // delivered without its echo
}

// ownEchoes are the logged broadcasts of this node waiting for their
// message to come back from Redis, which delivers them here in the
// stream's order (either adapter): each is delivered once, by its echo or
// late.
type ownEchoes struct {
	mu     sync.Mutex
	own    map[string]*ownBroadcast // not back yet, or delivered late, by offset
	echoed map[string]time.Time     // back before await registered them
	wait   time.Duration            // ownEchoWait; tests shorten it
}

func newOwnEchoes() *ownEchoes {
	return &ownEchoes{own: make(map[string]*ownBroadcast), echoed: make(map[string]time.Time), wait: ownEchoWait}
}

// await waits for the echo of the broadcast of p at offset; when it does
// not come within the wait, late is called with the broadcast to deliver.
func (e *ownEchoes) await(offset string, p *parser.Packet, opts *socketio.BroadcastOptions, late func(o *ownBroadcast)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, back := e.echoed[offset]; back { // came back first
		delete(e.echoed, offset)
		return
	}
	if len(e.echoed) > 1024 { // echoes of broadcasts that failed on their way back
		now := time.Now()
		for k, at := range e.echoed {
			if now.Sub(at) > ownForget {
				delete(e.echoed, k)
			}
		}
	}
	o := &ownBroadcast{packet: withOffset(p, offset), opts: *opts}
	o.timer = time.AfterFunc(e.wait, func() {
		if e.markLate(offset, o) {
			late(o)
		}
	})
	e.own[offset] = o
}

// markLate reports whether o, whose echo did not come in time, is to be
// delivered late: it is then remembered for ownForget.
func (e *ownEchoes) markLate(offset string, o *ownBroadcast) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.own[offset] != o || o.late {
		return false
	}
	o.late = true
	o.timer = time.AfterFunc(ownForget, func() {
		e.mu.Lock()
		if e.own[offset] == o {
			delete(e.own, offset)
		}
		e.mu.Unlock()
	})
	return true
}

// claim is called when this node's broadcast at offset comes back from
// Redis: it reports whether to deliver it here now (false when it was
// delivered late already), and with the options it was broadcast with
// when they are known (nil when the echo came before await): a delivery
// with them is timed from the broadcast's Emit, the round trip included
// (socketio.Options.DeliveryLatency), not from the echo's receipt.
func (e *ownEchoes) claim(offset string) (opts *socketio.BroadcastOptions, deliver bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	o, ok := e.own[offset]
	if !ok { // back before await registered it
		e.echoed[offset] = time.Now()
		return nil, true
	}
	delete(e.own, offset)
	o.timer.Stop()
	return &o.opts, !o.late
}

// echoOptions returns the options to deliver an echo of this node's own
// broadcast with: those it was broadcast with (own) when known, else those
// the message carried.
func echoOptions(own *socketio.BroadcastOptions, m *cluster.Opts) *socketio.BroadcastOptions {
	if own != nil {
		return own
	}
	return m.BroadcastOptions()
}
