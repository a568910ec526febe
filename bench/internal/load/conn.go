// Package load is the benchmark load generator: Socket.IO v5 clients over
// Engine.IO v4 WebSocket, written to stay light (no JSON decoding of
// received packets, no allocation per received message), and the
// scenarios that bench/load runs with them.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Client is one Socket.IO client on the main namespace.
type Client struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	buf  []byte // reused for each message read
	wbuf []byte // reused by WriteBuilt, under wmu

	// OnEvent is called from the read loop for each EVENT packet with its
	// JSON data; the bytes are only valid during the call.
	OnEvent func(data []byte)
	// OnAck is called from the read loop for each ACK packet.
	OnAck func(id uint64, data []byte)
}

var writeBufs sync.Pool

var dialers sync.Map // source IP -> *websocket.Dialer

func dialer(src string) *websocket.Dialer {
	if d, ok := dialers.Load(src); ok {
		return d.(*websocket.Dialer)
	}
	nd := &net.Dialer{Timeout: 10 * time.Second}
	if src != "" {
		nd.LocalAddr = &net.TCPAddr{IP: net.ParseIP(src)}
	}
	d := &websocket.Dialer{
		NetDialContext:   nd.DialContext,
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   4096,
		WriteBufferPool:  &writeBufs,
	}
	v, _ := dialers.LoadOrStore(src, d)
	return v.(*websocket.Dialer)
}

// Dial connects a client from source address src (empty: any) to the server
// at addr (host:port) and completes the Socket.IO CONNECT with auth (a JSON
// object, or empty). The caller must start Run.
func Dial(ctx context.Context, addr, src, auth string) (*Client, error) {
	url := "ws://" + addr + "/socket.io/?EIO=4&transport=websocket"
	ws, _, err := dialer(src).DialContext(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c := &Client{ws: ws}
	if dl, ok := ctx.Deadline(); ok {
		_ = ws.SetReadDeadline(dl)
	}
	// Engine.IO open, then our CONNECT and the server's answer.
	msg, err := c.read()
	if err != nil || len(msg) == 0 || msg[0] != '0' {
		ws.Close()
		return nil, fmt.Errorf("load: engine.io open: %q %v", msg, err)
	}
	connect := "40"
	if auth != "" {
		connect += auth
	}
	if err := c.WriteText([]byte(connect)); err != nil {
		ws.Close()
		return nil, err
	}
	for {
		msg, err = c.read()
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("load: socket.io connect: %w", err)
		}
		if bytes.HasPrefix(msg, []byte("40")) {
			break
		}
		if bytes.HasPrefix(msg, []byte("44")) {
			ws.Close()
			return nil, fmt.Errorf("load: connect refused: %s", msg)
		}
		if len(msg) > 0 && msg[0] == '2' {
			_ = c.WriteText([]byte("3"))
		}
	}
	_ = ws.SetReadDeadline(time.Time{})
	return c, nil
}

// read reads one message into c.buf.
func (c *Client) read() ([]byte, error) {
	_, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	if c.buf == nil {
		c.buf = make([]byte, 0, 512)
	}
	b := c.buf[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	c.buf = b
	return b, nil
}

// WriteText sends one text message.
func (c *Client) WriteText(msg []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, msg)
}

// WriteBuilt sends the text message that build appends to an empty buffer
// the client keeps for it.
func (c *Client) WriteBuilt(build func(dst []byte) []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.wbuf = build(c.wbuf[:0])
	return c.ws.WriteMessage(websocket.TextMessage, c.wbuf)
}

// Run reads until the connection ends, answering pings and handing events
// and acks to OnEvent and OnAck. It returns nil after Close.
func (c *Client) Run() error {
	for {
		msg, err := c.read()
		if err != nil {
			var ce *websocket.CloseError
			if errors.Is(err, net.ErrClosed) || errors.As(err, &ce) {
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
func (c *Client) Close() { _ = c.ws.Close() }

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
