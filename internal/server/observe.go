package server

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// observeHTTP is the outermost middleware: it gives each request its id
// (the X-Request-Id header of the answer, and requestId on the lines
// logged with the request's context), counts and times it by route
// pattern (kinrt_http_requests_total, kinrt_http_request_duration_seconds,
// kinrt_webhook_duration_seconds) and writes one log line per request.
//
// Engine.IO requests (/socket.io/) get an id in their answer and nothing
// else (not even a context holding it: nothing logs with theirs): their
// WebSocket connections are hijacked, their long-polling GETs held a ping
// interval, and the engine has its own metrics; a line per poll would
// drown the log, and the hot path stays as it was.
func (s *Server) observeHTTP(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := s.requestID(r)
		w.Header().Set(RequestIDHeader, id)
		if strings.HasPrefix(r.URL.Path, "/socket.io/") {
			next.ServeHTTP(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		start := time.Now()
		route := s.route(r)
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		elapsed := time.Since(start)
		status := rec.statusCode()
		s.metrics.observeHTTP(route, status, elapsed)

		level := slog.LevelInfo
		switch {
		case route == "GET /healthz" || route == "GET /readyz", status == http.StatusTooManyRequests:
			// Probes come every few seconds; refusals by a limit come in
			// floods, and are counted (kinrt_limited_total).
			level = slog.LevelDebug
		case status >= 500:
			level = slog.LevelWarn
		}
		s.log.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method), slog.String("route", route), slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Float64("ms", float64(elapsed.Microseconds())/1000),
			slog.Int64("bytes", rec.written), slog.String("client", s.cfg.TrustedProxies.ClientIP(r)))
	})
}

// unmatchedRoute is the route of a request no pattern matched (a method
// the route does not allow, answered 405).
const unmatchedRoute = "unmatched"

// route returns the ServeMux pattern that serves r ("GET /api/me",
// "POST /api/webhooks/twilio/sms", "/api/" for an unknown API path, "/"
// for the dashboard's): the label of r in logs and metrics, one of a
// bounded set, never the raw path.
func (s *Server) route(r *http.Request) string {
	if _, pattern := s.mux.Handler(r); pattern != "" {
		return pattern
	}
	return unmatchedRoute
}

// statusRecorder remembers the status and the size of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status  int
	written int64
}

// WriteHeader records the status.
func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records the size (and an implicit 200).
func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// Flush passes a flush on (streamed media answers).
func (w *statusRecorder) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack passes a hijack on.
func (w *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusCode is the status answered: 200 when the handler wrote nothing.
func (w *statusRecorder) statusCode() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
