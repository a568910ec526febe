package socketio

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/engineio"
)

// BenchmarkFanoutSlowConsumers broadcasts to a room of 200 WebSocket
// clients at a steady pace (a 4 KiB event every 5 ms), with none or 10% of
// them never reading (their receive buffers kept small, as a stalled
// phone's would fill): the readers' p99 latency should not suffer from the
// stalled ones, which are disconnected as slow consumers once the kernel's
// buffers and the 256 KiB queue are full, while the server's memory stays
// bounded. Issue 9's figure comes from
//
//	cd socketio && go test -run '^$' -bench FanoutSlowConsumers -benchtime 2000x .
//
// docs/reliability.md has the numbers.
func BenchmarkFanoutSlowConsumers(b *testing.B) {
	for _, stalledPct := range []int{0, 10} {
		b.Run(fmt.Sprintf("stalled=%d%%", stalledPct), func(b *testing.B) {
			benchSlowConsumers(b, 200, 200*stalledPct/100)
		})
	}
}

func benchSlowConsumers(b *testing.B, clients, stalled int) {
	srv := newTestServer(b, &Options{Engine: &engineio.Options{MaxBufferedBytes: 256 << 10, PingInterval: time.Minute}}, func(io *Server) {
		io.OnConnection(func(s *Socket) { s.Join("room") })
	})
	pad := bytes.Repeat([]byte{'x'}, 4000)

	var wg sync.WaitGroup
	readers := make([]*latencyReader, 0, clients-stalled)
	for i := 0; i < clients; i++ {
		conn := dialBench(b, srv, i < stalled)
		if i < stalled {
			continue // never read again
		}
		r := &latencyReader{conn: conn}
		readers = append(readers, r)
		wg.Add(1)
		go func() { defer wg.Done(); r.run() }()
	}
	nsp := srv.io.Of("/")
	for nsp.Len() != clients {
		runtime.Gosched()
	}

	b.ResetTimer()
	tick := time.NewTicker(5 * time.Millisecond)
	for i := 0; i < b.N; i++ {
		<-tick.C
		if err := nsp.To("room").Emit("m", time.Now().UnixNano(), string(pad)); err != nil {
			b.Fatal(err)
		}
	}
	tick.Stop()
	// The last broadcast's marker: once every reader has it, all is in.
	if err := nsp.To("room").Emit("end"); err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		b.Fatal("the readers did not get every broadcast")
	}
	b.StopTimer()

	var all []time.Duration
	for _, r := range readers {
		if r.got != b.N {
			b.Fatalf("a reader got %d of %d broadcasts", r.got, b.N)
		}
		all = append(all, r.lat...)
	}
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(srv.io.Engine().SlowConsumers()), "slow-closed")
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
	// Past the kernel's buffers (a few MiB on loopback) and the queue, each
	// stalled client must have been closed.
	if stalled > 0 && b.N*len(pad) > 8<<20 && int(srv.io.Engine().SlowConsumers()) != stalled {
		b.Errorf("%d of %d stalled clients closed as slow consumers", srv.io.Engine().SlowConsumers(), stalled)
	}
}

// dialBench connects one client to the main namespace; a stalled one gets
// a 4 KiB receive buffer.
func dialBench(b *testing.B, srv *testServer, stalled bool) *websocket.Conn {
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	if stalled {
		d.NetDialContext = (&net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
			var serr error
			err := c.Control(func(fd uintptr) { serr = setRcvBuf(fd, 4096) })
			if err != nil {
				return err
			}
			return serr
		}}).DialContext
	}
	conn, resp, err := d.DialContext(context.Background(), srv.wsURL(""), nil)
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	b.Cleanup(func() { _ = conn.Close() })
	if _, open, err := conn.ReadMessage(); err != nil || len(open) == 0 || open[0] != '0' {
		b.Fatalf("open packet %q: %v", open, err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40")); err != nil {
		b.Fatal(err)
	}
	if _, reply, err := conn.ReadMessage(); err != nil || !bytes.HasPrefix(reply, []byte("40")) {
		b.Fatalf("connect reply %q: %v", reply, err)
	}
	return conn
}

// latencyReader reads broadcasts until "end", keeping each one's latency
// (from the timestamp it carries).
type latencyReader struct {
	conn *websocket.Conn
	got  int
	lat  []time.Duration
}

func (r *latencyReader) run() {
	prefix := []byte(`42["m",`)
	for {
		_, msg, err := r.conn.ReadMessage()
		if err != nil {
			return
		}
		if bytes.Equal(msg, []byte("2")) {
			_ = r.conn.WriteMessage(websocket.TextMessage, []byte("3"))
			continue
		}
		if bytes.HasPrefix(msg, []byte(`42["end"`)) {
			return
		}
		if !bytes.HasPrefix(msg, prefix) {
			continue
		}
		rest := msg[len(prefix):]
		end := bytes.IndexByte(rest, ',')
		if end < 0 {
			continue
		}
		ns, err := strconv.ParseInt(string(rest[:end]), 10, 64)
		if err != nil {
			continue
		}
		r.lat = append(r.lat, time.Since(time.Unix(0, ns)))
		r.got++
	}
}
