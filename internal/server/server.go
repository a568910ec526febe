// Package server wires KIN Realtime together: configuration → session
// verifier, Socket.IO server, event broadcaster, HTTP routes (health,
// metrics, internal API) → one http.Handler, and its staged shutdown.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/socketio"
)

// PresenceGrace is how long a user whose last connection closed still
// counts as present: a page reload does not flicker to offline.
const PresenceGrace = 5 * time.Second

// Server is the KIN Realtime service.
type Server struct {
	cfg         config.Config
	log         *slog.Logger
	verifier    *auth.Verifier
	io          *socketio.Server
	broadcaster *events.Broadcaster
	metrics     *metrics
	presence    *presence.Tracker
	mux         *http.ServeMux
	ready       atomic.Bool
}

// New builds the service from cfg.
func New(cfg config.Config, log *slog.Logger) (*Server, error) {
	v, err := auth.NewVerifier(auth.Options{Secrets: cfg.Secrets})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, verifier: v, mux: http.NewServeMux()}
	s.metrics = &metrics{} // filled below; realtime's hooks read it lazily
	s.io = s.newRealtime()
	*s.metrics = *newMetrics(s.io)
	s.broadcaster = events.NewBroadcaster(namespaceEmitter{s.io.Of("/")})
	s.broadcaster.Observe(func(e events.Event) { s.metrics.events.WithLabelValues(e.EventName()).Inc() })
	s.presence = presence.NewTracker(s.broadcaster, PresenceGrace)
	s.routes()
	s.ready.Store(true)
	return s, nil
}

func (s *Server) routes() {
	s.mux.Handle("/socket.io/", s.io)
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("POST /api/internal/events", s.publishEvent)
	s.mux.HandleFunc("GET /api/presence", s.authed(s.getPresence))
	s.mux.HandleFunc("PUT /api/presence/me", s.authed(s.putMyPresence))
	if s.cfg.Demo {
		s.demoRoutes()
	}
}

// Handler returns the service's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Broadcaster returns the event broadcaster.
func (s *Server) Broadcaster() *events.Broadcaster { return s.broadcaster }

// Verifier returns the session verifier.
func (s *Server) Verifier() *auth.Verifier { return s.verifier }

// Shutdown stops the service in stages: not ready, then every client
// disconnected (with a reason that lets it reconnect elsewhere), waiting
// until ctx is done at most.
func (s *Server) Shutdown(ctx context.Context) error {
	s.ready.Store(false)
	err := s.io.Shutdown(ctx)
	s.presence.Close()
	return err
}
