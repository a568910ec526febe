package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// BroadcastTypeScriptFile is where the generated server helpers of the npm
// package live (its "./server" entry), relative to the repository root.
const BroadcastTypeScriptFile = "web/src/generated/broadcast.ts"

// BroadcastTypeScript returns the TypeScript of the package's server
// helpers: for each event, the input type POST /api/internal/events accepts
// (the fields Validate requires are required, every other field optional,
// id and occurredAt optional since the service fills them), the
// BroadcastEvent union, and one broadcast function per event, named
// broadcast + the event's name in PascalCase.
//
// Which fields are required is found by probing Validate, not kept by
// hand: a sample event with every field set must validate, and a field is
// required when the sample with that field zeroed does not. A field's tsin
// tag overrides its input type (and its requiredness stays probed).
func BroadcastTypeScript() []byte {
	var b bytes.Buffer
	b.WriteString("// Code generated from internal/events by `go generate ./internal/events`; DO NOT EDIT.\n\n")
	b.WriteString("import { broadcast, type BroadcastOptions } from \"../server/broadcast.js\";\n")
	b.WriteString("import type { EventMeta } from \"./events.js\";\n\n")
	written := map[reflect.Type]bool{}
	for _, e := range catalog {
		t := reflect.TypeOf(e).Elem()
		sample := reflect.New(t)
		fillSample(sample.Elem())
		if err := sample.Interface().(Event).Validate(); err != nil {
			panic(fmt.Sprintf("events: the sample %s does not validate (%v): teach fillSample its rules", t.Name(), err))
		}
		fmt.Fprintf(&b, "/**\n * The data of %s as POST /api/internal/events accepts it: the fields the\n * service validates are required; id and occurredAt are filled in when absent.\n */\n", e.EventName())
		writeInput(&b, t, sample, nil, written)
	}
	b.WriteString("/** The data of each event, by name, as the internal API accepts it. */\nexport interface EventInputs {\n")
	for _, e := range catalog {
		fmt.Fprintf(&b, "  %s: %sInput;\n", e.EventName(), reflect.TypeOf(e).Elem().Name())
	}
	b.WriteString("}\n\n")
	b.WriteString("/** An event to broadcast: its type (an event name) and its data. */\n")
	b.WriteString("export type BroadcastEvent = { [N in keyof EventInputs]: { type: N; data: EventInputs[N] } }[keyof EventInputs];\n\n")
	b.WriteString("/** One function per event; each resolves to the id the service gave the event. */\nexport interface EventBroadcasters {\n")
	for _, e := range catalog {
		fmt.Fprintf(&b, "  /** Broadcasts %s to the rooms its routing policy names. */\n", e.EventName())
		fmt.Fprintf(&b, "  %s(payload: %sInput, options?: BroadcastOptions): Promise<string>;\n", BroadcastFuncName(e.EventName()), reflect.TypeOf(e).Elem().Name())
	}
	b.WriteString("}\n\n")
	b.WriteString("/** The per-event functions of a broadcast function (createKinrtServer uses it). */\n")
	b.WriteString("export function eventBroadcasters(send: (event: BroadcastEvent, options?: BroadcastOptions) => Promise<string>): EventBroadcasters {\n  return {\n")
	for _, e := range catalog {
		fmt.Fprintf(&b, "    %s: (payload, options) => send({ type: %q, data: payload }, options),\n", BroadcastFuncName(e.EventName()), e.EventName())
	}
	b.WriteString("  };\n}\n")
	for _, e := range catalog {
		fmt.Fprintf(&b, "\n/**\n * Broadcasts %s through the service at KINRT_URL (else\n * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.\n */\n", e.EventName())
		fmt.Fprintf(&b, "export function %s(payload: %sInput, options?: BroadcastOptions): Promise<string> {\n", BroadcastFuncName(e.EventName()), reflect.TypeOf(e).Elem().Name())
		fmt.Fprintf(&b, "  return broadcast({ type: %q, data: payload }, options);\n}\n", e.EventName())
	}
	return b.Bytes()
}

// BroadcastFuncName returns the name of an event's broadcast function:
// "voicemail_created" gives "broadcastVoicemailCreated".
func BroadcastFuncName(event string) string {
	var b strings.Builder
	b.WriteString("broadcast")
	for _, part := range strings.Split(event, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// writeInput writes the input interface of the struct at path inside the
// sample event root (a pointer), then those of its nested structs.
func writeInput(b *bytes.Buffer, t reflect.Type, root reflect.Value, path []int, written map[reflect.Type]bool) {
	written[t] = true
	ext := ""
	if path == nil {
		ext = " extends Partial<EventMeta>"
	}
	fmt.Fprintf(b, "export interface %sInput%s {\n", t.Name(), ext)
	var nested []nestedInput
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		fpath := append(append([]int(nil), path...), i)
		optional := "?"
		if requiredOnInput(root, fpath) {
			optional = ""
		}
		ts := f.Tag.Get("tsin")
		if ts == "" {
			ts = inputType(f, &nested, fpath)
		}
		fmt.Fprintf(b, "  %s%s: %s;\n", name, optional, ts)
	}
	b.WriteString("}\n\n")
	for _, n := range nested {
		if !written[n.t] {
			writeInput(b, n.t, root, n.path, written)
		}
	}
}

// nestedInput is a struct field whose input type is still to be written.
type nestedInput struct {
	t    reflect.Type
	path []int
}

// inputType returns the TypeScript input type of field f at path.
func inputType(f reflect.StructField, nested *[]nestedInput, path []int) string {
	if f.Type == timeType {
		return "string | Date"
	}
	if f.Type.Kind() == reflect.Struct && f.Type != rawType {
		*nested = append(*nested, nestedInput{f.Type, path})
		return f.Type.Name() + "Input"
	}
	if ts := f.Tag.Get("ts"); ts != "" {
		return ts
	}
	var ignored []reflect.Type
	return tsType(f.Type, &ignored)
}

// requiredOnInput reports whether the sample event root fails validation
// with the field at path zeroed.
func requiredOnInput(root reflect.Value, path []int) bool {
	c := reflect.New(root.Elem().Type())
	c.Elem().Set(root.Elem())
	c.Elem().FieldByIndex(path).SetZero()
	return c.Interface().(Event).Validate() != nil
}

// fillSample sets every exported field of the struct v to a non-zero value
// its Validate accepts: the first literal of a ts union for strings that
// have one, else "x", 1, true, a time, an empty JSON object.
func fillSample(v reflect.Value) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous || !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		switch {
		case f.Type == timeType:
			fv.Set(reflect.ValueOf(time.Unix(1, 0).UTC()))
		case f.Type == rawType:
			fv.Set(reflect.ValueOf(json.RawMessage(`{}`)))
		case f.Type.Kind() == reflect.String:
			fv.SetString(firstLiteral(f.Tag.Get("ts")))
		case f.Type.Kind() == reflect.Bool:
			fv.SetBool(true)
		case fv.CanInt():
			fv.SetInt(1)
		case fv.CanUint():
			fv.SetUint(1)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
			fv.Set(reflect.ValueOf([]string{"x"}).Convert(f.Type))
		case f.Type.Kind() == reflect.Struct:
			fillSample(fv)
		}
	}
}

// firstLiteral returns the first string literal of a ts union such as
// "'new' | 'listened'", or "x" when ts is not one.
func firstLiteral(ts string) string {
	first, _, _ := strings.Cut(ts, "|")
	first = strings.TrimSpace(first)
	if len(first) >= 2 && first[0] == '\'' && first[len(first)-1] == '\'' {
		return first[1 : len(first)-1]
	}
	return "x"
}
