package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/trace"

	"github.com/kin-comms/kinrt/internal/config"
)

// NewLogger returns the service's logger: records from level up, written
// to w as text (key=value) lines or, with format config.LogJSON, as one
// JSON object a line. A record logged with the context of an HTTP request
// (InfoContext(r.Context(), …)) carries the request's id (requestId) and,
// when the request is traced, its trace's trace_id and span_id.
func NewLogger(w io.Writer, format string, level slog.Leveler) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	if format == config.LogJSON {
		h = slog.NewJSONHandler(w, opts)
	} else {
		h = slog.NewTextHandler(w, opts)
	}
	return slog.New(requestIDHandler{h})
}

// withRequestIDs returns log, whose records logged with a request's
// context carry the request's id: New applies it to the logger it is
// given (a no-op on NewLogger's).
func withRequestIDs(log *slog.Logger) *slog.Logger {
	if _, ok := log.Handler().(requestIDHandler); ok {
		return log
	}
	return slog.New(requestIDHandler{log.Handler()})
}

// requestIDHandler adds the request id of a record's context to it, and
// the ids of its span.
type requestIDHandler struct{ slog.Handler }

// Handle adds requestId when ctx has one, trace_id and span_id when ctx
// has a span (OpenTelemetry's names for them), then passes the record on.
func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	id := RequestID(ctx)
	sc := trace.SpanContextFromContext(ctx)
	if id == "" && !sc.IsValid() {
		return h.Handler.Handle(ctx, r)
	}
	r = r.Clone()
	if id != "" {
		r.AddAttrs(slog.String("requestId", id))
	}
	if sc.IsValid() {
		r.AddAttrs(slog.String("trace_id", sc.TraceID().String()), slog.String("span_id", sc.SpanID().String()))
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the request ids on the derived handler.
func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the request ids on the derived handler.
func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

type requestIDKey struct{}

// RequestID returns the id of the HTTP request whose context ctx is (the
// X-Request-Id of its answer), or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// RequestIDHeader is the header of request ids: answered on every
// request, and read from one a trusted proxy sent.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen bounds the length of a request id taken from a proxy.
const maxRequestIDLen = 128

// requestID returns r's id: the X-Request-Id a trusted proxy
// (KIN_TRUSTED_PROXIES) sent, when it is a well-formed one; otherwise a
// new one. A client that is not a trusted proxy cannot choose the id its
// request is logged under.
func (s *Server) requestID(r *http.Request) string {
	if id := r.Header.Get(RequestIDHeader); id != "" && validRequestID(id) && s.cfg.TrustedProxies.Trusts(r.RemoteAddr) {
		return id
	}
	return newRequestID()
}

// validRequestID reports whether id is 1 to maxRequestIDLen characters of
// the set ids are written in (UUIDs, hex, base64, nginx's $request_id,
// "Root=1-…" trace ids): letters, digits and -_.:+/=@. Nothing that could
// break a log line or a header.
func validRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch c := id[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '_', c == '.', c == ':', c == '+', c == '/', c == '=', c == '@':
		default:
			return false
		}
	}
	return true
}

// newRequestID returns 128 random bits in hex.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return hex.EncodeToString(b[:])
}
