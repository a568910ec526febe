package engineio

import (
	"net/http"
	"strconv"
	"strings"
)

// checkOrigin applies Options.CheckOrigin, or the default policy: no Origin,
// a same-host web Origin, or one that CORS allows.
func (s *Server) checkOrigin(r *http.Request) bool {
	if s.opts.CheckOrigin != nil {
		return s.opts.CheckOrigin(r)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if sameHostOrigin(origin, r.Host) {
		return true
	}
	return s.corsAllows(origin)
}

// sameHostOrigin reports whether origin is a web origin (http or https,
// as browsers send them: scheme://host[:port], nothing else) of the host
// the request was sent to. The scheme is not compared with the request's:
// behind a proxy that ends TLS, an https page reaches the server over
// http.
func sameHostOrigin(origin, host string) bool {
	scheme, rest, ok := strings.Cut(origin, "://")
	if !ok || rest == "" || strings.ContainsAny(rest, "/?#@") {
		return false
	}
	if !strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") {
		return false
	}
	return strings.EqualFold(rest, host)
}

func (s *Server) corsAllows(origin string) bool {
	if s.opts.CORS == nil {
		return false
	}
	for _, o := range s.opts.CORS.AllowedOrigins {
		if o == "*" || strings.EqualFold(o, origin) {
			return true
		}
	}
	return false
}

// writeCORS adds the CORS headers for an allowed cross-origin request.
func (s *Server) writeCORS(w http.ResponseWriter, r *http.Request) {
	cors := s.opts.CORS
	if cors == nil {
		return
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !s.corsAllows(origin) {
		return
	}
	if cors.AllowCredentials {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		return
	}
	for _, o := range cors.AllowedOrigins {
		if o == "*" {
			h.Set("Access-Control-Allow-Origin", "*")
			return
		}
	}
	h.Set("Access-Control-Allow-Origin", origin)
}

// writePreflight answers an OPTIONS request.
func (s *Server) writePreflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if cors := s.opts.CORS; cors != nil && s.corsAllows(r.Header.Get("Origin")) {
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		if len(cors.AllowedHeaders) > 0 {
			h.Set("Access-Control-Allow-Headers", strings.Join(cors.AllowedHeaders, ", "))
		} else if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		if cors.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(int(cors.MaxAge.Seconds())))
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
}
