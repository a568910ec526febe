// Package load is the benchmark load generator: Socket.IO v5 clients over
// Engine.IO v4 WebSocket, written to stay light, and the scenarios that
// bench/load runs with them.
//
// A client parses RFC 6455 frames itself, from its own read buffer: a
// message is handed to the scenario where it lies in the buffer (no copy,
// no allocation per message, no JSON decoding), and a frame longer than
// the buffer grows it. The WebSocket upgrade is done by hand too, so no
// WebSocket library sits on the read path.
//
// On Linux the pool's clients have no goroutine each: after the handshake
// a client's socket is taken from Go's netpoller and served by a reactor,
// one goroutine per GOMAXPROCS waiting on its own epoll instance
// (level-triggered). For each ready socket a reactor does one read(2) and
// handles every whole frame it completed, so a message costs about one
// system call; a goroutine per client cost a wake-up, the read and a
// second read returning EAGAIN, which made the load generator as slow as
// the server it measured when each client receives one frame at a time.
// The callbacks run on the reactor goroutine and may write: writes go to
// the socket under the client's lock, waiting for POLLOUT when it is full.
// Only the reactor closes a socket it serves (Close shuts it down), so a
// reused descriptor number is never read. Other systems, and the
// controllers that Dial alone, run Client.Run on a goroutine.
package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
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

// readBufferSize is the size of each client's read buffer to start with;
// a longer frame grows it (up to maxFrame).
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
	// sock is the connection: the net.Conn, or once a reactor serves the
	// client a non-blocking socket only that reactor reads and closes.
	sock   io.ReadWriteCloser
	closed atomic.Bool

	in   []byte // received bytes: c.in[r:w] is not parsed yet
	r, w int

	frag   []byte // a fragmented message being assembled
	inFrag bool   // frag holds the start of a fragmented message

	wmu  sync.Mutex
	wbuf []byte // the frame being written, under wmu
	msg  []byte // WriteBuilt's message, under wmu

	// OnEvent is called from the read loop (or the reactor) for each EVENT
	// packet with its JSON data; the bytes are only valid during the call.
	OnEvent func(data []byte)
	// OnAck is called like OnEvent for each ACK packet.
	OnAck func(id uint64, data []byte)
	// OnEnd, when set, is called once the read loop of a pool's client
	// has ended, with nil after Close or a close frame from the server;
	// it runs on the reactor and must not block.
	OnEnd func(err error)

	// SID and PID are the server's answer to CONNECT: the socket's id and,
	// with connection state recovery on, the private session id a client
	// sends back (with its last offset) to recover the session.
	SID, PID string
}

// Dial connects a client from source address src (empty: any) to the server
// at addr (host:port) and completes the Socket.IO CONNECT with auth (a JSON
// object, or empty). The caller must start Run (a pool hands its clients
// to a reactor instead).
func Dial(ctx context.Context, addr, src, auth string) (*Client, error) {
	nd := net.Dialer{Timeout: 10 * time.Second}
	if src != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	conn, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	c := &Client{sock: conn, in: make([]byte, readBufferSize)}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	if err := c.upgrade(conn, addr); err != nil {
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
			var ans struct{ Sid, Pid string }
			if len(msg) > 2 {
				_ = json.Unmarshal(msg[2:], &ans)
			}
			c.SID, c.PID = ans.Sid, ans.Pid
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
func (c *Client) upgrade(conn net.Conn, addr string) error {
	var k [16]byte
	_, _ = rand.Read(k[:])
	key := base64.StdEncoding.EncodeToString(k[:])
	req := "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: " + addr +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		return err
	}
	// A 101 answer has no body: ReadResponse reads the head only, and
	// whatever the server sent after it, still in br, goes to c.in.
	br := bufio.NewReaderSize(conn, len(c.in))
	resp, err := http.ReadResponse(br, nil)
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
	rest, _ := br.Peek(br.Buffered())
	c.w = copy(c.in, rest)
	return nil
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
	_, err := c.sock.Write(b)
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
			return c.ended(err)
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

// Close closes the connection (a reactor's socket is shut down, and the
// reactor closes it). It is safe to call from any goroutine.
func (c *Client) Close() {
	c.closed.Store(true)
	_ = c.sock.Close()
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
