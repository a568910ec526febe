//go:build linux

package socketio

import (
	"encoding/base64"
	"net"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

// The live heap an idle WebSocket connection holds is most of the server's
// memory at 10,000 idle clients (bench/load -scenario idle): these measure
// it. The clients are raw sockets driven by system calls, so that the heap
// measured is the server's alone.

// idleClients opens n WebSocket connections to addr, as bench/load's
// clients do (the same request), and joins "/" on each; it returns their
// descriptors, which the caller closes; on failure it closes them.
func idleClients(tb testing.TB, addr *net.TCPAddr, n int) (fds []int) {
	tb.Helper()
	fds = make([]int, 0, n)
	defer func() {
		if tb.Failed() {
			closeAll(fds)
		}
	}()
	sa := &syscall.SockaddrInet4{Port: addr.Port}
	copy(sa.Addr[:], addr.IP.To4())
	var key [16]byte
	// "40", masked with a zero key: a client's CONNECT to "/".
	connect := []byte{0x81, 0x82, 0, 0, 0, 0, '4', '0'}
	var buf [512]byte
	for i := range n {
		fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
		if err != nil {
			tb.Fatal(err)
		}
		fds = append(fds, fd)
		if err := syscall.Connect(fd, sa); err != nil {
			tb.Fatal(err)
		}
		copy(key[:], strconv.Itoa(i))
		req := "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + addr.String() +
			"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + base64.StdEncoding.EncodeToString(key[:]) +
			"\r\nSec-WebSocket-Version: 13\r\n\r\n"
		if _, err := syscall.Write(fd, []byte(req)); err != nil {
			tb.Fatal(err)
		}
		// The answer and the open packet; what else comes stays unread in
		// the socket's buffer, which is not the heap.
		if _, err := syscall.Read(fd, buf[:]); err != nil {
			tb.Fatal(err)
		}
		if _, err := syscall.Write(fd, connect); err != nil {
			tb.Fatal(err)
		}
	}
	return fds
}

func closeAll(fds []int) {
	for _, fd := range fds {
		_ = syscall.Close(fd)
	}
}

// liveHeap returns the bytes of live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the second empties the pools' victim caches
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// idleHeapPerConn opens n idle connections to a new server and returns
// the live heap each adds once all are connected and parked. With
// IDLE_HEAP_PROFILE set, it writes a heap profile there while they are
// open.
func idleHeapPerConn(tb testing.TB, n int) float64 {
	tb.Helper()
	profile := os.Getenv("IDLE_HEAP_PROFILE")
	if profile != "" {
		defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
		runtime.MemProfileRate = 1 // every allocation, for exact sizes
	}
	eng := &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
	var connected atomic.Int64
	ts := newTestServer(tb, &Options{Engine: eng}, func(io *Server) {
		io.OnConnection(func(*Socket) { connected.Add(1) })
	})
	addr := ts.ts.Listener.Addr().(*net.TCPAddr)
	defer ts.close()
	defer closeAll(idleClients(tb, addr, 1)) // the server's pools and first allocations
	eventually(tb, func() bool { return connected.Load() == 1 }, "first socket")
	// The runtime never frees a goroutine's descriptor: the n readers'
	// would count in the first measurement of a process and not in the
	// next. Start (and end) as many goroutines first.
	var wg sync.WaitGroup
	release := make(chan struct{})
	for range n + n/4 {
		wg.Go(func() { <-release })
	}
	close(release)
	wg.Wait()
	goroutines := runtime.NumGoroutine()
	before := liveHeap()
	defer closeAll(idleClients(tb, addr, n))
	eventually(tb, func() bool { return connected.Load() == int64(n+1) }, "%d sockets", n)
	// Every reader parks once its connection has been idle a second; a
	// few goroutines may come and go meanwhile (the poller's, the
	// listener's).
	eventually(tb, func() bool { return runtime.NumGoroutine() <= goroutines+4 }, "readers parked")
	after := liveHeap()
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			tb.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			tb.Fatal(err)
		}
		_ = f.Close()
	}
	return float64(int64(after)-int64(before)) / float64(n)
}

// BenchmarkIdleConnHeap reports the live heap (B/conn) an idle WebSocket
// connection with a socket on "/" holds in the server. Each iteration opens
// 1,000 connections and takes over a second.
func BenchmarkIdleConnHeap(b *testing.B) {
	var sum float64
	for range b.N {
		sum += idleHeapPerConn(b, 1000)
	}
	b.ReportMetric(sum/float64(b.N), "B/conn")
}

// maxIdleConnHeap bounds the live heap of an idle connection: about 3,050
// B measured by BenchmarkIdleConnHeap (3,150 under the race detector),
// with some room for the Go version.
const maxIdleConnHeap = 3584

// TestIdleConnHeap guards the live heap of an idle connection, which sets
// the server's memory per idle client.
func TestIdleConnHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("opens 500 connections")
	}
	per := idleHeapPerConn(t, 500)
	t.Logf("%.0f B of live heap per idle connection", per)
	if per > maxIdleConnHeap {
		t.Errorf("an idle connection holds %.0f B of live heap, over %d", per, maxIdleConnHeap)
	}
}
