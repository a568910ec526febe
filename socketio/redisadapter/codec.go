package redisadapter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// The Node adapter encodes with notepack.io: a packet's data travels as a
// MessagePack value in which binary values are bin (Buffer) where our
// packets have JSON with attachment placeholders. These two functions
// convert one into the other.

// maxDepth bounds the nesting of a value, far above any real event.
const maxDepth = 128

var errDepth = errors.New("redisadapter: value nested too deep")

// appendJSONAsMsgpack writes the JSON value data as MessagePack to w
// (through e, which writes to w unbuffered), each attachment placeholder
// as the bin of its attachment.
func appendJSONAsMsgpack(e *msgpack.Encoder, w *bytes.Buffer, data []byte, attachments [][]byte) error {
	counts, err := memberCounts(data)
	if err != nil {
		return err
	}
	t := jsonTranscoder{e: e, w: w, b: data, att: attachments, counts: counts}
	if err := t.value(0); err != nil {
		return err
	}
	if t.skipWS(); t.i != len(t.b) {
		return fmt.Errorf("redisadapter: trailing data after JSON value")
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
			if len(stack) >= maxDepth {
				return nil, errDepth
			}
			counts = append(counts, 0)
			stack = append(stack, open{idx: len(counts) - 1, empty: true})
		case '}', ']':
			if len(stack) == 0 {
				return nil, errJSON
			}
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !top.empty {
				counts[top.idx]++ // members are commas + 1
			}
		case ',':
			if len(stack) == 0 {
				return nil, errJSON
			}
			counts[stack[len(stack)-1].idx]++
		case ' ', '\t', '\n', '\r', ':':
		default:
			touch()
		}
	}
	if len(stack) != 0 {
		return nil, errJSON
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

var errJSON = errors.New("redisadapter: malformed JSON")

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
	if depth > maxDepth {
		return errDepth
	}
	t.skipWS()
	if t.i >= len(t.b) {
		return errJSON
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
	return errJSON
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
				return errJSON
			}
			writeStr(t.w, []byte(s))
			return nil
		}
		t.i++
	}
	return errJSON
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
			return errJSON
		}
		for _, d := range digits {
			if d < '0' || d > '9' {
				return errJSON
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
		return errJSON
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		return t.e.EncodeInt(int64(f)) // as notepack writes integral numbers
	}
	return t.e.EncodeFloat64(f)
}

// nextCount returns the member count of the next container.
func (t *jsonTranscoder) nextCount() (int, error) {
	if t.ci >= len(t.counts) {
		return 0, errJSON
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
			return errJSON
		}
		if err := t.str(); err != nil {
			return err
		}
		t.skipWS()
		if t.i >= len(t.b) || t.b[t.i] != ':' {
			return errJSON
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
		return errJSON
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
		return errJSON
	}
	t.i++
	return nil
}

// msgpackReader reads MessagePack values from a byte slice; lengths are
// checked against what is left, so that a hostile length allocates
// nothing.
type msgpackReader struct {
	r *bytes.Reader
	d *msgpack.Decoder
}

func newMsgpackReader(b []byte) *msgpackReader {
	r := bytes.NewReader(b)
	return &msgpackReader{r: r, d: msgpack.NewDecoder(r)}
}

var errShort = errors.New("redisadapter: truncated message")

// raw reads the body of a str or bin whose header says n bytes.
func (m *msgpackReader) raw(n int) ([]byte, error) {
	if n < 0 {
		return nil, nil
	}
	if n > m.r.Len() {
		return nil, errShort
	}
	b := make([]byte, n)
	if err := m.d.ReadFull(b); err != nil {
		return nil, err
	}
	return b, nil
}

// str reads a str or bin as a string.
func (m *msgpackReader) str() (string, error) {
	n, err := m.d.DecodeBytesLen()
	if err != nil {
		return "", err
	}
	b, err := m.raw(n)
	return string(b), err
}

// strings reads an array of room names; numbers become their decimal
// text, as rooms are in the Node adapter.
func (m *msgpackReader) strings() ([]string, error) {
	c, err := m.d.PeekCode()
	if err != nil {
		return nil, err
	}
	if c == msgpcode.Nil {
		return nil, m.d.DecodeNil()
	}
	n, err := m.d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	var out []string
	for k := 0; k < n; k++ {
		c, err := m.d.PeekCode()
		if err != nil {
			return nil, err
		}
		if msgpcode.IsString(c) || msgpcode.IsBin(c) {
			s, err := m.str()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		var b []byte
		jt := &msgpackTranscoder{m: m}
		if b, err = jt.value(nil, 0); err != nil {
			return nil, err
		}
		out = append(out, string(bytes.Trim(b, `"`)))
	}
	return out, nil
}

// msgpackTranscoder writes a MessagePack value as JSON, moving binary
// values into attachments.
type msgpackTranscoder struct {
	m   *msgpackReader
	att [][]byte
}

// readJSON reads one MessagePack value as JSON with placeholders, and the
// attachments they refer to.
func (m *msgpackReader) readJSON() (json.RawMessage, [][]byte, error) {
	t := msgpackTranscoder{m: m}
	b, err := t.value(nil, 0)
	return b, t.att, err
}

// isUndefined reports whether the next value is notepack's undefined
// (fixext 1 of type 0), and skips it.
func (t *msgpackTranscoder) isUndefined() (bool, error) {
	c, err := t.m.d.PeekCode()
	if err != nil || c != msgpcode.FixExt1 {
		return false, err
	}
	b := t.m.r
	if b.Len() < 3 {
		return false, errShort
	}
	var hdr [3]byte
	if _, err := b.ReadAt(hdr[:], b.Size()-int64(b.Len())); err != nil {
		return false, err
	}
	if hdr[1] != 0 {
		return false, nil
	}
	return true, t.m.d.ReadFull(hdr[:])
}

func (t *msgpackTranscoder) value(dst []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errDepth
	}
	d := t.m.d
	c, err := d.PeekCode()
	if err != nil {
		return nil, err
	}
	switch {
	case c == msgpcode.Nil:
		return append(dst, "null"...), d.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		v, err := d.DecodeBool()
		return strconv.AppendBool(dst, v), err
	case msgpcode.IsString(c):
		s, err := t.m.str()
		return appendJSONString(dst, s), err
	case msgpcode.IsBin(c):
		n, err := d.DecodeBytesLen()
		if err != nil {
			return nil, err
		}
		b, err := t.m.raw(n)
		if err != nil {
			return nil, err
		}
		return t.attach(dst, b), nil
	case c == msgpcode.Float || c == msgpcode.Double:
		f, err := d.DecodeFloat64()
		return appendFloat(dst, f), err
	case msgpcode.IsFixedNum(c) || c == msgpcode.Int8 || c == msgpcode.Int16 || c == msgpcode.Int32 || c == msgpcode.Int64:
		n, err := d.DecodeInt64()
		return strconv.AppendInt(dst, n, 10), err
	case c == msgpcode.Uint8 || c == msgpcode.Uint16 || c == msgpcode.Uint32 || c == msgpcode.Uint64:
		n, err := d.DecodeUint64()
		return strconv.AppendUint(dst, n, 10), err
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		return t.array(dst, depth)
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		return t.object(dst, depth)
	case msgpcode.IsExt(c):
		return t.ext(dst)
	}
	return nil, fmt.Errorf("redisadapter: unexpected MessagePack code %#x", c)
}

func (t *msgpackTranscoder) attach(dst, b []byte) []byte {
	dst = parser.AppendPlaceholder(dst, len(t.att))
	t.att = append(t.att, b)
	return dst
}

func (t *msgpackTranscoder) array(dst []byte, depth int) ([]byte, error) {
	n, err := t.m.d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	dst = append(dst, '[')
	for k := 0; k < n; k++ {
		if k > 0 {
			dst = append(dst, ',')
		}
		if undef, err := t.isUndefined(); err != nil {
			return nil, err
		} else if undef {
			dst = append(dst, "null"...) // as JSON.stringify writes it
			continue
		}
		if dst, err = t.value(dst, depth+1); err != nil {
			return nil, err
		}
	}
	return append(dst, ']'), nil
}

func (t *msgpackTranscoder) object(dst []byte, depth int) ([]byte, error) {
	n, err := t.m.d.DecodeMapLen()
	if err != nil {
		return nil, err
	}
	dst = append(dst, '{')
	first := true
	for k := 0; k < n; k++ {
		key, err := t.key()
		if err != nil {
			return nil, err
		}
		if undef, err := t.isUndefined(); err != nil {
			return nil, err
		} else if undef {
			continue // JSON.stringify leaves such a member out
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, key)
		dst = append(dst, ':')
		if dst, err = t.value(dst, depth+1); err != nil {
			return nil, err
		}
	}
	return append(dst, '}'), nil
}

// key reads a map key: a string, or a number written as its text.
func (t *msgpackTranscoder) key() (string, error) {
	c, err := t.m.d.PeekCode()
	if err != nil {
		return "", err
	}
	if msgpcode.IsString(c) || msgpcode.IsBin(c) {
		return t.m.str()
	}
	sub := msgpackTranscoder{m: t.m}
	b, err := sub.value(nil, maxDepth) // scalars only
	if err != nil {
		return "", err
	}
	if len(sub.att) > 0 || (len(b) > 0 && (b[0] == '{' || b[0] == '[')) {
		return "", fmt.Errorf("redisadapter: map key is not a scalar")
	}
	return string(bytes.Trim(b, `"`)), nil
}

// ext converts notepack's extensions: undefined becomes null, a timestamp
// (type -1, and notepack 2's date, type 0 of 8 bytes) its ISO text as
// Date.toJSON writes it, an ArrayBuffer (type 0) binary; any other is
// [type, binary], as notepack decodes it.
func (t *msgpackTranscoder) ext(dst []byte) ([]byte, error) {
	id, n, err := t.m.d.DecodeExtHeader()
	if err != nil {
		return nil, err
	}
	b, err := t.m.raw(n)
	if err != nil {
		return nil, err
	}
	switch {
	case id == 0 && n == 1:
		return append(dst, "null"...), nil
	case id == 0 && n == 8:
		ms := int64(uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
			uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7]))
		return appendTime(dst, time.UnixMilli(ms)), nil
	case id == 0:
		return t.attach(dst, b), nil
	case id == -1:
		if tm, ok := decodeTimestamp(b); ok {
			return appendTime(dst, tm), nil
		}
	}
	dst = append(dst, '[')
	dst = strconv.AppendInt(dst, int64(id), 10)
	dst = append(dst, ',')
	dst = t.attach(dst, b)
	return append(dst, ']'), nil
}

// decodeTimestamp decodes the MessagePack timestamp extension.
func decodeTimestamp(b []byte) (time.Time, bool) {
	be32 := func(b []byte) uint64 { return uint64(b[0])<<24 | uint64(b[1])<<16 | uint64(b[2])<<8 | uint64(b[3]) }
	switch len(b) {
	case 4:
		return time.Unix(int64(be32(b)), 0), true
	case 8:
		hi, lo := be32(b), be32(b[4:])
		return time.Unix(int64((hi&3)<<32|lo), int64(hi>>2)), true
	case 12:
		return time.Unix(int64(be32(b[4:])<<32|be32(b[8:])), int64(be32(b))), true
	}
	return time.Time{}, false
}

func appendTime(dst []byte, tm time.Time) []byte {
	dst = append(dst, '"')
	dst = tm.UTC().AppendFormat(dst, "2006-01-02T15:04:05.000Z")
	return append(dst, '"')
}

// appendFloat writes f as JSON.stringify does (null for NaN and infinities).
func appendFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as JavaScript writes it
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst
}

// appendJSONString writes s as a JSON string.
func appendJSONString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			b, _ := json.Marshal(s)
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
