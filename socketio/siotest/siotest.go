// Package siotest is a raw Socket.IO test client: it speaks the
// Engine.IO v4 / Socket.IO v5 protocol over a WebSocket frame by frame, so
// that tests see exactly what a server sends (binary attachments included)
// and can check it against what a real client would get.
package siotest

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// WaitTimeout bounds every wait of a client (dial, read, write) unless
// Timeout sets another.
const WaitTimeout = 10 * time.Second

// Client is a raw Socket.IO client connected to the "/" namespace. It
// answers the server's pings itself; binary frames read as "<bin>" and
// their bytes.
type Client struct {
	t       testing.TB
	conn    *websocket.Conn
	sid     string
	pid     string
	frames  chan string
	done    chan struct{}
	wmu     sync.Mutex
	ackWith string
	wait    time.Duration
}

type config struct {
	ackWith string
	wait    time.Duration
}

// Option configures Dial.
type Option func(*config)

// AckWith makes the client answer every event that carries an ack id with
// an ACK of args, a JSON array such as `["ok"]`.
func AckWith(args string) Option { return func(c *config) { c.ackWith = args } }

// Timeout replaces WaitTimeout as the bound of the client's waits.
func Timeout(d time.Duration) Option { return func(c *config) { c.wait = d } }

// Dial connects to "/" of the Socket.IO server at baseURL (http://host:port)
// over a WebSocket, with query appended to the handshake URL and auth (nil
// for none) as the CONNECT payload, and returns the connected client. It
// fails the test when the server does not accept the connection. The
// client is closed at the end of the test.
func Dial(t testing.TB, baseURL, query string, auth any, opts ...Option) *Client {
	t.Helper()
	cfg := config{wait: WaitTimeout}
	for _, o := range opts {
		o(&cfg)
	}
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/socket.io/?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	d := websocket.Dialer{HandshakeTimeout: cfg.wait}
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	c := &Client{t: t, conn: conn, frames: make(chan string, 1024), done: make(chan struct{}), ackWith: cfg.ackWith, wait: cfg.wait}
	t.Cleanup(c.Close)
	_ = conn.SetReadDeadline(time.Now().Add(c.wait))
	if _, open, err := conn.ReadMessage(); err != nil || len(open) == 0 || open[0] != '0' {
		t.Fatalf("open packet %q: %v", open, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	go c.readLoop()
	connect := "40"
	if auth != nil {
		b, _ := json.Marshal(auth)
		connect += string(b)
	}
	c.Send(connect)
	reply := c.Next()
	if !strings.HasPrefix(reply, "40{") {
		t.Fatalf("connect reply %q", reply)
	}
	var r struct{ SID, PID string }
	_ = json.Unmarshal([]byte(reply[2:]), &r)
	c.sid, c.pid = r.SID, r.PID
	return c
}

func (c *Client) readLoop() {
	defer close(c.done)
	defer close(c.frames)
	for {
		mt, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		text := string(data)
		if mt == websocket.BinaryMessage {
			text = "<bin>" + string(data)
		} else if text == "2" {
			c.Send("3")
			continue
		} else if c.ackWith != "" && strings.HasPrefix(text, "42") {
			if i := strings.IndexByte(text, '['); i > 2 {
				c.Send("43" + text[2:i] + c.ackWith)
			}
		}
		c.frames <- text
	}
}

// SID is the socket id of the CONNECT reply.
func (c *Client) SID() string { return c.sid }

// PID is the private session id of the CONNECT reply ("" when the server
// has no connection state recovery).
func (c *Client) PID() string { return c.pid }

// Send writes text as a text frame (errors are ignored: a closed
// connection shows in the reads).
func (c *Client) Send(text string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(c.wait))
	_ = c.conn.WriteMessage(websocket.TextMessage, []byte(text))
}

// Close closes the connection (a transport close, without a DISCONNECT
// packet) and waits for the reads to stop. It may be called again.
func (c *Client) Close() {
	_ = c.conn.Close()
	<-c.done
}

// Next returns the next frame (binary ones as "<bin>" and their bytes).
func (c *Client) Next() string {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("connection closed while waiting for a frame")
		}
		return f
	case <-time.After(c.wait):
		c.t.Fatalf("timed out waiting for a frame")
	}
	return ""
}

// Event reads the next frame, which must be an EVENT; it returns its
// arguments, name first, and its ack id ("" without).
func (c *Client) Event() ([]json.RawMessage, string) {
	c.t.Helper()
	f := c.Next()
	if !strings.HasPrefix(f, "42") {
		c.t.Fatalf("frame %q, want an event", f)
	}
	rest := f[2:]
	i := strings.IndexByte(rest, '[')
	id := rest[:i]
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(rest[i:]), &args); err != nil {
		c.t.Fatalf("event %q: %v", f, err)
	}
	return args, id
}

// ExpectEvent reads the next event and checks its name and, when want is
// not nil, its first argument; it returns the event's arguments, name
// first.
func (c *Client) ExpectEvent(name string, want any) []json.RawMessage {
	c.t.Helper()
	args, _ := c.Event()
	var got string
	_ = json.Unmarshal(args[0], &got)
	if got != name {
		c.t.Fatalf("event %s, want %s (args %s)", got, name, args)
	}
	if want != nil {
		w, _ := json.Marshal(want)
		if len(args) < 2 || string(args[1]) != string(w) {
			c.t.Fatalf("event %s args %s, want first %s", name, args[1:], w)
		}
	}
	return args
}

// ExpectClosed waits for the server to close the connection; it returns
// the frames read before the close.
func (c *Client) ExpectClosed() []string {
	c.t.Helper()
	var got []string
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return got
			}
			got = append(got, f)
		case <-time.After(c.wait):
			c.t.Fatalf("connection still open; got %q", got)
		}
	}
}

// Eventually polls cond until it holds, failing the test if it does not
// within WaitTimeout; format and args say what was awaited.
func Eventually(t testing.TB, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(WaitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition never held: "+format, args...)
		}
		time.Sleep(2 * time.Millisecond) // a poll, not a wait for time to pass
	}
}

// Offset returns the last argument of an event a client got with
// connection state recovery on: its offset (a string). It fails the test
// when there is none.
func Offset(t testing.TB, args []json.RawMessage) string {
	t.Helper()
	var s string
	if len(args) == 0 || json.Unmarshal(args[len(args)-1], &s) != nil || s == "" {
		t.Fatalf("no offset in %s", args)
	}
	return s
}
