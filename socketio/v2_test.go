package socketio

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/engineio"
)

func TestV2Connect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ns, name, auth string
	}{
		{"/custom", "/custom", ""},
		{"/custom?token=abc", "/custom", `{"token":"abc"}`},
		{"/custom?a=1&a=2&b=%20x", "/custom", `{"a":"2","b":" x"}`},
		{"?x=1", "/", `{"x":"1"}`},
		{"/custom?", "/custom", `{}`},
	}
	for _, tt := range tests {
		name, auth := v2Connect(tt.ns)
		if name != tt.name || string(auth) != tt.auth {
			t.Errorf("v2Connect(%q) = %q, %s; want %q, %s", tt.ns, name, auth, tt.name, tt.auth)
		}
	}
}

// v2Dial opens a raw protocol 3 WebSocket and reads its open packet.
func v2Dial(t *testing.T, s *testServer) (*websocket.Conn, string) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/socket.io/?EIO=3&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	t.Cleanup(func() { conn.Close() })
	var open struct{ SID string }
	if text := v2Read(t, conn); text[0] != '0' || json.Unmarshal([]byte(text[1:]), &open) != nil {
		t.Fatalf("open packet %q", text)
	}
	return conn, open.SID
}

func v2Read(t *testing.T, conn *websocket.Conn) string {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, b, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestV2Protocol speaks Socket.IO protocol 4 by hand, over Engine.IO 3.
func TestV2Protocol(t *testing.T) {
	t.Parallel()
	sockets := make(chan *Socket, 4)
	s := newTestServer(t, &Options{Engine: &engineio.Options{AllowEIO3: true}}, func(io *Server) {
		onConn := func(s *Socket) {
			s.On("echo", func(e *Event) { _ = e.Ack(e.Values()...) })
			sockets <- s
		}
		io.OnConnection(onConn)
		io.Of("/custom").Use(func(s *Socket) error {
			if strings.Contains(string(s.Handshake().Auth), "bad") {
				return &ConnectError{Message: "unauthorized", Data: map[string]string{"reason": "bad token"}}
			}
			return nil
		})
		io.Of("/custom").OnConnection(onConn)
		io.Of("/plain").Use(func(*Socket) error { return errors.New("nope") })
	})
	conn, sid := v2Dial(t, s)
	// "/" is connected at once, without a CONNECT; its socket has the
	// engine's id, and the answer carries no data.
	if got := v2Read(t, conn); got != "40" {
		t.Fatalf("first packet %q, want 40", got)
	}
	if root := recv(t, sockets, "socket of /"); root.ID() != sid || string(root.Handshake().Auth) != "{}" {
		t.Errorf("socket of /: id %q auth %s, want %q {}", root.ID(), root.Handshake().Auth, sid)
	}
	exchanges := []struct{ send, want string }{
		{"40/custom?token=abc,", "40/custom,"},
		{`42/custom,7["echo",1,"a"]`, `43/custom,7[1,"a"]`},
		{"40/plain,", `44/plain,"nope"`},
		{"40/nope,", `44/nope,{"message":"Invalid namespace"}`},
	}
	for _, x := range exchanges {
		if err := conn.WriteMessage(websocket.TextMessage, []byte(x.send)); err != nil {
			t.Fatal(err)
		}
		if got := v2Read(t, conn); got != x.want {
			t.Fatalf("sent %q: got %q, want %q", x.send, got, x.want)
		}
		if x.send == "40/custom?token=abc," {
			custom := recv(t, sockets, "socket of /custom")
			if custom.ID() != "/custom#"+sid || string(custom.Handshake().Auth) != `{"token":"abc"}` {
				t.Errorf("socket of /custom: id %q auth %s", custom.ID(), custom.Handshake().Auth)
			}
		}
	}

	// A refusal by middleware (on another connection: a second CONNECT to
	// a joined namespace closes the connection, as with Node).
	conn, _ = v2Dial(t, s)
	v2Read(t, conn) // 40
	if err := conn.WriteMessage(websocket.TextMessage, []byte("40/custom?token=bad,")); err != nil {
		t.Fatal(err)
	}
	if got, want := v2Read(t, conn), `44/custom,{"reason":"bad token"}`; got != want {
		t.Fatalf("refusal %q, want %q", got, want)
	}
}

// Without AllowEIO3, a protocol 3 client gets no socket.
func TestV2Refused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, nil, nil)
	resp, err := http.Get(s.ts.URL + "/socket.io/?EIO=3&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || s.io.Engine().Len() != 0 {
		t.Fatalf("status %d, %d sessions; want 400 and none", resp.StatusCode, s.io.Engine().Len())
	}
}

// TestEventRequest: each event reports the POST that carried it.
func TestEventRequest(t *testing.T) {
	t.Parallel()
	got := make(chan string, 4)
	s := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.On("ev", func(e *Event) { got <- e.Request().Method + " " + e.Request().Header.Get("X-Req") })
		})
	})
	p := s.poll(t)
	post := func(body, hdr string) {
		req, _ := http.NewRequest(http.MethodPost, p.url(), strings.NewReader(body))
		req.Header.Set("X-Req", hdr)
		resp, err := p.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	post("40", "connect")
	post(`42["ev"]`, "first")
	post(`42["ev"]`, "second")
	for _, want := range []string{"POST first", "POST second"} {
		if g := recv(t, got, want); g != want {
			t.Fatalf("handler saw %q, want %q", g, want)
		}
	}
}

// A v2 socket has no recovery session: with recovery on, its disconnect
// keeps nothing that a client naming the empty pid could take over.
func TestV2NoRecoverySession(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, &Options{Engine: &engineio.Options{AllowEIO3: true, PingInterval: time.Hour, PingTimeout: time.Hour},
		Recovery: &RecoveryOptions{}}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			if s.Conn().Protocol() == 3 {
				s.Join("vip")
			}
		})
	})
	watcher := s.dial(t, dialConfig{})
	watcher.connect("/", "")

	conn, sid := v2Dial(t, s)
	if got := v2Read(t, conn); got != "40" {
		t.Fatalf("v2 CONNECT %q", got)
	}
	conn.Close() // transport close: a recoverable reason
	eventually(t, func() bool { return s.io.Of("/").Socket(sid) == nil }, "the v2 socket gone")

	_ = s.io.Emit("tick")
	tick := watcher.nextText()
	elems := decodeEvent(t, tick)
	var offset string
	if len(elems) != 2 || json.Unmarshal(elems[1], &offset) != nil {
		t.Fatalf("broadcast %q carries no offset", tick)
	}
	thief := s.dial(t, dialConfig{})
	got := thief.connect("/", `{"pid":"","offset":"`+offset+`"}`)
	if got == sid {
		t.Fatalf("a client naming the empty pid took over the v2 socket %q", sid)
	}
	if recovered, _ := s.io.Recoveries(); recovered != 0 {
		t.Fatalf("%d recoveries, want 0", recovered)
	}
}
