package engineio

import (
	"strings"
	"testing"
	"time"
)

// TestStampSub: the time between two stamps, across the 32-bit wrap too;
// a stamp that looks later than now reads 0, never a huge time.
func TestStampSub(t *testing.T) {
	for _, tc := range []struct {
		name   string
		now, s Stamp
		want   time.Duration
	}{
		{"same", 1000, 1000, 0},
		{"later", 1500, 1000, 500 * time.Microsecond},
		{"across the wrap", 10, 1<<32 - 90, 100 * time.Microsecond},
		{"stamp after now", 1000, 1001, 0},
		{"35 minutes", 1<<31 + 5, 5, (1 << 31) * time.Microsecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.now.sub(tc.s); got != tc.want {
				t.Errorf("%d.sub(%d) = %v, want %v", tc.now, tc.s, got, tc.want)
			}
		})
	}
	if NewStamp() == 0 {
		t.Error("NewStamp returned the zero Stamp")
	}
	if d := (NewStamp() - 2000).Since(); d < 2*time.Millisecond || d > waitTimeout {
		t.Errorf("a stamp of 2 ms ago: Since = %v", d)
	}
	if d := Stamp(0).Since(); d != 0 {
		t.Errorf("the zero Stamp: Since = %v", d)
	}
}

// TestOnStampWritten: a stamped message is reported once written, with
// the time since its stamp, over either transport; an unstamped one is
// not reported (the first report is the stamped message's, the second the
// next stamped one's).
func TestOnStampWritten(t *testing.T) {
	for _, tc := range []struct {
		name string
		// open opens a session and returns its id and a function that
		// reads what the client got until it holds want.
		open func(h *harness) (sid string, read func(want string))
	}{
		{"websocket", func(h *harness) (string, func(string)) {
			ws, hd := h.openWS()
			return hd.SID, func(want string) {
				for got := ""; !strings.Contains(got, want); {
					got = ws.readText()
				}
			}
		}},
		{"polling", func(h *harness) (string, func(string)) {
			sid := h.openPolling().SID
			return sid, func(want string) {
				for got := ""; !strings.Contains(got, want); {
					_, got = h.get(sid)
				}
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			reports := make(chan time.Duration, 8)
			h := newHarness(t, harnessConfig{opts: &Options{OnStampWritten: func(d time.Duration) { reports <- d }}})
			sid, read := tc.open(h)
			c := h.conn(sid)

			for i, ago := range []time.Duration{100 * time.Millisecond, 300 * time.Millisecond} {
				stamp := NewStamp() - Stamp(ago/time.Microsecond)
				if err := c.Send(Message{Data: []byte("plain")}, Message{Data: []byte("timed"), Stamp: stamp}); err != nil {
					t.Fatal(err)
				}
				read("timed")
				if d := recv(t, reports, "the report of the stamped message"); d < ago || d > ago+waitTimeout {
					t.Errorf("message %d, stamped %v ago: reported %v", i, ago, d)
				}
			}
		})
	}
}

// TestObserveStampsAllocs: reporting the stamps of a write allocates
// nothing, and reads them all.
func TestObserveStampsAllocs(t *testing.T) {
	n := 0
	s := &Server{opts: Options{OnStampWritten: func(time.Duration) { n++ }}}
	frames := []frame{{typ: packetMessage, stamp: NewStamp()}, {typ: packetMessage}, {typ: packetMessage, stamp: NewStamp()}}
	if allocs := testing.AllocsPerRun(100, func() { s.observeStamps(frames) }); allocs != 0 {
		t.Errorf("observeStamps: %v allocations", allocs)
	}
	if n != 2*101 { // AllocsPerRun runs it once more to warm up
		t.Errorf("%d reports for 101 writes of 2 stamped frames", n)
	}
}
