package server

import (
	"bytes"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/internal/limit"
	"github.com/kin-comms/kinrt/internal/twilio"
	"github.com/kin-comms/kinrt/socketio"
)

// The messages clients get when a limit refuses them.
const (
	msgConnectRate       = "too many connection attempts"
	msgTooManyConns      = "too many connections"
	msgTooManyEvents     = "too many events"
	msgAPIRate           = "too many requests"
	msgWebhookRate       = "too many webhooks, retry later"
	msgWebhookRejectRate = "too many refused webhooks from this address"
)

// connectAttempts is the budget of CONNECT packets of one Engine.IO
// session: a client sends one per namespace (again after a refusal), not
// a stream of them with one token after another.
var connectAttempts = limit.Rate{PerSecond: 1, Burst: 5}

// connectHold is how long a user's connection slot, taken by the
// middleware, waits for the connection handler to take it over.
const connectHold = 30 * time.Second

// limits are the node's limits (config.Limits) and their state.
type limits struct {
	cfg     limitsConfig
	proxies limit.Proxies
	connect *limit.Keyed // new sessions per client IP
	api     *limit.Keyed // API requests per user, or per IP
	webhook *limit.Bucket
	reject  *limit.Keyed // refused webhooks per IP
	tries   *limit.Keyed // CONNECT packets per Engine.IO session
	users   *limit.Slots // sockets per user
	hooks   *twilio.Verifier

	pending sync.Map // *socketio.Socket → *pendingSlot, from middleware to connection

	refused *prometheus.CounterVec
}

type limitsConfig struct {
	eventRate limit.Rate
}

// newLimits builds the limits of s.cfg and hooks the per-user and
// per-socket ones into the Socket.IO server (after authenticate).
func (s *Server) newLimits() *limits {
	c := s.cfg.Limits
	l := &limits{
		cfg:     limitsConfig{eventRate: c.EventRate},
		proxies: c.TrustedProxies,
		connect: limit.NewKeyed(c.ConnectRate, nil),
		api:     limit.NewKeyed(c.APIRate, nil),
		webhook: limit.NewBucket(c.WebhookRate),
		reject:  limit.NewKeyed(c.WebhookRejectRate, nil),
		tries:   limit.NewKeyed(connectAttempts, nil),
		users:   limit.NewSlots(c.MaxConnectionsPerUser),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kinrt_limited_total",
			Help: "Requests, connections and sockets refused or closed by a limit, by limit.",
		}, []string{"limit"}),
	}
	if s.cfg.TwilioAuthToken != "" {
		l.hooks, _ = twilio.NewVerifier(s.cfg.TwilioAuthToken, s.cfg.PublicURL)
	}
	s.metrics.registry.MustRegister(limitedCollector{l.refused, s.io.Engine()})
	s.io.Use(s.limitUserSockets)
	s.io.OnConnection(s.limitSocket)
	return l
}

// limitHTTP applies the request limits before next: the session rate and
// the node's capacity on Engine.IO handshakes, the webhook budgets, and
// the API rate.
func (s *Server) limitHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/socket.io/") && r.Method == http.MethodGet && r.URL.Query().Get("sid") == "":
			s.limitHandshake(w, r, next)
		case strings.HasPrefix(p, "/api/webhooks/") && r.Method == http.MethodPost:
			s.limitWebhook(w, r, next)
		case strings.HasPrefix(p, "/api/"):
			s.limitAPI(w, r, next)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// limitHandshake refuses a new Engine.IO session over the client IP's
// rate (429); the engine refuses one over the node's capacity (503).
func (s *Server) limitHandshake(w http.ResponseWriter, r *http.Request, next http.Handler) {
	l := s.limits
	if ok, retry := l.connect.Allow(l.proxies.ClientIP(r)); !ok {
		l.refused.WithLabelValues("connect_rate").Inc()
		writeEngineError(w, http.StatusTooManyRequests, msgConnectRate, retry)
		return
	}
	next.ServeHTTP(w, r) // the engine refuses sessions over MaxConnections
}

// limitedCollector exports refused (kinrt_limited_total) with the
// engine's capacity refusals as its max_connections series.
type limitedCollector struct {
	refused *prometheus.CounterVec
	engine  *engineio.Server
}

var maxConnectionsDesc = prometheus.NewDesc("kinrt_limited_total",
	"Requests, connections and sockets refused or closed by a limit, by limit.",
	nil, prometheus.Labels{"limit": "max_connections"})

// Describe sends nothing: the collector is unchecked, since the vector
// and the constant series share one metric name.
func (limitedCollector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the vector's series and the max_connections one.
func (c limitedCollector) Collect(ch chan<- prometheus.Metric) {
	c.refused.Collect(ch)
	ch <- prometheus.MustNewConstMetric(maxConnectionsDesc, prometheus.CounterValue,
		float64(c.engine.CapacityRefusals()))
}

// limitConnectAttempts is the namespace middleware before authenticate:
// a session that keeps sending CONNECT (guessing tokens, or a loop) is
// refused without the cost of checking its token.
func (s *Server) limitConnectAttempts(sock *socketio.Socket) error {
	if ok, _ := s.limits.tries.Allow(sock.Conn().ID()); ok {
		return nil
	}
	s.limits.refused.WithLabelValues("connect_attempts").Inc()
	return &socketio.ConnectError{Message: msgConnectRate}
}

// limitUserSockets is the namespace middleware after authenticate: a user
// holding MaxConnectionsPerUser sockets gets connect_error.
func (s *Server) limitUserSockets(sock *socketio.Socket) error {
	p, ok := PrincipalOf(sock)
	if !ok || s.limits.users.Max() <= 0 {
		return nil
	}
	l := s.limits
	slot := l.users.Acquire(p.UserID)
	if slot == nil {
		l.refused.WithLabelValues("connections_per_user").Inc()
		s.log.Info("socket refused: too many connections", "user", p.UserID, "max", l.users.Max())
		return &socketio.ConnectError{Message: msgTooManyConns}
	}
	// limitSocket takes the slot over; if the connection never gets there
	// (closed between the middleware and the connect), the timer gives it
	// back and forgets the socket.
	ps := &pendingSlot{slot: slot}
	l.pending.Store(sock, ps)
	ps.timer = time.AfterFunc(connectHold, func() {
		if l.pending.CompareAndDelete(sock, ps) {
			slot.Release()
		}
	})
	return nil
}

// pendingSlot is a user's slot between the middleware and the connection.
type pendingSlot struct {
	slot  *limit.Slot
	timer *time.Timer
}

// limitSocket runs once a socket is connected: its user slot is kept
// until it disconnects, and its events are counted.
func (s *Server) limitSocket(sock *socketio.Socket) {
	l := s.limits
	if v, ok := l.pending.LoadAndDelete(sock); ok {
		ps := v.(*pendingSlot)
		ps.timer.Stop()
		sock.OnDisconnect(func(socketio.DisconnectReason) { ps.slot.Release() })
		if !sock.Connected() {
			ps.slot.Release() // gone before the handler was registered
		}
	}
	if l.cfg.eventRate.Unlimited() {
		return
	}
	bucket := limit.NewBucket(l.cfg.eventRate)
	var over atomic.Bool
	sock.OnAny(func(e *socketio.Event) {
		if ok, _ := bucket.Allow(); ok || over.Swap(true) {
			return
		}
		l.refused.WithLabelValues("events").Inc()
		p, _ := PrincipalOf(sock)
		s.log.Warn("socket disconnected: too many events", "user", p.UserID, "event", e.Name, "rate", l.cfg.eventRate.String())
		_ = sock.Emit("error", map[string]any{"message": msgTooManyEvents, "limit": l.cfg.eventRate.String()})
		sock.Disconnect(true) // the client sees "io server disconnect" and does not reconnect by itself
	})
}

// limitWebhook reads a webhook's body, checks its signature, and spends a
// token of the global budget (signed) or of the source IP's budget
// (refused). A signed webhook is never refused for what others sent; one
// over the global budget is answered 429 and logged, for Twilio to retry.
func (s *Server) limitWebhook(w http.ResponseWriter, r *http.Request, next http.Handler) {
	l := s.limits
	if l.hooks == nil {
		next.ServeHTTP(w, r) // webhooks disabled: 503 below
		return
	}
	body, err := readBody(r, twilio.MaxBody)
	if err != nil {
		writeError(w, http.StatusBadRequest, "cannot read body")
		return
	}
	if signedWebhook(l.hooks, w, r, body) {
		if ok, retry := l.webhook.Allow(); !ok {
			l.refused.WithLabelValues("webhooks").Inc()
			s.log.WarnContext(r.Context(), "webhook refused over KIN_WEBHOOK_RATE: answered 429 for Twilio to retry",
				"path", r.URL.Path, "retryAfter", retry.String())
			writeLimited(w, msgWebhookRate, retry)
			return
		}
	} else if ok, retry := l.reject.Allow(l.proxies.ClientIP(r)); !ok {
		l.refused.WithLabelValues("webhook_rejects").Inc()
		writeLimited(w, msgWebhookRejectRate, retry)
		return
	}
	next.ServeHTTP(w, r)
}

// limitAPI spends a token of the user's budget (of the client IP's
// without a valid session). The internal API with its key is a trusted
// service and is not limited.
func (s *Server) limitAPI(w http.ResponseWriter, r *http.Request, next http.Handler) {
	l := s.limits
	var key string
	if r.URL.Path == "/api/internal/events" && s.cfg.InternalAPIKey != "" && s.internalKeyOK(r) {
		next.ServeHTTP(w, r)
		return
	}
	p, err := s.verifier.FromRequest(r)
	if err == nil {
		key = "user:" + p.UserID
		r = r.WithContext(withSession(r.Context(), p)) // authed reads it, not the token again
	} else {
		key = "ip:" + l.proxies.ClientIP(r)
	}
	if ok, retry := l.api.Allow(key); !ok {
		l.refused.WithLabelValues("api").Inc()
		writeLimited(w, msgAPIRate, retry)
		return
	}
	next.ServeHTTP(w, r)
}

// retryAfter sets Retry-After in whole seconds, rounded up (at least 1).
func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}

// writeLimited answers 429 {"error": msg} with Retry-After.
func writeLimited(w http.ResponseWriter, msg string, retry time.Duration) {
	retryAfter(w, retry)
	writeError(w, http.StatusTooManyRequests, msg)
}

// writeEngineError answers an Engine.IO request as the engine answers its
// own refusals: {"code": 3, "message": msg}, with Retry-After.
func writeEngineError(w http.ResponseWriter, status int, msg string, retry time.Duration) {
	retryAfter(w, retry)
	writeJSON(w, status, map[string]any{"code": 3, "message": msg})
}

// readBody reads up to max+1 bytes of r's body and puts them back in
// front of the rest, for the handler to read again.
func readBody(r *http.Request, max int) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, int64(max)+1))
	if err != nil {
		return nil, err
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	return body, nil
}

// signedWebhook reports whether body is a form validly signed by Twilio
// for r's URL.
func signedWebhook(v *twilio.Verifier, w http.ResponseWriter, r *http.Request, body []byte) bool {
	if len(body) > twilio.MaxBody {
		return false
	}
	check := r.WithContext(r.Context())
	check.Body = io.NopCloser(bytes.NewReader(body))
	_, err := v.Read(w, check)
	return err == nil
}
