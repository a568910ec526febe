package parser

import (
	"bytes"
	"encoding/json"
)

// isReserved reports whether name is an event name a client may not emit.
func isReserved(name string) bool {
	switch name {
	case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
		return true
	}
	return false
}

// validate checks the ack id and the data of a packet of type t with n
// attachments against what the type allows.
func validate(t Type, hasID bool, data []byte, n int) error {
	switch t {
	case Connect, Disconnect, ConnectError:
		if hasID {
			return errorf("%v packet with an ack id", t)
		}
	case Ack, BinaryAck:
		if !hasID {
			return errorf("%v packet without an ack id", t)
		}
	}

	first := byte(0)
	if i := skipWS(data, 0); i < len(data) {
		first = data[i]
	}
	switch t {
	case Connect:
		if data == nil {
			return nil
		}
		if first != '{' {
			return errorf("CONNECT data must be a JSON object")
		}
	case Disconnect:
		if data != nil {
			return errorf("DISCONNECT packet with data")
		}
		return nil
	case ConnectError:
		if first != '{' && first != '"' {
			return errorf("CONNECT_ERROR data must be a JSON string or object")
		}
	default: // the event and ack types
		if first != '[' {
			return errorf("%v data must be a JSON array", t)
		}
	}
	if !validJSON(data) {
		return errorf("%v data is not valid JSON", t)
	}
	if t == Event || t == BinaryEvent {
		if err := checkEventName(data); err != nil {
			return err
		}
	}
	if t.IsBinary() {
		return checkPlaceholders(data, n)
	}
	return nil
}

// checkEventName checks the first element of data, a valid JSON array: it
// must be a number or a string that is not a reserved event name.
func checkEventName(data []byte) error {
	i := skipWS(data, skipWS(data, 0)+1)
	if i >= len(data) {
		return errorf("event without a name")
	}
	switch c := data[i]; {
	case c == '-' || isDigit(c):
		return nil
	case c == '"':
		tok := data[i:skipString(data, i)]
		name := tok[1 : len(tok)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			// Escaped (rare): let encoding/json unquote it.
			var u string
			if json.Unmarshal(tok, &u) != nil {
				return errorf("invalid event name") // not reached on valid JSON
			}
			name = []byte(u)
		}
		if isReserved(string(name)) {
			return errorf("reserved event name %q", name)
		}
		return nil
	default:
		return errorf("event without a name")
	}
}

// stringTokenIs reports whether tok, a valid JSON string with its quotes,
// denotes s.
func stringTokenIs(tok []byte, s string) bool {
	if bytes.IndexByte(tok, '\\') < 0 {
		return len(tok) == len(s)+2 && string(tok[1:len(tok)-1]) == s
	}
	// Escaped (rare): let encoding/json unquote it.
	var u string
	return json.Unmarshal(tok, &u) == nil && u == s
}

// checkPlaceholders checks that every object of data (valid JSON) that has
// the member "_placeholder": true is a placeholder with a num below n.
func checkPlaceholders(data []byte, n int) error {
	type frame struct {
		start  int  // index of '{'
		marked bool // has "_placeholder": true
	}
	var buf [16]frame
	stack := buf[:0]
	for i := 0; i < len(data); {
		switch data[i] {
		case '"':
			end := skipString(data, i)
			if len(stack) > 0 && isPlaceholderMember(data, i, end) {
				stack[len(stack)-1].marked = true
			}
			i = end
		case '{':
			stack = append(stack, frame{start: i})
			i++
		case '}':
			if len(stack) == 0 {
				return errorf("unbalanced JSON") // not reached on valid JSON
			}
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			i++
			if !f.marked {
				continue
			}
			num, ok := IsPlaceholder(data[f.start:i])
			if !ok {
				return errorf("malformed attachment placeholder %s", data[f.start:i])
			}
			if num >= n {
				return errorf("attachment placeholder num %d out of range (%d attachments)", num, n)
			}
		default:
			i++
		}
	}
	return nil
}

// isPlaceholderMember reports whether the string data[start:end] is the
// key "_placeholder" of a member whose value is true.
func isPlaceholderMember(data []byte, start, end int) bool {
	j := skipWS(data, end)
	if j >= len(data) || data[j] != ':' {
		return false // not a key
	}
	j = skipWS(data, j+1)
	if j >= len(data) || data[j] != 't' {
		return false
	}
	return stringTokenIs(data[start:end], "_placeholder")
}
