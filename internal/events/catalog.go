package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// catalog lists the events in the order the seed names them.
var catalog = []Event{
	&VoicemailCreated{}, &VoicemailUpdated{},
	&CallIncoming{}, &CallStatusChanged{}, &CallCompleted{}, &CallRecordingAvailable{},
	&MessageReceived{}, &MessageStatusChanged{}, &ConversationUpdated{},
	&TaskAssigned{}, &TaskAccepted{}, &TaskRejected{}, &TaskCompleted{},
	&WorkerStatusChanged{}, &WorkerActivityChanged{},
	&UserPresenceUpdated{},
	&SystemNotification{},
}

var byName = func() map[string]reflect.Type {
	m := make(map[string]reflect.Type, len(catalog))
	for _, e := range catalog {
		m[e.EventName()] = reflect.TypeOf(e).Elem()
	}
	return m
}()

// Names returns the names of all events, in catalog order.
func Names() []string {
	out := make([]string, len(catalog))
	for i, e := range catalog {
		out[i] = e.EventName()
	}
	return out
}

// New returns a zero event of the given name, or nil for an unknown name.
func New(name string) Event {
	t, ok := byName[name]
	if !ok {
		return nil
	}
	return reflect.New(t).Interface().(Event)
}

// ErrUnknownEvent is returned by Decode for a name not in the catalog.
var ErrUnknownEvent = errors.New("events: unknown event type")

// Decode parses data as the event called name, rejecting unknown fields,
// and validates it. Errors name the offending field.
func Decode(name string, data json.RawMessage) (Event, error) {
	e := New(name)
	if e == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownEvent, name)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(e); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, &FieldError{Field: te.Field, Problem: "must be a " + te.Type.String()}
		}
		return nil, fmt.Errorf("events: %s: %w", name, err)
	}
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return e, nil
}
