// Package load is the benchmark load generator: Socket.IO v5 clients over
// Engine.IO v4 WebSocket, written to stay light, and the scenarios that
// bench/load runs with them.
//
// A client reads RFC 6455 frames from its TCP connection itself, through
// one bufio.Reader: a frame that fits in the reader's buffer is handed to
// the scenario where it lies in the buffer (no copy, no allocation per
// message, no JSON decoding). The WebSocket upgrade is done by hand too, so
// no WebSocket library sits on the read path.
package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// readBufferSize is each client's read buffer: a frame at most this long
// (header included) is read without a copy.
const readBufferSize = 4096

// maxMessage is the longest message a client accepts.
const maxMessage = 16 << 20

// WebSocket opcodes.
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xa
)

// Client is one Socket.IO client on the main namespace.
type Client struct {
	conn   net.Conn
	br     *bufio.Reader
	closed atomic.Bool

	frag   []byte // a fragmented or oversized message being assembled
	inFrag bool   // frag holds the start of a fragmented message

	wmu  sync.Mutex
	wbuf []byte // the frame being written, under wmu
	msg  []byte // WriteBuilt's message, under wmu

	// OnEvent is called from the read loop for each EVENT packet with its
	// JSON data; the bytes are only valid during the call.
	OnEvent func(data []byte)
	// OnAck is called from the read loop for each ACK packet.
	OnAck func(id uint64, data []byte)
}

// Dial connects a client from source address src (empty: any) to the server
// at addr (host:port) and completes the Socket.IO CONNECT with auth (a JSON
// object, or empty). The caller must start Run.
func Dial(ctx context.Context, addr, src, auth string) (*Client, error) {
	nd := net.Dialer{Timeout: 10 * time.Second}
	if src != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Client{conn: conn, br: bufio.NewReaderSize(conn, readBufferSize)}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := c.upgrade(addr); err != nil {
		conn.Close()
		return nil, err
	}
	// Engine.IO open, then our CONNECT and the server's answer.
	msg, err := c.next()
	if err != nil || len(msg) == 0 || msg[0] != '0' {
		conn.Close()
		return nil, fmt.Errorf("load: engine.io open: %q %v", msg, err)
	}
	connect := "40"
	if auth != "" {
		connect += auth
	}
	if err := c.WriteText([]byte(connect)); err != nil {
		conn.Close()
		return nil, err
	}
	for {
		msg, err = c.next()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("load: socket.io connect: %w", err)
		}
		if bytes.HasPrefix(msg, []byte("40")) {
			break
		}
		if bytes.HasPrefix(msg, []byte("44")) {
			conn.Close()
			return nil, fmt.Errorf("load: connect refused: %s", msg)
		}
		if len(msg) > 0 && msg[0] == '2' {
			_ = c.WriteText([]byte{'3'})
		}
	}
	_ = conn.SetDeadline(time.Time{})
	return c, nil
}

const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// upgrade does the WebSocket opening handshake (RFC 6455 section 4.1).
func (c *Client) upgrade(addr string) error {
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(c.conn, req); err != nil {
		return err
	}
	// A 101 answer has no body: ReadResponse reads the head only, and
	// whatever the server sent after it stays in c.br.
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		return fmt.Errorf("load: websocket handshake: %w", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		return fmt.Errorf("load: websocket handshake: %s", resp.Status)
	}
	sum := sha1.Sum([]byte(key + acceptGUID))
	if resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		return errors.New("load: websocket handshake: bad Sec-WebSocket-Accept")
	}
	return nil
}

var errClosed = errors.New("load: closed by the server")

// next returns the next text or binary message. Pings are answered and
// pongs skipped. The bytes are valid until the next call.
func (c *Client) next() ([]byte, error) {
	for {
		h, err := c.br.Peek(2)
		if err != nil {
			return nil, err
		}
		fin, op := h[0]&0x80 != 0, h[0]&0x0f
		if h[0]&0x70 != 0 {
			return nil, errors.New("load: websocket frame with RSV bits")
		}
		if h[1]&0x80 != 0 {
			return nil, errors.New("load: masked server frame")
		}
		n, hl := uint64(h[1]&0x7f), 2
		switch n {
		case 126:
			if h, err = c.br.Peek(4); err != nil {
				return nil, err
			}
			n, hl = uint64(binary.BigEndian.Uint16(h[2:])), 4
		case 127:
			if h, err = c.br.Peek(10); err != nil {
				return nil, err
			}
			n, hl = binary.BigEndian.Uint64(h[2:]), 10
		}
		if n > maxMessage || (op >= opClose && (n > 125 || !fin)) {
			return nil, fmt.Errorf("load: websocket frame of %d bytes, opcode %d", n, op)
		}
		var p []byte
		big := false // p is in c.frag, after what it held
		if total := hl + int(n); total <= c.br.Size() {
			// The frame fits in the buffer: Peek makes it whole there,
			// and Discard (with total buffered) reads nothing, so p stays
			// valid until the next Peek.
			if p, err = c.br.Peek(total); err != nil {
				return nil, err
			}
			p = p[hl:]
			_, _ = c.br.Discard(total)
		} else {
			_, _ = c.br.Discard(hl)
			start := 0
			if op == opContinuation {
				start = len(c.frag)
			}
			c.frag = append(c.frag[:start], make([]byte, n)...)
			if _, err := io.ReadFull(c.br, c.frag[start:]); err != nil {
				return nil, err
			}
			p, big = c.frag[start:], true
		}
		switch op {
		case opText, opBinary:
			if c.inFrag {
				return nil, errors.New("load: websocket data frame inside a fragmented message")
			}
			if fin {
				return p, nil
			}
			if !big {
				c.frag = append(c.frag[:0], p...)
			}
			c.inFrag = true
		case opContinuation:
			if !c.inFrag {
				return nil, errors.New("load: websocket continuation without a start")
			}
			if !big {
				c.frag = append(c.frag, p...)
			}
			if fin {
				c.inFrag = false
				return c.frag, nil
			}
		case opPing:
			if err := c.writeFrame(opPong, p); err != nil {
				return nil, err
			}
		case opPong:
		case opClose:
			return nil, errClosed
		default:
			return nil, fmt.Errorf("load: websocket opcode %d", op)
		}
	}
}

// writeFrame sends one masked frame (clients must mask, RFC 6455 5.3).
func (c *Client) writeFrame(op byte, p []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeFrameLocked(op, p)
}

func (c *Client) writeFrameLocked(op byte, p []byte) error {
	b := append(c.wbuf[:0], 0x80|op)
	switch n := len(p); {
	case n < 126:
		b = append(b, 0x80|byte(n))
	case n <= 0xffff:
		b = append(b, 0x80|126, byte(n>>8), byte(n))
	default:
		b = append(b, 0x80|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	var key [4]byte
	binary.LittleEndian.PutUint32(key[:], mrand.Uint32())
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, p...)
	for i := range b[start:] {
		b[start+i] ^= key[i&3]
	}
	c.wbuf = b
	_, err := c.conn.Write(b)
	return err
}

// WriteText sends one text message.
func (c *Client) WriteText(msg []byte) error { return c.writeFrame(opText, msg) }

// WriteBuilt sends the text message that build appends to an empty buffer
// the client keeps for it.
func (c *Client) WriteBuilt(build func(dst []byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.msg = build(c.msg[:0])
	return c.writeFrameLocked(opText, c.msg)
}

// Run reads until the connection ends, answering pings and handing events
// and acks to OnEvent and OnAck. It returns nil after Close or a close
// frame from the server.
func (c *Client) Run() error {
	for {
		msg, err := c.next()
		if err != nil {
			if c.closed.Load() || errors.Is(err, errClosed) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		c.handle(msg)
	}
}

func (c *Client) handle(msg []byte) {
	if len(msg) == 0 {
		return
	}
	switch msg[0] {
	case '2': // Engine.IO ping
		_ = c.WriteText([]byte{'3'})
	case '4':
		if len(msg) < 2 {
			return
		}
		body := msg[2:]
		switch msg[1] {
		case '2':
			if c.OnEvent != nil {
				c.OnEvent(body)
			}
		case '3':
			id, n := leadingUint(body)
			if c.OnAck != nil {
				c.OnAck(id, body[n:])
			}
		}
	}
}

// Close closes the connection.
func (c *Client) Close() {
	c.closed.Store(true)
	_ = c.conn.Close()
}

// leadingUint parses the decimal digits at the start of b.
func leadingUint(b []byte) (v uint64, n int) {
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + uint64(b[n]-'0')
		n++
	}
	return v, n
}

// field returns the unsigned integer after key (such as `"t":`) in b.
func field(b []byte, key string) (uint64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	v, n := leadingUint(b[i+len(key):])
	return v, n > 0
}

// appendPayload appends the benchmark payload {"p":phase,"t":t,"pad":"…"}.
func appendPayload(dst []byte, phase int, t time.Duration, pad string) []byte {
	dst = append(dst, `{"p":`...)
	dst = strconv.AppendInt(dst, int64(phase), 10)
	dst = append(dst, `,"t":`...)
	dst = strconv.AppendInt(dst, int64(t), 10)
	dst = append(dst, `,"pad":"`...)
	dst = append(dst, pad...)
	return append(dst, `"}`...)
}
