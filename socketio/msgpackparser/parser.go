package msgpackparser

import (
	"bytes"
	"fmt"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Parser is the socketio.Parser of npm socket.io-msgpack-parser. Its zero
// value is ready to use and safe for concurrent use.
type Parser struct{}

var _ socketio.Parser = Parser{}

// Encode returns the one binary message that carries p.
func (Parser) Encode(p *parser.Packet) ([]engineio.Message, error) {
	b, err := Encode(p)
	if err != nil {
		return nil, err
	}
	return []engineio.Message{{Data: b, Binary: true}}, nil
}

// NewDecoder returns a Decoder that accepts at most maxAttachments binary
// values in a packet (parser.DefaultMaxAttachments when 0 or less).
func (Parser) NewDecoder(maxAttachments int) socketio.PacketDecoder {
	return &Decoder{MaxAttachments: maxAttachments}
}

// Encode returns the MessagePack map of p: {type, data, nsp} and id when
// p.HasID. A BinaryEvent is sent as an EVENT and a BinaryAck as an ACK,
// their attachments as bin values where their placeholders are. It fails
// on a type this format has no number for and on Data that is not valid
// JSON.
func Encode(p *parser.Packet) ([]byte, error) {
	t := p.Type
	switch t {
	case parser.BinaryEvent:
		t = parser.Event
	case parser.BinaryAck:
		t = parser.Ack
	case parser.Connect, parser.Disconnect, parser.Event, parser.Ack, parser.ConnectError:
	default:
		return nil, fmt.Errorf("msgpackparser: encode packet of type %v", p.Type)
	}
	nsp := p.Namespace
	if nsp == "" {
		nsp = "/"
	}
	hasData := len(p.Data) > 0 && t != parser.Disconnect
	n := 2
	if hasData {
		n++
	}
	if p.HasID {
		n++
	}
	buf := bytes.NewBuffer(make([]byte, 0, len(p.Data)+len(nsp)+32+attachmentBytes(p)))
	e := msgpack.GetEncoder()
	defer msgpack.PutEncoder(e)
	e.Reset(buf)
	_ = e.EncodeMapLen(n)
	_ = e.EncodeString("type")
	_ = e.EncodeUint(uint64(t))
	if hasData {
		_ = e.EncodeString("data")
		if err := msgpackjson.WriteJSON(e, buf, p.Data, p.Attachments); err != nil {
			return nil, fmt.Errorf("msgpackparser: encode %v data: %w", p.Type, err)
		}
	}
	_ = e.EncodeString("nsp")
	_ = e.EncodeString(nsp)
	if p.HasID {
		_ = e.EncodeString("id")
		_ = e.EncodeUint(p.ID)
	}
	return buf.Bytes(), nil
}

func attachmentBytes(p *parser.Packet) int {
	n := 0
	for _, a := range p.Attachments {
		n += len(a) + 5
	}
	return n
}
