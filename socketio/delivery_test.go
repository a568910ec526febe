package socketio

import (
	"slices"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

// TestSampleDelivery: one broadcast in DeliverySample has its first
// message stamped, with the time its Emit stamped in its options, or the
// delivery's own when it has none (a broadcast from another node).
func TestSampleDelivery(t *testing.T) {
	emitted := engineio.NewStamp() - 5000 // 5 ms ago
	for _, tc := range []struct {
		name       string
		sample     int
		stamp      engineio.Stamp
		broadcasts int
		timed      []int // the broadcasts stamped, from 1
	}{
		{"every one", 1, emitted, 3, []int{1, 2, 3}},
		{"one in 3", 3, emitted, 7, []int{3, 6}},
		{"default: one in 8", 0, emitted, 16, []int{8, 16}},
		{"received, no Emit stamp", 2, 0, 4, []int{2, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &Server{opts: (&Options{DeliveryLatency: func(time.Duration) {}, DeliverySample: tc.sample}).withDefaults()}
			var timed []int
			for i := 1; i <= tc.broadcasts; i++ {
				msgs := []engineio.Message{{Data: []byte("2[]")}, {Data: []byte{1}, Binary: true}}
				before := engineio.NewStamp()
				s.sampleDelivery(msgs, &BroadcastOptions{stamp: tc.stamp})
				if msgs[1].Stamp != 0 {
					t.Fatalf("broadcast %d: an attachment stamped", i)
				}
				st := msgs[0].Stamp
				if st == 0 {
					continue
				}
				timed = append(timed, i)
				switch {
				case tc.stamp != 0 && st != tc.stamp:
					t.Errorf("broadcast %d stamped %d, want the Emit's %d", i, st, tc.stamp)
				case tc.stamp == 0 && st-before > 1<<31: // before the delivery
					t.Errorf("broadcast %d stamped %d, before the delivery (%d)", i, st, before)
				}
			}
			if !slices.Equal(timed, tc.timed) {
				t.Errorf("timed broadcasts %v, want %v", timed, tc.timed)
			}
		})
	}
}

// TestDeliveryLatency: with DeliveryLatency, a broadcast is reported once
// for each connection it is written to, with the time since its Emit, to
// DeliveryLatency and to an Engine.OnStampWritten set too; the operator's
// options are left unstamped (it may be reused).
func TestDeliveryLatency(t *testing.T) {
	t.Parallel()
	reports, engineReports := make(chan time.Duration, 8), make(chan time.Duration, 8)
	ts := newTestServer(t, &Options{
		Engine:          &engineio.Options{OnStampWritten: func(d time.Duration) { engineReports <- d }},
		DeliveryLatency: func(d time.Duration) { reports <- d },
		DeliverySample:  1,
	}, func(io *Server) { io.OnConnection(func(s *Socket) { s.Join("room") }) })
	a, b := ts.dial(t, dialConfig{}), ts.dial(t, dialConfig{})
	a.connect("/", "")
	b.connect("/", "")
	eventually(t, func() bool { return ts.io.Of("/").Adapter().(*MemoryAdapter).RoomSize("room") == 2 }, "two sockets in the room")

	op := ts.io.To("room")
	start := time.Now()
	if err := op.Emit("tick", 1); err != nil {
		t.Fatal(err)
	}
	a.expect(`42["tick",1]`)
	b.expect(`42["tick",1]`)
	var got, gotEngine []time.Duration
	for i := 0; i < 2; i++ {
		d := recv(t, reports, "DeliveryLatency's report")
		if d > time.Since(start) {
			t.Errorf("reported %v, more than the %v since the Emit", d, time.Since(start))
		}
		got = append(got, d)
		gotEngine = append(gotEngine, recv(t, engineReports, "OnStampWritten's report"))
	}
	slices.Sort(got) // the connections may be written by two flushers at once
	slices.Sort(gotEngine)
	if !slices.Equal(got, gotEngine) {
		t.Errorf("OnStampWritten got %v, DeliveryLatency %v", gotEngine, got)
	}
	if op.opts.stamp != 0 {
		t.Error("Emit stamped the operator's own options")
	}
	select {
	case d := <-reports:
		t.Errorf("a third report (%v) for two connections", d)
	default:
	}
}
