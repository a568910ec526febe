// Package server wires KIN Realtime together: configuration → session
// verifier, Socket.IO server, event broadcaster, HTTP routes (health,
// internal API, REST API, dashboard) → one public http.Handler, the admin
// one (metrics), and its staged shutdown.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/kin-comms/kinrt/internal/api"
	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/presence"
	"github.com/kin-comms/kinrt/internal/store"
	_ "github.com/kin-comms/kinrt/internal/store/postgres" // DATABASE_URL=postgres://
	_ "github.com/kin-comms/kinrt/internal/store/sqlite"   // DATABASE_URL=sqlite:PATH
	"github.com/kin-comms/kinrt/internal/twilio"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/admin"
	"github.com/kin-comms/kinrt/web"
)

// Presence tracks who is online. presence.Tracker serves one node; a
// cluster implementation (Redis, issue 7) fits the same interface.
type Presence interface {
	Connect(p auth.Principal)
	Disconnect(userID string)
	SetStatus(p auth.Principal, status string) (presence.Entry, error)
	List(keep func(presence.Entry) bool) []presence.Entry
	Lookup(userIDs []string) []presence.Entry
	Close()
}

var (
	_ Presence = (*presence.Tracker)(nil)
	_ Presence = (*presence.ClusterTracker)(nil)
)

// batchedPresence is a tracker that publishes through a Batcher (see
// config.PresenceInterval); Close closes both.
type batchedPresence struct {
	Presence
	batcher *presence.Batcher
}

func (b batchedPresence) Close() {
	b.Presence.Close()
	b.batcher.Close()
}

// FlushPresence publishes the presence changes waiting for the end of
// their department's interval (KIN_PRESENCE_INTERVAL) now.
func (s *Server) FlushPresence() {
	if b, ok := s.presence.(batchedPresence); ok {
		b.batcher.Flush()
	}
}

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
	store       store.Store
	presence    Presence
	cluster     *cluster // nil on a single node
	mux         *http.ServeMux
	origins     origins // the browser origins trusted
	ready       atomic.Bool
	draining    atomic.Bool
	limits      *limits
	activity    *activityWriter
	demo        *demoTwilio // demo mode's fake Twilio, nil outside it
	traces      *traces     // nil: tracing off

	adminUI *admin.Admin // the Socket.IO admin UI's /admin, nil when off (adminui.go)
}

// New builds the service from cfg: it opens (and migrates) the store.
// Tracing is on when the OTEL_* environment asks for it (package tracing)
// or an option gives a tracer provider (WithTracerProvider).
func New(cfg config.Config, log *slog.Logger, opts ...Option) (*Server, error) {
	log = withRequestIDs(log)
	v, err := auth.NewVerifier(auth.Options{Secrets: cfg.Secrets})
	if err != nil {
		return nil, err
	}
	tr, err := newTraces(log, opts)
	if err != nil {
		return nil, err
	}
	built := false
	defer func() {
		if !built {
			tr.close(log)
		}
	}()
	var cl *cluster // first: a cluster it cannot join leaves no files behind
	// nil on a single node
	if cl, err = openCluster(cfg, log); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		_ = cl.close()
		return nil, err
	}
	s := &Server{cfg: cfg, log: log, verifier: v, store: st, cluster: cl, mux: http.NewServeMux(), origins: newOrigins(cfg), traces: tr}
	s.metrics = &metrics{} // filled below; realtime's hooks read it lazily
	s.io = s.newRealtime()
	*s.metrics = *newMetrics(s.io)
	if s.adminUI, err = s.startAdminUI(s.io); err != nil {
		_ = cl.close()
		_ = st.Close()
		return nil, err
	}
	s.instrument() // times s.store's transactions: before anything holds it
	s.traceStore()
	s.limits = s.newLimits()
	s.broadcaster = events.NewBroadcaster(s.eventEmitter())
	s.broadcaster.Trace(s.traces.tracer(eventsScope))
	s.broadcaster.Observe(func(e events.Event) { s.metrics.events.WithLabelValues(e.EventName()).Inc() })
	s.activity = newActivityWriter(s.store, log, s.metrics.activityDropped)
	s.broadcaster.Observe(s.recordActivity)
	batcher := presence.NewBatcher(s.broadcaster, cfg.PresenceInterval)
	if cfg.PresenceScope == config.PresenceWatched {
		batcher = presence.NewWatchedBatcher(s.broadcaster, cfg.PresenceInterval)
	}
	if s.cluster != nil {
		ttl := cfg.PresenceTTL
		if ttl <= 0 {
			ttl = 30 * time.Second
		}
		s.presence = batchedPresence{s.cluster.presence(cfg.RedisPrefix, batcher, ttl, log), batcher}
	} else {
		s.presence = batchedPresence{presence.NewTracker(batcher, PresenceGrace), batcher}
	}
	if err := s.webhooks(); err != nil {
		s.presence.Close()
		s.activity.close()
		_ = s.cluster.close()
		_ = st.Close()
		return nil, err
	}
	if cfg.Demo {
		if err := s.startDemoTwilio(); err != nil {
			s.presence.Close()
			return nil, errors.Join(err, s.Close())
		}
	}
	s.routes()
	s.ready.Store(true)
	built = true
	return s, nil
}

func (s *Server) routes() {
	s.mux.Handle("/socket.io/", s.refuseWhileDraining(s.io))
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, Health{Status: "ok"})
	})
	s.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.isReady(r.Context()) {
			writeJSON(w, http.StatusServiceUnavailable, Health{Status: "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, Health{Status: "ready"})
	})
	s.mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found: the metrics are on the admin listener (KIN_ADMIN_ADDR)")
	})
	s.mux.HandleFunc("GET /api/openapi.json", s.serveOpenAPI)
	s.mux.HandleFunc("POST /api/internal/events", s.publishEvent)
	s.mux.HandleFunc("GET /api/presence", s.authed(s.getPresence))
	s.mux.HandleFunc("PUT /api/presence/me", s.authed(s.putMyPresence))
	s.mux.HandleFunc("GET /api/activity", s.authed(s.getActivity))
	s.mux.HandleFunc("GET /api/stats", s.authed(s.getStats))
	s.mux.HandleFunc("POST /api/notifications", s.authed(s.postNotification))
	api.New(api.Config{
		AccountSID: s.cfg.TwilioAccountSID, AuthToken: s.cfg.TwilioAuthToken, TwilioBaseURL: s.cfg.TwilioBaseURL,
		PublicURL: s.cfg.PublicURL, WorkspaceSID: s.cfg.WorkspaceSID,
	}, s.store, s.broadcaster, s.log).Register(s.mux, func(h func(http.ResponseWriter, *http.Request, auth.Principal)) http.HandlerFunc {
		return s.authed(h)
	})
	s.mux.HandleFunc("GET /api/me", s.authed(func(w http.ResponseWriter, _ *http.Request, p auth.Principal) {
		writeJSON(w, http.StatusOK, Me{UserID: p.UserID, Name: p.Name, Email: p.Email, Role: p.Role, Department: p.Department,
			PresenceScope: s.presenceScope()})
	}))
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "no such API route")
	})
	s.mux.Handle("/", web.Handler()) // the dashboard
	if s.cfg.Demo {
		s.demoRoutes()
	} else {
		s.mux.HandleFunc("/signin", func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusNotFound, "sign in through the KIN web app (the demo sign-in exists only with --demo)")
		})
	}
}

// Handler returns the service's HTTP handler: the trace of an API request
// (traceHTTP, when tracing is on), the request id, log line
// and metrics of each request, the security headers, the REST API's CORS
// (preflights answered before the limits, which would want a session),
// the limits, then the routes.
func (s *Server) Handler() http.Handler {
	return s.traceHTTP(s.observeHTTP(securityHeaders(s.apiCORS(s.limitHTTP(s.mux)))))
}

// AdminHandler returns the handler of the admin listener
// (config.AdminAddr): GET /metrics, the Prometheus metrics, which the
// public Handler does not serve.
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "not found: the admin listener serves GET /metrics")
	})
	return mux
}

// Broadcaster returns the event broadcaster.
func (s *Server) Broadcaster() *events.Broadcaster { return s.broadcaster }

// Verifier returns the session verifier.
func (s *Server) Verifier() *auth.Verifier { return s.verifier }

// Close writes the activity entries still queued, then releases the store
// and the connection to the cluster, and exports the spans still queued.
// Call it once no request is in flight.
func (s *Server) Close() error {
	s.demo.close()
	s.adminUI.Close()
	s.activity.close()
	err := s.store.Close()
	if cerr := s.cluster.close(); err == nil {
		err = cerr
	}
	s.traces.close(s.log)
	return err
}

// Shutdown drains and closes, for callers that own no HTTP server.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.Drain(ctx)
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

// Realtime returns the Socket.IO server.
func (s *Server) Realtime() *socketio.Server { return s.io }

// Store returns the service's store.
func (s *Server) Store() store.Store { return s.store }

// webhooks mounts the Twilio and TaskRouter webhooks, or, without an
// auth token to check their signatures, routes that say so (503).
func (s *Server) webhooks() error {
	if s.cfg.TwilioAuthToken == "" {
		disabled := func(w http.ResponseWriter, _ *http.Request) {
			writeError(w, http.StatusServiceUnavailable, "webhooks are disabled: TWILIO_AUTH_TOKEN is not set")
		}
		s.mux.HandleFunc("POST /api/webhooks/", disabled)
		return nil
	}
	wh, err := twilio.NewWebhooks(twilio.Config{
		AuthToken: s.cfg.TwilioAuthToken, PublicURL: s.cfg.PublicURL,
		NumberDepartments: s.cfg.NumberDepartments, WorkflowSID: s.cfg.WorkflowSID,
		ActivityEntry: activityEntry, Tracer: s.traces.tracer(twilioScope),
	}, s.store, s.broadcaster, s.log)
	if err != nil {
		return err
	}
	wh.Register(s.mux)
	return nil
}
