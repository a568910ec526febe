package tracing_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/kin-comms/kinrt/internal/tracing"
)

// setEnv empties the variables FromEnv reads, then sets env, for this test.
func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, k := range []string{tracing.EnvEndpoint, tracing.EnvTracesEndpoint, tracing.EnvProtocol, tracing.EnvTracesProtocol,
		tracing.EnvSDKDisabled, "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"} {
		t.Setenv(k, "")
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func TestEnabled(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want bool
	}{
		{"nothing set", nil, false},
		{"endpoint", map[string]string{tracing.EnvEndpoint: "http://collector:4318"}, true},
		{"traces endpoint", map[string]string{tracing.EnvTracesEndpoint: "http://collector:4318/v1/traces"}, true},
		{"protocol alone", map[string]string{tracing.EnvProtocol: "grpc"}, false},
		{"disabled", map[string]string{tracing.EnvEndpoint: "http://collector:4318", tracing.EnvSDKDisabled: "true"}, false},
		{"disabled, any case", map[string]string{tracing.EnvTracesEndpoint: "http://c:4318", tracing.EnvSDKDisabled: " True "}, false},
		{"disabled=false", map[string]string{tracing.EnvEndpoint: "http://collector:4318", tracing.EnvSDKDisabled: "false"}, true},
		{"disabled=1 is not true", map[string]string{tracing.EnvEndpoint: "http://collector:4318", tracing.EnvSDKDisabled: "1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			if got := tracing.Enabled(); got != tt.want {
				t.Errorf("Enabled() = %v, want %v", got, tt.want)
			}
			p, err := tracing.FromEnv(context.Background(), "test", slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if (p != nil) != tt.want {
				t.Errorf("FromEnv gave a provider: %v, want %v", p != nil, tt.want)
			}
			if p != nil {
				_ = p.Shutdown(context.Background())
			}
		})
	}
}

// TestProtocols: OTEL_EXPORTER_OTLP_PROTOCOL (or its traces variant)
// chooses the exporter, each exporting to a receiver of its protocol.
func TestProtocols(t *testing.T) {
	httpRC := newHTTPReceiver(t)
	grpcRC := newGRPCReceiver(t)
	tests := []struct {
		name     string
		env      map[string]string
		protocol string
		got      func() []string // the span names received
	}{
		{"default: http/protobuf", map[string]string{tracing.EnvEndpoint: httpRC.URL}, "http/protobuf", httpRC.names("application/x-protobuf")},
		{"http/json", map[string]string{tracing.EnvEndpoint: httpRC.URL, tracing.EnvProtocol: "http/json"}, "http/json", httpRC.names("application/json")},
		{"grpc", map[string]string{tracing.EnvEndpoint: "http://" + grpcRC.addr, tracing.EnvProtocol: "grpc"}, "grpc", grpcRC.spanNames},
		{"traces protocol wins", map[string]string{
			tracing.EnvTracesEndpoint: "http://" + grpcRC.addr, tracing.EnvProtocol: "http/protobuf", tracing.EnvTracesProtocol: "grpc",
		}, "grpc", grpcRC.spanNames},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			p, err := tracing.FromEnv(context.Background(), "test", slog.New(slog.DiscardHandler))
			if err != nil || p == nil {
				t.Fatalf("FromEnv: %v, %v", p, err)
			}
			if p.Protocol != tt.protocol {
				t.Errorf("protocol %q, want %q", p.Protocol, tt.protocol)
			}
			_, span := p.Tracer("test").Start(context.Background(), "span of "+tt.name)
			span.End()
			if err := p.Shutdown(context.Background()); err != nil { // exports the batch
				t.Fatal(err)
			}
			if got := tt.got(); !slices.Contains(got, "span of "+tt.name) {
				t.Errorf("received %v, no %q", got, "span of "+tt.name)
			}
		})
	}
}

func TestBadProtocol(t *testing.T) {
	setEnv(t, map[string]string{tracing.EnvEndpoint: "http://collector:4318", tracing.EnvTracesProtocol: "thrift"})
	p, err := tracing.FromEnv(context.Background(), "test", slog.New(slog.DiscardHandler))
	if p != nil || err == nil || !strings.Contains(err.Error(), tracing.EnvTracesProtocol) || !strings.Contains(err.Error(), `"thrift"`) {
		t.Fatalf("FromEnv with protocol thrift: %v, %v; want an error naming the variable and the value", p, err)
	}
}

func TestEndpointRedacted(t *testing.T) {
	setEnv(t, map[string]string{tracing.EnvEndpoint: "https://user:s3cret@collector.example:4318"})
	p, err := tracing.FromEnv(context.Background(), "test", slog.New(slog.DiscardHandler))
	if err != nil || p == nil {
		t.Fatalf("FromEnv: %v, %v", p, err)
	}
	defer p.Shutdown(context.Background())
	if p.Endpoint != "https://collector.example:4318" {
		t.Errorf("Endpoint %q, want it without the user info", p.Endpoint)
	}
}

// httpReceiver is an OTLP/HTTP receiver of protobuf and JSON requests.
type httpReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	byType map[string][]string // span names by Content-Type
}

func newHTTPReceiver(t *testing.T) *httpReceiver {
	rc := &httpReceiver{byType: map[string][]string{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ct := r.Header.Get("Content-Type")
		var names []string
		switch ct {
		case "application/x-protobuf":
			var req coltracepb.ExportTraceServiceRequest
			if err := proto.Unmarshal(body, &req); err != nil {
				t.Errorf("receiver: %v", err)
			}
			for _, rs := range req.GetResourceSpans() {
				for _, ss := range rs.GetScopeSpans() {
					for _, s := range ss.GetSpans() {
						names = append(names, s.GetName())
					}
				}
			}
			out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write(out)
		case "application/json": // OTLP's JSON: hex ids, so not protojson
			var req struct {
				ResourceSpans []struct {
					ScopeSpans []struct {
						Spans []struct {
							Name string `json:"name"`
						} `json:"spans"`
					} `json:"scopeSpans"`
				} `json:"resourceSpans"`
			}
			if err := json.Unmarshal(body, &req); err != nil {
				t.Errorf("receiver: %v", err)
			}
			for _, rs := range req.ResourceSpans {
				for _, ss := range rs.ScopeSpans {
					for _, s := range ss.Spans {
						names = append(names, s.Name)
					}
				}
			}
			w.Header().Set("Content-Type", ct)
			_, _ = w.Write([]byte("{}"))
		default:
			t.Errorf("receiver: Content-Type %q", ct)
			http.Error(w, "unsupported", http.StatusUnsupportedMediaType)
			return
		}
		rc.mu.Lock()
		rc.byType[ct] = append(rc.byType[ct], names...)
		rc.mu.Unlock()
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *httpReceiver) names(contentType string) func() []string {
	return func() []string {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return slices.Clone(rc.byType[contentType])
	}
}

// grpcReceiver is an OTLP/gRPC trace service.
type grpcReceiver struct {
	coltracepb.UnimplementedTraceServiceServer
	addr  string
	mu    sync.Mutex
	spans []string
}

func newGRPCReceiver(t *testing.T) *grpcReceiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &grpcReceiver{addr: ln.Addr().String()}
	srv := grpc.NewServer()
	coltracepb.RegisterTraceServiceServer(srv, rc)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)
	return rc
}

// Export keeps the span names of an export request.
func (rc *grpcReceiver) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for _, rs := range req.GetResourceSpans() {
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				rc.spans = append(rc.spans, s.GetName())
			}
		}
	}
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func (rc *grpcReceiver) spanNames() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.spans)
}
