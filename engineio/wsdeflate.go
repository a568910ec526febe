package engineio

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strings"
)

// permessage-deflate on the WebSocket transport. gorilla/websocket does
// the handshake (Upgrader.EnableCompression): it accepts a client's offer
// with server_no_context_takeover and client_no_context_takeover, the
// mode this server compresses in. Whether it accepted is read from the
// response it wrote (extSniffer), so that the frames always match what
// the client was told.

// wsRSV1 is the frame header bit of a compressed message (RFC 7692, 6).
const wsRSV1 = 0x40

// deflateAccepted is the header line of a 101 response that accepted
// permessage-deflate.
var deflateAccepted = []byte("\r\nSec-WebSocket-Extensions: permessage-deflate")

// extSniffer is the ResponseWriter an upgrade is made through when the
// server offers permessage-deflate: it reads the response gorilla writes
// on the hijacked connection.
type extSniffer struct {
	http.ResponseWriter
	conn *sniffConn
}

// sniffConn reads the first write on a hijacked connection: the 101
// response.
type sniffConn struct {
	net.Conn
	written bool
	deflate bool // the response accepted permessage-deflate
}

func (c *sniffConn) Write(p []byte) (int, error) {
	if !c.written {
		c.written = true
		end := bytes.Index(p, []byte("\r\n\r\n"))
		if end < 0 {
			end = len(p)
		}
		c.deflate = bytes.Contains(p[:end], deflateAccepted)
	}
	return c.Conn.Write(p)
}

// Hijack hijacks the connection and keeps it, to read the response.
func (s *extSniffer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(s.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	s.conn = &sniffConn{Conn: nc}
	return s.conn, brw, nil
}

// Unwrap returns the ResponseWriter it wraps (for http.ResponseController).
func (s *extSniffer) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// limitsWindow reports whether a client's permessage-deflate offer asks
// the server to compress with a window under 2^15 bytes
// (server_max_window_bits): compress/flate cannot, so such an offer must
// be declined (RFC 7692, 7.1.2.1), which gorilla would not do.
func limitsWindow(h http.Header) bool {
	for _, v := range h.Values("Sec-Websocket-Extensions") {
		for _, param := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' }) {
			k, val, ok := strings.Cut(strings.TrimSpace(param), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "server_max_window_bits") &&
				strings.Trim(strings.TrimSpace(val), `"`) != "15" {
				return true
			}
		}
	}
	return false
}

// encode encodes frames into b as ws negotiated them.
func (ws *wsConn) encode(b *wsBatch, frames []frame) {
	if ws.deflate {
		d := ws.srv.opts.PerMessageDeflate
		b.buildDeflate(frames, d.Threshold, d.Level)
		return
	}
	b.build(frames)
}

// buildDeflate is build for a connection that negotiated
// permessage-deflate: a frame whose payload is threshold bytes or more
// goes compressed (RSV1 set), unless it is marked uncompressed.
func (b *wsBatch) buildDeflate(frames []frame, threshold, level int) {
	// Compress first: buf is sized once, with the inlined payloads.
	size := 0
	for _, f := range frames {
		var z []byte
		n := len(f.data)
		if !f.binary {
			n++
		}
		if !f.uncompressed && n >= threshold {
			z = deflatePayload(f, level)
			n = len(z)
		}
		b.z = append(b.z, z)
		size += 10 + 1
		if n <= inlineMax {
			size += n
		}
	}
	if cap(b.buf) < size {
		b.buf = make([]byte, 0, max(size, 512))
	}
	buf, run := b.buf[:0], 0
	for i, f := range frames {
		payload := f.data
		switch z := b.z[i]; {
		case z != nil:
			op := byte(wsFinText | wsRSV1)
			if f.binary {
				op = wsFinBinary | wsRSV1
			}
			buf = appendFrameHeader(buf, op, len(z))
			payload = z
		case f.binary:
			buf = appendFrameHeader(buf, wsFinBinary, len(f.data))
		default:
			buf = appendFrameHeader(buf, wsFinText, len(f.data)+1)
			buf = append(buf, byte(f.typ))
		}
		if len(payload) <= inlineMax {
			buf = append(buf, payload...)
			continue
		}
		b.iov = append(b.iov, buf[run:], payload)
		run = len(buf)
	}
	if len(buf) > run || len(b.iov) == 0 {
		b.iov = append(b.iov, buf[run:])
	}
	b.buf = buf
	b.n = 0
	for _, p := range b.iov {
		b.n += len(p)
	}
}
