// Package tracing sets up OpenTelemetry tracing from the standard OTEL_*
// environment variables. Tracing is off unless an OTLP endpoint is set
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and
// OTEL_SDK_DISABLED is not true; on, spans go to that endpoint through the
// SDK's OTLP exporter of OTEL_EXPORTER_OTLP_PROTOCOL (or its _TRACES_
// variant): http/protobuf by default, http/json, or grpc. Everything else
// (the exporter's headers, TLS, timeout and compression, the batching,
// OTEL_TRACES_SAMPLER and its argument, OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES) the SDK reads for itself.
package tracing

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.42.0"
)

// The environment variables read here; the SDK reads the others.
const (
	EnvEndpoint       = "OTEL_EXPORTER_OTLP_ENDPOINT"
	EnvTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	EnvProtocol       = "OTEL_EXPORTER_OTLP_PROTOCOL"
	EnvTracesProtocol = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	// EnvSDKDisabled, "true" (in any case), turns tracing off whatever
	// else is set, as the specification says. The Go SDK leaves this
	// variable to the application (open-telemetry/opentelemetry-go#3559).
	EnvSDKDisabled = "OTEL_SDK_DISABLED"
)

// ServiceName is service.name unless OTEL_SERVICE_NAME (or service.name in
// OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const ServiceName = "kinrt"

// The protocols of OTLP (OTEL_EXPORTER_OTLP_PROTOCOL's values).
const (
	ProtocolHTTPProtobuf = "http/protobuf"
	ProtocolHTTPJSON     = "http/json"
	ProtocolGRPC         = "grpc"
)

// Provider is the SDK's tracer provider, exporting through OTLP.
type Provider struct {
	*sdktrace.TracerProvider
	// Protocol is the OTLP protocol the spans are exported with.
	Protocol string
	// Endpoint is the endpoint variable's value, without any user info:
	// for a log line.
	Endpoint string
}

// Enabled reports whether the environment asks for tracing: an OTLP
// endpoint is set and OTEL_SDK_DISABLED is not true.
func Enabled() bool {
	return !strings.EqualFold(strings.TrimSpace(os.Getenv(EnvSDKDisabled)), "true") &&
		(os.Getenv(EnvTracesEndpoint) != "" || os.Getenv(EnvEndpoint) != "")
}

// FromEnv returns the tracer provider the environment asks for, or nil
// when tracing is off (see Enabled). version is service.version. Its
// spans are batched and exported in the background; errors of the export
// (a collector that does not answer) are logged to log at warn, as are
// the SDK's other complaints (otel's error handler, process-wide). An
// unknown protocol or unparsable resource attributes are an error. Shut
// the provider down to export the spans still queued.
func FromEnv(ctx context.Context, version string, log *slog.Logger) (*Provider, error) {
	if !Enabled() {
		return nil, nil
	}
	endpoint := firstSet(EnvTracesEndpoint, EnvEndpoint)
	protocol := ProtocolHTTPProtobuf
	if name := firstSet(EnvTracesProtocol, EnvProtocol); name != "" {
		protocol = strings.TrimSpace(os.Getenv(name))
	}
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case ProtocolGRPC:
		exp, err = otlptracegrpc.New(ctx)
	case ProtocolHTTPProtobuf, ProtocolHTTPJSON: // the exporter reads which
		exp, err = otlptracehttp.New(ctx)
	default:
		return nil, fmt.Errorf("%s: %q is not an OTLP protocol: grpc, http/protobuf (the default) or http/json",
			firstSet(EnvTracesProtocol, EnvProtocol), protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	// Later detectors win: the environment over the defaults.
	res, err := resource.New(ctx,
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(ServiceName), semconv.ServiceVersion(version)),
		resource.WithFromEnv(),
	)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, fmt.Errorf("tracing: OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing: OpenTelemetry", "err", err)
	}))
	return &Provider{
		TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res)),
		Protocol:       protocol,
		Endpoint:       redact(os.Getenv(endpoint)),
	}, nil
}

// firstSet returns the first of names set to something in the
// environment, or "".
func firstSet(names ...string) string {
	for _, n := range names {
		if os.Getenv(n) != "" {
			return n
		}
	}
	return ""
}

// redact returns endpoint without its user info (a password in the URL
// stays out of the log).
func redact(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	return u.String()
}
