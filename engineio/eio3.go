package engineio

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Engine.IO protocol 3 (socket.io-client 2), accepted with
// Options.AllowEIO3, differs from protocol 4 in its framing and heartbeat
// (as Node's engine.io, lib/parser-v3, speaks it):
//
//   - A polling payload is "<length>:<packet>" repeated, without
//     separator; the length counts the packet's UTF-16 code units (the
//     length of a JavaScript string), not its bytes. Binary data is
//     "b4<base64>" in it (the packet type after the b).
//   - A client that can (its handshake has no b64 parameter) may post,
//     and is sent, payloads in binary form when they hold binary data
//     (Content-Type application/octet-stream): each packet is a byte 0
//     (text) or 1 (binary), its length in bytes as decimal digits, one
//     digit a byte (0-9), a byte 255, then the packet: text as UTF-8,
//     binary as the type byte 4 and the data.
//   - A binary WebSocket message starts with the type byte 4. (Node sends
//     base64 text frames to a WebSocket whose query has b64; this server
//     sends binary frames, which engine.io-client 3 decodes as well.)
//   - The client pings ("2") and the server answers ("3"); a client
//     silent for PingInterval + PingTimeout is closed.
//
// The queue holds a protocol 3 connection's binary messages with their
// type byte in front (enqueue adds it), the form both WebSocket and the
// binary payload write.

// eio3Message is the type byte of a protocol 3 binary message.
const eio3Message = 4

// decodeText3 decodes one protocol 3 packet in text form.
func decodeText3(b []byte) (packet, error) {
	if len(b) > 0 && b[0] == 'b' {
		if len(b) < 2 || b[1] != byte(packetMessage) {
			return packet{}, fmt.Errorf("%w: base64 packet is not a message", ErrInvalidPacket)
		}
		data := make([]byte, base64.StdEncoding.DecodedLen(len(b)-2))
		n, err := base64.StdEncoding.Decode(data, b[2:])
		if err != nil {
			return packet{}, fmt.Errorf("%w: bad base64: %v", ErrInvalidPacket, err)
		}
		return packet{typ: packetMessage, data: data[:n], binary: true}, nil
	}
	return decodeText(b)
}

// decodeBinary3 decodes one protocol 3 packet in binary form: the type
// byte, then the data.
func decodeBinary3(b []byte) (packet, error) {
	if len(b) == 0 || b[0] != eio3Message {
		return packet{}, fmt.Errorf("%w: binary packet is not a message", ErrInvalidPacket)
	}
	return packet{typ: packetMessage, data: b[1:len(b):len(b)], binary: true}, nil
}

// decodePayload3 splits a protocol 3 polling payload into packets and
// hands each to fn: the binary form when binary is set (the POST's
// Content-Type is application/octet-stream), else the text form.
func decodePayload3(body []byte, binary bool, fn func(packet) error) error {
	if binary {
		return decodeBinaryPayload3(body, fn)
	}
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	for len(body) > 0 {
		colon := bytes.IndexByte(body, ':')
		if colon <= 0 || colon > 10 {
			return fmt.Errorf("%w: no length before ':'", ErrInvalidPacket)
		}
		n, err := strconv.Atoi(string(body[:colon]))
		if err != nil || n < 0 || body[0] == '+' || body[0] == '-' {
			return fmt.Errorf("%w: bad length %q", ErrInvalidPacket, body[:colon])
		}
		body = body[colon+1:]
		size, ok := utf16Prefix(body, n)
		if !ok {
			return fmt.Errorf("%w: payload shorter than its length %d", ErrInvalidPacket, n)
		}
		rec := body[:size:size]
		body = body[size:]
		if size == 0 {
			continue
		}
		p, err := decodeText3(rec)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// utf16Prefix returns how many bytes of the UTF-8 text b make n UTF-16
// code units, and false when b is shorter or the n-th unit splits a
// character. An invalid byte counts as one unit (U+FFFD).
func utf16Prefix(b []byte, n int) (int, bool) {
	i := 0
	for units := 0; units < n; {
		if i >= len(b) {
			return 0, false
		}
		c := b[i]
		if c < utf8.RuneSelf {
			i++
			units++
			continue
		}
		r, w := utf8.DecodeRune(b[i:])
		i += w
		if r >= 0x10000 {
			units += 2
			if units > n {
				return 0, false
			}
		} else {
			units++
		}
	}
	return i, true
}

// utf16Len returns the UTF-16 length of the UTF-8 text b.
func utf16Len(b []byte) int {
	n := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			n++
			continue
		}
		r, w := utf8.DecodeRune(b[i:])
		i += w
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// maxBinaryLengthDigits bounds the digits of one length in a binary
// payload (a length over MaxPayload's range is refused anyway).
const maxBinaryLengthDigits = 10

// decodeBinaryPayload3 decodes a protocol 3 payload in binary form.
func decodeBinaryPayload3(body []byte, fn func(packet) error) error {
	if len(body) == 0 {
		return fmt.Errorf("%w: empty payload", ErrInvalidPacket)
	}
	for len(body) > 0 {
		kind := body[0]
		if kind > 1 {
			return fmt.Errorf("%w: binary payload: bad kind %d", ErrInvalidPacket, kind)
		}
		n, i := 0, 1
		for ; i < len(body) && body[i] != 255; i++ {
			if body[i] > 9 || i > maxBinaryLengthDigits {
				return fmt.Errorf("%w: binary payload: bad length", ErrInvalidPacket)
			}
			n = n*10 + int(body[i])
		}
		if i == 1 || i == len(body) || n > len(body)-i-1 {
			return fmt.Errorf("%w: binary payload: bad length", ErrInvalidPacket)
		}
		rec := body[i+1 : i+1+n : i+1+n]
		body = body[i+1+n:]
		var p packet
		var err error
		if kind == 0 {
			p, err = decodeText3(rec)
		} else {
			p, err = decodeBinary3(rec)
		}
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return nil
}

// appendPayload3 appends frames to a protocol 3 polling payload: in
// binary form when binaryForm is set, else in text form (binary frames
// in base64).
func appendPayload3(dst []byte, frames []frame, binaryForm bool) []byte {
	for _, f := range frames {
		if binaryForm {
			dst = appendBinaryRecord3(dst, f)
		} else {
			dst = appendTextRecord3(dst, f)
		}
	}
	return dst
}

// appendTextRecord3 appends "<length>:<packet>".
func appendTextRecord3(dst []byte, f frame) []byte {
	if f.binary {
		data := f.data[1:] // the type byte is "4" after the b
		n := 2 + base64.StdEncoding.EncodedLen(len(data))
		dst = strconv.AppendInt(dst, int64(n), 10)
		dst = append(dst, ':', 'b', byte(packetMessage))
		return base64.StdEncoding.AppendEncode(dst, data)
	}
	dst = strconv.AppendInt(dst, int64(1+utf16Len(f.data)), 10)
	dst = append(dst, ':', byte(f.typ))
	return append(dst, f.data...)
}

// appendBinaryRecord3 appends one packet of a binary payload.
func appendBinaryRecord3(dst []byte, f frame) []byte {
	kind, n := byte(0), len(f.data)+1
	if f.binary {
		kind, n = 1, len(f.data) // the type byte is in data
	}
	dst = append(dst, kind)
	var digits [20]byte
	for _, d := range strconv.AppendInt(digits[:0], int64(n), 10) {
		dst = append(dst, d-'0')
	}
	dst = append(dst, 255)
	if !f.binary {
		dst = append(dst, byte(f.typ))
	}
	return append(dst, f.data...)
}

// payload3 encodes frames as the answer to a protocol 3 polling GET: in
// binary form when one of them is binary and the client takes binary
// (b64 is not set), else in text form.
func payload3(frames []frame, b64 bool) []byte {
	binaryForm := false
	n := 0
	for _, f := range frames {
		binaryForm = binaryForm || (f.binary && !b64)
		n += len(f.data)*4/3 + 16
	}
	return appendPayload3(make([]byte, 0, n), frames, binaryForm)
}

// single3 is a protocol 3 payload of one packet without data.
func single3(t packetType) []byte {
	return []byte{'1', ':', byte(t)}
}

// isBinaryPayload3 reports whether body, a protocol 3 answer, is in binary
// form (it starts with the kind byte 0 or 1; a text one with a digit).
func isBinaryPayload3(body []byte) bool {
	return len(body) > 0 && body[0] <= 1
}

// withTypeByte3 returns msgs with the type byte in front of each binary
// message's data (a copy: the caller's may be shared by other
// connections).
func withTypeByte3(msgs []Message) []Message {
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		out[i] = m
		if m.Binary {
			out[i].Data = append(append(make([]byte, 0, len(m.Data)+1), eio3Message), m.Data...)
		}
	}
	return out
}
