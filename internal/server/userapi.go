package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/kin-comms/kinrt/internal/api"
	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/presence"
)

// userHandler is an API handler for an authenticated user.
type userHandler func(w http.ResponseWriter, r *http.Request, p auth.Principal)

// authed authenticates a request with the same NextAuth session as the
// sockets (cookie or Bearer): 401 without one. A state-changing request
// from a browser must also come from an allowed Origin, and one the
// session cookie authenticates must not be cross-site nor lack its Origin
// (403 otherwise, docs/reliability.md).
func (s *Server) authed(h userHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, ok := sessionOf(r.Context())
		var err error
		if !ok {
			p, err = s.verifier.FromRequest(r)
		}
		if err == nil {
			err = checkPrincipal(p)
		}
		if err != nil {
			s.metrics.authFailures.WithLabelValues("api").Inc()
			writeError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		if !safeMethod(r.Method) {
			if !s.checkOrigin(r) {
				writeError(w, http.StatusForbidden, "origin not allowed")
				return
			}
			if hasSessionCookie(r) { // the cookie authenticated it (it wins over Bearer)
				if msg := ambientRefusal(r); msg != "" {
					writeError(w, http.StatusForbidden, msg)
					return
				}
			}
		}
		h(w, r, p)
	}
}

// safeMethod reports whether method changes nothing.
func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// ambientRefusal says why a browser's state change that carries ambient
// credentials (the session cookie, or a demo sign-in) is refused, or ""
// when it is not. The Origin has been checked; a browser that sends fetch
// metadata (Sec-Fetch-*) always sends Origin on such a request too, so
// one without it is not trusted, and a cross-site one is refused even
// from an allowed origin: a page on another site sends the session as a
// Bearer token (which no other page can add), not the cookie. A request
// with neither Origin nor fetch metadata is not a browser's (a browser
// would send Origin), and is judged by its session alone.
func ambientRefusal(r *http.Request) string {
	if r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		return "cross-site request refused: a page on another site changes nothing with cookies; it sends the session as Authorization: Bearer"
	}
	if r.Header.Get("Origin") == "" && hasFetchMetadata(r) {
		return "origin required: a browser's request that changes something must carry Origin"
	}
	return ""
}

// hasFetchMetadata reports whether r carries a browser's fetch metadata.
func hasFetchMetadata(r *http.Request) bool {
	for _, k := range [...]string{"Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-User"} {
		if r.Header.Get(k) != "" {
			return true
		}
	}
	return false
}

// sessionKey is where limitAPI leaves the session it verified.
type sessionKey struct{}

func withSession(ctx context.Context, p auth.Principal) context.Context {
	return context.WithValue(ctx, sessionKey{}, p)
}

func sessionOf(ctx context.Context) (auth.Principal, bool) {
	p, ok := ctx.Value(sessionKey{}).(auth.Principal)
	return p, ok
}

// sees reports whether p may see records of department: admins see all,
// everyone else their own department.
func sees(p auth.Principal, department string) bool {
	return p.Role == events.RoleAdmin || (p.Department != "" && p.Department == department)
}

// getPresence serves GET /api/presence: who is online in the user's scope.
func (s *Server) getPresence(w http.ResponseWriter, _ *http.Request, p auth.Principal) {
	items := s.presence.List(func(e presence.Entry) bool { return sees(p, e.Department) || e.UserID == p.UserID })
	if items == nil {
		items = []presence.Entry{}
	}
	writeJSON(w, http.StatusOK, api.List[presence.Entry]{Items: items})
}

// putMyPresence serves PUT /api/presence/me {"status": "online"|"away"|"busy"}.
func (s *Server) putMyPresence(w http.ResponseWriter, r *http.Request, p auth.Principal) {
	var body PresenceUpdate
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<10)).Decode(&body); err != nil {
		writeDecodeError(w, err, `body must be {"status": "online" | "away" | "busy"}`)
		return
	}
	e, err := s.presence.SetStatus(p, body.Status)
	if errors.Is(err, presence.ErrStatus) {
		writeError(w, http.StatusBadRequest, `status: must be "online", "away" or "busy"`)
		return
	}
	writeJSON(w, http.StatusOK, e)
}
