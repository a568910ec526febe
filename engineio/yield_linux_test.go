package engineio

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// A flusher's yield lets a goroutine whose socket became readable run at
// once, with one P busy: runtime.Gosched alone would leave it waiting for
// sysmon's poll of the network (every 10 ms), as the flusher's passes went
// on.
func TestNetYieldRunsNetworkReadyGoroutines(t *testing.T) {
	// Not parallel: it sets GOMAXPROCS for the process.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	a, b := tcpPair(t)
	var y netYield
	defer y.close()
	for round := range 20 {
		var done atomic.Bool
		started := make(chan struct{})
		go func() {
			close(started)
			var buf [1]byte
			_, _ = b.Read(buf[:]) // parks in the network poller
			done.Store(true)
		}()
		<-started
		runtime.Gosched() // let it reach the poller
		if _, err := a.Write([]byte{1}); err != nil {
			t.Fatal(err)
		}
		yields := 0
		for !done.Load() {
			if yields == 3 {
				t.Fatalf("round %d: the reader did not run in %d yields", round, yields)
			}
			y.yield()
			yields++
		}
	}
}
