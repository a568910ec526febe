package socketio

import (
	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Parser is the wire format of a server's packets: how a parser.Packet
// becomes Engine.IO messages and back (Node's parser option). Options.Parser
// nil selects the default, the JSON format of npm socket.io-parser
// (package parser); package msgpackparser is the format of npm
// socket.io-msgpack-parser. Clients must use the server's format.
//
// Whatever the wire format, the server works on packets as package parser
// describes them: Data is JSON, binary values are attachment placeholders
// with their bytes in Attachments, and packets with attachments have the
// types BinaryEvent and BinaryAck. A Parser converts from and to that, so
// that handlers, Args and adapters are the same with every parser.
type Parser interface {
	// Encode returns the messages that carry p. A broadcast encodes its
	// packet once and queues the same messages on every socket it
	// reaches: Encode must be safe for concurrent use, and must neither
	// keep p nor share its own buffers between calls. An error (a value
	// the format cannot carry) drops the packet: the emit that made it
	// returns the error, a broadcast logs it.
	Encode(p *parser.Packet) ([]engineio.Message, error)
	// NewDecoder returns the decoder of one connection's messages.
	// maxAttachments is Options.MaxAttachments: the most binary values a
	// packet may hold.
	NewDecoder(maxAttachments int) PacketDecoder
}

// PacketDecoder decodes the messages of one connection, in order, as
// parser.Decoder does for the default format. It is used by one goroutine
// at a time.
type PacketDecoder interface {
	// Decode takes the next message: data is its content, binary whether
	// it is a binary message. It returns a complete packet, valid as
	// parser.Decoder.Decode's are; or nil and a nil error when the packet
	// needs more messages; or an error for input that is not a valid
	// packet, after which the connection is closed. It never panics, and
	// may keep data (the packet may refer to it).
	Decode(data []byte, binary bool) (*parser.Packet, error)
}

var _ PacketDecoder = (*parser.Decoder)(nil)

// messages encodes p with the server's parser. The default one is the
// fast path: it cannot fail.
func (s *Server) messages(p *parser.Packet) ([]engineio.Message, error) {
	if s.opts.Parser == nil {
		return packetMessages(p), nil
	}
	return s.opts.Parser.Encode(p)
}

// decode decodes a message of c's connection with the server's parser.
func (c *client) decode(data []byte, binary bool) (*parser.Packet, error) {
	if c.custom != nil {
		return c.custom.Decode(data, binary)
	}
	return c.decoder.Decode(data, binary)
}

// sendPacket encodes p with the server's parser and queues it; an encoding
// error is logged, for the packets the server makes itself (CONNECT,
// CONNECT_ERROR, DISCONNECT and recovered events) where nobody waits for
// one.
func (c *client) sendPacket(p *parser.Packet) {
	msgs, err := c.server.messages(p)
	if err != nil {
		c.server.opts.Logger.Warn("socketio: encode packet", "sid", c.conn.ID(), "type", p.Type.String(), "err", err)
		return
	}
	_ = c.send(msgs, false)
}

// encodeAck returns the messages of the ACK for id: the default parser's
// fast path (encodeAck), or the packet encoded by Options.Parser.
func (s *Server) encodeAck(nsp string, id uint64, args []any) ([]engineio.Message, error) {
	if s.opts.Parser == nil {
		return encodeAck(nsp, id, args)
	}
	var e encoder
	e.buf = make([]byte, 0, ackArgsHint)
	if err := e.appendArgs(args); err != nil {
		return nil, err
	}
	p := &parser.Packet{Type: parser.Ack, Namespace: nsp, ID: id, HasID: true, Data: e.buf}
	if len(e.attachments) > 0 {
		p.Type, p.Attachments = parser.BinaryAck, e.attachments
	}
	return s.opts.Parser.Encode(p)
}
