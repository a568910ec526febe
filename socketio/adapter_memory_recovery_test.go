package socketio

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// logServer is an in-process server with recovery on and no client: a
// broadcast reaches nobody, but it is logged.
func logServer(t *testing.T, rec RecoveryOptions) (*Server, *MemoryAdapter) {
	t.Helper()
	p := &inproc{tb: t, io: NewServer(&Options{Engine: quietEngine(), Recovery: &rec})}
	t.Cleanup(p.shutdown)
	return p.io, p.io.Of("/").Adapter().(*MemoryAdapter)
}

// loggedWeak returns weak pointers to the packets the log holds, oldest
// first.
func loggedWeak(a *MemoryAdapter) []weak.Pointer[parser.Packet] {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	var out []weak.Pointer[parser.Packet]
	for _, lp := range a.log.live() {
		out = append(out, weak.Make(lp.packet))
	}
	return out
}

// ageLog makes the n oldest logged packets older by d.
func ageLog(a *MemoryAdapter, n int, d time.Duration) {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	live := a.log.live()
	for i := range n {
		live[i].at = live[i].at.Add(-d)
	}
}

// collected waits until no packet of ptrs is alive after a collection,
// and reports how many still are at the deadline.
func collected(ptrs []weak.Pointer[parser.Packet], within time.Duration) int {
	deadline := time.Now().Add(within)
	for {
		runtime.GC()
		alive := 0
		for _, w := range ptrs {
			if w.Value() != nil {
				alive++
			}
		}
		if alive == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestPrunedPacketsAreReleased: a packet pruned from the log (expired) is
// referenced by nothing the adapter keeps, whether the prune leaves most
// of the log or almost nothing (the case where reslicing kept the tail
// of the old entries alive: issue 21).
func TestPrunedPacketsAreReleased(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		logged, aged int
	}{
		{name: "all but the new one", logged: 10, aged: 10},
		{name: "most", logged: 10, aged: 7},
		{name: "a few", logged: 10, aged: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			io, a := logServer(t, RecoveryOptions{MaxDisconnectionDuration: time.Hour})
			for i := range tt.logged {
				if err := io.Emit("e", i, strings.Repeat("x", 1000)); err != nil {
					t.Fatal(err)
				}
			}
			ptrs := loggedWeak(a)
			ageLog(a, tt.aged, 2*time.Hour)
			_ = io.Emit("next") // prunes
			if alive := collected(ptrs[:tt.aged], time.Second); alive > 0 {
				t.Fatalf("%d of %d pruned packets still alive", alive, tt.aged)
			}
			for i, w := range ptrs[tt.aged:] {
				if w.Value() == nil {
					t.Fatalf("packet %d collected while in the log", tt.aged+i)
				}
			}
		})
	}
}

// TestExpiredPacketsReleasedWithoutTraffic: the log's expired packets and
// the expired sessions go even when no broadcast follows them.
func TestExpiredPacketsReleasedWithoutTraffic(t *testing.T) {
	t.Parallel()
	io, a := logServer(t, RecoveryOptions{MaxDisconnectionDuration: 20 * time.Millisecond})
	for i := range 5 {
		_ = io.Emit("e", i)
	}
	a.PersistSession(&Session{SID: "s", PID: "p"})
	ptrs := loggedWeak(a)
	if alive := collected(ptrs, waitTimeout); alive > 0 {
		t.Fatalf("%d of %d expired packets still alive", alive, len(ptrs))
	}
	a.recMu.Lock()
	sessions := len(a.sessions)
	a.recMu.Unlock()
	if sessions != 0 {
		t.Fatalf("%d expired sessions kept", sessions)
	}
}

// TestPacketLogAgainstModel pushes and prunes at random and checks after
// each step that the live entries are the model's, their byte count
// right, and that no slot of the array outside them holds anything.
func TestPacketLogAgainstModel(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		var l packetLog
		var model []loggedPacket
		next := 0
		for step := range 3000 {
			switch op := rng.IntN(10); {
			case op < 6 || len(model) == 0:
				burst := 1
				if rng.IntN(50) == 0 {
					burst = 200 // then mostly dropped: the array shrinks
				}
				for range burst {
					lp := loggedPacket{offset: strconv.Itoa(next), packet: &parser.Packet{}, size: int64(1 + rng.IntN(100))}
					next++
					l.push(lp)
					model = append(model, lp)
				}
			default:
				n := 1 + rng.IntN(len(model))
				for range n {
					l.dropOldest()
				}
				l.tidy()
				model = model[n:]
			}
			live := l.live()
			var bytes int64
			for i, lp := range model {
				bytes += lp.size
				if live[i].offset != lp.offset || live[i].packet != lp.packet {
					t.Fatalf("seed %d step %d: entry %d is %q, want %q", seed, step, i, live[i].offset, lp.offset)
				}
			}
			if len(live) != len(model) || l.bytes != bytes {
				t.Fatalf("seed %d step %d: %d entries of %d bytes, want %d of %d", seed, step, len(live), l.bytes, len(model), bytes)
			}
			all := l.entries[:cap(l.entries)]
			for i := range all {
				if (i < l.head || i >= len(l.entries)) && !zeroEntry(&all[i]) {
					t.Fatalf("seed %d step %d: slot %d outside the live entries holds %q", seed, step, i, all[i].offset)
				}
			}
			if c := cap(l.entries); c > minLogCap && c > 4*len(model)+4*200 {
				t.Fatalf("seed %d step %d: array of %d for %d entries", seed, step, c, len(model))
			}
		}
	}
}

// TestLogByteCap: past MaxLogBytes the oldest packets go, the newest stay,
// and the count of bytes is the sum of what is kept; a negative cap keeps
// everything, zero is the default.
func TestLogByteCap(t *testing.T) {
	t.Parallel()
	const events, payload = 100, 1000
	tests := []struct {
		name     string
		maxBytes int64
		cap      int64 // in force
	}{
		{name: "16 KiB", maxBytes: 16 << 10, cap: 16 << 10},
		{name: "default", maxBytes: 0, cap: 64 << 20},
		{name: "off", maxBytes: -1, cap: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			io, a := logServer(t, RecoveryOptions{MaxDisconnectionDuration: time.Hour, MaxLogBytes: tt.maxBytes})
			if got := io.RecoveryOptions().MaxLogBytes; got != tt.cap {
				t.Fatalf("MaxLogBytes in force %d, want %d", got, tt.cap)
			}
			var size int64
			for i := range events {
				if err := io.Emit("e", i, strings.Repeat("x", payload)); err != nil {
					t.Fatal(err)
				}
				a.recMu.Lock()
				live := a.log.live()
				var sum int64
				for _, lp := range live {
					sum += lp.size
				}
				bytes, last := a.log.bytes, string(live[len(live)-1].packet.Data)
				size = live[0].size
				a.recMu.Unlock()
				if bytes != sum || (tt.cap > 0 && bytes > tt.cap) {
					t.Fatalf("after %d events: %d bytes counted, %d kept, cap %d", i+1, bytes, sum, tt.cap)
				}
				if want := `["e",` + strconv.Itoa(i) + `,`; !strings.HasPrefix(last, want) {
					t.Fatalf("after %d events the newest is %.20s", i+1, last)
				}
			}
			if size < payload || size > payload+512 {
				t.Fatalf("an event of %d bytes counted %d", payload, size)
			}
			want := events
			if tt.cap > 0 && tt.cap/size < events {
				want = int(tt.cap / size)
			}
			a.recMu.Lock()
			n := len(a.log.live())
			a.recMu.Unlock()
			if n != want {
				t.Fatalf("%d events kept, want %d", n, want)
			}
		})
	}
}

func zeroEntry(lp *loggedPacket) bool {
	return lp.offset == "" && lp.at.IsZero() && lp.opts.Rooms == nil && lp.opts.Except == nil && lp.packet == nil && lp.size == 0
}

// TestRecoveryPastByteCap: a client whose missed events all fit in
// MaxLogBytes recovers with them; one whose offset was dropped to keep the
// log under it starts afresh, as after MaxDisconnectionDuration.
func TestRecoveryPastByteCap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		missed    int // events of 1000 bytes while away, against a cap of 8 KiB
		recovered bool
	}{
		{name: "within the cap", missed: 3, recovered: true},
		{name: "past the cap", missed: 20, recovered: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := newRecoveryServer(t, RecoveryOptions{MaxLogBytes: 8 << 10})
			c := rs.dial(t, dialConfig{})
			s, pid := rs.connect(t, c, "")
			_ = rs.io.Emit("e")
			off := parseEvent(t, c.nextText(), true).offset
			dis := disconnects(s)
			_ = c.conn.Close()
			expectReason(t, dis, ReasonTransportClose)
			big := strings.Repeat("x", 1000)
			for i := range tt.missed {
				_ = rs.io.Emit("missed", i, big)
			}

			c2 := rs.dial(t, dialConfig{})
			c2.send(`40{"pid":"` + pid + `","offset":"` + off + `"}`)
			sid, _ := recoveryReply(t, c2.nextText())
			s2 := recv(t, rs.conns, "OnConnection")
			if s2.Recovered() != tt.recovered || (sid == s.ID()) != tt.recovered {
				t.Fatalf("Recovered() = %v, same id %v; want %v", s2.Recovered(), sid == s.ID(), tt.recovered)
			}
			want := 0
			if tt.recovered {
				want = tt.missed
			}
			recoveryMarker(t, s2)
			got := untilEvent(t, c2, "marker")
			if len(got) != want {
				t.Fatalf("%d frames before the marker, want %d missed events", len(got), want)
			}
			for i, text := range got {
				if e := parseEvent(t, text, true); e.name != "missed" || e.args[0] != strconv.Itoa(i) {
					t.Fatalf("frame %d: %+v", i, e)
				}
			}
			rec, ref := rs.io.Recoveries()
			if (rec == 1) != tt.recovered || (ref == 1) == tt.recovered {
				t.Fatalf("Recoveries() = %d recovered, %d refused", rec, ref)
			}
		})
	}
}
