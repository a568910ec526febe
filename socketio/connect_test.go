package socketio

import (
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

// connectReplyKeys returns the keys of a CONNECT reply's object.
func connectReplyKeys(t *testing.T, reply, prefix string) []string {
	t.Helper()
	var body map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(reply, prefix)), &body); err != nil {
		t.Fatalf("reply %q: %v", reply, err)
	}
	var keys []string
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestConnect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		send     string
		prefix   string // of the reply, before the JSON object
		nsp      string
		wantAuth string
	}{
		{"main", "40", "40", "/", `{}`},
		{"main with auth", `40{"token":"123"}`, "40", "/", `{"token":"123"}`},
		{"custom with comma", "40/custom,", "40/custom,", "/custom", `{}`},
		{"custom without comma", "40/custom", "40/custom,", "/custom", `{}`},
		{"custom with auth", `40/custom,{"token":"abc"}`, "40/custom,", "/custom", `{"token":"abc"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			auths := make(chan string, 1)
			onConn := func(s *Socket) {
				auths <- string(s.Handshake().Auth)
				_ = s.Emit("auth", s.Handshake().Auth)
			}
			srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
				io.OnConnection(onConn)
				io.Of("/custom").OnConnection(onConn)
			})
			c := srv.dial(t, dialConfig{})
			c.send(tt.send)
			reply := c.nextText()
			sid := connectReplySID(t, tt.nsp, reply)
			if keys := connectReplyKeys(t, reply, tt.prefix); !slices.Equal(keys, []string{"sid"}) {
				t.Fatalf("reply %q has keys %v, want only sid", reply, keys)
			}
			if sid == c.engineSID() {
				t.Errorf("socket id %q is the engine id", sid)
			}
			if got := recv(t, auths, "OnConnection"); got != tt.wantAuth {
				t.Errorf("Handshake().Auth = %s, want %s", got, tt.wantAuth)
			}
			want := `42["auth",` + tt.wantAuth + `]`
			if tt.nsp != "/" {
				want = `42` + tt.nsp + `,["auth",` + tt.wantAuth + `]`
			}
			c.expect(want)
			s := srv.io.Of(tt.nsp).Socket(sid)
			if s == nil || !s.Connected() || s.ID() != sid || s.Namespace().Name() != tt.nsp {
				t.Fatalf("server socket %v for sid %q", s, sid)
			}
			if s.Recovered() {
				t.Error("Recovered() on a fresh connection")
			}
			if !slices.Contains(s.Rooms(), sid) {
				t.Errorf("Rooms() = %v, want its own room %q", s.Rooms(), sid)
			}
		})
	}
}

func TestConnectOverPolling(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.On("message", func(e *Event) { _ = s.Emit("message-back", e.Values()...) })
		})
	})
	p := srv.poll(t)
	p.post("40")
	got := p.get()
	if len(got) != 1 {
		t.Fatalf("GET after CONNECT: %q", got)
	}
	sid := connectReplySID(t, "/", got[0])
	if srv.io.Of("/").Socket(sid) == nil {
		t.Fatalf("no socket %q", sid)
	}
	p.post(`42["message",1,"2",{"3":[true]}]`)
	if got := p.get(); !slices.Equal(got, []string{`42["message-back",1,"2",{"3":[true]}]`}) {
		t.Fatalf("echo over polling: %q", got)
	}
	// Binary attachments travel base64-encoded with the "b" prefix.
	p.post(`451-["message",{"_placeholder":true,"num":0}]`, "bAQID")
	if got := p.get(); !slices.Equal(got, []string{`451-["message-back",{"_placeholder":true,"num":0}]`, "bAQID"}) {
		t.Fatalf("binary echo over polling: %q", got)
	}
}

func TestConnectUnknownNamespace(t *testing.T) {
	t.Parallel()
	for _, send := range []string{"40/random", "40/random,", `40/random,{"a":1}`} {
		t.Run(send, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
			c := srv.dial(t, dialConfig{})
			c.send(send)
			c.expect(`44/random,{"message":"Invalid namespace"}`)
			// The connection stays open: "/" still works.
			c.connect("/", "")
			if srv.io.Of("/").Len() != 1 {
				t.Fatalf("Len() = %d, want 1", srv.io.Of("/").Len())
			}
		})
	}
}

func TestMiddlewareOrderAndHandshake(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		order []string
	)
	seen := make(chan *Handshake, 1)
	mw := func(name string) Middleware {
		return func(s *Socket) error {
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			return nil
		}
	}
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.Use(mw("a"))
		io.Use(func(s *Socket) error {
			seen <- s.Handshake()
			s.SetData("from middleware")
			return nil
		})
		io.Use(mw("b"))
		io.Use(mw("c"))
		io.OnConnection(func(*Socket) {
			mu.Lock()
			order = append(order, "connection")
			mu.Unlock()
		})
	})
	c := srv.dial(t, dialConfig{query: "token=abc&x=1", header: http.Header{"X-Token": {"secret"}}})
	sid := c.connect("/", `{"k":"v"}`)
	h := recv(t, seen, "middleware")
	if h.Query.Get("token") != "abc" || h.Query.Get("x") != "1" {
		t.Errorf("Handshake().Query = %v", h.Query)
	}
	if h.Header.Get("X-Token") != "secret" {
		t.Errorf("Handshake().Header = %v", h.Header)
	}
	if string(h.Auth) != `{"k":"v"}` {
		t.Errorf("Handshake().Auth = %s", h.Auth)
	}
	if h.Request == nil || h.Address == "" || h.Time.IsZero() {
		t.Errorf("Handshake() = %+v", h)
	}
	s := srv.io.Of("/").Socket(sid)
	if got := s.Data(); got != "from middleware" {
		t.Errorf("Data() = %v", got)
	}
	eventually(t, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 4
	}, "connection handler ran")
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(order, []string{"a", "b", "c", "connection"}) {
		t.Fatalf("order = %v", order)
	}
}

func TestMiddlewareRefusal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		nsp   string
		err   error
		reply string
	}{
		{"plain error", "/", errors.New("nope"), `44{"message":"nope"}`},
		{"plain error custom", "/mw2", errors.New("plain"), `44/mw2,{"message":"plain"}`},
		{"ConnectError with data", "/mw", &ConnectError{Message: "not authorized", Data: map[string]int{"code": 42}},
			`44/mw,{"message":"not authorized","data":{"code":42}}`},
		{"ConnectError without data", "/", &ConnectError{Message: "no data"}, `44{"message":"no data"}`},
		{"wrapped ConnectError", "/", errors.Join(&ConnectError{Message: "inner", Data: "d"}),
			`44{"message":"inner","data":"d"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var after, connected int
			var mu sync.Mutex
			srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
				n := io.Of(tt.nsp)
				n.Use(func(s *Socket) error { return tt.err })
				n.Use(func(s *Socket) error { mu.Lock(); after++; mu.Unlock(); return nil })
				n.OnConnection(func(*Socket) { mu.Lock(); connected++; mu.Unlock() })
				io.Of("/ok")
			})
			c := srv.dial(t, dialConfig{})
			c.send(connectPacket(tt.nsp, ""))
			c.expect(tt.reply)
			if n := srv.io.Of(tt.nsp).Len(); n != 0 {
				t.Errorf("Len() = %d after refusal", n)
			}
			// The connection stays open.
			c.connect("/ok", "")
			mu.Lock()
			defer mu.Unlock()
			if after != 0 || connected != 0 {
				t.Errorf("after refusal: %d later middleware runs, %d connections", after, connected)
			}
		})
	}
}

func TestConnectTimeout(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine(), ConnectTimeout: 50 * time.Millisecond}, nil)
	c := srv.dial(t, dialConfig{})
	start := time.Now()
	if got := c.expectClosed(); len(got) != 0 {
		t.Fatalf("frames before the close: %v", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closed after %v", d)
	}
	eventually(t, func() bool { return srv.io.Engine().Len() == 0 }, "engine connection closed")
}

// The connect timer only guards the first CONNECT: a client that joined a
// namespace and left it again keeps its connection, as in the reference
// server (the timer is cleared on the first successful connect).
func TestConnectTimeoutClearedByConnect(t *testing.T) {
	t.Parallel()
	eng := &engineio.Options{PingInterval: 300 * time.Millisecond, PingTimeout: time.Hour}
	srv := newTestServer(t, &Options{Engine: eng, ConnectTimeout: 50 * time.Millisecond}, nil)
	c := srv.dial(t, dialConfig{noPong: true})
	c.connect("/", "")
	c.send("41")
	// The ping comes PingInterval after the handshake, well after the
	// connect timeout.
	c.expect("2")
	c.send("3")
	c.connect("/", "")
}

// Rooms joined in a middleware are kept, as in the reference server
// (socket.join works before the connection completes; a refused socket
// leaves them).
func TestJoinInMiddleware(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.Use(func(s *Socket) error {
			s.Join("from-middleware")
			var auth struct{ Refuse bool }
			_ = json.Unmarshal(s.Handshake().Auth, &auth)
			if auth.Refuse {
				return errors.New("refused")
			}
			return nil
		})
	})
	refused := srv.dial(t, dialConfig{})
	refused.send(`40{"Refuse":true}`)
	refused.expect(`44{"message":"refused"}`)

	c := srv.dial(t, dialConfig{})
	sid := c.connect("/", "")
	s := srv.io.Of("/").Socket(sid)
	if !slices.Contains(s.Rooms(), "from-middleware") {
		t.Fatalf("Rooms() = %v, lacks the room joined in the middleware", s.Rooms())
	}
	if err := srv.io.To("from-middleware").Emit("hi"); err != nil {
		t.Fatal(err)
	}
	c.expect(`42["hi"]`)
	if n := srv.io.Of("/").Adapter().(*MemoryAdapter).RoomSize("from-middleware"); n != 1 {
		t.Fatalf("RoomSize = %d, want 1 (the refused socket must not stay in it)", n)
	}
}

// TestConnectedReadDuringConnect: a goroutine the middleware starts may
// read Connected (and add outgoing listeners) while the CONNECT completes;
// under -race this is a data race unless connected is written under the
// socket's lock. Many connections give the race detector its chance.
func TestConnectedReadDuringConnect(t *testing.T) {
	t.Parallel()
	const n = 100
	done := make(chan bool, n)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.Use(func(s *Socket) error {
			started := make(chan struct{})
			go func() {
				close(started)
				for !s.Connected() {
					runtime.Gosched()
				}
				s.OnAnyOutgoing(func(*Event) {})
				done <- true
			}()
			<-started
			return nil
		})
	})
	for range n {
		c := srv.dial(t, dialConfig{})
		c.connect("/", "")
	}
	for range n {
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("a middleware's goroutine never saw its socket connected")
		}
	}
}
