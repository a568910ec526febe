package server

import (
	"context"
	"net/http"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
)

// Drain spreads the disconnections: at most drainBatches batches, about
// drainPerSocket apart per socket of a batch, never longer in all than
// drainMaxSpread nor half of what is left of the shutdown's deadline.
const (
	drainBatches   = 20
	drainPerSocket = 2 * time.Millisecond
	drainMaxSpread = 10 * time.Second
)

// Drain is the first stage of a shutdown: /readyz fails and new Engine.IO
// sessions are refused (503), then the clients are disconnected in spread
// batches, with a reason that lets them reconnect (to another node, behind
// a load balancer that follows /readyz) and recover their state there;
// waiting until ctx is done at most. HTTP requests in flight (webhooks)
// still work: stop the HTTP server next, then Close.
func (s *Server) Drain(ctx context.Context) error {
	s.ready.Store(false)
	s.draining.Store(true)
	s.disconnectSpread(ctx)
	err := s.io.Shutdown(ctx) // what is left: other namespaces, handshakes
	s.presence.Close()
	return err
}

// refuseWhileDraining answers new Engine.IO sessions 503 once the node is
// draining, so that a client it disconnected reconnects elsewhere.
func (s *Server) refuseWhileDraining(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.draining.Load() && r.URL.Query().Get("sid") == "" {
			writeEngineError(w, http.StatusServiceUnavailable, "Server shutting down, reconnect elsewhere", time.Second)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// disconnectSpread closes the connections of the main namespace's sockets
// in batches spread in time, so that they do not all reconnect to the
// other nodes in the same instant.
func (s *Server) disconnectSpread(ctx context.Context) {
	socks, err := s.io.Of("/").Local().FetchSockets(ctx)
	if err != nil || len(socks) == 0 {
		return
	}
	window := drainMaxSpread
	if d, ok := ctx.Deadline(); ok {
		window = min(window, time.Until(d)/2)
	}
	sizes, pause := drainPlan(len(socks), window)
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	next := 0
	for i, n := range sizes {
		for _, rs := range socks[next : next+n] {
			if sock := rs.Local; sock != nil {
				closeConn(sock)
			}
		}
		next += n
		if i == len(sizes)-1 {
			break
		}
		timer.Reset(pause)
		select {
		case <-ctx.Done():
			return // io.Shutdown closes the rest at once
		case <-timer.C:
		}
	}
}

// closeConn closes a socket's connection as a server shutdown does: the
// client sees the transport close and reconnects, and the socket's
// session is kept for recovery.
func closeConn(sock *socketio.Socket) { sock.Conn().Close(engineio.ReasonServerShutdown) }

// drainPlan splits n sockets into batches (sizes, in order) and the pause
// between two batches, spreading them over at most window.
func drainPlan(n int, window time.Duration) (sizes []int, pause time.Duration) {
	if n <= 0 {
		return nil, 0
	}
	batches := min(n, drainBatches)
	spread := min(time.Duration(n)*drainPerSocket, window)
	if spread <= 0 || batches == 1 {
		return []int{n}, 0
	}
	sizes = make([]int, batches)
	for i := range sizes {
		sizes[i] = n / batches
		if i < n%batches {
			sizes[i]++
		}
	}
	return sizes, spread / time.Duration(batches-1)
}
