package engineio

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTimeout bounds every wait of the tests: a condition that does not hold
// by then is a failure, not a slow machine.
const waitTimeout = 10 * time.Second

// eventually polls cond until it holds, failing the test at the deadline.
func eventually(t testing.TB, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition never held: "+format, args...)
		}
		time.Sleep(time.Millisecond)
	}
}

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

// recorder is a Receiver that records what it gets and, when echo is set,
// sends every message back.
type recorder struct {
	conn *Conn
	echo bool
	// onMessage, when set, runs inside OnMessage after the message is
	// recorded.
	onMessage func(r *recorder, data []byte, binary bool)

	mu     sync.Mutex
	msgs   []Message
	closes []CloseReason
	closed chan CloseReason // gets the first close reason
}

func (r *recorder) OnMessage(data []byte, binary bool) {
	r.mu.Lock()
	r.msgs = append(r.msgs, Message{Data: append([]byte(nil), data...), Binary: binary})
	r.mu.Unlock()
	if r.echo {
		_ = r.conn.Send(Message{Data: data, Binary: binary})
	}
	if r.onMessage != nil {
		r.onMessage(r, data, binary)
	}
}

func (r *recorder) OnClose(reason CloseReason) {
	r.mu.Lock()
	r.closes = append(r.closes, reason)
	first := len(r.closes) == 1
	r.mu.Unlock()
	if first {
		r.closed <- reason
	}
}

func (r *recorder) messages() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.msgs...)
}

func (r *recorder) closeCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.closes)
}

// waitClose waits for OnClose and checks its reason.
func (r *recorder) waitClose(t testing.TB, want CloseReason) {
	t.Helper()
	if got := recv(t, r.closed, "OnClose"); got != want {
		t.Fatalf("OnClose(%q), want %q", got, want)
	}
}

// harness is an engine server behind an httptest server, with a recorder
// for every connection.
type harness struct {
	t   testing.TB
	srv *Server
	ts  *httptest.Server

	mu   sync.Mutex
	recs map[string]*recorder
}

type harnessConfig struct {
	opts      *Options
	echo      bool
	onMessage func(r *recorder, data []byte, binary bool)
	onConn    func(c *Conn) // runs inside ServeConn
}

// newHarness starts a server; it is shut down and closed at the end of the
// test.
func newHarness(t testing.TB, cfg harnessConfig) *harness {
	t.Helper()
	h := &harness{t: t, recs: make(map[string]*recorder)}
	h.srv = NewServer(HandlerFunc(func(c *Conn) Receiver {
		r := &recorder{conn: c, echo: cfg.echo, onMessage: cfg.onMessage, closed: make(chan CloseReason, 1)}
		h.mu.Lock()
		h.recs[c.ID()] = r
		h.mu.Unlock()
		if cfg.onConn != nil {
			cfg.onConn(c)
		}
		return r
	}), cfg.opts)
	h.ts = httptest.NewServer(h.srv)
	t.Cleanup(h.close)
	return h
}

func (h *harness) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = h.srv.Shutdown(ctx)
	h.ts.Close()
}

// rec returns the recorder of the session sid.
func (h *harness) rec(sid string) *recorder {
	h.t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	r := h.recs[sid]
	if r == nil {
		h.t.Fatalf("no connection with sid %q", sid)
	}
	return r
}

func (h *harness) conn(sid string) *Conn { h.t.Helper(); return h.rec(sid).conn }

func (h *harness) url(query string) string { return h.ts.URL + "/engine.io/?" + query }

func (h *harness) wsURL(query string) string {
	return "ws" + strings.TrimPrefix(h.ts.URL, "http") + "/engine.io/?" + query
}

func pollQuery(sid string) string { return "EIO=4&transport=polling&sid=" + url.QueryEscape(sid) }

// do sends a request and returns the status, the body and the headers.
func (h *harness) do(ctx context.Context, method, query string, body io.Reader, hdr http.Header) (int, string, http.Header) {
	h.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, h.url(query), body)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := h.ts.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, query, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading body: %v", method, query, err)
	}
	return resp.StatusCode, string(b), resp.Header
}

func (h *harness) get(sid string) (int, string) {
	h.t.Helper()
	status, body, _ := h.do(context.Background(), http.MethodGet, pollQuery(sid), nil, nil)
	return status, body
}

func (h *harness) post(sid, payload string) (int, string) {
	h.t.Helper()
	status, body, _ := h.do(context.Background(), http.MethodPost, pollQuery(sid), strings.NewReader(payload), nil)
	return status, body
}

// mustGet expects a polling GET answered 200 with want.
func (h *harness) mustGet(sid, want string) {
	h.t.Helper()
	status, body := h.get(sid)
	if status != http.StatusOK || body != want {
		h.t.Fatalf("GET = %d %q, want 200 %q", status, body, want)
	}
}

func (h *harness) mustPost(sid, payload string) {
	h.t.Helper()
	status, body := h.post(sid, payload)
	if status != http.StatusOK || body != "ok" {
		h.t.Fatalf("POST %q = %d %q, want 200 \"ok\"", payload, status, body)
	}
}

// expectUnknownSID expects a GET with sid to be refused as an unknown
// session.
func (h *harness) expectUnknownSID(sid string) {
	h.t.Helper()
	status, body := h.get(sid)
	expectError(h.t, status, body, http.StatusBadRequest, 1)
}

// asyncGet starts a polling GET and returns the channel of its result.
func (h *harness) asyncGet(ctx context.Context, sid string) <-chan pollResult {
	ch := make(chan pollResult, 1)
	go func() {
		var res pollResult
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url(pollQuery(sid)), nil)
		if err != nil {
			res.err = err
			ch <- res
			return
		}
		resp, err := h.ts.Client().Do(req)
		if err != nil {
			res.err = err
			ch <- res
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		res.status, res.body, res.err = resp.StatusCode, string(b), err
		ch <- res
	}()
	return ch
}

type pollResult struct {
	status int
	body   string
	err    error
}

// waitGetPending waits until a polling GET of sid is waiting on the server.
func (h *harness) waitGetPending(sid string) {
	h.t.Helper()
	c := h.conn(sid)
	eventually(h.t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.getActive
	}, "a GET of %s pending", sid)
}

type handshakeData struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int64    `json:"pingInterval"`
	PingTimeout  int64    `json:"pingTimeout"`
	MaxPayload   int      `json:"maxPayload"`
}

// parseOpen decodes an open packet, checking it has exactly the expected
// keys.
func parseOpen(t testing.TB, pkt string) handshakeData {
	t.Helper()
	if !strings.HasPrefix(pkt, "0") {
		t.Fatalf("open packet %q does not start with 0", pkt)
	}
	var keys map[string]json.RawMessage
	if err := json.Unmarshal([]byte(pkt[1:]), &keys); err != nil {
		t.Fatalf("open packet %q: %v", pkt, err)
	}
	want := []string{"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}
	if len(keys) != len(want) {
		t.Fatalf("open packet keys %v, want %v", keys, want)
	}
	for _, k := range want {
		if _, ok := keys[k]; !ok {
			t.Fatalf("open packet %q has no key %q", pkt, k)
		}
	}
	var hd handshakeData
	if err := json.Unmarshal([]byte(pkt[1:]), &hd); err != nil {
		t.Fatalf("open packet %q: %v", pkt, err)
	}
	if hd.SID == "" {
		t.Fatalf("open packet %q: empty sid", pkt)
	}
	return hd
}

// openPolling opens a polling session and returns its handshake data.
func (h *harness) openPolling() handshakeData {
	h.t.Helper()
	status, body, _ := h.do(context.Background(), http.MethodGet, "EIO=4&transport=polling", nil, nil)
	if status != http.StatusOK {
		h.t.Fatalf("handshake: %d %q", status, body)
	}
	return parseOpen(h.t, body)
}

// wsClient is a test WebSocket client.
type wsClient struct {
	t    testing.TB
	conn *websocket.Conn
}

// dial opens a WebSocket to the engine with the given query.
func (h *harness) dial(query string, hdr http.Header) (*wsClient, *http.Response, error) {
	h.t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(h.wsURL(query), hdr)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err != nil {
		return nil, resp, err
	}
	ws := &wsClient{t: h.t, conn: conn}
	h.t.Cleanup(func() { conn.Close() })
	return ws, resp, nil
}

func (h *harness) mustDial(query string) *wsClient {
	h.t.Helper()
	ws, _, err := h.dial(query, nil)
	if err != nil {
		h.t.Fatalf("dial %s: %v", query, err)
	}
	return ws
}

// openWS opens a WebSocket session and returns the client and the
// handshake data.
func (h *harness) openWS() (*wsClient, handshakeData) {
	h.t.Helper()
	ws := h.mustDial("EIO=4&transport=websocket")
	return ws, parseOpen(h.t, ws.readText())
}

func (c *wsClient) read() (int, []byte, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	return c.conn.ReadMessage()
}

func (c *wsClient) readText() string {
	c.t.Helper()
	mt, b, err := c.read()
	if err != nil {
		c.t.Fatalf("websocket read: %v", err)
	}
	if mt != websocket.TextMessage {
		c.t.Fatalf("websocket read: message type %d, want text (%q)", mt, b)
	}
	return string(b)
}

func (c *wsClient) expectText(want string) {
	c.t.Helper()
	if got := c.readText(); got != want {
		c.t.Fatalf("websocket read %q, want %q", got, want)
	}
}

func (c *wsClient) writeText(s string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("websocket write: %v", err)
	}
}

// expectClosed reads until the server ends the connection and returns the
// read error; data frames read meanwhile fail the test.
func (c *wsClient) expectClosed() error {
	c.t.Helper()
	mt, b, err := c.read()
	if err == nil {
		c.t.Fatalf("websocket read message %d %q, want the connection closed", mt, b)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		c.t.Fatalf("websocket still open: %v", err)
	}
	return err
}

// expectError checks a refusal: status and the JSON body's code.
func expectError(t testing.TB, status int, body string, wantStatus, wantCode int) string {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("status %d (%q), want %d", status, body, wantStatus)
	}
	var e struct {
		Code    *int    `json:"code"`
		Message *string `json:"message"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if e.Code == nil || e.Message == nil {
		t.Fatalf("error body %q lacks code or message", body)
	}
	if *e.Code != wantCode {
		t.Fatalf("error code %d (%q), want %d", *e.Code, body, wantCode)
	}
	return *e.Message
}
