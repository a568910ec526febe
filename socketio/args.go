package socketio

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// Args are the arguments of an incoming event or ack: raw JSON values and
// the binary attachments their placeholders refer to.
type Args struct {
	raw         []json.RawMessage
	attachments [][]byte
}

// NewArgs returns Args over raw JSON values and their attachments.
func NewArgs(raw []json.RawMessage, attachments [][]byte) Args {
	return Args{raw: raw, attachments: attachments}
}

// Len returns the number of arguments.
func (a Args) Len() int { return len(a.raw) }

// Raw returns argument i as raw JSON, byte for byte as the client sent it
// (binary values appear as placeholders).
func (a Args) Raw(i int) json.RawMessage { return a.raw[i] }

// Attachments returns the binary attachments.
func (a Args) Attachments() [][]byte { return a.attachments }

// Decode stores argument i in v, as json.Unmarshal does. Binary values
// decode into []byte fields and variables.
func (a Args) Decode(i int, v any) error {
	if i < 0 || i >= len(a.raw) {
		return fmt.Errorf("socketio: argument %d of %d", i, len(a.raw))
	}
	raw := a.raw[i]
	if len(a.attachments) > 0 {
		if n, ok := parser.IsPlaceholder(raw); ok && n < len(a.attachments) {
			if p, ok := v.(*[]byte); ok {
				*p = a.attachments[n]
				return nil
			}
		}
		if bytes.Contains(raw, []byte("_placeholder")) {
			val, err := a.value(raw)
			if err != nil {
				return err
			}
			b, err := json.Marshal(val) // []byte become base64 strings
			if err != nil {
				return err
			}
			raw = b
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("socketio: argument %d: %w", i, err)
	}
	return nil
}

// Values returns the arguments as values that Emit sends unchanged:
// json.RawMessage for plain JSON (byte for byte), []byte for a binary
// argument, and maps and slices holding []byte where binary values are
// nested.
func (a Args) Values() []any {
	out := make([]any, len(a.raw))
	for i, raw := range a.raw {
		out[i] = raw
		if len(a.attachments) == 0 {
			continue
		}
		if n, ok := parser.IsPlaceholder(raw); ok && n < len(a.attachments) {
			out[i] = a.attachments[n]
		} else if bytes.Contains(raw, []byte("_placeholder")) {
			if v, err := a.value(raw); err == nil {
				out[i] = v
			}
		}
	}
	return out
}

// value decodes raw into maps, slices and json.Number, with placeholders
// replaced by their attachments.
func (a Args) value(raw json.RawMessage) (any, error) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return a.resolve(v), nil
}

func (a Args) resolve(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if ph, _ := x["_placeholder"].(bool); ph && len(x) == 2 {
			if n, ok := x["num"].(json.Number); ok {
				if k, err := n.Int64(); err == nil && k >= 0 && int(k) < len(a.attachments) {
					return a.attachments[k]
				}
			}
		}
		for k, e := range x {
			x[k] = a.resolve(e)
		}
	case []any:
		for k, e := range x {
			x[k] = a.resolve(e)
		}
	}
	return v
}
