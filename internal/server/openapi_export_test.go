package server

import "net/http"

// RoutePattern returns the pattern of the public mux that serves r.
func (s *Server) RoutePattern(r *http.Request) string {
	_, p := s.mux.Handler(r)
	return p
}
