package socketio

import (
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// recoveryServer is a server with connection state recovery; it counts
// middleware runs and hands out connected sockets.
type recoveryServer struct {
	*testServer
	mwRuns atomic.Int32
	conns  chan *Socket
}

func newRecoveryServer(t *testing.T, rec RecoveryOptions) *recoveryServer {
	t.Helper()
	rs := &recoveryServer{conns: make(chan *Socket, 8)}
	rs.testServer = newTestServer(t, &Options{Engine: quietEngine(), Recovery: &rec}, func(io *Server) {
		io.Use(func(s *Socket) error {
			rs.mwRuns.Add(1)
			return nil
		})
		io.OnConnection(func(s *Socket) { rs.conns <- s })
	})
	return rs
}

// recoveryReply parses a CONNECT reply with recovery on: exactly sid and
// pid.
func recoveryReply(t *testing.T, reply string) (sid, pid string) {
	t.Helper()
	if !strings.HasPrefix(reply, "40{") {
		t.Fatalf("CONNECT reply %q", reply)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(reply[2:]), &body); err != nil || len(body) != 2 {
		t.Fatalf("CONNECT reply %q: want exactly sid and pid (%v)", reply, err)
	}
	sid, _ = body["sid"].(string)
	pid, _ = body["pid"].(string)
	if sid == "" || pid == "" {
		t.Fatalf("CONNECT reply %q: want sid and pid", reply)
	}
	return sid, pid
}

// connect joins "/" and returns the server socket and the pid.
func (rs *recoveryServer) connect(t *testing.T, c *wsClient, auth string) (*Socket, string) {
	t.Helper()
	c.send("40" + auth)
	sid, pid := recoveryReply(t, c.nextText())
	s := recv(t, rs.conns, "OnConnection")
	if s.ID() != sid {
		t.Fatalf("OnConnection socket %q, reply %q", s.ID(), sid)
	}
	return s, pid
}

// event is a received EVENT split into name, arguments and the offset
// (the last argument when it is a string and withOffset is set).
type event struct {
	name   string
	args   []string
	offset string
}

func parseEvent(t *testing.T, text string, withOffset bool) event {
	t.Helper()
	if !strings.HasPrefix(text, "42") && !strings.HasPrefix(text, "45") {
		t.Fatalf("frame %q is not an event", text)
	}
	elems := decodeEvent(t, text)
	var e event
	if err := json.Unmarshal(elems[0], &e.name); err != nil {
		t.Fatalf("frame %q: %v", text, err)
	}
	rest := elems[1:]
	if withOffset {
		if len(rest) == 0 || json.Unmarshal(rest[len(rest)-1], &e.offset) != nil || e.offset == "" {
			t.Fatalf("frame %q has no offset", text)
		}
		rest = rest[:len(rest)-1]
	}
	for _, r := range rest {
		e.args = append(e.args, string(r))
	}
	return e
}

// untilEvent reads frames up to (and without) the first event named name.
func untilEvent(t *testing.T, c *wsClient, name string) []string {
	t.Helper()
	var got []string
	for {
		s := c.nextText()
		if strings.HasPrefix(s, `42["`+name+`"`) {
			return got
		}
		got = append(got, s)
	}
}

func recoveryMarker(t *testing.T, s *Socket) {
	t.Helper()
	if err := s.Emit("marker"); err != nil {
		t.Fatal(err)
	}
}

func TestRecoveryOffsets(t *testing.T) {
	t.Parallel()
	rs := newRecoveryServer(t, RecoveryOptions{})
	c := rs.dial(t, dialConfig{ackWith: `["ok"]`})
	s, _ := rs.connect(t, c, "")
	s.Join("r")

	var offsets []string
	expectOffset := func(name string, args ...string) {
		t.Helper()
		e := parseEvent(t, c.nextText(), true)
		if e.name != name || !slices.Equal(e.args, args) {
			t.Fatalf("event %+v, want %s %v", e, name, args)
		}
		if slices.Contains(offsets, e.offset) {
			t.Fatalf("offset %q repeated", e.offset)
		}
		offsets = append(offsets, e.offset)
	}
	if err := s.Emit("direct", 1); err != nil {
		t.Fatal(err)
	}
	expectOffset("direct", "1")
	_ = rs.io.Emit("all", "x")
	expectOffset("all", `"x"`)
	_ = rs.io.To("r").Emit("room")
	expectOffset("room")

	// A binary event carries the offset after its arguments.
	_ = s.Emit("bin", []byte{1})
	text := c.nextText()
	if !strings.HasPrefix(text, `451-["bin",{"_placeholder":true,"num":0},"`) {
		t.Fatalf("binary event with offset: %q", text)
	}
	c.expectBin([]byte{1})

	// No offset on emits with an ack, volatile emits and acks.
	if _, err := s.EmitWithAck(ctxTimeout(t, waitTimeout), "withack", 7); err != nil {
		t.Fatal(err)
	}
	c.expect(`420["withack",7]`)
	if _, err := rs.io.Of("/").EmitWithAckAll(ctxTimeout(t, waitTimeout), "bcast-ack"); err != nil {
		t.Fatal(err)
	}
	if got := c.nextText(); !strings.HasSuffix(got, `["bcast-ack"]`) {
		t.Fatalf("broadcast with ack: %q", got)
	}
	_ = s.EmitVolatile("volatile", 1)
	c.expect(`42["volatile",1]`)
	_ = rs.io.Of("/").Unlogged().Emit("unlogged", 2)
	c.expect(`42["unlogged",2]`)
	s.On("q", func(e *Event) { _ = e.Ack("a") })
	c.send(`425["q"]`)
	c.expect(`435["a"]`)
}

func TestRecoveryRestoresSession(t *testing.T) {
	t.Parallel()
	// The zero value skips the middleware on recovery, as Node's
	// connectionStateRecovery: {} (skipMiddlewares: true) does.
	for _, run := range []bool{false, true} {
		name := "zero value skips middlewares"
		if run {
			name = "RunMiddlewares"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rs := newRecoveryServer(t, RecoveryOptions{RunMiddlewares: run})
			c := rs.dial(t, dialConfig{})
			s, pid := rs.connect(t, c, "")
			s.Join("r1", "r2")
			s.SetData("alice")
			dis := disconnects(s)
			other, otherSock := rs.dialConnected(t, dialConfig{})
			_ = recv(t, rs.conns, "OnConnection")
			otherSock.Join("r1")

			_ = rs.io.Emit("before", 0)
			off := parseEvent(t, c.nextText(), true).offset
			other.nextText()

			// The engine connection drops.
			_ = c.conn.Close()
			expectReason(t, dis, ReasonTransportClose)

			// Broadcasts while it is away.
			_ = rs.io.To("r1").Emit("missed", 1)             // in r1
			_ = rs.io.To("r3").Emit("not-in-room", 2)        // not its room
			_ = rs.io.Emit("missed", 3)                      // everyone
			_ = rs.io.Of("/").Except("r2").Emit("excl", 4)   // excluded
			_ = rs.io.To(s.ID()).Emit("missed", 5)           // its own room
			_ = rs.io.Of("/").Volatile().Emit("volatile", 6) // never kept
			_ = rs.io.Of("/").Unlogged().Emit("unlogged", 6) // never kept either
			_ = otherSock.Broadcast().Emit("missed", 7)      // from another socket
			_ = otherSock.To("r2").Emit("missed", 8)
			_ = s.Emit("missed", 9) // to the disconnected socket itself
			_ = rs.io.To("r1").Except(otherSock.ID()).Emit("missed", 10)

			// It comes back on a new connection.
			c2 := rs.dial(t, dialConfig{})
			c2.send(`40{"pid":"` + pid + `","offset":"` + off + `","token":"t"}`)
			var reply string
			var events []event
			for len(events) < 7 || reply == "" {
				text := c2.nextText()
				if strings.HasPrefix(text, "40") {
					if reply != "" {
						t.Fatalf("two CONNECT replies: %q and %q", reply, text)
					}
					reply = text
					continue
				}
				events = append(events, parseEvent(t, text, true))
			}
			sid, pid2 := recoveryReply(t, reply)
			if sid != s.ID() || pid2 != pid {
				t.Fatalf("recovered as %q/%q, want %q/%q", sid, pid2, s.ID(), pid)
			}
			var got []string
			for _, e := range events {
				got = append(got, e.name+" "+strings.Join(e.args, ","))
			}
			want := []string{"missed 1", "missed 3", "missed 5", "missed 7", "missed 8", "missed 9", "missed 10"}
			if !slices.Equal(got, want) {
				t.Fatalf("missed events %q, want %q", got, want)
			}
			s2 := recv(t, rs.conns, "OnConnection")
			if !s2.Recovered() || s2.ID() != s.ID() || s2 == s {
				t.Fatalf("socket %q Recovered()=%v", s2.ID(), s2.Recovered())
			}
			if d := s2.Data(); d != "alice" {
				t.Errorf("Data() = %v", d)
			}
			if rec, ref := rs.io.Recoveries(); rec != 1 || ref != 0 {
				t.Errorf("Recoveries() = %d recovered, %d refused; want 1, 0", rec, ref)
			}
			rooms := s2.Rooms()
			for _, r := range []string{s.ID(), "r1", "r2"} {
				if !slices.Contains(rooms, r) {
					t.Errorf("Rooms() = %v, lacks %q", rooms, r)
				}
			}
			if a := string(s2.Handshake().Auth); !strings.Contains(a, `"token":"t"`) || !strings.Contains(a, pid) {
				t.Errorf("Handshake().Auth = %s", a)
			}
			if n, want := rs.mwRuns.Load(), map[bool]int32{false: 2, true: 3}[run]; n != want {
				t.Errorf("middleware ran %d times, want %d", n, want)
			}
			// Nothing more than the missed events: the next frame is the
			// marker; and the rooms work again.
			recoveryMarker(t, s2)
			if rest := untilEvent(t, c2, "marker"); len(rest) != 0 {
				t.Fatalf("extra frames %q", rest)
			}
			_ = rs.io.To("r2").Emit("live")
			if e := parseEvent(t, c2.nextText(), true); e.name != "live" {
				t.Fatalf("event %+v", e)
			}
		})
	}
}

func TestRecoveryFreshSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// leave ends the first socket; auth builds the CONNECT payload from
		// its pid and a valid offset.
		leave func(t *testing.T, c *wsClient, s *Socket)
		auth  func(pid, off string) string
		wait  time.Duration // MaxDisconnectionDuration, when short
	}{
		{name: "unknown pid", auth: func(pid, off string) string { return `{"pid":"nope","offset":"` + off + `"}` }},
		{name: "unknown offset", auth: func(pid, off string) string { return `{"pid":"` + pid + `","offset":"nope"}` }},
		{name: "no offset", auth: func(pid, off string) string { return `{"pid":"` + pid + `"}` }},
		{name: "pid not a string", auth: func(pid, off string) string { return `{"pid":1,"offset":"` + off + `"}` }},
		{name: "left by 41", leave: func(t *testing.T, c *wsClient, s *Socket) {
			dis := disconnects(s)
			c.send("41")
			expectReason(t, dis, ReasonClientDisconnect)
		}},
		{name: "server disconnect", leave: func(t *testing.T, c *wsClient, s *Socket) {
			dis := disconnects(s)
			s.Disconnect(false)
			expectReason(t, dis, ReasonServerDisconnect)
		}},
		{name: "expired", wait: 30 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rs := newRecoveryServer(t, RecoveryOptions{MaxDisconnectionDuration: tt.wait})
			c := rs.dial(t, dialConfig{})
			s, pid := rs.connect(t, c, "")
			s.SetData("alice")
			_ = rs.io.Emit("e")
			off := parseEvent(t, c.nextText(), true).offset
			if tt.leave != nil {
				tt.leave(t, c, s)
			} else {
				dis := disconnects(s)
				_ = c.conn.Close()
				expectReason(t, dis, ReasonTransportClose)
			}
			left := time.Now()
			_ = rs.io.Emit("missed")
			if tt.wait > 0 {
				// Wait out MaxDisconnectionDuration: expiry is about time.
				time.Sleep(time.Until(left.Add(2 * tt.wait)))
			}
			auth := `{"pid":"` + pid + `","offset":"` + off + `"}`
			if tt.auth != nil {
				auth = tt.auth(pid, off)
			}
			c2 := rs.dial(t, dialConfig{})
			s2, pid2 := rs.connect(t, c2, auth)
			if s2.Recovered() || s2.ID() == s.ID() || pid2 == pid || s2.Data() != nil {
				t.Fatalf("recovered %v, same id %v, same pid %v, data %v", s2.Recovered(), s2.ID() == s.ID(), pid2 == pid, s2.Data())
			}
			if n := rs.mwRuns.Load(); n != 2 {
				t.Errorf("middleware ran %d times, want 2", n)
			}
			// A CONNECT without a pid and an offset asks for nothing.
			wantRefused := int64(1)
			if tt.name == "no offset" || tt.name == "pid not a string" {
				wantRefused = 0
			}
			if rec, ref := rs.io.Recoveries(); rec != 0 || ref != wantRefused {
				t.Errorf("Recoveries() = %d recovered, %d refused; want 0, %d", rec, ref, wantRefused)
			}
			recoveryMarker(t, s2)
			if rest := untilEvent(t, c2, "marker"); len(rest) != 0 {
				t.Fatalf("a fresh socket got %q", rest)
			}
		})
	}
}

// A failed attempt does not use up the session: after an unknown offset,
// the right one still recovers.
func TestRecoveryAfterFailedAttempt(t *testing.T) {
	t.Parallel()
	rs := newRecoveryServer(t, RecoveryOptions{})
	c := rs.dial(t, dialConfig{})
	s, pid := rs.connect(t, c, "")
	_ = rs.io.Emit("e")
	off := parseEvent(t, c.nextText(), true).offset
	dis := disconnects(s)
	_ = c.conn.Close()
	expectReason(t, dis, ReasonTransportClose)

	c2 := rs.dial(t, dialConfig{})
	s2, _ := rs.connect(t, c2, `{"pid":"`+pid+`","offset":"bogus"}`)
	if s2.Recovered() {
		t.Fatal("recovered with a bogus offset")
	}
	c3 := rs.dial(t, dialConfig{})
	s3, _ := rs.connect(t, c3, `{"pid":"`+pid+`","offset":"`+off+`"}`)
	if !s3.Recovered() || s3.ID() != s.ID() {
		t.Fatalf("Recovered() = %v, id %q want %q", s3.Recovered(), s3.ID(), s.ID())
	}
}

// Recovery off: a pid in the auth payload is just auth, the reply has only
// the sid and emits carry no offset.
func TestRecoveryOff(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
	c := srv.dial(t, dialConfig{})
	c.send(`40{"pid":"x","offset":"y"}`)
	reply := c.nextText()
	if keys := connectReplyKeys(t, reply, "40"); !slices.Equal(keys, []string{"sid"}) {
		t.Fatalf("reply %q", reply)
	}
	sock := srv.io.Of("/").Socket(connectReplySID(t, "/", reply))
	if sock.Recovered() {
		t.Fatal("Recovered() with recovery off")
	}
	_ = sock.Emit("e", 1)
	_ = srv.io.Emit("b")
	c.expect(`42["e",1]`)
	c.expect(`42["b"]`)
	ad := sock.Namespace().Adapter()
	ad.PersistSession(&Session{SID: "a", PID: "b"})
	if got, err := ad.RestoreSession("b", "c"); got != nil || err != nil {
		t.Fatalf("RestoreSession with recovery off = %v, %v", got, err)
	}
}

// hookAdapter runs afterRestore once a session has been restored: it
// stands for a broadcast from another goroutine that lands between the
// restore and the moment the recovered socket is back in its rooms.
type hookAdapter struct {
	*MemoryAdapter
	afterRestore func()
}

func (a *hookAdapter) RestoreSession(pid, offset string) (*Session, error) {
	s, err := a.MemoryAdapter.RestoreSession(pid, offset)
	if s != nil && a.afterRestore != nil {
		a.afterRestore()
	}
	return s, err
}

// A broadcast sent while a client recovers is delivered exactly once:
// either replayed as missed or sent live.
func TestRecoveryConcurrentBroadcast(t *testing.T) {
	t.Parallel()
	var hook *hookAdapter
	opts := &Options{Engine: quietEngine(), Recovery: &RecoveryOptions{}, NewAdapter: func(n *Namespace) Adapter {
		a := &hookAdapter{MemoryAdapter: NewMemoryAdapter(n)}
		if n.Name() == "/" {
			hook = a
		}
		return a
	}}
	srv := newTestServer(t, opts, nil)
	c := srv.dial(t, dialConfig{})
	c.send("40")
	sid, pid := recoveryReply(t, c.nextText())
	s := srv.io.Of("/").Socket(sid)
	s.Join("r")
	_ = srv.io.Emit("e")
	off := parseEvent(t, c.nextText(), true).offset
	dis := disconnects(s)
	_ = c.conn.Close()
	expectReason(t, dis, ReasonTransportClose)

	hook.afterRestore = func() { _ = srv.io.To("r").Emit("during-restore") }
	c2 := srv.dial(t, dialConfig{})
	c2.send(`40{"pid":"` + pid + `","offset":"` + off + `"}`)
	var got []string
	for {
		text := c2.nextText()
		if strings.HasPrefix(text, "40") {
			if sid2, _ := recoveryReply(t, text); sid2 != sid {
				t.Fatalf("not recovered: %q", text)
			}
			break
		}
		got = append(got, parseEvent(t, text, true).name)
	}
	recoveryMarker(t, srv.io.Of("/").Socket(sid))
	for _, text := range untilEvent(t, c2, "marker") {
		got = append(got, parseEvent(t, text, true).name)
	}
	if !slices.Equal(got, []string{"during-restore"}) {
		t.Fatalf("events %q, want the concurrent broadcast once", got)
	}
}
