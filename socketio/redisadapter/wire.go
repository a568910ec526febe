package redisadapter

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// The request types of the Node adapter (RequestType in its index.ts).
const (
	reqSockets         = 0
	reqAllRooms        = 1
	reqRemoteJoin      = 2
	reqRemoteLeave     = 3
	reqRemoteDisconn   = 4
	reqRemoteFetch     = 5
	reqServerSideEmit  = 6
	reqBroadcast       = 7
	reqBroadcastCount  = 8
	reqBroadcastAckMsg = 9
)

// channels are the Redis channels of one namespace, named as the Node
// adapter names them.
type channels struct {
	broadcast string // key#nsp#, and key#nsp#room# for one room
	request   string // key-request#nsp#
	response  string // key-response#nsp#, shared by all nodes
	specific  string // key-response#nsp#uid#, this node's own
	pattern   string // broadcast*, glob characters escaped
}

func newChannels(key, nsp, uid string) channels {
	c := channels{
		broadcast: key + "#" + nsp + "#",
		request:   key + "-request#" + nsp + "#",
		response:  key + "-response#" + nsp + "#",
	}
	c.specific = c.response + uid + "#"
	c.pattern = globEscape(c.broadcast) + "*"
	return c
}

// responseTo is where the answer to a request from node uid goes: its own
// channel, which every Node adapter of version 8 subscribes to.
func (c channels) responseTo(uid string) string {
	if uid == "" {
		return c.response
	}
	return c.response + uid + "#"
}

func globEscape(s string) string {
	if !strings.ContainsAny(s, `*?[]\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`*?[]\`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// wireOpts are a broadcast's options on the wire.
type wireOpts struct {
	Rooms  roomList  `json:"rooms"`
	Except roomList  `json:"except"`
	Flags  wireFlags `json:"flags"`
	Offset string    `json:"-"` // the recovery offset of a packet that has one (Go nodes)
}

type wireFlags struct {
	Volatile bool  `json:"volatile,omitempty"`
	Local    bool  `json:"local,omitempty"`
	Timeout  int64 `json:"timeout,omitempty"`
	Compress *bool `json:"compress,omitempty"` // Node's compress(bool); nil: not set
}

func (o *wireOpts) broadcastOptions() *socketio.BroadcastOptions {
	return &socketio.BroadcastOptions{Rooms: o.Rooms, Except: o.Except, Volatile: o.Flags.Volatile,
		Uncompressed: o.Flags.Compress != nil && !*o.Flags.Compress}
}

// roomList is a list of rooms; a number (which Node allows) becomes its
// decimal text.
type roomList []string

func (r *roomList) UnmarshalJSON(b []byte) error {
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

// encodeBroadcast encodes the message [uid, packet, opts] of a broadcast,
// with the packet as {type: 2, data, nsp} as socket.io writes it.
func encodeBroadcast(uid string, p *parser.Packet, opts *socketio.BroadcastOptions, offset string) ([]byte, error) {
	var buf bytes.Buffer
	size := len(p.Data) + 64
	for _, a := range p.Attachments {
		size += len(a)
	}
	buf.Grow(size)
	e := msgpack.GetEncoder()
	defer msgpack.PutEncoder(e)
	e.Reset(&buf)
	if err := e.EncodeArrayLen(3); err != nil {
		return nil, err
	}
	_ = e.EncodeString(uid)
	if err := encodePacket(e, &buf, p); err != nil {
		return nil, err
	}
	if err := encodeOpts(e, opts, offset, 0); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeBroadcastParts is encodeBroadcast of p, logged, before its offset
// is known: the message is parts[0] + id + parts[1] + id + parts[2], where
// id is the stream entry id encoded as a msgpack str (the offset is the
// packet's last argument and the options' last value). The
// append-and-publish script joins them.
func encodeBroadcastParts(uid string, p *parser.Packet, opts *socketio.BroadcastOptions) ([3][]byte, error) {
	var parts [3][]byte
	b, err := encodeBroadcast(uid, withOffset(p, offsetMarker), opts, offsetMarker)
	if err != nil {
		return parts, err
	}
	enc := append([]byte{0xa0 | byte(len(offsetMarker))}, offsetMarker...)
	i, j := bytes.Index(b, enc), bytes.LastIndex(b, enc)
	if i < 0 || j <= i || bytes.Count(b, enc) != 2 {
		return parts, errors.New("redisadapter: offset marker not found once in each place")
	}
	return [3][]byte{b[:i], b[i+len(enc) : j], b[j+len(enc):]}, nil
}

// offsetMarker stands for the offset in encodeBroadcastParts: random, so
// that no payload holds it; shorter than 32 bytes (a msgpack fixstr).
var offsetMarker = func() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}()

// encodePacket writes {type, data, nsp} of an event.
func encodePacket(e *msgpack.Encoder, w *bytes.Buffer, p *parser.Packet) error {
	_ = e.EncodeMapLen(3)
	_ = e.EncodeString("type")
	_ = e.EncodeInt(int64(parser.Event)) // notepack carries binary as bin: the receiver finds it
	_ = e.EncodeString("data")
	if err := msgpackjson.WriteJSON(e, w, p.Data, p.Attachments); err != nil {
		return err
	}
	_ = e.EncodeString("nsp")
	return e.EncodeString(p.Namespace)
}

// encodeOpts writes {rooms, except, flags[, offset]}.
func encodeOpts(e *msgpack.Encoder, opts *socketio.BroadcastOptions, offset string, timeout int64) error {
	n := 3
	if offset != "" {
		n++
	}
	_ = e.EncodeMapLen(n)
	_ = e.EncodeString("rooms")
	encodeStrings(e, opts.Rooms)
	_ = e.EncodeString("except")
	encodeStrings(e, opts.Except)
	_ = e.EncodeString("flags")
	nf := 0
	if opts.Volatile {
		nf++
	}
	if opts.Uncompressed {
		nf++
	}
	if timeout > 0 {
		nf++
	}
	_ = e.EncodeMapLen(nf)
	if opts.Volatile {
		_ = e.EncodeString("volatile")
		_ = e.EncodeBool(true)
	}
	if opts.Uncompressed {
		_ = e.EncodeString("compress")
		_ = e.EncodeBool(false)
	}
	if timeout > 0 {
		_ = e.EncodeString("timeout")
		_ = e.EncodeInt(timeout)
	}
	if offset != "" {
		_ = e.EncodeString("offset")
		return e.EncodeString(offset)
	}
	return nil
}

func encodeStrings(e *msgpack.Encoder, list []string) {
	_ = e.EncodeArrayLen(len(list))
	for _, s := range list {
		_ = e.EncodeString(s)
	}
}

// broadcastMsg is a decoded broadcast message.
type broadcastMsg struct {
	uid    string
	packet *parser.Packet
	opts   wireOpts
	own    bool // a logged broadcast of the node itself
}

var errNotEvent = errors.New("redisadapter: not an event packet")

// errOwn is returned by decodeBroadcast for a message of the node itself
// that is not a logged broadcast.
var errOwn = errors.New("redisadapter: own message")

// decodeBroadcast decodes [uid, packet, opts]; a message whose uid is own
// stops there with errOwn (every node gets its own broadcasts back). Any
// input is safe: a malformed message is an error.
func decodeBroadcast(b []byte, own string) (*broadcastMsg, error) {
	m := newMsgpackReader(b)
	n, err := m.d.DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 3 {
		return nil, fmt.Errorf("redisadapter: broadcast of %d elements", n)
	}
	var msg broadcastMsg
	if msg.uid, err = m.anyString(); err != nil {
		return nil, err
	}
	if own != "" && msg.uid == own {
		// Our own broadcast back: only a logged one (its offset last) is
		// of use, delivered here in the stream's order (Broadcast).
		if msg.packet, err = m.packet(); err != nil {
			return nil, err
		}
		if err := m.opts(&msg.opts); err != nil || msg.opts.Offset == "" {
			return nil, errOwn
		}
		msg.own = true
		return &msg, nil
	}
	if msg.packet, err = m.packet(); err != nil {
		return nil, err
	}
	if err := m.opts(&msg.opts); err != nil {
		return nil, err
	}
	return &msg, nil
}

// messageUID returns the uid a broadcast message starts with ("" if it
// does not), without decoding the rest.
func messageUID(b []byte) string {
	m := newMsgpackReader(b)
	if n, err := m.d.DecodeArrayLen(); err != nil || n < 3 {
		return ""
	}
	uid, _ := m.anyString()
	return uid
}

// anyString reads a string, or anything else as "".
func (m *msgpackReader) anyString() (string, error) {
	c, err := m.d.PeekCode()
	if err != nil {
		return "", err
	}
	if msgpcode.IsString(c) || msgpcode.IsBin(c) {
		return m.Str()
	}
	return "", m.d.Skip()
}

// packet reads {type, data, nsp[, id]} as an EVENT or BINARY_EVENT.
func (m *msgpackReader) packet() (*parser.Packet, error) {
	p := &parser.Packet{Type: parser.Event, Namespace: "/"}
	typ := int64(parser.Event)
	err := m.members(func(key string) (err error) {
		switch key {
		case "type":
			typ, err = m.d.DecodeInt64()
		case "data":
			p.Data, p.Attachments, err = m.ReadJSON()
		case "nsp":
			p.Namespace, err = m.anyString()
		default:
			err = m.d.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if typ != int64(parser.Event) && typ != int64(parser.BinaryEvent) {
		return nil, errNotEvent
	}
	if len(p.Data) == 0 || p.Data[0] != '[' || p.Data[1] == ']' {
		return nil, fmt.Errorf("redisadapter: event without name")
	}
	if len(p.Attachments) > 0 {
		p.Type = parser.BinaryEvent
	}
	if p.Namespace == "" {
		p.Namespace = "/"
	}
	return p, nil
}

// opts reads {rooms, except, flags[, offset]}.
func (m *msgpackReader) opts(o *wireOpts) error {
	c, err := m.d.PeekCode()
	if err != nil {
		return err
	}
	if c == msgpcode.Nil {
		return m.d.DecodeNil()
	}
	return m.members(func(key string) (err error) {
		switch key {
		case "rooms":
			o.Rooms, err = m.strings()
		case "except":
			o.Except, err = m.strings()
		case "offset":
			o.Offset, err = m.anyString()
		case "flags":
			err = m.flags(&o.Flags)
		default:
			err = m.d.Skip()
		}
		return err
	})
}

func (m *msgpackReader) flags(f *wireFlags) error {
	return m.membersOrSkip(func(key string) (err error) {
		switch key {
		case "volatile", "local", "compress":
			var v, isBool bool
			if c, _ := m.d.PeekCode(); c == msgpcode.True || c == msgpcode.False {
				v, err = m.d.DecodeBool()
				isBool = true
			} else {
				err = m.d.Skip()
			}
			switch {
			case key == "volatile":
				f.Volatile = v
			case key == "local":
				f.Local = v
			case isBool:
				f.Compress = &v
			}
		case "timeout":
			if c, _ := m.d.PeekCode(); c == msgpcode.Float || c == msgpcode.Double {
				var t float64
				t, err = m.d.DecodeFloat64()
				f.Timeout = int64(t)
			} else if c == msgpcode.Nil || msgpcode.IsString(c) {
				err = m.d.Skip()
			} else {
				f.Timeout, err = m.d.DecodeInt64()
			}
		default:
			err = m.d.Skip()
		}
		return err
	})
}

// request is a request between nodes; all but BROADCAST travel as JSON.
type request struct {
	UID       string          `json:"uid,omitempty"`
	RequestID string          `json:"requestId,omitempty"`
	Type      int             `json:"type"`
	Opts      *wireOpts       `json:"opts,omitempty"`
	Rooms     roomList        `json:"rooms,omitempty"`
	Close     bool            `json:"close,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
	SID       string          `json:"sid,omitempty"`  // the single-socket form of join, leave and disconnect
	Room      string          `json:"room,omitempty"` // of join and leave

	packet *parser.Packet // BROADCAST
}

// decodeRequest decodes a request: JSON when it starts with '{', as the
// Node adapter tells them apart, else MessagePack (BROADCAST).
func decodeRequest(b []byte) (*request, error) {
	if len(b) > 0 && b[0] == '{' {
		var r request
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, err
		}
		return &r, nil
	}
	m := newMsgpackReader(b)
	r := &request{Type: -1}
	err := m.members(func(key string) (err error) {
		switch key {
		case "uid":
			r.UID, err = m.anyString()
		case "requestId":
			r.RequestID, err = m.anyString()
		case "type":
			var t int64
			t, err = m.d.DecodeInt64()
			r.Type = int(t)
		case "packet":
			r.packet, err = m.packet()
		case "opts":
			r.Opts = new(wireOpts)
			err = m.opts(r.Opts)
		default:
			err = m.d.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// encodeBroadcastRequest encodes a BROADCAST request (MessagePack).
func encodeBroadcastRequest(uid, id string, p *parser.Packet, opts *socketio.BroadcastOptions, timeout int64) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.GetEncoder()
	defer msgpack.PutEncoder(e)
	e.Reset(&buf)
	_ = e.EncodeMapLen(5)
	_ = e.EncodeString("uid")
	_ = e.EncodeString(uid)
	_ = e.EncodeString("requestId")
	_ = e.EncodeString(id)
	_ = e.EncodeString("type")
	_ = e.EncodeInt(reqBroadcast)
	_ = e.EncodeString("packet")
	if err := encodePacket(e, &buf, p); err != nil {
		return nil, err
	}
	_ = e.EncodeString("opts")
	if err := encodeOpts(e, opts, "", timeout); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// response is an answer to a request. Most are JSON; the ack of a
// broadcast is MessagePack.
type response struct {
	Type        int             `json:"type,omitempty"`
	RequestID   string          `json:"requestId"`
	Sockets     json.RawMessage `json:"sockets,omitempty"`
	Rooms       []string        `json:"rooms,omitempty"`
	ClientCount *int            `json:"clientCount,omitempty"`
	Data        json.RawMessage `json:"data,omitempty"`

	ack     *json.RawMessage // BROADCAST_ACK: the client's first ack argument, nil when none
	ackAtts [][]byte
}

func decodeResponse(b []byte) (*response, error) {
	if len(b) > 0 && b[0] == '{' {
		var r response
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, err
		}
		return &r, nil
	}
	m := newMsgpackReader(b)
	r := &response{}
	err := m.members(func(key string) (err error) {
		switch key {
		case "requestId":
			r.RequestID, err = m.anyString()
		case "type":
			var t int64
			t, err = m.d.DecodeInt64()
			r.Type = int(t)
		case "packet":
			var raw json.RawMessage
			raw, r.ackAtts, err = m.ReadJSON()
			r.ack = &raw
		default:
			err = m.d.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// encodeAckResponse encodes the BROADCAST_ACK of one client's ack.
func encodeAckResponse(id string, a socketio.Args) ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.GetEncoder()
	defer msgpack.PutEncoder(e)
	e.Reset(&buf)
	n := 2
	if a.Len() > 0 {
		n = 3
	}
	_ = e.EncodeMapLen(n)
	_ = e.EncodeString("type")
	_ = e.EncodeInt(reqBroadcastAckMsg)
	_ = e.EncodeString("requestId")
	_ = e.EncodeString(id)
	if a.Len() > 0 {
		_ = e.EncodeString("packet")
		if err := msgpackjson.WriteJSON(e, &buf, a.Raw(0), a.Attachments()); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// withOffset returns p with offset appended to its arguments, as the
// recovery log of socketio does.
func withOffset(p *parser.Packet, offset string) *parser.Packet {
	q := *p
	data := make([]byte, 0, len(p.Data)+len(offset)+4)
	data = append(data, p.Data[:len(p.Data)-1]...)
	data = append(data, ',')
	data = msgpackjson.AppendString(data, offset)
	q.Data = append(data, ']')
	return &q
}
