package server

import (
	"net/http"
	"strings"
)

// The CORS answer of the REST API to the origins of SOCKET_IO_CORS_ORIGIN
// (docs/reliability.md, "Cross-origin calls").
const (
	// corsAllowMethods are the methods the API's routes use.
	corsAllowMethods = "GET, HEAD, POST, PUT, PATCH"
	// corsAllowHeaders are the request headers a browser may send: the
	// session as a Bearer token, and JSON bodies.
	corsAllowHeaders = "Authorization, Content-Type"
	// corsExposeHeaders are the response headers beyond the safelisted
	// ones that a page reads: a 429's Retry-After, and a recording's
	// ranges.
	corsExposeHeaders = "Retry-After, Content-Range, Accept-Ranges, ETag"
	// corsMaxAge is how long a browser keeps a preflight's answer, in
	// seconds (Chromium's cap, two hours). Each request is checked again
	// anyway: a cached preflight grants nothing the server then refuses.
	corsMaxAge = "7200"
)

// corsRoute reports whether path is answered with CORS: the REST API
// under /api/, not the webhooks (Twilio calls them server to server).
// The Socket.IO path has the engine's own CORS.
func corsRoute(path string) bool {
	return strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/api/webhooks/")
}

// apiCORS lets the pages of the allowed origins (SOCKET_IO_CORS_ORIGIN)
// call the REST API: it answers their preflights itself (204, before the
// rate limit and without a session, which a preflight never carries) and
// adds the CORS headers to every answer of theirs, errors included, so
// that a page can read the JSON error. A request from any other browser
// origin is refused with 403, preflight or not, and gets no CORS headers.
// Requests without Origin (same-origin GETs, servers, curl) pass as they
// are; the session check and the Origin check of state changes are
// authed's.
func (s *Server) apiCORS(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !corsRoute(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		if !s.checkOrigin(r) {
			writeError(w, http.StatusForbidden, "origin not allowed")
			return
		}
		cross := s.corsOrigin(origin)
		if cross {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Credentials", "true")
		}
		if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
			if cross {
				h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
			}
			next.ServeHTTP(w, r)
			return
		}
		// A preflight.
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		if cross {
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}
