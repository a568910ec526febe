package events

import (
	"context"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Emitter sends one event to the sockets of some rooms, each socket once.
// A socketio namespace fits (see NamespaceEmitter in package server).
type Emitter interface {
	EmitTo(rooms []string, event string, payload any) error
}

// ContextEmitter is an Emitter that is also given the context of the
// publishing (the trace of the request that publishes): Publish calls
// EmitToContext on an emitter that has it.
type ContextEmitter interface {
	Emitter
	EmitToContext(ctx context.Context, rooms []string, event string, payload any) error
}

// Broadcaster publishes events to the rooms the routing policy allows.
type Broadcaster struct {
	emitter    Emitter
	ctxEmitter ContextEmitter // emitter, when it takes the context
	now        func() time.Time
	observers  []func(Event)
	tracer     trace.Tracer // nil: not traced
}

// NewBroadcaster returns a Broadcaster that emits through e.
func NewBroadcaster(e Emitter) *Broadcaster {
	ce, _ := e.(ContextEmitter)
	return &Broadcaster{emitter: e, ctxEmitter: ce, now: time.Now}
}

// Trace makes Publish record a span, events.publish, for each event
// published with the context of a recording span (an HTTP request's
// trace): its attribute is the event's name (kinrt.event.name), nothing
// of its payload. Publishing outside a trace records nothing. Call
// it before publishing starts; without it (tracing off) Publish costs one
// nil check more.
func (b *Broadcaster) Trace(t trace.Tracer) { b.tracer = t }

// Observe adds a function called with every event published, after it was
// emitted (the activity feed and metrics use it). Call it before
// publishing starts.
func (b *Broadcaster) Observe(fn func(Event)) { b.observers = append(b.observers, fn) }

// Publish validates e, stamps its id and time when they are empty (see
// Stamp), emits it to its rooms and calls the observers.
func (b *Broadcaster) Publish(ctx context.Context, e Event) error {
	if b.tracer != nil && trace.SpanFromContext(ctx).IsRecording() {
		return b.tracedPublish(ctx, e)
	}
	return b.publish(ctx, e)
}

// tracedPublish is publish in a span of its own.
func (b *Broadcaster) tracedPublish(ctx context.Context, e Event) error {
	ctx, span := b.tracer.Start(ctx, "events.publish", trace.WithAttributes(attribute.String("kinrt.event.name", e.EventName())))
	defer span.End()
	err := b.publish(ctx, e)
	if err != nil {
		// A fixed description: an error's text may quote the event's
		// fields (phone numbers, message bodies).
		span.SetStatus(codes.Error, "not published")
	}
	return err
}

func (b *Broadcaster) publish(ctx context.Context, e Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := stamp(e, b.now); err != nil {
		return err
	}
	var err error
	if b.ctxEmitter != nil {
		err = b.ctxEmitter.EmitToContext(ctx, e.Rooms(), e.EventName(), e)
	} else {
		err = b.emitter.EmitTo(e.Rooms(), e.EventName(), e)
	}
	if err != nil {
		return fmt.Errorf("events: emit %s: %w", e.EventName(), err)
	}
	for _, fn := range b.observers {
		fn(e)
	}
	return nil
}

// BroadcastVoicemailCreated publishes voicemail_created.
func (b *Broadcaster) BroadcastVoicemailCreated(ctx context.Context, e VoicemailCreated) error {
	return b.Publish(ctx, &e)
}

// BroadcastVoicemailUpdated publishes voicemail_updated.
func (b *Broadcaster) BroadcastVoicemailUpdated(ctx context.Context, e VoicemailUpdated) error {
	return b.Publish(ctx, &e)
}

// BroadcastCallIncoming publishes call_incoming.
func (b *Broadcaster) BroadcastCallIncoming(ctx context.Context, e CallIncoming) error {
	return b.Publish(ctx, &e)
}

// BroadcastCallStatusChanged publishes call_status_changed.
func (b *Broadcaster) BroadcastCallStatusChanged(ctx context.Context, e CallStatusChanged) error {
	return b.Publish(ctx, &e)
}

// BroadcastCallCompleted publishes call_completed.
func (b *Broadcaster) BroadcastCallCompleted(ctx context.Context, e CallCompleted) error {
	return b.Publish(ctx, &e)
}

// BroadcastCallRecordingAvailable publishes call_recording_available.
func (b *Broadcaster) BroadcastCallRecordingAvailable(ctx context.Context, e CallRecordingAvailable) error {
	return b.Publish(ctx, &e)
}

// BroadcastMessageReceived publishes message_received.
func (b *Broadcaster) BroadcastMessageReceived(ctx context.Context, e MessageReceived) error {
	return b.Publish(ctx, &e)
}

// BroadcastMessageStatusChanged publishes message_status_changed.
func (b *Broadcaster) BroadcastMessageStatusChanged(ctx context.Context, e MessageStatusChanged) error {
	return b.Publish(ctx, &e)
}

// BroadcastConversationUpdated publishes conversation_updated.
func (b *Broadcaster) BroadcastConversationUpdated(ctx context.Context, e ConversationUpdated) error {
	return b.Publish(ctx, &e)
}

// BroadcastTaskAssigned publishes task_assigned.
func (b *Broadcaster) BroadcastTaskAssigned(ctx context.Context, e TaskAssigned) error {
	return b.Publish(ctx, &e)
}

// BroadcastTaskAccepted publishes task_accepted.
func (b *Broadcaster) BroadcastTaskAccepted(ctx context.Context, e TaskAccepted) error {
	return b.Publish(ctx, &e)
}

// BroadcastTaskRejected publishes task_rejected.
func (b *Broadcaster) BroadcastTaskRejected(ctx context.Context, e TaskRejected) error {
	return b.Publish(ctx, &e)
}

// BroadcastTaskCompleted publishes task_completed.
func (b *Broadcaster) BroadcastTaskCompleted(ctx context.Context, e TaskCompleted) error {
	return b.Publish(ctx, &e)
}

// BroadcastWorkerStatusChanged publishes worker_status_changed.
func (b *Broadcaster) BroadcastWorkerStatusChanged(ctx context.Context, e WorkerStatusChanged) error {
	return b.Publish(ctx, &e)
}

// BroadcastWorkerActivityChanged publishes worker_activity_changed.
func (b *Broadcaster) BroadcastWorkerActivityChanged(ctx context.Context, e WorkerActivityChanged) error {
	return b.Publish(ctx, &e)
}

// BroadcastUserPresenceUpdated publishes user_presence_updated.
func (b *Broadcaster) BroadcastUserPresenceUpdated(ctx context.Context, e UserPresenceUpdated) error {
	return b.Publish(ctx, &e)
}

// BroadcastSystemNotification publishes system_notification.
func (b *Broadcaster) BroadcastSystemNotification(ctx context.Context, e SystemNotification) error {
	return b.Publish(ctx, &e)
}
