package redisadapter

import (
	"bytes"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
)

// The Node adapter encodes with notepack.io: a packet's data travels as a
// MessagePack value in which binary values are bin (Buffer) where our
// packets have JSON with attachment placeholders. Package
// socketio/internal/msgpackjson converts one into the other (the
// converter msgpackparser uses too); this file reads the envelope around
// it.

// msgpackReader reads a message: the envelope through d, the data through
// the converter's Reader.
type msgpackReader struct {
	*msgpackjson.Reader
	d *msgpack.Decoder
}

func newMsgpackReader(b []byte) msgpackReader {
	r := msgpackjson.NewReader(b)
	return msgpackReader{Reader: r, d: r.Decoder()}
}

// members reads a map, calling member with each key; member reads the
// value that follows it.
func (m *msgpackReader) members(member func(key string) error) error {
	n, err := m.d.DecodeMapLen()
	if err != nil {
		return err
	}
	for k := 0; k < n; k++ {
		key, err := m.anyString()
		if err != nil {
			return err
		}
		if err := member(key); err != nil {
			return err
		}
	}
	return nil
}

// membersOrSkip is members where the value may be other than a map: that
// is skipped.
func (m *msgpackReader) membersOrSkip(member func(key string) error) error {
	c, err := m.d.PeekCode()
	if err != nil {
		return err
	}
	if !msgpcode.IsFixedMap(c) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		return m.d.Skip()
	}
	return m.members(member)
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
			s, err := m.Str()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		b, _, err := m.ReadJSON()
		if err != nil {
			return nil, err
		}
		out = append(out, string(bytes.Trim(b, `"`)))
	}
	return out, nil
}
