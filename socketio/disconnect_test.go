package socketio

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

func TestClientNamespaceDisconnect(t *testing.T) {
	t.Parallel()
	eng := &engineio.Options{PingInterval: 50 * time.Millisecond, PingTimeout: time.Hour}
	srv := newTestServer(t, &Options{Engine: eng}, nil)
	c := srv.dial(t, dialConfig{noPong: true})
	sid := c.connect("/", "")
	sock := srv.io.Of("/").Socket(sid)
	dis := disconnects(sock)
	c.send("41")
	expectReason(t, dis, ReasonClientDisconnect)
	if sock.Connected() || srv.io.Of("/").Socket(sid) != nil || len(sock.Rooms()) != 0 {
		t.Fatal("socket still registered after 41")
	}
	// Nothing is sent back; the engine session stays open, so the next
	// frame is a ping.
	c.expect("2")
	c.send("3")
	if srv.io.Engine().Len() != 1 {
		t.Fatal("engine connection closed")
	}
	// The client may join again, getting a new socket id.
	if sid2 := c.connect("/", ""); sid2 == sid {
		t.Fatal("same socket id after rejoining")
	}
	// A second OnDisconnect call never happens.
	select {
	case r := <-dis:
		t.Fatalf("second OnDisconnect(%q)", r)
	default:
	}
}

func TestCustomNamespaceDisconnectKeepsMain(t *testing.T) {
	t.Parallel()
	srv := echoServer(t, nil)
	c := srv.dial(t, dialConfig{})
	c.connect("/", "")
	c.connect("/custom", "")
	c.send("41/custom,")
	c.send(`42["message","message to main namespace"]`)
	c.expect(`42["message-back","message to main namespace"]`)
	if srv.io.Of("/custom").Len() != 0 || srv.io.Of("/").Len() != 1 {
		t.Fatalf("Len: custom %d, main %d", srv.io.Of("/custom").Len(), srv.io.Of("/").Len())
	}
}

func TestServerDisconnect(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) { io.Of("/custom") })
	c := srv.dial(t, dialConfig{})
	sid := c.connect("/", "")
	csid := c.connect("/custom", "")
	root, custom := srv.io.Of("/").Socket(sid), srv.io.Of("/custom").Socket(csid)
	disRoot, disCustom := disconnects(root), disconnects(custom)

	custom.Disconnect(false)
	c.expect("41/custom,")
	expectReason(t, disCustom, ReasonServerDisconnect)
	custom.Disconnect(false) // a second call does nothing
	if !root.Connected() {
		t.Fatal("root socket disconnected")
	}
	m := marker(t, root, 1)
	if got := c.until(m); len(got) != 0 {
		t.Fatalf("frames %q after a second Disconnect", got)
	}
	root.Disconnect(false)
	c.expect("41")
	expectReason(t, disRoot, ReasonServerDisconnect)
	if srv.io.Engine().Len() != 1 {
		t.Fatal("Disconnect(false) closed the engine connection")
	}
}

func TestServerDisconnectClose(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) { io.Of("/custom") })
	c := srv.dial(t, dialConfig{})
	sid := c.connect("/", "")
	csid := c.connect("/custom", "")
	root, custom := srv.io.Of("/").Socket(sid), srv.io.Of("/custom").Socket(csid)
	disRoot, disCustom := disconnects(root), disconnects(custom)

	root.Disconnect(true)
	var got []string
	for _, f := range c.expectClosed() {
		got = append(got, f.text)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"41", "41/custom,"}) {
		t.Fatalf("frames before the close: %q", got)
	}
	expectReason(t, disRoot, ReasonServerDisconnect)
	expectReason(t, disCustom, ReasonServerDisconnect)
	eventually(t, func() bool { return srv.io.Engine().Len() == 0 }, "engine connection closed")
}

func TestTransportCloseAndPingTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		eng    *engineio.Options
		cfg    dialConfig
		cause  func(c *wsClient)
		reason DisconnectReason
	}{
		{"transport close", quietEngine(), dialConfig{}, func(c *wsClient) { _ = c.conn.Close() }, ReasonTransportClose},
		{"ping timeout", &engineio.Options{PingInterval: 20 * time.Millisecond, PingTimeout: 20 * time.Millisecond},
			dialConfig{noPong: true}, func(c *wsClient) {}, ReasonPingTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &Options{Engine: tt.eng}, func(io *Server) { io.Of("/custom") })
			c := srv.dial(t, tt.cfg)
			root := srv.io.Of("/").Socket(c.connect("/", ""))
			custom := srv.io.Of("/custom").Socket(c.connect("/custom", ""))
			disRoot, disCustom := disconnects(root), disconnects(custom)
			tt.cause(c)
			expectReason(t, disRoot, tt.reason)
			expectReason(t, disCustom, tt.reason)
			if srv.io.Of("/").Len() != 0 || srv.io.Of("/custom").Len() != 0 {
				t.Fatal("sockets still registered")
			}
		})
	}
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) { io.Of("/custom") })
	var dis []<-chan DisconnectReason
	var clients []*wsClient
	for i := 0; i < 3; i++ {
		c, s := srv.dialConnected(t, dialConfig{})
		clients = append(clients, c)
		dis = append(dis, disconnects(s))
		s.Join("room")
	}
	custom := srv.io.Of("/custom").Socket(clients[0].connect("/custom", ""))
	dis = append(dis, disconnects(custom))
	p := srv.poll(t)
	p.post("40")
	psid := connectReplySID(t, "/", p.get()[0])
	dis = append(dis, disconnects(srv.io.Of("/").Socket(psid)))

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := srv.io.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, ch := range dis {
		expectReason(t, ch, ReasonServerShutdown)
	}
	for _, c := range clients {
		c.expectClosed()
	}
	if srv.io.Engine().Len() != 0 || srv.io.Of("/").Len() != 0 {
		t.Fatal("connections left after Shutdown")
	}
	// New connections are refused.
	status, _ := p.do("GET", p.base, "")
	if status == 200 {
		t.Fatal("handshake accepted after Shutdown")
	}
}

func TestProtocolErrorsCloseConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		send []any // string: text frame, []byte: binary frame
	}{
		{"unknown packet type", []any{"4abc"}},
		{"type digit too large", []any{"49"}},
		{"empty socket.io packet", []any{"4"}},
		{"event not an array", []any{"42{}"}},
		{"event with string payload", []any{`42"x"`}},
		{"empty event", []any{`42[]`}},
		{"event name object", []any{`42[{}]`}},
		{"invalid ack id", []any{`42abc["message-with-ack",1]`}},
		{"invalid json", []any{`42["x",]`}},
		{"reserved event name", []any{`42["connect"]`}},
		{"event for a namespace not joined", []any{`42/custom,["x"]`}},
		{"disconnect for a namespace not joined", []any{`41/custom,`}},
		{"second connect", []any{`40`}},
		{"connect with array", []any{`40/custom,[1]`}},
		{"connect with string", []any{`40/custom,"x"`}},
		{"ack without id", []any{`43["x"]`}},
		{"ack not an array", []any{`430{}`}},
		{"binary frame without packet", []any{[]byte{1}}},
		{"text while attachments missing", []any{`451-["x",{"_placeholder":true,"num":0}]`, `42["y"]`}},
		{"placeholder out of range", []any{`451-["x",{"_placeholder":true,"num":1}]`}},
		{"too many attachments", []any{`4599-["x"]`}},
		{"connect error for a namespace not joined", []any{`44/custom,{"message":"x"}`}},
		{"connect error for a joined namespace", []any{`44{"message":"x"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := echoServer(t, nil)
			c := srv.dial(t, dialConfig{})
			sock := srv.io.Of("/").Socket(c.connect("/", ""))
			dis := disconnects(sock)
			other, otherSock := srv.dialConnected(t, dialConfig{})
			for _, m := range tt.send {
				switch m := m.(type) {
				case string:
					c.send(m)
				case []byte:
					c.sendBin(m)
				}
			}
			if got := c.expectClosed(); len(got) != 0 {
				t.Errorf("frames before the close: %v", got)
			}
			// (The reference reports "forced close" here, which it treats
			// as recoverable.)
			expectReason(t, dis, ReasonParseError)
			if ReasonParseError.Recoverable() {
				t.Error("ReasonParseError is recoverable")
			}
			// Other connections are not affected.
			other.send(`42["message","still here"]`)
			other.expect(`42["message-back","still here"]`)
			if !otherSock.Connected() {
				t.Fatal("other socket disconnected")
			}
		})
	}
}

// After a protocol error the connection is closing: the packets that
// follow in the same polling payload are not handled (the reference engine
// drops packets once the socket is no longer open).
func TestNoEventsAfterProtocolError(t *testing.T) {
	t.Parallel()
	handled := make(chan string, 4)
	io := NewServer(&Options{Engine: quietEngine()})
	io.OnConnection(func(s *Socket) {
		s.On("message", func(e *Event) { handled <- string(e.Raw(0)) })
	})
	p := &inproc{tb: t, io: io}
	defer p.shutdown()
	sid := p.handshake()
	// The CONNECT reply stays queued (no GET), so closing must flush it.
	p.post(sid, []byte("40"))
	p.post(sid, []byte("4abc\x1e42[\"message\",\"after the error\"]"))
	select {
	case got := <-handled:
		t.Fatalf("event %s handled after a protocol error", got)
	default:
	}
	p.post(sid, []byte(`42["message","next request"]`))
	select {
	case got := <-handled:
		t.Fatalf("event %s handled after a protocol error", got)
	default:
	}
}
