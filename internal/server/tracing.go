package server

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.42.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/kin-comms/kinrt/internal/buildinfo"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/store"
	"github.com/kin-comms/kinrt/internal/tracing"
)

// Option configures New.
type Option func(*options)

type options struct {
	tracerProvider    trace.TracerProvider
	tracerProviderSet bool
}

// WithTracerProvider makes the server trace with tp instead of the
// provider the OTEL_* environment configures (package tracing): tests give
// the SDK's in-memory one. A nil tp turns tracing off whatever the
// environment says. The caller shuts tp down; Close does not.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracerProvider, o.tracerProviderSet = tp, true }
}

// The instrumentation scopes: the package that records each span.
const (
	serverScope = "github.com/kin-comms/kinrt/internal/server"
	eventsScope = "github.com/kin-comms/kinrt/internal/events"
	twilioScope = "github.com/kin-comms/kinrt/internal/twilio"
)

// traces is the service's tracing, nil when it is off: then nothing
// below is installed (the handler, store and emitter are the untraced
// ones) and the events and webhooks see a nil tracer.
//
// A trace starts at an API request (/api/…, a webhook's included): the
// request's server span, a child of the traceparent it carries (W3C Trace
// Context), then below it twilio.verify (a webhook's signature check),
// store.transaction (Store.WithTx), events.publish (each event published)
// and under that socketio.broadcast (the adapter's emit: the memory one,
// or Redis's publish to the other nodes). Work outside a request
// (presence, the activity writer) records nothing. Attributes name
// routes, statuses, events, adapters and counts: never a raw path, a
// phone number, a body or an error's text, which may quote one.
type traces struct {
	tp    trace.TracerProvider
	prop  propagation.TextMapPropagator
	owned *tracing.Provider // from the environment: Close shuts it down
	once  sync.Once
}

// newTraces returns the tracing New's options or, without the option, the
// environment asks for; nil when off.
func newTraces(log *slog.Logger, opts []Option) (*traces, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	t := &traces{tp: o.tracerProvider, prop: propagation.TraceContext{}}
	if !o.tracerProviderSet {
		p, err := tracing.FromEnv(context.Background(), buildinfo.Read().Version, log)
		if err != nil || p == nil {
			return nil, err
		}
		log.Info("tracing: exporting spans with OTLP", "protocol", p.Protocol, "endpoint", p.Endpoint)
		t.tp, t.owned = p, p
	}
	if t.tp == nil {
		return nil, nil
	}
	return t, nil
}

// tracer returns the tracer of scope, nil when tracing is off.
func (t *traces) tracer(scope string) trace.Tracer {
	if t == nil {
		return nil
	}
	return t.tp.Tracer(scope)
}

// close exports the spans still queued and stops the provider New made
// from the environment (within 5 s: a collector that does not answer
// does not hold the shutdown). Calls after the first do nothing.
func (t *traces) close(log *slog.Logger) {
	if t == nil || t.owned == nil {
		return
	}
	t.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := t.owned.Shutdown(ctx); err != nil {
			log.Warn("tracing: spans left unexported at shutdown", "err", err)
		}
	})
}

// traceHTTP records a server span for each API request (/api/…), named
// after its route ("POST /api/webhooks/twilio/sms", "GET
// /api/conversations/{id}"), with the method, route and status, an error
// from 500 up; the parent is the request's traceparent, when it has one.
// The context of the request carries the span: the handlers' spans are
// its children, and the lines they log carry its trace_id and span_id.
// It is the outermost handler; with tracing off, it is next itself.
func (s *Server) traceHTTP(next http.Handler) http.Handler {
	if s.traces == nil {
		return next
	}
	tracer, prop := s.traces.tracer(serverScope), s.traces.prop
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			next.ServeHTTP(w, r)
			return
		}
		method := spanMethod(r.Method)
		name, route := spanName(method, s.route(r))
		attrs := []attribute.KeyValue{semconv.HTTPRequestMethodKey.String(method)}
		if route != "" {
			attrs = append(attrs, semconv.HTTPRoute(route))
		}
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
		defer span.End()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(ctx))
		status := rec.statusCode()
		span.SetAttributes(semconv.HTTPResponseStatusCode(status))
		if status >= 500 {
			span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(status)))
			span.SetStatus(codes.Error, "")
		}
	})
}

// spanMethod is method, or "_OTHER" for one HTTP does not define: span
// names stay a bounded set.
func spanMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "_OTHER"
}

// spanName returns the name of a request's span, "{method} {route}", and
// its http.route: the path of the ServeMux pattern that served it (route,
// "POST /api/me" or "/api/"), "" when none did (then the name is the
// method alone).
func spanName(method, route string) (name, httpRoute string) {
	if route == unmatchedRoute {
		return method, ""
	}
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path
	}
	return method + " " + route, route
}

// traceStore records each transaction run within a recording span as a
// span store.transaction (with the database's name and the attempts
// taken: a conflict retries): New calls it once the store is final.
func (s *Server) traceStore() {
	if s.traces == nil {
		return
	}
	system := semconv.DBSystemNameSQLite
	if strings.HasPrefix(s.cfg.DatabaseURL, "postgres") {
		system = semconv.DBSystemNamePostgreSQL
	}
	s.store = tracedStore{Store: s.store, tracer: s.traces.tracer(serverScope), system: system}
}

// tracedStore is the service's store, its transactions traced.
type tracedStore struct {
	store.Store
	tracer trace.Tracer
	system attribute.KeyValue
}

// WithTx runs the transaction in a span of its own when ctx is traced.
func (s tracedStore) WithTx(ctx context.Context, fn func(tx store.Tx) error) error {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return s.Store.WithTx(ctx, fn)
	}
	ctx, span := s.tracer.Start(ctx, "store.transaction", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(s.system))
	defer span.End()
	attempts := 0
	err := s.Store.WithTx(ctx, func(tx store.Tx) error {
		attempts++
		return fn(tx)
	})
	span.SetAttributes(attribute.Int("kinrt.store.attempts", attempts))
	if err != nil {
		span.SetStatus(codes.Error, "rolled back")
	}
	return err
}

// eventEmitter returns what the broadcaster emits through: the root
// namespace, its emits traced when tracing is on.
func (s *Server) eventEmitter() events.Emitter {
	e := namespaceEmitter{s.io.Of("/")}
	if s.traces == nil {
		return e
	}
	adapter, kind := "memory", trace.SpanKindInternal
	if s.cluster != nil {
		adapter, kind = "redis", trace.SpanKindProducer
	}
	return tracedEmitter{namespaceEmitter: e, tracer: s.traces.tracer(serverScope), adapter: adapter, kind: kind}
}

// tracedEmitter records each emit within a recording span (an event
// published for a request) as a span socketio.broadcast: the adapter's
// work, delivering to this node's sockets and, on Redis, publishing to
// the other nodes.
type tracedEmitter struct {
	namespaceEmitter
	tracer  trace.Tracer
	adapter string
	kind    trace.SpanKind
}

// EmitToContext emits in a span when ctx is traced.
func (e tracedEmitter) EmitToContext(ctx context.Context, rooms []string, event string, payload any) error {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return e.EmitTo(rooms, event, payload)
	}
	_, span := e.tracer.Start(ctx, "socketio.broadcast", trace.WithSpanKind(e.kind), trace.WithAttributes(
		attribute.String("kinrt.adapter", e.adapter),
		attribute.String("kinrt.event.name", event),
		attribute.Int("kinrt.rooms", len(rooms)),
	))
	defer span.End()
	err := e.EmitTo(rooms, event, payload)
	if err != nil {
		span.SetStatus(codes.Error, "not emitted")
	}
	return err
}

var _ events.ContextEmitter = tracedEmitter{}
