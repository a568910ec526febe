package server

import (
	"log/slog"
	"net/http"

	"github.com/kin-comms/kinrt/internal/config"
)

// MaxHeaderBytes caps a request's headers: NextAuth's chunked session
// cookies stay far below it.
const MaxHeaderBytes = 64 << 10

// HTTPServer returns the http.Server of the service, with the deadlines
// that keep slow and silent clients from holding the node
// (docs/reliability.md):
//
//   - ReadHeaderTimeout cuts a client that sends its headers byte by byte;
//   - ReadTimeout and WriteTimeout bound a whole request, above the
//     longest a long-polling GET is held (a ping interval: config checks
//     they exceed PingInterval+PingTimeout);
//   - IdleTimeout closes idle keep-alive connections.
//
// WebSocket connections are hijacked: the WebSocket library clears these
// deadlines, the engine sets a write deadline on each write, and the
// heartbeat closes a connection silent for PingInterval+PingTimeout.
func (s *Server) HTTPServer() *http.Server {
	t := s.cfg.Timeouts
	d := config.DefaultTimeouts
	return &http.Server{
		Addr:              s.cfg.Addr,
		Handler:           s.Handler(),
		ReadHeaderTimeout: orDefault(t.ReadHeaderTimeout, d.ReadHeaderTimeout),
		ReadTimeout:       orDefault(t.ReadTimeout, d.ReadTimeout),
		WriteTimeout:      orDefault(t.WriteTimeout, d.WriteTimeout),
		IdleTimeout:       orDefault(t.IdleTimeout, d.IdleTimeout),
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
}

// orDefault returns v, or def when v is zero.
func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
