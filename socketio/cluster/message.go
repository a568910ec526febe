package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Type is the type of a message, socket.io-adapter's MessageType.
type Type int

// The message types of socket.io-adapter.
const (
	InitialHeartbeat       Type = 1
	Heartbeat              Type = 2
	Broadcast              Type = 3
	SocketsJoin            Type = 4
	SocketsLeave           Type = 5
	DisconnectSockets      Type = 6
	FetchSockets           Type = 7
	FetchSocketsResponse   Type = 8
	ServerSideEmit         Type = 9
	ServerSideEmitResponse Type = 10
	BroadcastClientCount   Type = 11
	BroadcastAck           Type = 12
	AdapterClose           Type = 13
)

// IsResponse reports whether t answers a request of one node (the answers
// to fetchSockets, serverSideEmit and broadcasts with acks).
func (t Type) IsResponse() bool {
	return t == FetchSocketsResponse || t == ServerSideEmitResponse || t == BroadcastClientCount || t == BroadcastAck
}

// EmitterUID is the uid of the messages of Node's emitters
// (@socket.io/postgres-emitter): they come from no node.
const EmitterUID = "emitter"

// Opts are the broadcast options of a message: socket.io-adapter's
// {rooms, except, flags}.
type Opts struct {
	Rooms, Except []string
	Volatile      bool
	Local         bool
	// Compress is the compress flag when one was set (Node's
	// compress(bool)).
	Compress *bool
	// Timeout is the ack timeout of a broadcast with acks, in
	// milliseconds; 0 when none.
	Timeout int64
	// Offset is the recovery offset of a logged broadcast, written after
	// the flags when set: an extension of Go nodes (redisadapter's
	// recovery), which Node's adapters ignore.
	Offset string
}

// OptsOf returns the wire options of o, with the ack timeout of a
// broadcast with acks (0 for none).
func OptsOf(o *socketio.BroadcastOptions, timeout int64) *Opts {
	w := &Opts{Rooms: o.Rooms, Except: o.Except, Volatile: o.Volatile, Timeout: timeout}
	if o.Uncompressed {
		f := false
		w.Compress = &f
	}
	return w
}

// BroadcastOptions returns o as the options of a broadcast on this node.
func (o *Opts) BroadcastOptions() *socketio.BroadcastOptions {
	return &socketio.BroadcastOptions{Rooms: o.Rooms, Except: o.Except, Volatile: o.Volatile,
		Uncompressed: o.Compress != nil && !*o.Compress}
}

// Message is a message of the cluster protocol, a ClusterMessage or
// ClusterResponse of socket.io-adapter: {uid, nsp, type, data}. Which
// fields of data a type has is Node's: the fields below that it lacks are
// zero.
type Message struct {
	Type Type
	// UID is the sender's id ("emitter" for an emitter); Nsp the
	// namespace, "" when the sender named none (Node's emitter does not:
	// the channel tells it).
	UID, Nsp string
	// RequestID is the id of a request (and of its answers); a Broadcast
	// or ServerSideEmit with one waits for answers.
	RequestID string
	// Packet is the event of a Broadcast.
	Packet *parser.Packet
	// Opts select the sockets of a Broadcast, SocketsJoin, SocketsLeave,
	// DisconnectSockets and FetchSockets.
	Opts *Opts
	// Rooms are the rooms to join or leave.
	Rooms []string
	// Close is DisconnectSockets' close.
	Close bool
	// ClientCount is the number of clients a BroadcastClientCount reports.
	ClientCount int
	// Value is JSON: the [event, ...args] of a ServerSideEmit, the answer
	// of a ServerSideEmitResponse or BroadcastAck (nil for none), the
	// sockets of a FetchSocketsResponse. Attachments hold its binary
	// values, in the placeholders of socketio's parser.
	Value       json.RawMessage
	Attachments [][]byte
}

// HasBinary reports whether m holds binary data: the Node adapters then
// send it as MessagePack.
func (m *Message) HasBinary() bool {
	return len(m.Attachments) > 0 || m.Packet != nil && len(m.Packet.Attachments) > 0
}

// ErrBinary is returned by EncodeJSON for a message with binary data.
var ErrBinary = errors.New("cluster: a message with binary data has no JSON form")

// errNoType is returned for a message without a type.
var errNoType = errors.New("cluster: message without type")

// field is a member of a message's data: val is a string, bool, int,
// []string, *parser.Packet, *Opts or json.RawMessage (Value, with
// m.Attachments).
type field struct {
	key string
	val any
}

// fields returns the members of m's data, as socket.io-adapter writes
// them for its type, in its order (cluster-adapter.ts: a broadcast with
// acks is {packet, requestId, opts}, a serverSideEmit with one {requestId,
// packet}).
func (m *Message) fields() []field {
	id := field{"requestId", m.RequestID}
	switch m.Type {
	case Broadcast:
		if m.RequestID != "" {
			return []field{{"packet", m.Packet}, id, {"opts", m.Opts}}
		}
		return []field{{"packet", m.Packet}, {"opts", m.Opts}}
	case SocketsJoin, SocketsLeave:
		return []field{{"opts", m.Opts}, {"rooms", nonNil(m.Rooms)}}
	case DisconnectSockets:
		return []field{{"opts", m.Opts}, {"close", m.Close}}
	case FetchSockets:
		return []field{{"opts", m.Opts}, id}
	case FetchSocketsResponse:
		return []field{id, {"sockets", m.Value}}
	case ServerSideEmit:
		if m.RequestID != "" {
			return []field{id, {"packet", m.Value}}
		}
		return []field{{"packet", m.Value}}
	case ServerSideEmitResponse, BroadcastAck:
		return []field{id, {"packet", m.Value}}
	case BroadcastClientCount:
		return []field{id, {"clientCount", m.ClientCount}}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Encode writes m as Node's adapters do: JSON, or MessagePack when it
// holds binary data.
func (m *Message) Encode() ([]byte, error) {
	if m.HasBinary() {
		return m.EncodeMsgpack()
	}
	return m.EncodeJSON()
}

// EncodeJSON writes m as JSON, as Node's JSON.stringify does; a message
// with binary data has none (ErrBinary).
func (m *Message) EncodeJSON() ([]byte, error) {
	if m.HasBinary() {
		return nil, ErrBinary
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"type":%d`, m.Type)
	if f := m.fields(); f != nil {
		b.WriteString(`,"data":{`)
		for i, f := range f {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(msgpackjson.AppendString(nil, f.key))
			b.WriteByte(':')
			if err := writeJSONValue(&b, f.val); err != nil {
				return nil, err
			}
		}
		b.WriteByte('}')
	}
	b.WriteString(`,"uid":`)
	b.Write(msgpackjson.AppendString(nil, m.UID))
	b.WriteString(`,"nsp":`)
	b.Write(msgpackjson.AppendString(nil, m.Nsp))
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONValue(b *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *parser.Packet:
		if v == nil || len(v.Data) == 0 {
			return errors.New("cluster: broadcast without packet")
		}
		fmt.Fprintf(b, `{"type":2,"data":%s,"nsp":%s}`, v.Data, msgpackjson.AppendString(nil, nspOf(v)))
	case json.RawMessage:
		if len(v) == 0 {
			b.WriteString("null")
		} else {
			b.Write(v)
		}
	case *Opts:
		if v == nil {
			v = &Opts{}
		}
		b.WriteString(`{"rooms":`)
		j, _ := json.Marshal(nonNil(v.Rooms))
		b.Write(j)
		b.WriteString(`,"except":`)
		j, _ = json.Marshal(nonNil(v.Except))
		b.Write(j)
		b.WriteString(`,"flags":{`)
		sep := ""
		if v.Volatile {
			b.WriteString(`"volatile":true`)
			sep = ","
		}
		if v.Compress != nil {
			fmt.Fprintf(b, `%s"compress":%t`, sep, *v.Compress)
			sep = ","
		}
		if v.Timeout > 0 {
			fmt.Fprintf(b, `%s"timeout":%d`, sep, v.Timeout)
		}
		b.WriteByte('}')
		if v.Offset != "" {
			b.WriteString(`,"offset":`)
			b.Write(msgpackjson.AppendString(nil, v.Offset))
		}
		b.WriteByte('}')
	default:
		j, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b.Write(j)
	}
	return nil
}

func nspOf(p *parser.Packet) string {
	if p.Namespace == "" {
		return "/"
	}
	return p.Namespace
}

// EncodeMsgpack writes m as MessagePack, binary values as bin, as Node's
// @msgpack/msgpack and notepack.io write a message.
func (m *Message) EncodeMsgpack() ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.GetEncoder()
	defer msgpack.PutEncoder(e)
	e.Reset(&buf)
	fields := m.fields()
	n := 3
	if fields != nil {
		n = 4
	}
	_ = e.EncodeMapLen(n)
	_ = e.EncodeString("type")
	_ = e.EncodeInt(int64(m.Type))
	if fields != nil {
		_ = e.EncodeString("data")
		_ = e.EncodeMapLen(len(fields))
		for _, f := range fields {
			_ = e.EncodeString(f.key)
			if err := m.writeMsgpackValue(e, &buf, f.val); err != nil {
				return nil, err
			}
		}
	}
	_ = e.EncodeString("uid")
	_ = e.EncodeString(m.UID)
	_ = e.EncodeString("nsp")
	if err := e.EncodeString(m.Nsp); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (m *Message) writeMsgpackValue(e *msgpack.Encoder, w *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case *parser.Packet:
		return EncodePacketMsgpack(e, w, v)
	case json.RawMessage:
		if len(v) == 0 {
			return e.EncodeNil()
		}
		return msgpackjson.WriteJSON(e, w, v, m.Attachments)
	case *Opts:
		if v == nil {
			v = &Opts{}
		}
		return v.EncodeMsgpack(e)
	case string:
		return e.EncodeString(v)
	case bool:
		return e.EncodeBool(v)
	case int:
		return e.EncodeInt(int64(v))
	case []string:
		encodeStrings(e, v)
		return nil
	}
	return fmt.Errorf("cluster: cannot encode %T", v)
}

// EncodeMsgpack writes o as {rooms, except, flags[, offset]} to e, as
// the messages of socket.io-adapter and of @socket.io/redis-adapter carry
// a broadcast's options.
func (o *Opts) EncodeMsgpack(e *msgpack.Encoder) error {
	n := 3
	if o.Offset != "" {
		n++
	}
	_ = e.EncodeMapLen(n)
	_ = e.EncodeString("rooms")
	encodeStrings(e, o.Rooms)
	_ = e.EncodeString("except")
	encodeStrings(e, o.Except)
	_ = e.EncodeString("flags")
	n = 0
	if o.Volatile {
		n++
	}
	if o.Compress != nil {
		n++
	}
	if o.Timeout > 0 {
		n++
	}
	_ = e.EncodeMapLen(n)
	if o.Volatile {
		_ = e.EncodeString("volatile")
		_ = e.EncodeBool(true)
	}
	if o.Compress != nil {
		_ = e.EncodeString("compress")
		_ = e.EncodeBool(*o.Compress)
	}
	if o.Timeout > 0 {
		_ = e.EncodeString("timeout")
		_ = e.EncodeInt(o.Timeout)
	}
	if o.Offset != "" {
		_ = e.EncodeString("offset")
		return e.EncodeString(o.Offset)
	}
	return nil
}

func encodeStrings(e *msgpack.Encoder, list []string) {
	_ = e.EncodeArrayLen(len(list))
	for _, s := range list {
		_ = e.EncodeString(s)
	}
}

// Decode decodes a message: JSON when it starts with '{', else
// MessagePack. Any input is safe: a malformed message is an error.
func Decode(b []byte) (*Message, error) {
	if len(b) > 0 && b[0] == '{' {
		return decodeJSON(b)
	}
	return decodeMsgpack(b)
}

type jsonMessage struct {
	UID  string          `json:"uid"`
	Nsp  string          `json:"nsp"`
	Type *int            `json:"type"`
	Data json.RawMessage `json:"data"`
}

type jsonData struct {
	RequestID   json.RawMessage `json:"requestId"`
	Packet      json.RawMessage `json:"packet"`
	Opts        *jsonOpts       `json:"opts"`
	Rooms       RoomList        `json:"rooms"`
	Close       json.RawMessage `json:"close"`
	ClientCount float64         `json:"clientCount"`
	Sockets     json.RawMessage `json:"sockets"`
}

type jsonOpts struct {
	Rooms  RoomList                   `json:"rooms"`
	Except RoomList                   `json:"except"`
	Flags  map[string]json.RawMessage `json:"flags"`
	Offset json.RawMessage            `json:"offset"`
}

// opts returns the options o holds.
func (j *jsonOpts) opts() *Opts {
	o := &Opts{Rooms: j.Rooms, Except: j.Except}
	_ = json.Unmarshal(j.Offset, &o.Offset) // a string, or none
	for k, v := range j.Flags {
		switch k {
		case "volatile":
			o.Volatile = string(v) == "true"
		case "local":
			o.Local = string(v) == "true"
		case "compress":
			if c := string(v); c == "true" || c == "false" {
				t := c == "true"
				o.Compress = &t
			}
		case "timeout":
			var t float64
			if json.Unmarshal(v, &t) == nil && t > 0 && t < 1<<53 {
				o.Timeout = int64(t)
			}
		}
	}
	return o
}

type jsonPacket struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data"`
	Nsp  string          `json:"nsp"`
}

func decodeJSON(b []byte) (*Message, error) {
	var j jsonMessage
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	if j.Type == nil {
		return nil, errNoType
	}
	m := &Message{Type: Type(*j.Type), UID: j.UID, Nsp: j.Nsp}
	if len(j.Data) == 0 || string(j.Data) == "null" {
		return m, nil
	}
	var d jsonData
	if err := json.Unmarshal(j.Data, &d); err != nil {
		return nil, err
	}
	m.RequestID = idText(d.RequestID)
	m.Rooms = d.Rooms
	m.Close = string(d.Close) == "true"
	m.ClientCount = int(d.ClientCount)
	if d.Opts != nil {
		m.Opts = d.Opts.opts()
	}
	switch m.Type {
	case Broadcast:
		var p jsonPacket
		if err := json.Unmarshal(d.Packet, &p); err != nil {
			return nil, err
		}
		pk, err := eventPacket(p.Type, p.Data, nil, p.Nsp)
		if err != nil {
			return nil, err
		}
		m.Packet = pk
	case FetchSocketsResponse:
		m.Value = d.Sockets
	case ServerSideEmit, ServerSideEmitResponse, BroadcastAck:
		if string(d.Packet) != "null" {
			m.Value = d.Packet
		}
	}
	return m, nil
}

// idText returns a request id: a string, or a number's text.
func idText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	if len(raw) > 0 && raw[0] >= '0' && raw[0] <= '9' {
		return string(raw)
	}
	return ""
}

// eventPacket checks an event's data: an array whose first element, the
// event's name, is a string.
func eventPacket(typ int, data json.RawMessage, atts [][]byte, nsp string) (*parser.Packet, error) {
	if typ != int(parser.Event) && typ != int(parser.BinaryEvent) {
		return nil, errors.New("cluster: broadcast of a packet that is not an event")
	}
	var args []json.RawMessage
	if err := json.Unmarshal(data, &args); err != nil || len(args) == 0 || len(args[0]) == 0 || args[0][0] != '"' {
		return nil, errors.New("cluster: event without name")
	}
	p := &parser.Packet{Type: parser.Event, Namespace: nsp, Data: data, Attachments: atts}
	if len(atts) > 0 {
		p.Type = parser.BinaryEvent
	}
	if p.Namespace == "" {
		p.Namespace = "/"
	}
	return p, nil
}

// RoomList is a list of rooms in JSON; a number (which Node allows)
// becomes its decimal text.
type RoomList []string

// UnmarshalJSON reads an array of rooms, strings or numbers.
func (r *RoomList) UnmarshalJSON(b []byte) error {
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make([]string, 0, len(raw))
	for _, x := range raw {
		var s string
		if json.Unmarshal(x, &s) == nil {
			out = append(out, s)
		} else {
			out = append(out, string(bytes.TrimSpace(x)))
		}
	}
	*r = out
	return nil
}

// reader reads a MessagePack message: the envelope through d, the data
// through msgpackjson's Reader.
type reader struct {
	*msgpackjson.Reader
	d *msgpack.Decoder
}

func decodeMsgpack(b []byte) (*Message, error) {
	mr := msgpackjson.NewReader(b)
	r := reader{Reader: mr, d: mr.Decoder()}
	m := &Message{Type: -1}
	var data []byte
	err := r.members(func(key string) (err error) {
		switch key {
		case "uid":
			m.UID, err = r.anyString()
		case "nsp":
			m.Nsp, err = r.anyString()
		case "type":
			var t int64
			t, err = r.int()
			m.Type = Type(t)
		case "data":
			var raw msgpack.RawMessage
			err = r.d.Decode(&raw)
			data = raw
		default:
			err = r.d.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if m.Type < 0 {
		return nil, errNoType
	}
	if data != nil {
		dr := msgpackjson.NewReader(data)
		if err := m.readData(reader{Reader: dr, d: dr.Decoder()}); err != nil {
			return nil, err
		}
	}
	if m.Type == Broadcast && m.Packet == nil {
		return nil, errors.New("cluster: broadcast without packet")
	}
	return m, nil
}

func (m *Message) readData(r reader) error {
	return r.membersOrSkip(func(key string) (err error) {
		switch key {
		case "requestId":
			m.RequestID, err = r.anyString()
		case "packet":
			if m.Type == Broadcast {
				m.Packet, err = r.packet()
			} else {
				var undef bool
				if undef, err = r.IsUndefined(); err == nil && !undef {
					m.Value, m.Attachments, err = r.ReadJSON()
					if string(m.Value) == "null" {
						m.Value = nil
					}
				}
			}
		case "sockets":
			m.Value, m.Attachments, err = r.ReadJSON()
		case "opts":
			m.Opts, err = r.opts()
		case "rooms":
			m.Rooms, err = r.strings()
		case "close":
			m.Close, err = r.boolean()
		case "clientCount":
			var n int64
			n, err = r.int()
			m.ClientCount = int(n)
		default:
			err = r.d.Skip()
		}
		return err
	})
}

// members reads a map, calling member with each key; member reads the
// value that follows it.
func (r reader) members(member func(key string) error) error {
	n, err := r.d.DecodeMapLen()
	if err != nil {
		return err
	}
	if n > r.Len() {
		return msgpackjson.ErrShort
	}
	for k := 0; k < n; k++ {
		key, err := r.anyString()
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
func (r reader) membersOrSkip(member func(key string) error) error {
	c, err := r.d.PeekCode()
	if err != nil {
		return err
	}
	if !msgpcode.IsFixedMap(c) && c != msgpcode.Map16 && c != msgpcode.Map32 {
		return r.d.Skip()
	}
	return r.members(member)
}

// anyString reads a string, or anything else as "".
func (r reader) anyString() (string, error) {
	c, err := r.d.PeekCode()
	if err != nil {
		return "", err
	}
	if msgpcode.IsString(c) || msgpcode.IsBin(c) {
		return r.Str()
	}
	if c == msgpcode.Float || c == msgpcode.Double || msgpcode.IsFixedNum(c) || c >= msgpcode.Uint8 && c <= msgpcode.Int64 {
		n, err := r.d.DecodeFloat64()
		return strconv.FormatFloat(n, 'f', -1, 64), err
	}
	return "", r.d.Skip()
}

// int reads a number (integer or float) as an int64; anything else is 0.
func (r reader) int() (int64, error) {
	c, err := r.d.PeekCode()
	if err != nil {
		return 0, err
	}
	if c == msgpcode.Float || c == msgpcode.Double {
		f, err := r.d.DecodeFloat64()
		if f != f || f > 1<<53 || f < -(1<<53) {
			return 0, err
		}
		return int64(f), err
	}
	if msgpcode.IsFixedNum(c) || c >= msgpcode.Uint8 && c <= msgpcode.Int64 {
		return r.d.DecodeInt64()
	}
	return 0, r.d.Skip()
}

// boolean reads true or false; anything else is false.
func (r reader) boolean() (bool, error) {
	c, err := r.d.PeekCode()
	if err != nil {
		return false, err
	}
	if c == msgpcode.True || c == msgpcode.False {
		return r.d.DecodeBool()
	}
	return false, r.d.Skip()
}

// packet reads {type, data, nsp} as an EVENT or BINARY_EVENT.
func (r reader) packet() (*parser.Packet, error) {
	typ, nsp := int64(parser.Event), "/"
	var (
		data json.RawMessage
		atts [][]byte
	)
	err := r.members(func(key string) (err error) {
		switch key {
		case "type":
			typ, err = r.int()
		case "data":
			data, atts, err = r.ReadJSON()
		case "nsp":
			nsp, err = r.anyString()
		default:
			err = r.d.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return eventPacket(int(typ), data, atts, nsp)
}

// opts reads {rooms, except, flags}.
func (r reader) opts() (*Opts, error) {
	o := &Opts{}
	err := r.membersOrSkip(func(key string) (err error) {
		switch key {
		case "rooms":
			o.Rooms, err = r.strings()
		case "except":
			o.Except, err = r.strings()
		case "offset":
			o.Offset, err = r.anyString()
		case "flags":
			err = r.membersOrSkip(func(key string) (err error) {
				switch key {
				case "volatile":
					o.Volatile, err = r.boolean()
				case "local":
					o.Local, err = r.boolean()
				case "compress":
					var c bool
					if code, _ := r.d.PeekCode(); code == msgpcode.True || code == msgpcode.False {
						c, err = r.d.DecodeBool()
						o.Compress = &c
					} else {
						err = r.d.Skip()
					}
				case "timeout":
					o.Timeout, err = r.int()
				default:
					err = r.d.Skip()
				}
				return err
			})
		default:
			err = r.d.Skip()
		}
		return err
	})
	return o, err
}

// strings reads an array of room names; numbers become their decimal
// text, as rooms are in Node.
func (r reader) strings() ([]string, error) {
	c, err := r.d.PeekCode()
	if err != nil {
		return nil, err
	}
	if c == msgpcode.Nil {
		return nil, r.d.DecodeNil()
	}
	n, err := r.d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	if n > r.Len() {
		return nil, msgpackjson.ErrShort
	}
	out := make([]string, 0, max(n, 0))
	for k := 0; k < n; k++ {
		s, err := r.anyString()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// ServerEventOf returns the server-side event that data, a
// ServerSideEmit's [event, ...args], holds (its binary values in atts),
// on namespace nsp, answered through ack (nil when the sender waits for
// no answer); ok is false when data is not such an array.
func ServerEventOf(nsp string, data json.RawMessage, atts [][]byte, ack func(json.RawMessage)) (e *socketio.ServerEvent, ok bool) {
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil || len(raw) == 0 {
		return nil, false
	}
	var name string
	if json.Unmarshal(raw[0], &name) != nil {
		name = string(raw[0])
	}
	return socketio.NewServerEvent(nsp, name, socketio.NewArgs(raw[1:], atts), ack), true
}
