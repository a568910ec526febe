package engineio

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
)

// packetType is the first byte of an Engine.IO packet in text form.
type packetType byte

const (
	packetOpen    packetType = '0'
	packetClose   packetType = '1'
	packetPing    packetType = '2'
	packetPong    packetType = '3'
	packetMessage packetType = '4'
	packetUpgrade packetType = '5'
	packetNoop    packetType = '6'
)

// recordSeparator separates packets in a polling payload.
const recordSeparator = '\x1e'

// ErrInvalidPacket is wrapped by every error about a malformed packet or
// payload received from a client.
var ErrInvalidPacket = errors.New("engineio: invalid packet")

// Message is one Engine.IO message: text or binary application data.
type Message struct {
	// Data is the message's content. A Message passed to Send must not be
	// modified afterwards: it may be shared by many connections.
	Data []byte
	// Binary is true for binary data, false for UTF-8 text.
	Binary bool
	// Uncompressed sends the message without compression, whatever the
	// connection negotiated (Node's send(data, {compress: false})): not
	// as a compressed WebSocket frame, and a polling response made only
	// of such messages is not compressed either.
	Uncompressed bool
	// Stamp, when set, is the moment the message was published:
	// Options.OnStampWritten is told, for each connection, how long after
	// it the write that carried the message ended. Zero: not timed.
	Stamp Stamp
}

// frame is one queued outgoing packet: 32 bytes, the slice first (with
// typ first it would be padded to 40, and a busy connection's queue holds
// dozens of frames that the garbage collector scans); stamp fills what
// was padding.
type frame struct {
	data         []byte
	typ          packetType
	binary       bool
	uncompressed bool  // Message.Uncompressed
	stamp        Stamp // Message.Stamp
}

// packet is one decoded incoming packet.
type packet struct {
	typ    packetType
	data   []byte
	binary bool
}

// decodeText decodes one packet in text form (a WebSocket text frame or one
// record of a polling payload).
func decodeText(b []byte) (packet, error) {
	if len(b) == 0 {
		return packet{}, fmt.Errorf("%w: empty", ErrInvalidPacket)
	}
	if b[0] == 'b' {
		data := make([]byte, base64.StdEncoding.DecodedLen(len(b)-1))
		n, err := base64.StdEncoding.Decode(data, b[1:])
		if err != nil {
			return packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return packet{typ: packetMessage, data: data[:n], binary: true}, nil
	}
	t := packetType(b[0])
	if t < packetOpen || t > packetNoop {
		return packet{}, fmt.Errorf("%w: unknown type %q", ErrInvalidPacket, b[0])
	}
	// Cap the slice at the record's end: data belongs to the receiver, and
	// an append to it must not overwrite the packets that follow it in a
	// polling payload.
	return packet{typ: t, data: b[1:len(b):len(b)]}, nil
}

// decodePayload splits a polling payload into packets and hands each to fn.
func decodePayload(body []byte, fn func(packet) error) error {
	for {
		i := bytes.IndexByte(body, recordSeparator)
		rec := body
		if i >= 0 {
			rec = body[:i]
		}
		p, err := decodeText(rec)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
		if i < 0 {
			return nil
		}
		body = body[i+1:]
	}
}

// appendPayloadFrame appends one frame to a polling payload.
func appendPayloadFrame(dst []byte, f frame) []byte {
	if len(dst) > 0 {
		dst = append(dst, recordSeparator)
	}
	if f.binary {
		dst = append(dst, 'b')
		return base64.StdEncoding.AppendEncode(dst, f.data)
	}
	dst = append(dst, byte(f.typ))
	return append(dst, f.data...)
}
