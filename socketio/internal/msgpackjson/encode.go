package msgpackjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// MaxDepth bounds the nesting of a value, far above any real event.
const MaxDepth = 128

// ErrDepth is returned for a value nested deeper than MaxDepth.
var ErrDepth = errors.New("msgpackjson: value nested too deep")

// ErrJSON is returned for malformed JSON.
var ErrJSON = errors.New("msgpackjson: malformed JSON")

// WriteJSON writes the JSON value data as MessagePack to w
// (through e, which writes to w unbuffered), each attachment placeholder
// as the bin of its attachment.
func WriteJSON(e *msgpack.Encoder, w *bytes.Buffer, data []byte, attachments [][]byte) error {
	counts, err := memberCounts(data)
	if err != nil {
		return err
	}
	t := jsonTranscoder{e: e, w: w, b: data, att: attachments, counts: counts}
	if err := t.value(0); err != nil {
		return err
	}
	if t.skipWS(); t.i != len(t.b) {
		return fmt.Errorf("msgpackjson: trailing data after JSON value")
	}
	return nil
}

// memberCounts returns the number of members of every object and array of
// data, in the order they open: MessagePack writes the count first.
func memberCounts(b []byte) ([]int, error) {
	type open struct {
		idx   int
		empty bool
	}
	var counts []int
	stack := make([]open, 0, 8)
	touch := func() {
		if len(stack) > 0 {
			stack[len(stack)-1].empty = false
		}
	}
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '"':
			touch()
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			touch()
			if len(stack) >= MaxDepth {
				return nil, ErrDepth
			}
			counts = append(counts, 0)
			stack = append(stack, open{idx: len(counts) - 1, empty: true})
		case '}', ']':
			if len(stack) == 0 {
				return nil, ErrJSON
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !top.empty {
				counts[top.idx]++ // members are commas + 1
			}
		case ',':
			if len(stack) == 0 {
				return nil, ErrJSON
			}
			counts[stack[len(stack)-1].idx]++
		case ' ', '\t', '\n', '\r', ':':
		default:
			touch()
		}
	}
	if len(stack) != 0 {
		return nil, ErrJSON
	}
	return counts, nil
}

type jsonTranscoder struct {
	e      *msgpack.Encoder
	w      *bytes.Buffer
	b      []byte
	i      int
	att    [][]byte
	counts []int
	ci     int // the next container's index in counts
}

func (t *jsonTranscoder) skipWS() {
	for t.i < len(t.b) {
		switch t.b[t.i] {
		case ' ', '\t', '\n', '\r':
			t.i++
		default:
			return
		}
	}
}

func (t *jsonTranscoder) value(depth int) error {
	if depth > MaxDepth {
		return ErrDepth
	}
	t.skipWS()
	if t.i >= len(t.b) {
		return ErrJSON
	}
	switch c := t.b[t.i]; {
	case c == '{':
		return t.object(depth)
	case c == '[':
		return t.array(depth)
	case c == '"':
		return t.str()
	case c == 't' && bytes.HasPrefix(t.b[t.i:], []byte("true")):
		t.i += 4
		return t.e.EncodeBool(true)
	case c == 'f' && bytes.HasPrefix(t.b[t.i:], []byte("false")):
		t.i += 5
		return t.e.EncodeBool(false)
	case c == 'n' && bytes.HasPrefix(t.b[t.i:], []byte("null")):
		t.i += 4
		return t.e.EncodeNil()
	case c == '-' || (c >= '0' && c <= '9'):
		return t.number()
	}
	return ErrJSON
}

// str writes a JSON string as a MessagePack str.
func (t *jsonTranscoder) str() error {
	start := t.i
	t.i++
	escaped := false
	for t.i < len(t.b) {
		switch t.b[t.i] {
		case '\\':
			escaped = true
			t.i += 2
			continue
		case '"':
			t.i++
			if !escaped {
				writeStr(t.w, t.b[start+1:t.i-1])
				return nil
			}
			var s string
			if err := json.Unmarshal(t.b[start:t.i], &s); err != nil {
				return ErrJSON
			}
			writeStr(t.w, []byte(s))
			return nil
		}
		t.i++
	}
	return ErrJSON
}

// writeStr writes a MessagePack str.
func writeStr(w *bytes.Buffer, s []byte) {
	switch n := len(s); {
	case n < 32:
		w.WriteByte(0xa0 | byte(n))
	case n < 1<<8:
		w.Write([]byte{0xd9, byte(n)})
	case n < 1<<16:
		w.Write([]byte{0xda, byte(n >> 8), byte(n)})
	default:
		w.Write([]byte{0xdb, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
	}
	w.Write(s)
}

func (t *jsonTranscoder) number() error {
	start := t.i
	isFloat := false
	for t.i < len(t.b) {
		c := t.b[t.i]
		if c == '.' || c == 'e' || c == 'E' {
			isFloat = true
		} else if !(c == '-' || c == '+' || (c >= '0' && c <= '9')) {
			break
		}
		t.i++
	}
	num := t.b[start:t.i]
	if !isFloat && len(num) < 19 { // fits an int64
		var n int64
		neg := num[0] == '-'
		digits := num
		if neg {
			digits = num[1:]
		}
		if len(digits) == 0 {
			return ErrJSON
		}
		for _, d := range digits {
			if d < '0' || d > '9' {
				return ErrJSON
			}
			n = n*10 + int64(d-'0')
		}
		if neg {
			n = -n
		}
		return t.e.EncodeInt(n)
	}
	s := string(num)
	if !isFloat {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return t.e.EncodeInt(n)
		}
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return t.e.EncodeUint(n)
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return ErrJSON
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return t.e.EncodeInt(int64(f)) // as notepack writes integral numbers
	}
	return t.e.EncodeFloat64(f)
}

// nextCount returns the member count of the next container.
func (t *jsonTranscoder) nextCount() (int, error) {
	if t.ci >= len(t.counts) {
		return 0, ErrJSON
	}
	n := t.counts[t.ci]
	t.ci++
	return n, nil
}

// placeholder returns the end of the placeholder object at t.i and its
// attachment, if it is one.
func (t *jsonTranscoder) placeholder() (int, []byte, bool) {
	if len(t.att) == 0 {
		return 0, nil, false
	}
	j := t.i + 1
	for j < len(t.b) && (t.b[j] == ' ' || t.b[j] == '\t' || t.b[j] == '\n' || t.b[j] == '\r') {
		j++
	}
	rest := t.b[j:]
	if !bytes.HasPrefix(rest, []byte(`"_placeholder"`)) && !bytes.HasPrefix(rest, []byte(`"num"`)) {
		return 0, nil, false
	}
	end := bytes.IndexByte(rest, '}')
	if end < 0 {
		return 0, nil, false
	}
	end += j + 1
	if n, ok := parser.IsPlaceholder(t.b[t.i:end]); ok && n < len(t.att) {
		return end, t.att[n], true
	}
	return 0, nil, false
}

func (t *jsonTranscoder) object(depth int) error {
	n, err := t.nextCount()
	if err != nil {
		return err
	}
	if end, att, ok := t.placeholder(); ok {
		t.i = end
		return t.e.EncodeBytes(att)
	}
	if err := t.e.EncodeMapLen(n); err != nil {
		return err
	}
	t.i++ // '{'
	for k := 0; k < n; k++ {
		t.skipWS()
		if t.i >= len(t.b) || t.b[t.i] != '"' {
			return ErrJSON
		}
		if err := t.str(); err != nil {
			return err
		}
		t.skipWS()
		if t.i >= len(t.b) || t.b[t.i] != ':' {
			return ErrJSON
		}
		t.i++
		if err := t.value(depth + 1); err != nil {
			return err
		}
		t.skipWS()
		if t.i < len(t.b) && t.b[t.i] == ',' {
			t.i++
		}
	}
	t.skipWS()
	if t.i >= len(t.b) || t.b[t.i] != '}' {
		return ErrJSON
	}
	t.i++
	return nil
}

func (t *jsonTranscoder) array(depth int) error {
	n, err := t.nextCount()
	if err != nil {
		return err
	}
	if err := t.e.EncodeArrayLen(n); err != nil {
		return err
	}
	t.i++ // '['
	for k := 0; k < n; k++ {
		if err := t.value(depth + 1); err != nil {
			return err
		}
		t.skipWS()
		if t.i < len(t.b) && t.b[t.i] == ',' {
			t.i++
		}
	}
	t.skipWS()
	if t.i >= len(t.b) || t.b[t.i] != ']' {
		return ErrJSON
	}
	t.i++
	return nil
}
