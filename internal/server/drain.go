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
// sessions are refused (503), the broadcasts already sent reach this
// node's clients, then the clients are disconnected in spread batches,
// with a reason that lets them reconnect (to another node, behind a load
// balancer that follows /readyz) and recover their state there; waiting
// until ctx is done at most. HTTP requests in flight (webhooks)
// still work: stop the HTTP server next, then Close.
func (s *Server) Drain(ctx context.Context) error {
	s.ready.Store(false)
	s.draining.Store(true)
	if err := s.FlushBroadcasts(ctx); err != nil {
		s.log.Warn("drain: broadcasts not flushed", "err", err)
	}
	s.disconnectSpread(ctx)
	err := s.io.Shutdown(ctx) // what is left: other namespaces, handshakes
	s.presence.Close()
	return err
}

// flusher is a cluster adapter's node whose broadcasts reach this node's
// own sockets some time after they were sent: the PostgreSQL adapter's,
// which delivers them when their notification comes back.
type flusher interface {
	Flush(ctx context.Context) error
}

// FlushBroadcasts waits until the broadcasts this node sent have reached
// its own sockets, or ctx is done. On PostgreSQL a publish returns once
// queued, and the node's sockets get it when its notification comes back
// from the database; on Redis, and on a single node, it returns at once.
// Drain flushes before it disconnects: a client gets what was sent before
// and, with it, the offset that lets it recover elsewhere (a client that
// got no broadcast has none, and reconnects without recovery).
func (s *Server) FlushBroadcasts(ctx context.Context) error {
	if s.cluster == nil {
		return nil
	}
	if f, ok := s.cluster.node.(flusher); ok {
		return f.Flush(ctx)
	}
	return nil
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
