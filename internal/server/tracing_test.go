package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/internal/tracing"
	"github.com/kin-comms/kinrt/internal/twilio"
)

const tracedPublicURL = "https://cc.example.com"

// tracedServer builds the service with opts, logging JSON lines at debug
// to the returned buffer; its handler is called directly, so every span
// of a request has ended when ServeHTTP returns.
func tracedServer(t *testing.T, opts ...server.Option) (*server.Server, *syncBuffer) {
	t.Helper()
	return tracedServerWith(t, nil, opts...)
}

// tracedServerWith is tracedServer with its configuration changed by mutate.
func tracedServerWith(t *testing.T, mutate func(*config.Config), opts ...server.Option) (*server.Server, *syncBuffer) {
	t.Helper()
	cfg, err := config.Load(nil, func(k string) string {
		if k == "NEXTAUTH_SECRET" {
			return testSecret
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	cfg.TwilioAuthToken = twilioToken
	cfg.PublicURL = tracedPublicURL
	cfg.NumberDepartments = map[string]string{salesNumber: "sales"}
	if mutate != nil {
		mutate(&cfg)
	}
	logs := &syncBuffer{}
	srv, err := server.New(cfg, server.NewLogger(logs, config.LogJSON, slog.LevelDebug), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return srv, logs
}

// memoryTracing is a tracer provider that records every span, synchronously.
func memoryTracing(t *testing.T) (*sdktrace.TracerProvider, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return tp, exp
}

// The secrets and personal data of the signed SMS webhook, which no span
// may carry.
const (
	smsBody = "my card number is 4111 1111 1111 1111"
	smsSID  = "SM0123456789abcdef0123456789abcdef"
)

// smsRequest is a signed SMS webhook from customer to the sales number.
func smsRequest() *http.Request {
	form := url.Values{"AccountSid": {"AC00000000000000000000000000000000"}, "MessageSid": {smsSID},
		"From": {customer}, "To": {salesNumber}, "Body": {smsBody}}
	const path = "/api/webhooks/twilio/sms"
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Twilio-Signature", twilio.Sign(twilioToken, tracedPublicURL+path, form))
	return r
}

// serve runs r through srv's handler and returns the status.
func serve(srv *server.Server, r *http.Request) int {
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, r)
	return rec.Code
}

// attr returns the value of a span's attribute key, "" when absent.
func attr(s tracetest.SpanStub, key string) string {
	for _, kv := range s.Attributes {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

// TestTraceWebhook: a signed SMS webhook is one trace, its server span the
// parent of the signature check, the store's transaction and each event's
// publish, itself the parent of the adapter's broadcast (on a single node
// the memory adapter, in a cluster Redis's publish); the request's log
// line carries the trace's ids; no span says the customer's number, the
// message or a secret.
func TestTraceWebhook(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cluster bool
		db      string
		adapter string
		kind    trace.SpanKind
	}{
		{"one node, SQLite", false, "sqlite", "memory", trace.SpanKindInternal},
		{"cluster: Redis, PostgreSQL", true, "postgresql", "redis", trace.SpanKindProducer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			testTraceWebhook(t, tt.cluster, tt.db, tt.adapter, tt.kind)
		})
	}
}

func testTraceWebhook(t *testing.T, cluster bool, db, adapter string, kind trace.SpanKind) {
	tp, exp := memoryTracing(t)
	srv, logs := tracedServerWith(t, func(c *config.Config) {
		if cluster {
			c.DatabaseURL = testenv.PostgresSchema(t)
			c.RedisURL = testenv.RedisURL(t)
			c.RedisPrefix = "kin-test-" + testenv.RandomID()
		}
	}, server.WithTracerProvider(tp))
	if code := serve(srv, smsRequest()); code != http.StatusOK {
		t.Fatalf("signed SMS webhook: %d", code)
	}
	spans := exp.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range spans {
		byID[s.SpanContext.SpanID()] = s
		if s.SpanContext.TraceID() != spans[0].SpanContext.TraceID() {
			t.Errorf("span %s is in trace %s, not %s: one webhook, one trace", s.Name, s.SpanContext.TraceID(), spans[0].SpanContext.TraceID())
		}
	}
	var root tracetest.SpanStub
	children := map[string][]tracetest.SpanStub{} // by parent's name
	for _, s := range spans {
		if !s.Parent.IsValid() {
			if root.Name != "" {
				t.Fatalf("two root spans: %s and %s", root.Name, s.Name)
			}
			root = s
			continue
		}
		parent, ok := byID[s.Parent.SpanID()]
		if !ok {
			t.Fatalf("span %s: its parent was not recorded", s.Name)
		}
		children[parent.Name] = append(children[parent.Name], s)
	}
	if root.Name != "POST /api/webhooks/twilio/sms" || root.SpanKind != trace.SpanKindServer {
		t.Fatalf("root span %q (kind %v), want the server span POST /api/webhooks/twilio/sms", root.Name, root.SpanKind)
	}
	for key, want := range map[string]string{
		"http.request.method": "POST", "http.route": "/api/webhooks/twilio/sms", "http.response.status_code": "200",
	} {
		if got := attr(root, key); got != want {
			t.Errorf("server span %s = %q, want %q", key, got, want)
		}
	}
	names := func(ss []tracetest.SpanStub) []string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Name)
		}
		slices.Sort(out)
		return out
	}
	wantUnderRoot := []string{"events.publish", "events.publish", "store.transaction", "twilio.verify"}
	if got := names(children[root.Name]); !slices.Equal(got, wantUnderRoot) {
		t.Errorf("spans under the webhook's: %v, want %v", got, wantUnderRoot)
	}
	var published []string
	for _, pub := range children[root.Name] {
		switch pub.Name {
		case "store.transaction":
			if attr(pub, "db.system.name") != db || attr(pub, "kinrt.store.attempts") != "1" {
				t.Errorf("store.transaction: attributes %v", pub.Attributes)
			}
		case "events.publish":
			published = append(published, attr(pub, "kinrt.event.name"))
			var under []tracetest.SpanStub
			for _, s := range spans {
				if s.Parent.SpanID() == pub.SpanContext.SpanID() {
					under = append(under, s)
				}
			}
			if len(under) != 1 || under[0].Name != "socketio.broadcast" || attr(under[0], "kinrt.adapter") != adapter || under[0].SpanKind != kind ||
				attr(under[0], "kinrt.event.name") != attr(pub, "kinrt.event.name") || attr(under[0], "kinrt.rooms") == "" {
				var got []string
				for _, s := range under {
					got = append(got, s.Name+" "+s.SpanKind.String()+" "+attr(s, "kinrt.adapter"))
				}
				t.Errorf("under events.publish %s: %v, want one socketio.broadcast %s on the %s adapter", attr(pub, "kinrt.event.name"), got, kind, adapter)
			}
		}
	}
	slices.Sort(published)
	if want := []string{"conversation_updated", "message_received"}; !slices.Equal(published, want) {
		t.Errorf("events published: %v, want %v", published, want)
	}

	// Nothing personal or secret in any span.
	for _, s := range spans {
		text := s.Name + " " + s.Status.Description
		for _, kv := range s.Attributes {
			text += " " + string(kv.Key) + "=" + kv.Value.Emit()
		}
		for _, ev := range s.Events {
			text += " " + ev.Name
			for _, kv := range ev.Attributes {
				text += " " + kv.Value.Emit()
			}
		}
		for _, secret := range []string{customer, strings.TrimPrefix(customer, "+"), salesNumber, smsBody, "4111", smsSID, twilioToken, testSecret} {
			if strings.Contains(text, secret) {
				t.Errorf("span %s carries %q: %s", s.Name, secret, text)
			}
		}
	}

	// The request's log line names its trace and server span.
	var line map[string]any
	for _, rec := range jsonLines(t, logs.String()) {
		if rec["msg"] == "http request" && rec["route"] == "POST /api/webhooks/twilio/sms" {
			line = rec
		}
	}
	if line == nil || line["trace_id"] != root.SpanContext.TraceID().String() || line["span_id"] != root.SpanContext.SpanID().String() {
		t.Errorf("the webhook's log line %v, want trace_id %s and span_id %s", line, root.SpanContext.TraceID(), root.SpanContext.SpanID())
	}
}

// TestTraceBadSignature: a forged webhook's check is a span in error, and
// nothing is stored or published.
func TestTraceBadSignature(t *testing.T) {
	t.Parallel()
	tp, exp := memoryTracing(t)
	srv, _ := tracedServer(t, server.WithTracerProvider(tp))
	r := smsRequest()
	r.Header.Set("X-Twilio-Signature", "forged")
	if code := serve(srv, r); code != http.StatusForbidden {
		t.Fatalf("forged webhook: %d, want 403", code)
	}
	var got []string
	for _, s := range exp.GetSpans() {
		got = append(got, s.Name+":"+s.Status.Code.String()+":"+s.Status.Description)
	}
	slices.Sort(got)
	want := []string{"POST /api/webhooks/twilio/sms:Unset:", "twilio.verify:Error:invalid signature"}
	if !slices.Equal(got, want) {
		t.Errorf("spans %v, want %v", got, want)
	}
}

// TestTraceREST: each API request is a server span named after its route,
// never its raw path, with its status; other paths are not traced.
func TestTraceREST(t *testing.T) {
	t.Parallel()
	tp, exp := memoryTracing(t)
	srv, _ := tracedServer(t, server.WithTracerProvider(tp))
	tok, err := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		method, path string
		token        bool
		status       int
		name, route  string // "" name: no span
		attrMethod   string // http.request.method
	}{
		{"GET", "/api/me", true, 200, "GET /api/me", "/api/me", "GET"},
		{"GET", "/api/me", false, 401, "GET /api/me", "/api/me", "GET"},
		{"GET", "/api/voicemails/VM0123456789", true, 404, "GET /api/voicemails/{id}", "/api/voicemails/{id}", "GET"},
		{"HEAD", "/api/me", true, 200, "HEAD /api/me", "/api/me", "HEAD"},
		{"GET", "/api/no/such/route", true, 404, "GET /api/", "/api/", "GET"},
		{"DELETE", "/api/me", true, 404, "DELETE /api/", "/api/", "DELETE"},
		{"PURGE", "/api/me", true, 404, "_OTHER /api/", "/api/", "_OTHER"},
		{"GET", "/healthz", false, 200, "", "", ""},
		{"GET", "/", false, 200, "", "", ""},
	}
	for _, tt := range tests {
		exp.Reset()
		r := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.token {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		if code := serve(srv, r); code != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, code, tt.status)
		}
		spans := exp.GetSpans()
		if tt.name == "" {
			if len(spans) != 0 {
				t.Errorf("%s %s: %d spans, want none", tt.method, tt.path, len(spans))
			}
			continue
		}
		if len(spans) != 1 {
			t.Errorf("%s %s: %d spans, want 1", tt.method, tt.path, len(spans))
			continue
		}
		s := spans[0]
		if s.Name != tt.name || s.SpanKind != trace.SpanKindServer || attr(s, "http.route") != tt.route ||
			attr(s, "http.response.status_code") != strconv.Itoa(tt.status) || attr(s, "http.request.method") != tt.attrMethod {
			t.Errorf("%s %s: span %q kind %v attributes %v; want %q, route %q, status %d", tt.method, tt.path, s.Name, s.SpanKind, s.Attributes, tt.name, tt.route, tt.status)
		}
		if strings.Contains(s.Name, "VM0123456789") {
			t.Errorf("span name %q carries the raw path", s.Name)
		}
	}
}

// TestTraceServerError: a 5xx answer makes the server span an error, with
// error.type the status.
func TestTraceServerError(t *testing.T) {
	t.Parallel()
	tp, exp := memoryTracing(t)
	srv, _ := tracedServer(t, server.WithTracerProvider(tp))
	tok, err := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Store().Close(); err != nil { // every query fails from now on
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/api/voicemails", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	if code := serve(srv, r); code != http.StatusInternalServerError {
		t.Fatalf("GET /api/voicemails on a closed store: %d, want 500", code)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Status.Code != codes.Error || attr(spans[0], "error.type") != "500" ||
		attr(spans[0], "http.response.status_code") != "500" {
		t.Fatalf("spans %v, want one server span in error, error.type 500", spans)
	}
}

// TestTraceparent: a request's W3C traceparent is the parent of its server
// span: sampled, the span is recorded in that trace; not sampled, nothing
// is recorded (the SDK's default sampler follows the parent) but the log
// line still names the trace.
func TestTraceparent(t *testing.T) {
	t.Parallel()
	const (
		traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		spanID  = "00f067aa0ba902b7"
	)
	tests := []struct {
		name    string
		flags   string
		records bool
	}{
		{"sampled", "01", true},
		{"not sampled", "00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tp, exp := memoryTracing(t)
			srv, logs := tracedServer(t, server.WithTracerProvider(tp))
			r := smsRequest()
			r.Header.Set("traceparent", "00-"+traceID+"-"+spanID+"-"+tt.flags)
			if code := serve(srv, r); code != http.StatusOK {
				t.Fatalf("webhook: %d", code)
			}
			spans := exp.GetSpans()
			if !tt.records {
				if len(spans) != 0 {
					t.Errorf("%d spans recorded under an unsampled parent", len(spans))
				}
			} else {
				if len(spans) < 5 {
					t.Fatalf("%d spans, want the webhook's five or more", len(spans))
				}
				for _, s := range spans {
					if s.SpanContext.TraceID().String() != traceID {
						t.Errorf("span %s in trace %s, want the traceparent's %s", s.Name, s.SpanContext.TraceID(), traceID)
					}
					if s.SpanKind == trace.SpanKindServer && (s.Parent.SpanID().String() != spanID || !s.Parent.IsRemote()) {
						t.Errorf("server span's parent %v, want the remote span %s", s.Parent, spanID)
					}
				}
			}
			found := false
			for _, rec := range jsonLines(t, logs.String()) {
				if rec["msg"] == "http request" {
					found = rec["trace_id"] == traceID
				}
			}
			if !found {
				t.Errorf("no http request line with trace_id %s:\n%s", traceID, logs.String())
			}
		})
	}
}

// TestTracingOff: without an OTLP endpoint, with OTEL_SDK_DISABLED=true, or
// with a nil provider, nothing is traced: not even through otel's global
// provider, and a traceparent sent is not logged.
func TestTracingOff(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	global := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer func(prev trace.TracerProvider) { otel.SetTracerProvider(prev) }(otel.GetTracerProvider())
	otel.SetTracerProvider(global)
	receiver := newOTLPReceiver(t)
	tests := []struct {
		name string
		env  map[string]string
		opts []server.Option
	}{
		{"no endpoint", nil, nil},
		{"OTEL_SDK_DISABLED=true", map[string]string{tracing.EnvEndpoint: receiver.URL, tracing.EnvSDKDisabled: "TRUE"}, nil},
		{"nil provider", map[string]string{tracing.EnvEndpoint: receiver.URL}, []server.Option{server.WithTracerProvider(nil)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOTELEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			srv, logs := tracedServer(t, tt.opts...)
			r := smsRequest()
			r.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
			if code := serve(srv, r); code != http.StatusOK {
				t.Fatalf("webhook: %d", code)
			}
			if err := srv.Close(); err != nil {
				t.Fatal(err)
			}
			if n := len(exp.GetSpans()); n != 0 {
				t.Errorf("%d spans recorded", n)
			}
			if got := receiver.spanNames(); len(got) != 0 {
				t.Errorf("exported %v", got)
			}
			if strings.Contains(logs.String(), "trace_id") {
				t.Errorf("a log line names a trace:\n%s", logs.String())
			}
		})
	}
}

// TestOTLPExportFromEnv: with OTEL_EXPORTER_OTLP_ENDPOINT (or its traces
// variant) pointing at an OTLP/HTTP receiver, the service exports the
// webhook's spans there, as protobuf, under OTEL_SERVICE_NAME, by the
// time Close returns; OTEL_TRACES_SAMPLER reaches the SDK.
func TestOTLPExportFromEnv(t *testing.T) {
	receiver := newOTLPReceiver(t)
	tests := []struct {
		name    string
		env     map[string]string
		path    string
		service string
		spans   bool
	}{
		{"endpoint", map[string]string{tracing.EnvEndpoint: receiver.URL}, "/v1/traces", "kinrt", true},
		{"traces endpoint and service name", map[string]string{
			tracing.EnvTracesEndpoint: receiver.URL + "/otlp/spans", tracing.EnvEndpoint: "http://127.0.0.1:1",
			"OTEL_SERVICE_NAME": "kinrt-eu-1", tracing.EnvProtocol: "http/protobuf",
		}, "/otlp/spans", "kinrt-eu-1", true},
		{"sampler always_off", map[string]string{tracing.EnvEndpoint: receiver.URL, "OTEL_TRACES_SAMPLER": "always_off"}, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clearOTELEnv(t)
			receiver.reset()
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			srv, _ := tracedServer(t)
			if code := serve(srv, smsRequest()); code != http.StatusOK {
				t.Fatalf("webhook: %d", code)
			}
			if err := srv.Close(); err != nil { // flushes the batch
				t.Fatal(err)
			}
			got := receiver.spanNames()
			if !tt.spans {
				if len(got) != 0 {
					t.Errorf("exported %v, want nothing", got)
				}
				return
			}
			for _, want := range []string{"POST /api/webhooks/twilio/sms", "twilio.verify", "store.transaction", "events.publish", "socketio.broadcast"} {
				if !slices.Contains(got, want) {
					t.Errorf("exported spans %v: no %s", got, want)
				}
			}
			receiver.mu.Lock()
			defer receiver.mu.Unlock()
			if !slices.Contains(receiver.paths, tt.path) || !slices.Contains(receiver.services, tt.service) {
				t.Errorf("received on %v from services %v, want %s from %s", receiver.paths, receiver.services, tt.path, tt.service)
			}
		})
	}
}

// clearOTELEnv empties the OTEL_* variables the tests set, for this test.
func clearOTELEnv(t *testing.T) {
	for _, k := range []string{tracing.EnvEndpoint, tracing.EnvTracesEndpoint, tracing.EnvProtocol, tracing.EnvTracesProtocol,
		tracing.EnvSDKDisabled, "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"} {
		t.Setenv(k, "")
	}
}

// otlpReceiver is an OTLP/HTTP trace receiver: it decodes each export
// request (protobuf, gzipped or not) and keeps its spans' names.
type otlpReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	names    []string
	paths    []string
	services []string
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err == nil && r.Header.Get("Content-Encoding") == "gzip" {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, err = io.ReadAll(zr)
			}
		}
		var req coltracepb.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil || r.Header.Get("Content-Type") != "application/x-protobuf" {
			t.Errorf("OTLP receiver: %s %s: %v", r.Header.Get("Content-Type"), r.URL.Path, err)
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		rc.paths = append(rc.paths, r.URL.Path)
		for _, rs := range req.GetResourceSpans() {
			for _, kv := range rs.GetResource().GetAttributes() {
				if kv.GetKey() == "service.name" {
					rc.services = append(rc.services, kv.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					rc.names = append(rc.names, s.GetName())
				}
			}
		}
		rc.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *otlpReceiver) spanNames() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.names)
}

func (rc *otlpReceiver) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.names, rc.paths, rc.services = nil, nil, nil
}
