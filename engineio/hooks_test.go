package engineio

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// connErrors collects what OnConnectionError is told.
type connErrors struct {
	mu   sync.Mutex
	errs []*ConnectionError
}

func (c *connErrors) add(e *ConnectionError) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errs = append(c.errs, e)
}

func (c *connErrors) take() []*ConnectionError {
	c.mu.Lock()
	defer c.mu.Unlock()
	errs := c.errs
	c.errs = nil
	return errs
}

func TestConnectionErrorHook(t *testing.T) {
	t.Parallel()
	var errs connErrors
	var ids atomic.Int64
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{
		OnConnectionError: errs.add,
		AllowRequest: func(r *http.Request) error {
			if r.Header.Get("X-Deny") != "" {
				return errors.New("go away")
			}
			return nil
		},
		GenerateID: func(r *http.Request) (string, error) {
			if r.URL.Query().Has("badid") {
				return "", errors.New("no id for you")
			}
			return fmt.Sprintf("id-%d", ids.Add(1)), nil
		},
	}})
	ws, open := h.openWS()
	defer ws.conn.Close()

	genErr := errors.New("") // stands for any error under "error"
	tests := []struct {
		name    string
		method  string
		query   string
		hdr     http.Header
		status  int
		code    int
		context map[string]any
	}{
		{"unknown transport", "GET", "EIO=4&transport=carrier-pigeon", nil, 400, 0, map[string]any{"transport": "carrier-pigeon"}},
		{"missing transport", "GET", "EIO=4", nil, 400, 0, map[string]any{"transport": ""}},
		{"unknown sid", "GET", "EIO=4&transport=polling&sid=nope", nil, 400, 1, map[string]any{"sid": "nope"}},
		{"handshake by POST", "POST", "EIO=4&transport=polling", nil, 400, 2, map[string]any{"method": "POST"}},
		{"websocket without upgrade", "GET", "EIO=4&transport=websocket", nil, 400, 3, map[string]any{"name": "TRANSPORT_HANDSHAKE_ERROR"}},
		{"polling on a websocket session", "GET", "EIO=4&transport=polling&sid=" + open.SID, nil, 400, 3,
			map[string]any{"name": "TRANSPORT_MISMATCH", "transport": "polling", "previousTransport": "websocket"}},
		{"id generation fails", "GET", "EIO=4&transport=polling&badid", nil, 400, 3, map[string]any{"name": "ID_GENERATION_ERROR", "error": genErr}},
		{"AllowRequest refuses", "GET", "EIO=4&transport=polling", http.Header{"X-Deny": {"1"}}, 403, 4, map[string]any{"message": "go away"}},
		{"Origin refused", "GET", "EIO=4&transport=polling", http.Header{"Origin": {"https://evil.example"}}, 403, 4,
			map[string]any{"name": "ORIGIN_NOT_ALLOWED", "origin": "https://evil.example"}},
		{"protocol 3 not allowed", "GET", "EIO=3&transport=polling", nil, 400, 5, map[string]any{"protocol": 3}},
		{"protocol not a number", "GET", "EIO=abc&transport=polling", nil, 400, 5, map[string]any{"protocol": "abc"}},
	}
	for _, tt := range tests {
		status, body, _ := h.do(context.Background(), tt.method, tt.query, nil, tt.hdr)
		expectError(t, status, body, tt.status, tt.code)
		got := errs.take()
		if len(got) != 1 {
			t.Errorf("%s: OnConnectionError called %d times, want once", tt.name, len(got))
			continue
		}
		e := got[0]
		if e.Code != tt.code || e.Message != codeMessages[tt.code] || e.Request == nil || e.Request.Method != tt.method {
			t.Errorf("%s: got code %d message %q request %v, want code %d message %q", tt.name, e.Code, e.Message, e.Request, tt.code, codeMessages[tt.code])
		}
		if err, ok := e.Context["error"].(error); ok && tt.context["error"] == genErr && err != nil {
			e.Context["error"] = genErr
		}
		if !reflect.DeepEqual(e.Context, tt.context) {
			t.Errorf("%s: context %v, want %v", tt.name, e.Context, tt.context)
		}
	}
	// Accepted requests report nothing.
	h.openPolling()
	if got := errs.take(); len(got) != 0 {
		t.Errorf("a handshake that succeeded reported %v", got)
	}
}

func TestGenerateID(t *testing.T) {
	t.Parallel()
	var next atomic.Value
	next.Store("")
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{
		GenerateID: func(*http.Request) (string, error) { return next.Load().(string), nil },
	}})
	next.Store("user-42:a")
	open := h.openPolling()
	if open.SID != "user-42:a" || h.srv.Conn("user-42:a") == nil {
		t.Fatalf("sid %q, want the generated one, registered", open.SID)
	}
	h.mustPost(open.SID, "4hi")
	h.mustGet(open.SID, "4hi")

	next.Store("ws-1")
	ws := h.mustDial("EIO=4&transport=websocket")
	if hs := parseOpen(t, ws.readText()); hs.SID != "ws-1" {
		t.Fatalf("websocket sid %q, want ws-1", hs.SID)
	}

	for _, bad := range []string{"", "has space", "tab\t", "é", strings.Repeat("x", 129), "user-42:a"} {
		next.Store(bad)
		status, body, _ := h.do(context.Background(), "GET", "EIO=4&transport=polling", nil, nil)
		expectError(t, status, body, 400, CodeBadRequest)
	}
	if n := h.srv.Len(); n != 2 {
		t.Errorf("%d sessions open after the refusals, want 2", n)
	}
}

func TestHeaderHooks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{
		InitialHeaders: func(h http.Header, r *http.Request) {
			h.Set("X-Initial", r.URL.Query().Get("transport"))
		},
		Headers: func(h http.Header, r *http.Request) {
			h.Set("X-Every", r.Method)
			if r.URL.Query().Has("private") {
				h.Set("Cache-Control", "private") // hooks run after the server's own
			}
		},
	}})
	check := func(what string, hdr http.Header, initial, every string) {
		t.Helper()
		if got := hdr.Get("X-Initial"); got != initial {
			t.Errorf("%s: X-Initial %q, want %q", what, got, initial)
		}
		if got := hdr.Get("X-Every"); got != every {
			t.Errorf("%s: X-Every %q, want %q", what, got, every)
		}
	}
	status, body, hdr := h.do(context.Background(), "GET", "EIO=4&transport=polling", nil, nil)
	if status != 200 {
		t.Fatalf("handshake %d %q", status, body)
	}
	check("polling handshake", hdr, "polling", "GET")
	sid := parseOpen(t, body).SID

	_, _, hdr = h.do(context.Background(), "POST", pollQuery(sid)+"&private", strings.NewReader("4x"), nil)
	check("POST", hdr, "", "POST")
	if hdr.Get("Cache-Control") != "private" {
		t.Errorf("POST Cache-Control %q: the hook did not override", hdr.Get("Cache-Control"))
	}
	_, _, hdr = h.do(context.Background(), "GET", pollQuery(sid), nil, nil)
	check("GET", hdr, "", "GET")

	_, _, hdr = h.do(context.Background(), "GET", "EIO=4&transport=polling&sid=nope", nil, nil)
	check("refusal", hdr, "", "")

	_, resp, err := h.dial("EIO=4&transport=websocket", nil)
	if err != nil {
		t.Fatal(err)
	}
	check("websocket handshake 101", resp.Header, "websocket", "GET")

	_, resp, err = h.dial("EIO=4&transport=websocket&sid="+sid, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("upgrade 101", resp.Header, "", "GET")
}

func TestCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cookie *Cookie
		want   string // with SID for the session id; "" for none
	}{
		{"off by default", nil, ""},
		{"Node's defaults", &Cookie{}, "io=SID; Path=/; HttpOnly; SameSite=Lax"},
		{"custom", &Cookie{Name: "lb", Path: "/socket.io", Domain: "example.com", MaxAge: 90e9, Secure: true,
			SameSite: http.SameSiteStrictMode, DisableHTTPOnly: true},
			"lb=SID; Path=/socket.io; Domain=example.com; Max-Age=90; Secure; SameSite=Strict"},
		{"no SameSite", &Cookie{SameSite: http.SameSiteDefaultMode}, "io=SID; Path=/; HttpOnly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{echo: true, opts: &Options{Cookie: tt.cookie}})
			_, body, hdr := h.do(context.Background(), "GET", "EIO=4&transport=polling", nil, nil)
			sid := parseOpen(t, body).SID
			want := []string(nil)
			if tt.want != "" {
				want = []string{strings.ReplaceAll(tt.want, "SID", sid)}
			}
			if got := hdr.Values("Set-Cookie"); !reflect.DeepEqual(got, want) {
				t.Errorf("handshake Set-Cookie %q, want %q", got, want)
			}
			h.mustPost(sid, "4x")
			_, _, hdr = h.do(context.Background(), "GET", pollQuery(sid), nil, nil)
			if got := hdr.Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("later GET Set-Cookie %q, want none", got)
			}
			_, resp, err := h.dial("EIO=4&transport=websocket", nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := resp.Header.Values("Set-Cookie"); len(got) != 0 {
				t.Errorf("websocket handshake Set-Cookie %q, want none (as Node)", got)
			}
		})
	}
}

func TestCookieEscapesID(t *testing.T) {
	t.Parallel()
	if got, want := (&Cookie{}).header(`a;b"c`), "io=a%3Bb%22c; Path=/; HttpOnly; SameSite=Lax"; got != want {
		t.Errorf("cookie %q, want %q", got, want)
	}
}

// requestRecorder is a RequestReceiver that records the X-Req header of
// the request that carried each message.
type requestRecorder struct {
	got chan string
}

func (r *requestRecorder) OnMessage([]byte, bool) { r.got <- "OnMessage called" }
func (r *requestRecorder) OnRequestMessage(data []byte, _ bool, req *http.Request) {
	r.got <- string(data) + " " + req.Header.Get("X-Req")
}
func (r *requestRecorder) OnClose(CloseReason) {}

func TestRequestReceiver(t *testing.T) {
	t.Parallel()
	rr := &requestRecorder{got: make(chan string, 8)}
	srv := NewServer(HandlerFunc(func(*Conn) Receiver { return rr }), nil)
	h := &harness{t: t, srv: srv, ts: httptest.NewServer(srv)}
	t.Cleanup(h.close)

	hdr := func(v string) http.Header { return http.Header{"X-Req": {v}} }
	_, body, _ := h.do(context.Background(), "GET", "EIO=4&transport=polling", nil, hdr("handshake"))
	sid := parseOpen(t, body).SID
	h.do(context.Background(), "POST", pollQuery(sid), strings.NewReader("4one\x1e4two"), hdr("post-1"))
	h.do(context.Background(), "POST", pollQuery(sid), strings.NewReader("4three"), hdr("post-2"))
	for _, want := range []string{"one post-1", "two post-1", "three post-2"} {
		if got := recv(t, rr.got, want); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}

	// Upgraded: the messages on the WebSocket come with its request.
	ws, _, err := h.dial("EIO=4&transport=websocket&sid="+sid, hdr("upgrade"))
	if err != nil {
		t.Fatal(err)
	}
	ws.writeText("2probe")
	ws.expectText("3probe")
	ws.writeText("5")
	ws.writeText("4four")
	if got := recv(t, rr.got, "four"); got != "four upgrade" {
		t.Fatalf("got %q, want %q", got, "four upgrade")
	}

	// Born on WebSocket: its handshake.
	ws, _, err = h.dial("EIO=4&transport=websocket", hdr("ws-handshake"))
	if err != nil {
		t.Fatal(err)
	}
	ws.readText()
	ws.writeText("4five")
	if got := recv(t, rr.got, "five"); got != "five ws-handshake" {
		t.Fatalf("got %q, want %q", got, "five ws-handshake")
	}
}

// The Go-only refusals are reported too: MaxConnections and Shutdown.
func TestConnectionErrorGoOnly(t *testing.T) {
	t.Parallel()
	var errs connErrors
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{MaxConnections: 1, OnConnectionError: errs.add}})
	h.openPolling()
	status, body, _ := h.do(context.Background(), "GET", "EIO=4&transport=polling", nil, nil)
	expectError(t, status, body, 503, CodeBadRequest)
	if got := errs.take(); len(got) != 1 || got[0].Code != CodeBadRequest || got[0].Context["name"] != "AT_CAPACITY" {
		t.Fatalf("at capacity: reported %v", got)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := h.srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	status, body, _ = h.do(context.Background(), "GET", "EIO=4&transport=polling", nil, nil)
	expectError(t, status, body, 503, CodeBadRequest)
	if got := errs.take(); len(got) != 1 || got[0].Context["name"] != "SHUTTING_DOWN" {
		t.Fatalf("shutting down: reported %v", got)
	}
}
