package events

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// ctxRecorder is a ContextEmitter: it keeps the span each emit was given.
type ctxRecorder struct {
	recorder
	spans []trace.SpanContext
	err   error
}

func (r *ctxRecorder) EmitToContext(ctx context.Context, rooms []string, event string, payload any) error {
	r.spans = append(r.spans, trace.SpanContextFromContext(ctx))
	if r.err != nil {
		return r.err
	}
	return r.EmitTo(rooms, event, payload)
}

// TestPublishTraced: published within a recording span, an event is a
// child span events.publish named by its event, whose context the emitter
// is given; outside one, or without a tracer, nothing is recorded; a
// failed emit is an error span that says nothing of the event.
func TestPublishTraced(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	defer tp.Shutdown(context.Background())
	e := func() Event {
		return &SystemNotification{Level: "info", Title: "t", Message: "secret message", Target: Target{Kind: TargetAll}}
	}

	tests := []struct {
		name    string
		tracer  bool
		traced  bool // published within a recording span
		emitErr error
		want    int // events.publish spans
	}{
		{"no tracer", false, true, nil, 0},
		{"tracer, no span in the context", true, false, nil, 0},
		{"tracer, within a span", true, true, nil, 1},
		{"emit fails", true, true, errors.New("adapter down"), 1},
	}
	for _, tt := range tests {
		exp.Reset()
		rec := &ctxRecorder{err: tt.emitErr}
		b := NewBroadcaster(rec)
		if tt.tracer {
			b.Trace(tp.Tracer("test"))
		}
		ctx := context.Background()
		var parent trace.Span
		if tt.traced {
			ctx, parent = tp.Tracer("test").Start(ctx, "request")
		}
		err := b.Publish(ctx, e())
		if (err != nil) != (tt.emitErr != nil) {
			t.Errorf("%s: Publish: %v", tt.name, err)
		}
		if parent != nil {
			parent.End()
		}
		var pubs []tracetest.SpanStub
		for _, s := range exp.GetSpans() {
			if s.Name == "events.publish" {
				pubs = append(pubs, s)
			}
		}
		if len(pubs) != tt.want {
			t.Fatalf("%s: %d events.publish spans, want %d", tt.name, len(pubs), tt.want)
		}
		if len(rec.spans) != 1 {
			t.Fatalf("%s: %d emits through EmitToContext, want 1", tt.name, len(rec.spans))
		}
		if tt.want == 0 {
			continue
		}
		p := pubs[0]
		if p.Parent.SpanID() != parent.SpanContext().SpanID() || rec.spans[0].SpanID() != p.SpanContext.SpanID() {
			t.Errorf("%s: publish span's parent %s (want the request's), emit given span %s (want the publish's)", tt.name, p.Parent.SpanID(), rec.spans[0].SpanID())
		}
		if len(p.Attributes) != 1 || p.Attributes[0].Value.AsString() != "system_notification" {
			t.Errorf("%s: attributes %v, want the event's name alone", tt.name, p.Attributes)
		}
		wantCode := codes.Unset
		if tt.emitErr != nil {
			wantCode = codes.Error
		}
		if p.Status.Code != wantCode || (tt.emitErr != nil && p.Status.Description != "not published") {
			t.Errorf("%s: status %v, want %v", tt.name, p.Status, wantCode)
		}
	}
}
