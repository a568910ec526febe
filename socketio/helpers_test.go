package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTimeout bounds every wait of the tests: a condition that does not
// hold by then is a failure, not a slow machine.
const waitTimeout = 10 * time.Second

// recv waits for a value on ch.
func recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}

// eventually polls cond until it holds, failing the test after siotest.WaitTimeout.
var eventually = siotest.Eventually

// testServer is a Socket.IO server behind an httptest server; it is shut
// down and closed when the test ends.
type testServer struct {
	t  testing.TB
	io *Server
	ts *httptest.Server
}

// newTestServer starts a server. setup, when not nil, runs before the
// server accepts connections.
func newTestServer(t testing.TB, opts *Options, setup func(io *Server)) *testServer {
	t.Helper()
	io := NewServer(opts)
	if setup != nil {
		setup(io)
	}
	s := &testServer{t: t, io: io, ts: httptest.NewServer(io)}
	t.Cleanup(s.close)
	return s
}

func (s *testServer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.io.Shutdown(ctx)
	s.ts.Close()
}

func (s *testServer) wsURL(query string) string {
	u := "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	return u
}

// frame is one WebSocket message received by a test client.
type frame struct {
	text   string
	bin    []byte
	binary bool
}

func (f frame) String() string {
	if f.binary {
		return fmt.Sprintf("<binary %v>", f.bin)
	}
	return strconv.Quote(f.text)
}

// wsClient speaks the raw Engine.IO/Socket.IO wire protocol over a
// WebSocket. A reader goroutine answers pings (unless told not to) and
// keeps what arrives; next and friends take it in order.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
	open string // the Engine.IO open packet

	wmu sync.Mutex // serializes writes

	mu     sync.Mutex
	frames []frame
	ended  bool
	notify chan struct{}
	done   chan struct{} // closed when the reader has exited

	autoPong bool
	ackWith  string // when set, EVENTs with an ack id are acked with this array body
}

type dialConfig struct {
	query   string
	header  http.Header
	noPong  bool   // leave pings to the test (they show up as "2" frames)
	noRead  bool   // start no reader: the client never reads
	ackWith string // auto-ack server EVENTs that carry an ack id, e.g. `["ok"]`
}

// dial opens a WebSocket connection and reads the Engine.IO open packet.
func (s *testServer) dial(t testing.TB, cfg dialConfig) *wsClient {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	conn, resp, err := d.Dial(s.wsURL(cfg.query), cfg.header)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	c := &wsClient{
		t: t, conn: conn,
		notify:   make(chan struct{}, 1),
		done:     make(chan struct{}),
		autoPong: !cfg.noPong,
		ackWith:  cfg.ackWith,
	}
	t.Cleanup(c.close)
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, open, err := conn.ReadMessage()
	if err != nil {
		t.Fatalf("reading the open packet: %v", err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	if len(open) == 0 || open[0] != '0' {
		t.Fatalf("first frame %q, want an open packet", open)
	}
	c.open = string(open)
	if cfg.noRead {
		close(c.done)
	} else {
		go c.readLoop()
	}
	return c
}

// engineSID returns the Engine.IO session id from the open packet.
func (c *wsClient) engineSID() string {
	var o struct{ SID string }
	_ = json.Unmarshal([]byte(c.open[1:]), &o)
	return o.SID
}

func (c *wsClient) close() {
	_ = c.conn.Close()
	<-c.done
}

func (c *wsClient) readLoop() {
	defer close(c.done)
	for {
		mt, data, err := c.conn.ReadMessage()
		if err != nil {
			c.mu.Lock()
			c.ended = true
			c.mu.Unlock()
			c.wake()
			return
		}
		f := frame{binary: mt == websocket.BinaryMessage}
		if f.binary {
			f.bin = data
		} else {
			f.text = string(data)
			if f.text == "2" && c.autoPong {
				c.write(websocket.TextMessage, []byte("3"))
				continue
			}
			if c.ackWith != "" {
				if nsp, id, ok := ackRequest(f.text); ok {
					c.write(websocket.TextMessage, []byte(ackPrefix(nsp)+id+c.ackWith))
				}
			}
		}
		c.mu.Lock()
		c.frames = append(c.frames, f)
		c.mu.Unlock()
		c.wake()
	}
}

// ackRequest parses a server EVENT "42[/nsp,]N[...]" and returns its
// namespace prefix and ack id.
func ackRequest(text string) (nsp, id string, ok bool) {
	if !strings.HasPrefix(text, "42") {
		return "", "", false
	}
	rest := text[2:]
	if strings.HasPrefix(rest, "/") {
		i := strings.IndexByte(rest, ',')
		if i < 0 {
			return "", "", false
		}
		nsp, rest = rest[:i], rest[i+1:]
	}
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	if j == 0 {
		return "", "", false
	}
	return nsp, rest[:j], true
}

func ackPrefix(nsp string) string {
	if nsp == "" || nsp == "/" {
		return "43"
	}
	return "43" + nsp + ","
}

func (c *wsClient) wake() {
	select {
	case c.notify <- struct{}{}:
	default:
	}
}

func (c *wsClient) write(mt int, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(waitTimeout))
	return c.conn.WriteMessage(mt, data)
}

// send writes a text frame; a failure is not fatal (the server may have
// closed the connection on purpose).
func (c *wsClient) send(text string) { _ = c.write(websocket.TextMessage, []byte(text)) }

func (c *wsClient) sendBin(b []byte) { _ = c.write(websocket.BinaryMessage, b) }

// tryNext returns the next frame, or ok=false when the connection ended
// with nothing left to read.
func (c *wsClient) tryNext() (frame, bool) {
	c.t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		if len(c.frames) > 0 {
			f := c.frames[0]
			c.frames = c.frames[1:]
			c.mu.Unlock()
			return f, true
		}
		ended := c.ended
		c.mu.Unlock()
		if ended {
			return frame{}, false
		}
		select {
		case <-c.notify:
		case <-deadline.C:
			c.t.Fatalf("timed out waiting for a frame")
		}
	}
}

// next returns the next frame, failing when the connection ended.
func (c *wsClient) next() frame {
	c.t.Helper()
	f, ok := c.tryNext()
	if !ok {
		c.t.Fatalf("connection closed while waiting for a frame")
	}
	return f
}

// nextText returns the next frame, which must be text.
func (c *wsClient) nextText() string {
	c.t.Helper()
	f := c.next()
	if f.binary {
		c.t.Fatalf("got binary frame %v, want text", f.bin)
	}
	return f.text
}

func (c *wsClient) expect(want string) {
	c.t.Helper()
	if got := c.nextText(); got != want {
		c.t.Fatalf("got frame %q, want %q", got, want)
	}
}

func (c *wsClient) expectBin(want []byte) {
	c.t.Helper()
	f := c.next()
	if !f.binary || !bytes.Equal(f.bin, want) {
		c.t.Fatalf("got frame %v, want binary %v", f, want)
	}
}

// expectClosed reads until the server closes the connection; frames
// before the close are returned.
func (c *wsClient) expectClosed() []frame {
	c.t.Helper()
	var got []frame
	for {
		f, ok := c.tryNext()
		if !ok {
			return got
		}
		got = append(got, f)
	}
}

// until reads text frames up to (and without) the first one equal to
// marker.
func (c *wsClient) until(marker string) []string {
	c.t.Helper()
	var got []string
	for {
		s := c.nextText()
		if s == marker {
			return got
		}
		got = append(got, s)
	}
}

// connect sends a CONNECT for nsp ("/" or "/name") with the auth payload
// (may be empty) and returns the socket id of the reply.
func (c *wsClient) connect(nsp, auth string) string {
	c.t.Helper()
	c.send(connectPacket(nsp, auth))
	reply := c.nextText()
	for reply == "2" {
		// A ping came first (a short PingInterval on a loaded machine):
		// answered, so that the test's own count of pings is unchanged.
		c.send("3")
		reply = c.nextText()
	}
	return connectReplySID(c.t, nsp, reply)
}

func connectPacket(nsp, auth string) string {
	if nsp == "/" || nsp == "" {
		return "40" + auth
	}
	return "40" + nsp + "," + auth
}

// connectReplySID checks a CONNECT reply for nsp and returns its sid.
func connectReplySID(t testing.TB, nsp, reply string) string {
	t.Helper()
	prefix := "40"
	if nsp != "/" && nsp != "" {
		prefix += nsp + ","
	}
	if !strings.HasPrefix(reply, prefix+"{") {
		t.Fatalf("CONNECT reply %q, want prefix %q", reply, prefix+"{")
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(reply[len(prefix):]), &body); err != nil {
		t.Fatalf("CONNECT reply %q: %v", reply, err)
	}
	sid, _ := body["sid"].(string)
	if sid == "" {
		t.Fatalf("CONNECT reply %q has no sid", reply)
	}
	return sid
}

// dialConnected dials and joins "/", returning the client and its socket.
func (s *testServer) dialConnected(t testing.TB, cfg dialConfig) (*wsClient, *Socket) {
	t.Helper()
	c := s.dial(t, cfg)
	sid := c.connect("/", "")
	sock := s.io.Of("/").Socket(sid)
	if sock == nil {
		t.Fatalf("no socket %q on the server", sid)
	}
	return c, sock
}

// marker emits a marker event to the socket and returns the frame that
// carries it, for until.
func marker(t testing.TB, s *Socket, n int) string {
	t.Helper()
	if err := s.Emit("marker", n); err != nil {
		t.Fatalf("marker: %v", err)
	}
	if s.nsp.name == "/" {
		return `42["marker",` + strconv.Itoa(n) + `]`
	}
	return `42` + s.nsp.name + `,["marker",` + strconv.Itoa(n) + `]`
}

// disconnects records the reasons of a socket's OnDisconnect.
func disconnects(s *Socket) <-chan DisconnectReason {
	ch := make(chan DisconnectReason, 4)
	s.OnDisconnect(func(r DisconnectReason) { ch <- r })
	return ch
}

func expectReason(t testing.TB, ch <-chan DisconnectReason, want DisconnectReason) {
	t.Helper()
	if got := recv(t, ch, "OnDisconnect"); got != want {
		t.Fatalf("disconnect reason %q, want %q", got, want)
	}
}

// pollClient speaks the wire protocol over HTTP long-polling.
type pollClient struct {
	t      testing.TB
	base   string
	sid    string
	client *http.Client
}

func (s *testServer) poll(t testing.TB) *pollClient {
	t.Helper()
	p := &pollClient{t: t, base: s.ts.URL + "/socket.io/?EIO=4&transport=polling", client: s.ts.Client()}
	status, body := p.do(http.MethodGet, p.base, "")
	if status != http.StatusOK || !strings.HasPrefix(body, "0{") {
		t.Fatalf("polling handshake: %d %q", status, body)
	}
	var o struct{ SID string }
	if err := json.Unmarshal([]byte(body[1:]), &o); err != nil {
		t.Fatal(err)
	}
	p.sid = o.SID
	return p
}

func (p *pollClient) url() string { return p.base + "&sid=" + url.QueryEscape(p.sid) }

func (p *pollClient) do(method, u, body string) (int, string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		p.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatalf("%s: %v", method, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		p.t.Fatalf("%s: reading body: %v", method, err)
	}
	return resp.StatusCode, string(b)
}

// post sends packets (Engine.IO text packets such as "40") in one payload.
func (p *pollClient) post(packets ...string) {
	p.t.Helper()
	status, body := p.do(http.MethodPost, p.url(), strings.Join(packets, "\x1e"))
	if status != http.StatusOK || body != "ok" {
		p.t.Fatalf("POST: %d %q", status, body)
	}
}

// get polls once and returns the packets of the answer.
func (p *pollClient) get() []string {
	p.t.Helper()
	status, body := p.do(http.MethodGet, p.url(), "")
	if status != http.StatusOK {
		p.t.Fatalf("GET: %d %q", status, body)
	}
	return strings.Split(body, "\x1e")
}

// quietEngine returns engine options with the heartbeat out of the way.
func quietEngine() *engineio.Options {
	return &engineio.Options{PingInterval: time.Hour, PingTimeout: time.Hour}
}

// decodeEvent splits a root-namespace EVENT frame `42[...]` into its JSON
// elements.
func decodeEvent(t testing.TB, text string) []json.RawMessage {
	t.Helper()
	i := strings.IndexByte(text, '[')
	if i < 0 {
		t.Fatalf("frame %q is not an event", text)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal([]byte(text[i:]), &elems); err != nil {
		t.Fatalf("frame %q: %v", text, err)
	}
	return elems
}

// ctxTimeout returns a context that ends after d, cancelled at cleanup.
func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
