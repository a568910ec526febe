package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

//go:generate go test -run TestTypeScriptIsCurrent -update

// TypeScriptFile is where the generated types live, relative to the
// repository root.
const TypeScriptFile = "web/src/generated/events.ts"

// TypeScript returns the TypeScript declarations of the catalog: one
// interface per event and the ServerToClientEvents map that types
// socket.io-client's on/off.
func TypeScript() []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated from internal/events by `go generate ./internal/events`; DO NOT EDIT.\n\n")
	b.WriteString("/** Carried by every event. */\nexport interface EventMeta {\n  /** Identifies the event (not the record); use it to drop duplicates. */\n  id: string;\n  /** ISO 8601 time of the event. */\n  occurredAt: string;\n}\n\n")
	written := map[reflect.Type]bool{}
	var nested []reflect.Type
	for _, e := range catalog {
		t := reflect.TypeOf(e).Elem()
		writeInterface(&b, t, true, &nested)
		written[t] = true
	}
	for len(nested) > 0 {
		t := nested[0]
		nested = nested[1:]
		if written[t] {
			continue
		}
		written[t] = true
		writeInterface(&b, t, false, &nested)
	}
	b.WriteString("/** Every event the server emits, by name: types socket.io-client's `on` and `off`. */\nexport interface ServerToClientEvents {\n")
	for _, e := range catalog {
		fmt.Fprintf(&b, "  %s: (payload: %s) => void;\n", e.EventName(), reflect.TypeOf(e).Elem().Name())
	}
	b.WriteString("}\n\n/** The name of an event. */\nexport type EventName = keyof ServerToClientEvents;\n\n")
	b.WriteString("/** The payload of the event called N. */\nexport type EventPayload<N extends EventName> = Parameters<ServerToClientEvents[N]>[0];\n\n")
	b.WriteString("/** All event names, in catalog order. */\nexport const EVENT_NAMES = [\n")
	for _, e := range catalog {
		fmt.Fprintf(&b, "  %q,\n", e.EventName())
	}
	b.WriteString("] as const satisfies readonly EventName[];\n")
	return b.Bytes()
}

func writeInterface(b *bytes.Buffer, t reflect.Type, event bool, nested *[]reflect.Type) {
	ext := ""
	if event {
		ext = " extends EventMeta"
	}
	fmt.Fprintf(b, "export interface %s%s {\n", t.Name(), ext)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() {
			continue
		}
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		optional := ""
		if strings.Contains(opts, "omitempty") || strings.Contains(opts, "omitzero") {
			optional = "?"
		}
		ts := f.Tag.Get("ts")
		if ts == "" {
			ts = tsType(f.Type, nested)
		}
		fmt.Fprintf(b, "  %s%s: %s;\n", name, optional, ts)
	}
	b.WriteString("}\n\n")
}

var (
	timeType = reflect.TypeOf(time.Time{})
	rawType  = reflect.TypeOf(json.RawMessage{})
)

func tsType(t reflect.Type, nested *[]reflect.Type) string {
	switch {
	case t == timeType:
		return "string"
	case t == rawType:
		return "unknown"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return tsType(t.Elem(), nested) + "[]"
	case reflect.Pointer:
		return tsType(t.Elem(), nested) + " | null"
	case reflect.Map:
		return "Record<string, " + tsType(t.Elem(), nested) + ">"
	case reflect.Struct:
		*nested = append(*nested, t)
		return t.Name()
	}
	return "unknown"
}
