package redisadapter

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// The message types of socket.io-adapter's ClusterAdapter (MessageType),
// which the sharded adapter speaks.
const (
	cmBroadcast         = 3
	cmSocketsJoin       = 4
	cmSocketsLeave      = 5
	cmDisconnectSockets = 6
	cmFetchSockets      = 7
	cmFetchResponse     = 8
	cmServerSideEmit    = 9
	cmServerSideResp    = 10
	cmBroadcastCount    = 11
	cmBroadcastAck      = 12
)

// clusterMsg is a message or response of the sharded protocol, {uid,
// nsp, type, data}, decoded: JSON (a message without binary) or
// MessagePack (notepack.io, with binary as bin).
type clusterMsg struct {
	uid, nsp    string
	typ         int
	requestID   string
	packet      *parser.Packet // BROADCAST
	opts        *wireOpts
	rooms       []string
	close       bool
	clientCount int
	value       json.RawMessage // SERVER_SIDE_EMIT's [event, ...args]; the packet of an answer; FETCH's sockets
	atts        [][]byte
}

var errMsgType = errors.New("redisadapter: no message type")

// decodeClusterMsg decodes a message. Any input is safe: a malformed one
// is an error.
func decodeClusterMsg(b []byte) (*clusterMsg, error) {
	if len(b) > 0 && b[0] == '{' {
		return decodeClusterJSON(b)
	}
	m := newMsgpackReader(b)
	msg := &clusterMsg{typ: -1}
	var data []byte // MessagePack of data, read once type is known
	err := m.members(func(key string) (err error) {
		switch key {
		case "uid":
			msg.uid, err = m.anyString()
		case "nsp":
			msg.nsp, err = m.anyString()
		case "type":
			var t int64
			t, err = m.d.DecodeInt64()
			msg.typ = int(t)
		case "data":
			var raw msgpack.RawMessage
			err = m.d.Decode(&raw)
			data = raw
		default:
			err = m.d.Skip()
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if msg.typ < 0 {
		return nil, errMsgType
	}
	if data != nil {
		r := newMsgpackReader(data)
		if err := msg.readData(&r); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// readData reads the data of a MessagePack message.
func (msg *clusterMsg) readData(m *msgpackReader) error {
	return m.membersOrSkip(func(key string) (err error) {
		switch key {
		case "requestId":
			msg.requestID, err = m.anyString()
		case "packet":
			if msg.typ == cmBroadcast {
				msg.packet, err = m.packet()
			} else {
				msg.value, msg.atts, err = m.ReadJSON()
			}
		case "sockets":
			msg.value, msg.atts, err = m.ReadJSON()
		case "opts":
			msg.opts = new(wireOpts)
			err = m.opts(msg.opts)
		case "rooms":
			msg.rooms, err = m.strings()
		case "close":
			if c, _ := m.d.PeekCode(); c == msgpcode.True || c == msgpcode.False {
				msg.close, err = m.d.DecodeBool()
			} else {
				err = m.d.Skip()
			}
		case "clientCount":
			var v int64
			v, err = m.d.DecodeInt64()
			msg.clientCount = int(v)
		default:
			err = m.d.Skip()
		}
		return err
	})
}

type clusterJSON struct {
	UID  string `json:"uid"`
	Nsp  string `json:"nsp"`
	Type *int   `json:"type"`
	Data struct {
		RequestID   string          `json:"requestId"`
		Packet      json.RawMessage `json:"packet"`
		Opts        *wireOpts       `json:"opts"`
		Rooms       roomList        `json:"rooms"`
		Close       bool            `json:"close"`
		ClientCount int             `json:"clientCount"`
		Sockets     json.RawMessage `json:"sockets"`
	} `json:"data"`
}

type jsonPacket struct {
	Type int             `json:"type"`
	Data json.RawMessage `json:"data"`
	Nsp  string          `json:"nsp"`
}

func decodeClusterJSON(b []byte) (*clusterMsg, error) {
	var j clusterJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return nil, err
	}
	if j.Type == nil {
		return nil, errMsgType
	}
	d := &j.Data
	msg := &clusterMsg{uid: j.UID, nsp: j.Nsp, typ: *j.Type, requestID: d.RequestID, opts: d.Opts,
		rooms: d.Rooms, close: d.Close, clientCount: d.ClientCount, value: d.Packet}
	switch msg.typ {
	case cmBroadcast:
		var p jsonPacket
		if err := json.Unmarshal(d.Packet, &p); err != nil {
			return nil, err
		}
		if p.Type != int(parser.Event) && p.Type != int(parser.BinaryEvent) {
			return nil, errNotEvent
		}
		if len(p.Data) < 3 || p.Data[0] != '[' {
			return nil, fmt.Errorf("redisadapter: event without name")
		}
		msg.packet = &parser.Packet{Type: parser.Event, Namespace: p.Nsp, Data: p.Data}
		if msg.opts != nil && bytes.Contains(b, []byte(`"offset"`)) {
			var o struct {
				Data struct {
					Opts struct {
						Offset string `json:"offset"`
					} `json:"opts"`
				} `json:"data"`
			}
			if json.Unmarshal(b, &o) == nil {
				msg.opts.Offset = o.Data.Opts.Offset
			}
		}
		if msg.packet.Namespace == "" {
			msg.packet.Namespace = "/"
		}
	case cmFetchResponse:
		msg.value = d.Sockets
	}
	return msg, nil
}

// clusterOut is a message this node sends; data holds JSON or MessagePack
// values.
type clusterOut struct {
	typ  int
	uid  string
	nsp  string
	data []field
}

type field struct {
	key string
	// one of: string, bool, int, *parser.Packet (an event), *wireOpts
	// (opts with their flags), []string, json.RawMessage with attachments
	val  any
	atts [][]byte
}

// encode writes the message as JSON, or as MessagePack when a value holds
// binary, as the Node adapter chooses.
func (o *clusterOut) encode() ([]byte, error) {
	binary := false
	for _, f := range o.data {
		if p, ok := f.val.(*parser.Packet); ok && len(p.Attachments) > 0 || len(f.atts) > 0 {
			binary = true
		}
	}
	if binary {
		return o.encodeMsgpack()
	}
	return o.encodeJSON()
}

func (o *clusterOut) encodeJSON() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"type":%d,"data":{`, o.typ)
	for i, f := range o.data {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(msgpackjson.AppendString(nil, f.key))
		b.WriteByte(':')
		switch v := f.val.(type) {
		case *parser.Packet:
			fmt.Fprintf(&b, `{"type":2,"data":%s,"nsp":%s}`, v.Data, msgpackjson.AppendString(nil, v.Namespace))
		case json.RawMessage:
			if len(v) == 0 {
				b.WriteString("null")
			} else {
				b.Write(v)
			}
		case *wireOpts:
			j, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			if v.Offset != "" { // Go nodes read it; Node's ignore it
				j = append(append(j[:len(j)-1], `,"offset":`...), msgpackjson.AppendString(nil, v.Offset)...)
				j = append(j, '}')
			}
			b.Write(j)
		default:
			j, err := json.Marshal(v)
			if err != nil {
				return nil, err
			}
			b.Write(j)
		}
	}
	fmt.Fprintf(&b, `},"uid":%s,"nsp":%s}`, msgpackjson.AppendString(nil, o.uid), msgpackjson.AppendString(nil, o.nsp))
	return b.Bytes(), nil
}

func (o *clusterOut) encodeMsgpack() ([]byte, error) {
	var buf bytes.Buffer
	e := msgpack.GetEncoder()
	defer msgpack.PutEncoder(e)
	e.Reset(&buf)
	_ = e.EncodeMapLen(4)
	_ = e.EncodeString("type")
	_ = e.EncodeInt(int64(o.typ))
	_ = e.EncodeString("data")
	_ = e.EncodeMapLen(len(o.data))
	for _, f := range o.data {
		_ = e.EncodeString(f.key)
		var err error
		switch v := f.val.(type) {
		case *parser.Packet:
			err = encodePacket(e, &buf, v)
		case *wireOpts:
			err = encodeWireOpts(e, v)
		case json.RawMessage:
			if len(v) == 0 {
				err = e.EncodeNil()
			} else {
				err = msgpackjson.WriteJSON(e, &buf, v, f.atts)
			}
		case string:
			err = e.EncodeString(v)
		case bool:
			err = e.EncodeBool(v)
		case int:
			err = e.EncodeInt(int64(v))
		case []string:
			encodeStrings(e, v)
		default:
			err = fmt.Errorf("redisadapter: cannot encode %T", v)
		}
		if err != nil {
			return nil, err
		}
	}
	_ = e.EncodeString("uid")
	_ = e.EncodeString(o.uid)
	_ = e.EncodeString("nsp")
	if err := e.EncodeString(o.nsp); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeWireOpts writes {rooms, except, flags[, offset]} (flags: volatile
// and timeout when set; Node tests volatile for being defined at all).
func encodeWireOpts(e *msgpack.Encoder, o *wireOpts) error {
	return encodeOpts(e, &socketio.BroadcastOptions{Rooms: o.Rooms, Except: o.Except, Volatile: o.Flags.Volatile}, o.Offset, o.Flags.Timeout)
}
