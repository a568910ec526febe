package msgpackjson

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

// Reader reads MessagePack values from a byte slice; lengths are
// checked against what is left, so that a hostile length allocates
// nothing.
type Reader struct {
	r *bytes.Reader
	d *msgpack.Decoder
}

// NewReader returns a Reader of b.
func NewReader(b []byte) *Reader {
	r := bytes.NewReader(b)
	return &Reader{r: r, d: msgpack.NewDecoder(r)}
}

// ErrShort is returned for a length beyond the bytes left.
var ErrShort = errors.New("msgpackjson: truncated message")

// raw reads the body of a str or bin whose header says n bytes.
func (m *Reader) raw(n int) ([]byte, error) {
	if n < 0 {
		return nil, nil
	}
	if n > m.r.Len() {
		return nil, ErrShort
	}
	b := make([]byte, n)
	if err := m.d.ReadFull(b); err != nil {
		return nil, err
	}
	return b, nil
}

// Decoder returns the decoder underneath, to read what is not data (a
// packet's envelope).
func (m *Reader) Decoder() *msgpack.Decoder { return m.d }

// Len returns the number of bytes not read yet.
func (m *Reader) Len() int { return m.r.Len() }

// Str reads a str or bin as a string.
func (m *Reader) Str() (string, error) {
	n, err := m.d.DecodeBytesLen()
	if err != nil {
		return "", err
	}
	b, err := m.raw(n)
	return string(b), err
}

// msgpackTranscoder writes a MessagePack value as JSON, moving binary
// values into attachments.
type msgpackTranscoder struct {
	m   *Reader
	att [][]byte
}

// ReadJSON reads one MessagePack value as JSON with placeholders, and the
// attachments they refer to (see the package comment for the mapping).
func (m *Reader) ReadJSON() (json.RawMessage, [][]byte, error) {
	t := msgpackTranscoder{m: m}
	b, err := t.value(nil, 0)
	return b, t.att, err
}

// IsUndefined reports whether the next value is notepack's undefined
// (fixext 1 of type 0), and skips it if so.
func (m *Reader) IsUndefined() (bool, error) {
	c, err := m.d.PeekCode()
	if err != nil || c != msgpcode.FixExt1 {
		return false, err
	}
	b := m.r
	if b.Len() < 3 {
		return false, ErrShort
	}
	var hdr [3]byte
	if _, err := b.ReadAt(hdr[:], b.Size()-int64(b.Len())); err != nil {
		return false, err
	}
	if hdr[1] != 0 {
		return false, nil
	}
	return true, m.d.ReadFull(hdr[:])
}

func (t *msgpackTranscoder) value(dst []byte, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, ErrDepth
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
		s, err := t.m.Str()
		return AppendString(dst, s), err
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
	return nil, fmt.Errorf("msgpackjson: unexpected MessagePack code %#x", c)
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
		if undef, err := t.m.IsUndefined(); err != nil {
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
		if undef, err := t.m.IsUndefined(); err != nil {
			return nil, err
		} else if undef {
			continue // JSON.stringify leaves such a member out
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = AppendString(dst, key)
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
		return t.m.Str()
	}
	sub := msgpackTranscoder{m: t.m}
	b, err := sub.value(nil, MaxDepth) // scalars only
	if err != nil {
		return "", err
	}
	if len(sub.att) > 0 || (len(b) > 0 && (b[0] == '{' || b[0] == '[')) {
		return "", fmt.Errorf("msgpackjson: map key is not a scalar")
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
func AppendString(dst []byte, s string) []byte {
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
