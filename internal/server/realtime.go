package server

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/socketio"
)

// principalKey is where a socket's Principal is kept (Socket.Data).
type socketData struct {
	Principal auth.Principal
}

// PrincipalOf returns the user of a socket connected through the service.
func PrincipalOf(s *socketio.Socket) (auth.Principal, bool) {
	d, ok := s.Data().(*socketData)
	if !ok {
		return auth.Principal{}, false
	}
	return d.Principal, true
}

var errUnauthorized = &socketio.ConnectError{Message: "unauthorized"}

// newRealtime builds the Socket.IO server: Origin checks on every
// Engine.IO request, session authentication on CONNECT, the user's three
// rooms, and a disconnect when the session expires.
func (s *Server) newRealtime() *socketio.Server {
	io := socketio.NewServer(&socketio.Options{
		Engine: &engineio.Options{
			// checkOrigin, and the admin UI's pages (adminui.go)
			CheckOrigin:  s.checkEngineOrigin,
			PingInterval: s.cfg.PingInterval, // zero: the engine's default
			PingTimeout:  s.cfg.PingTimeout,
			// Exact under concurrency: handshakes in flight hold a place.
			MaxConnections: s.cfg.Limits.MaxConnections,
			CORS:           &engineio.CORS{AllowedOrigins: s.engineCORSOrigins(), AllowCredentials: true},
			Logger:         s.log,
		},
		Recovery:   &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute, RunMiddlewares: true}, // re-check the session on recovery
		NewAdapter: s.newAdapter(),
		OnDeliver:  func(nsp string, n int) { s.metrics.deliveries.WithLabelValues(nsp).Add(float64(n)) },
		Logger:     s.log,

		// kinrt_event_delivery_latency_seconds
		DeliveryLatency: func(d time.Duration) { s.metrics.deliveryLatency.Observe(d.Seconds()) },
		DeliverySample:  deliverySample,
	})
	if s.cfg.AdminUI.Enabled {
		io.Use(s.refuseAdminOrigin)
	}
	io.Use(s.limitConnectAttempts) // before the cost of a token check
	io.Use(s.authenticate)
	io.OnConnection(s.onConnection)
	return io
}

// newAdapter is the cluster's Redis adapter, or nil (the in-memory one)
// on a single node.
func (s *Server) newAdapter() func(*socketio.Namespace) socketio.Adapter {
	if s.cluster == nil {
		return nil
	}
	return s.cluster.node.NewAdapter
}

// authenticate is the namespace middleware: a valid session from the
// CONNECT payload's token, or from the handshake's cookies or Bearer
// header.
func (s *Server) authenticate(sock *socketio.Socket) error {
	hs := sock.Handshake()
	var payload struct {
		Token string `json:"token"`
	}
	_ = json.Unmarshal(hs.Auth, &payload)
	var (
		p   auth.Principal
		err error
	)
	if payload.Token != "" {
		p, err = s.verifier.VerifyToken(payload.Token)
	} else {
		if hs.Header.Get("Origin") == "" && hasSessionCookie(hs.Request) && hs.Query.Get("transport") == "websocket" {
			// Browsers always send Origin on a WebSocket handshake (not on
			// a same-origin polling GET): a cookie there without Origin
			// is not a browser, and ambient credentials are not trusted.
			err = errors.New("session cookie without Origin on a WebSocket handshake")
		} else {
			p, err = s.verifier.FromRequest(hs.Request)
		}
	}
	if err == nil {
		err = checkPrincipal(p)
	}
	if err == nil && sock.Recovered() && recoveredUser(sock.Data()) != p.UserID {
		// A recovered session (its rooms, its missed events) belongs to
		// the user who had it, whoever else learnt its private id.
		err = errors.New("recovered session of another user")
	}
	if err != nil {
		s.metrics.authFailures.WithLabelValues("socket").Inc()
		s.log.Debug("socket refused", "reason", err.Error(), "addr", hs.Address)
		return errUnauthorized
	}
	sock.SetData(&socketData{Principal: p})
	// The user's rooms are joined before the CONNECT reply: an event for
	// them published as soon as the client sees "connect" reaches it.
	sock.Join(UserRooms(p)...)
	return nil
}

// recoveredUser is the user id in a recovered socket's Data: the
// *socketData of this node, or its JSON form when another node of a
// cluster kept it.
func recoveredUser(data any) string {
	switch d := data.(type) {
	case *socketData:
		return d.Principal.UserID
	case nil:
		return ""
	default:
		b, err := json.Marshal(d)
		if err != nil {
			return ""
		}
		var sd socketData
		if json.Unmarshal(b, &sd) != nil {
			return ""
		}
		return sd.Principal.UserID
	}
}

// hasSessionCookie reports whether r carries a NextAuth session cookie
// (or a chunk of one) with a value: then the cookie, not a Bearer token,
// authenticates it.
func hasSessionCookie(r *http.Request) bool {
	for _, c := range r.Cookies() {
		if c.Value != "" && (strings.Contains(c.Name, "next-auth.session-token") || strings.Contains(c.Name, "authjs.session-token")) {
			return true
		}
	}
	return false
}

// checkPrincipal accepts the roles the routing policy knows.
func checkPrincipal(p auth.Principal) error {
	switch p.Role {
	case events.RoleAdmin, events.RoleSupervisor, events.RoleAgent:
		return nil
	}
	return errors.New("unknown role")
}

// UserRooms returns the rooms a user's sockets are in.
func UserRooms(p auth.Principal) []string {
	rooms := []string{events.UserRoom(p.UserID), events.RoleRoom(p.Role)}
	if p.Department != "" {
		rooms = append(rooms, events.DepartmentRoom(p.Department))
	}
	return rooms
}

func (s *Server) onConnection(sock *socketio.Socket) {
	p, ok := PrincipalOf(sock)
	if !ok {
		sock.Disconnect(true)
		return
	}
	sock.On(events.WatchEvent, s.watchPresence(sock, p))
	s.presence.Connect(p)
	s.demoPeople().realConnected(p) // after Connect: the user never flickers offline
	expiry := time.AfterFunc(time.Until(p.Expires), func() {
		s.log.Debug("session expired", "user", p.UserID)
		sock.Disconnect(false)
	})
	sock.OnDisconnect(func(reason socketio.DisconnectReason) {
		expiry.Stop()
		s.demoPeople().realDisconnected(p.UserID)
		s.presence.Disconnect(p.UserID)
		s.metrics.disconnects.WithLabelValues(string(reason)).Inc()
	})
}

// namespaceEmitter emits events to rooms of a namespace.
type namespaceEmitter struct{ nsp *socketio.Namespace }

// EmitTo emits payload to rooms; an event that says it is Unlogged (a
// presence change of the watched scope) stays out of the recovery log.
func (e namespaceEmitter) EmitTo(rooms []string, event string, payload any) error {
	op := e.nsp.To(rooms...)
	if events.Unlogged(payload) {
		op = op.Unlogged()
	}
	return op.Emit(event, payload)
}
