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

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
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
	if err := cluster.EncodePacketMsgpack(e, &buf, p); err != nil {
		return nil, err
	}
	o := cluster.OptsOf(opts, 0)
	o.Offset = offset
	if err := o.EncodeMsgpack(e); err != nil {
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

// broadcastMsg is a decoded broadcast message.
type broadcastMsg struct {
	uid    string
	packet *parser.Packet
	opts   *cluster.Opts
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
	r := cluster.NewReader(b)
	n, err := r.Decoder().DecodeArrayLen()
	if err != nil {
		return nil, err
	}
	if n < 3 {
		return nil, fmt.Errorf("redisadapter: broadcast of %d elements", n)
	}
	var msg broadcastMsg
	if msg.uid, err = r.Text(); err != nil {
		return nil, err
	}
	if msg.packet, err = r.Packet(); err != nil {
		return nil, err
	}
	msg.opts, err = r.Opts()
	if own != "" && msg.uid == own {
		// Our own broadcast back: only a logged one (its offset last) is
		// of use, delivered here in the stream's order (Broadcast).
		if err != nil || msg.opts.Offset == "" {
			return nil, errOwn
		}
		msg.own = true
	}
	if err != nil {
		return nil, err
	}
	return &msg, nil
}

// messageUID returns the uid a broadcast message starts with ("" if it
// does not), without decoding the rest.
func messageUID(b []byte) string {
	r := cluster.NewReader(b)
	if n, err := r.Decoder().DecodeArrayLen(); err != nil || n < 3 {
		return ""
	}
	uid, _ := r.Text()
	return uid
}

// request is a request between nodes; all but BROADCAST travel as JSON.
type request struct {
	UID       string           `json:"uid,omitempty"`
	RequestID string           `json:"requestId,omitempty"`
	Type      int              `json:"type"`
	Opts      *cluster.Opts    `json:"opts,omitempty"`
	Rooms     cluster.RoomList `json:"rooms,omitempty"`
	Close     bool             `json:"close,omitempty"`
	Data      json.RawMessage  `json:"data,omitempty"`
	SID       string           `json:"sid,omitempty"`  // the single-socket form of join, leave and disconnect
	Room      string           `json:"room,omitempty"` // of join and leave

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
	m := cluster.NewReader(b)
	r := &request{Type: -1}
	err := m.Members(func(key string) (err error) {
		switch key {
		case "uid":
			r.UID, err = m.Text()
		case "requestId":
			r.RequestID, err = m.Text()
		case "type":
			var t int64
			t, err = m.Int()
			r.Type = int(t)
		case "packet":
			r.packet, err = m.Packet()
		case "opts":
			r.Opts, err = m.Opts()
		default:
			err = m.Decoder().Skip()
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
	if err := cluster.EncodePacketMsgpack(e, &buf, p); err != nil {
		return nil, err
	}
	_ = e.EncodeString("opts")
	if err := cluster.OptsOf(opts, timeout).EncodeMsgpack(e); err != nil {
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
	m := cluster.NewReader(b)
	r := &response{}
	err := m.Members(func(key string) (err error) {
		switch key {
		case "requestId":
			r.RequestID, err = m.Text()
		case "type":
			var t int64
			t, err = m.Int()
			r.Type = int(t)
		case "packet":
			var raw json.RawMessage
			raw, r.ackAtts, err = m.JSON()
			r.ack = &raw
		default:
			err = m.Decoder().Skip()
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
