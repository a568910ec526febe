package msgpackparser

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Decoder decodes the messages of one connection, each a whole packet.
// Its zero value is ready to use. It keeps no state between messages, but
// is the socketio.PacketDecoder of one connection.
type Decoder struct {
	// MaxAttachments is the most binary values a packet may hold; 0 (or
	// less) means parser.DefaultMaxAttachments.
	MaxAttachments int
}

// errorf returns an error that wraps parser.ErrInvalidPacket.
func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: msgpackparser: "+format, append([]any{parser.ErrInvalidPacket}, args...)...)
}

// Decode decodes and checks the packet a binary message holds (see the
// package comment). A packet with binary values is returned as a
// BinaryEvent or BinaryAck whose Data holds their placeholders. It never
// returns nil without an error.
func (d *Decoder) Decode(data []byte, binary bool) (*parser.Packet, error) {
	if !binary {
		return nil, errorf("text message: the client does not use the MessagePack parser")
	}
	var f fields
	if err := f.read(data); err != nil {
		return nil, err
	}
	if err := f.check(d.maxAttachments()); err != nil {
		return nil, err
	}
	p := &parser.Packet{Type: parser.Type(f.typ), Namespace: f.nsp, ID: f.id, HasID: f.hasID, Data: f.data}
	if len(f.attachments) > 0 {
		switch p.Type {
		case parser.Event:
			p.Type, p.Attachments = parser.BinaryEvent, f.attachments
		case parser.Ack:
			p.Type, p.Attachments = parser.BinaryAck, f.attachments
		}
	}
	return p, nil
}

func (d *Decoder) maxAttachments() int {
	if d.MaxAttachments <= 0 {
		return parser.DefaultMaxAttachments
	}
	return d.MaxAttachments
}

// fields are the members of a packet's map as read.
type fields struct {
	typ         int64
	hasType     bool
	nsp         string
	hasNsp      bool
	id          uint64
	hasID       bool
	data        json.RawMessage // nil when absent (or undefined)
	attachments [][]byte
	binaryData  bool // data itself is one binary value
}

// read reads the packet's map; members other than type, data, nsp and id
// (socket.io-client sends "options") are skipped.
func (f *fields) read(b []byte) error {
	r := msgpackjson.NewReader(b)
	d := r.Decoder()
	c, err := d.PeekCode()
	if err != nil {
		return errorf("empty message")
	}
	if !msgpcode.IsFixedMap(c) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		return errorf("packet is not a map")
	}
	n, err := d.DecodeMapLen()
	if err != nil {
		return errorf("%v", err)
	}
	for k := 0; k < n; k++ {
		key, err := mapKey(r)
		if err != nil {
			return err
		}
		if err := f.member(r, key); err != nil {
			return err
		}
	}
	if r.Len() != 0 {
		return errorf("%d trailing bytes", r.Len())
	}
	return nil
}

// mapKey reads a key: a string, or "" for any other value (no member of
// interest).
func mapKey(r *msgpackjson.Reader) (string, error) {
	c, err := r.Decoder().PeekCode()
	if err != nil {
		return "", errorf("%v", err)
	}
	if msgpcode.IsString(c) {
		s, err := r.Str()
		if err != nil {
			return "", errorf("%v", err)
		}
		return s, nil
	}
	return "", skip(r)
}

// member reads the value of key.
func (f *fields) member(r *msgpackjson.Reader, key string) error {
	d := r.Decoder()
	switch key {
	case "type", "id":
		undef, err := r.IsUndefined()
		if err != nil {
			return errorf("%v", err)
		}
		if key == "type" {
			f.hasType = false
			if undef {
				return nil
			}
			v, ok, err := integer(r)
			if err != nil {
				return err
			}
			f.typ, f.hasType = v, ok
			return nil
		}
		f.hasID, f.id = false, 0
		if undef {
			return nil
		}
		v, ok, err := integer(r)
		if err != nil {
			return err
		}
		if !ok {
			return errorf("invalid packet id")
		}
		if v < 0 {
			return errorf("negative packet id %d", v)
		}
		f.id, f.hasID = uint64(v), true
		return nil
	case "nsp":
		c, err := d.PeekCode()
		if err != nil {
			return errorf("%v", err)
		}
		if !msgpcode.IsString(c) {
			f.hasNsp = false
			return skip(r)
		}
		if f.nsp, err = r.Str(); err != nil {
			return errorf("%v", err)
		}
		f.hasNsp = true
		return nil
	case "data":
		undef, err := r.IsUndefined()
		if err != nil {
			return errorf("%v", err)
		}
		f.data, f.attachments, f.binaryData = nil, nil, false
		if undef {
			return nil
		}
		c, err := d.PeekCode()
		if err != nil {
			return errorf("%v", err)
		}
		f.binaryData = msgpcode.IsBin(c)
		if f.data, f.attachments, err = r.ReadJSON(); err != nil {
			return errorf("data: %v", err)
		}
		return nil
	}
	return skip(r)
}

// skip skips the next value.
func skip(r *msgpackjson.Reader) error {
	if err := r.Decoder().Skip(); err != nil {
		return errorf("%v", err)
	}
	return nil
}

// integer reads a number that is an integer (a float with no fraction
// counts, as for Number.isInteger); ok is false for anything else, which
// is skipped.
func integer(r *msgpackjson.Reader) (v int64, ok bool, err error) {
	d := r.Decoder()
	c, err := d.PeekCode()
	if err != nil {
		return 0, false, errorf("%v", err)
	}
	switch {
	case msgpcode.IsFixedNum(c), c == msgpcode.Int8, c == msgpcode.Int16, c == msgpcode.Int32, c == msgpcode.Int64,
		c == msgpcode.Uint8, c == msgpcode.Uint16, c == msgpcode.Uint32:
		v, err = d.DecodeInt64()
	case c == msgpcode.Uint64:
		var u uint64
		if u, err = d.DecodeUint64(); err == nil && u > math.MaxInt64 {
			return 0, false, nil // no packet type, and no id we can answer
		}
		v = int64(u)
	case c == msgpcode.Float, c == msgpcode.Double:
		var x float64
		if x, err = d.DecodeFloat64(); err == nil {
			if x != math.Trunc(x) || math.IsInf(x, 0) || math.Abs(x) >= 1<<63 {
				return 0, false, nil
			}
			v = int64(x)
		}
	default:
		return 0, false, skip(r)
	}
	if err != nil {
		return 0, false, errorf("%v", err)
	}
	return v, true, nil
}

// check checks the members against the packet's type, as the npm parser
// does, and an event's name, as the JSON parser does.
func (f *fields) check(maxAttachments int) error {
	if !f.hasType || f.typ < int64(parser.Connect) || f.typ > int64(parser.ConnectError) {
		return errorf("invalid packet type")
	}
	if !f.hasNsp {
		return errorf("invalid namespace")
	}
	if len(f.attachments) > maxAttachments {
		return errorf("more than %d binary values", maxAttachments)
	}
	first := byte(0)
	if len(f.data) > 0 && !f.binaryData {
		first = f.data[0]
	}
	t := parser.Type(f.typ)
	valid := false
	switch t {
	case parser.Connect:
		valid = f.data == nil || first == '{'
	case parser.Disconnect:
		valid = f.data == nil
	case parser.ConnectError:
		valid = first == '{' || first == '"'
	default:
		valid = first == '['
	}
	if !valid {
		return errorf("invalid payload of %v", t)
	}
	if f.hasID && (t == parser.Connect || t == parser.Disconnect || t == parser.ConnectError) {
		return errorf("%v packet with an ack id", t)
	}
	if t == parser.Ack && !f.hasID {
		return errorf("ACK packet without an ack id")
	}
	if t == parser.Event {
		return checkEventName(f.data)
	}
	return nil
}

// checkEventName checks an event's name, the first element of data (a
// JSON array): a string that is not a reserved name, or a number.
func checkEventName(data json.RawMessage) error {
	args, err := parser.SplitArgs(data)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return errorf("event without a name")
	}
	switch c := args[0][0]; {
	case c == '-' || ('0' <= c && c <= '9'):
		return nil
	case c == '"':
		var name string
		if err := json.Unmarshal(args[0], &name); err != nil {
			return errorf("invalid event name")
		}
		switch name {
		case "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener":
			return errorf("reserved event name %q", name)
		}
		return nil
	}
	return errorf("event without a name")
}
