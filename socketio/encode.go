package socketio

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// encoder builds a packet's JSON data, moving []byte values into
// attachments.
type encoder struct {
	buf         []byte
	attachments [][]byte
}

// appendValue appends v as JSON. json.RawMessage is written as is; []byte
// becomes a binary attachment, also inside map[string]any and []any;
// anything else goes through encoding/json (so []byte inside structs is
// base64 text).
func (e *encoder) appendValue(v any) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case json.RawMessage:
		if len(x) == 0 {
			e.buf = append(e.buf, "null"...)
		} else {
			e.buf = append(e.buf, x...)
		}
	case []byte:
		e.buf = parser.AppendPlaceholder(e.buf, len(e.attachments))
		e.attachments = append(e.attachments, x)
	case string:
		e.buf = appendString(e.buf, x)
	case bool:
		e.buf = strconv.AppendBool(e.buf, x)
	case int:
		e.buf = strconv.AppendInt(e.buf, int64(x), 10)
	case int64:
		e.buf = strconv.AppendInt(e.buf, x, 10)
	case map[string]any:
		if !hasBinary(x) {
			return e.marshal(x)
		}
		e.buf = append(e.buf, '{')
		first := true
		for k, val := range x {
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			e.buf = appendString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.appendValue(val); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	case []any:
		if !hasBinary(x) {
			return e.marshal(x)
		}
		e.buf = append(e.buf, '[')
		for k, val := range x {
			if k > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.appendValue(val); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	default:
		return e.marshal(v)
	}
	return nil
}

func (e *encoder) marshal(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	e.buf = append(e.buf, b...)
	return nil
}

func hasBinary(v any) bool {
	switch x := v.(type) {
	case []byte:
		return true
	case map[string]any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasBinary(e) {
				return true
			}
		}
	}
	return false
}

// appendString appends s as a JSON string; strings that need escaping go
// through encoding/json.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}

// appendArgs appends args as a JSON array.
func (e *encoder) appendArgs(args []any) error {
	e.buf = append(e.buf, '[')
	for k, a := range args {
		if k > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.appendValue(a); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// encodeEventData returns the JSON data ["name", args...] of an event and
// its binary attachments.
func encodeEventData(name string, args []any) ([]byte, [][]byte, error) {
	var e encoder
	e.buf = make([]byte, 0, 64)
	e.buf = append(e.buf, '[')
	e.buf = appendString(e.buf, name)
	for _, a := range args {
		e.buf = append(e.buf, ',')
		if err := e.appendValue(a); err != nil {
			return nil, nil, err
		}
	}
	e.buf = append(e.buf, ']')
	return e.buf, e.attachments, nil
}

// encodeAck returns the messages of the ACK for id.
func encodeAck(nsp string, id uint64, args []any) ([]engineio.Message, error) {
	// The arguments are appended after the header of a text ACK, in the
	// buffer that is sent: one buffer, no copy. An argument with binary
	// data (rare) makes it a BINARY_ACK, encoded again below.
	var e encoder
	hdr := &parser.Packet{Type: parser.Ack, Namespace: nsp, ID: id, HasID: true}
	e.buf = parser.AppendText(make([]byte, 0, len(nsp)+24+ackArgsHint), hdr)
	start := len(e.buf)
	if err := e.appendArgs(args); err != nil {
		return nil, err
	}
	if len(e.attachments) == 0 {
		return []engineio.Message{{Data: e.buf}}, nil
	}
	hdr.Type, hdr.Data, hdr.Attachments = parser.BinaryAck, e.buf[start:], e.attachments
	return packetMessages(hdr), nil
}

// ackArgsHint is the room left for an ack's arguments in its first
// buffer.
const ackArgsHint = 128

// packetMessages encodes p as Engine.IO messages: the text part, then one
// binary message per attachment.
func packetMessages(p *parser.Packet) []engineio.Message {
	msgs := make([]engineio.Message, 1, 1+len(p.Attachments))
	msgs[0] = engineio.Message{Data: parser.AppendText(make([]byte, 0, len(p.Data)+len(p.Namespace)+24), p)}
	for _, a := range p.Attachments {
		msgs = append(msgs, engineio.Message{Data: a, Binary: true})
	}
	return msgs
}

var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}

func isReserved(name string) bool { return reserved[name] }
