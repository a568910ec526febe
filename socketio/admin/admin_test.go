package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/admin"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const waitTimeout = 10 * time.Second

// server is an instrumented Socket.IO server whose "/" sockets join the
// rooms their handshake's ?rooms= names (comma-separated).
type server struct {
	t     *testing.T
	io    *socketio.Server
	admin *admin.Admin
	ts    *httptest.Server
}

func newServer(t *testing.T, opts admin.Options) *server {
	t.Helper()
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		if r := s.Handshake().Query.Get("rooms"); r != "" {
			s.Join(strings.Split(r, ",")...)
		}
		s.On("ping", func(e *socketio.Event) { _ = e.Ack("pong") })
	})
	if opts.StatsInterval == 0 {
		opts.StatsInterval = 50 * time.Millisecond
	}
	a, err := admin.Instrument(io, opts)
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, io: io, admin: a, ts: httptest.NewServer(io)}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		s.ts.Close()
		a.Close()
	})
	return s
}

// withPassword is the options of a server whose admin is "admin" with
// password "secret".
func withPassword(o admin.Options) admin.Options {
	o.Username = "admin"
	o.CheckPassword = func(p string) bool { return p == "secret" }
	return o
}

// client is a raw Socket.IO client of one namespace over a WebSocket.
type client struct {
	t      *testing.T
	nsp    string
	sid    string // the socket id of an accepted CONNECT
	conn   *websocket.Conn
	frames chan string
	done   chan struct{}
	wmu    sync.Mutex
}

func dial(t *testing.T, s *server, nsp string) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(s.ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	resp.Body.Close()
	c := &client{t: t, nsp: nsp, conn: conn, frames: make(chan string, 4096), done: make(chan struct{})}
	t.Cleanup(c.close)
	go c.read()
	if f := c.next(); !strings.HasPrefix(f, "0{") {
		t.Fatalf("open packet %q", f)
	}
	return c
}

func (c *client) read() {
	defer close(c.done)
	defer close(c.frames)
	for {
		_, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		if string(data) == "2" {
			c.send("3")
			continue
		}
		c.frames <- string(data)
	}
}

func (c *client) close() { _ = c.conn.Close(); <-c.done }

func (c *client) send(text string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.WriteMessage(websocket.TextMessage, []byte(text))
}

func (c *client) next() string {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatal("connection closed")
		}
		return f
	case <-time.After(waitTimeout):
		c.t.Fatal("timed out waiting for a frame")
	}
	return ""
}

// prefix is what the namespace's packets start with after their type.
func (c *client) prefix() string {
	if c.nsp == "/" {
		return ""
	}
	return c.nsp + ","
}

// connect sends CONNECT with auth and returns the reply's type and body:
// "0" and {"sid":…}, or "4" and {"message":…}.
func (c *client) connect(auth any) (string, string) {
	c.t.Helper()
	payload := ""
	if auth != nil {
		b, _ := json.Marshal(auth)
		payload = string(b)
	}
	c.send("40" + c.prefix() + payload)
	f := c.next()
	for strings.HasPrefix(f, "42") {
		// A report broadcast to the namespace once the socket is in its
		// adapter, before the reply: socket.io-client keeps such events
		// until "connect" (its receiveBuffer).
		f = c.next()
	}
	if !strings.HasPrefix(f, "4") || len(f) < 2 {
		c.t.Fatalf("CONNECT reply %q", f)
	}
	body := strings.TrimPrefix(f[2:], c.prefix())
	if f[1] == '0' {
		var r struct{ SID string }
		_ = json.Unmarshal([]byte(body), &r)
		c.sid = r.SID
	}
	return f[1:2], body
}

// event is one EVENT packet: its name and its arguments.
type event struct {
	name string
	args []json.RawMessage
}

// nextEvent returns the next EVENT of the client's namespace.
func (c *client) nextEvent() event {
	c.t.Helper()
	for {
		f := c.next()
		rest, ok := strings.CutPrefix(f, "42"+c.prefix())
		if !ok {
			continue
		}
		rest = strings.TrimLeft(rest, "0123456789")
		var raw []json.RawMessage
		if err := json.Unmarshal([]byte(rest), &raw); err != nil || len(raw) == 0 {
			c.t.Fatalf("event %q: %v", f, err)
		}
		var name string
		_ = json.Unmarshal(raw[0], &name)
		return event{name: name, args: raw[1:]}
	}
}

// waitEvent returns the next event named name and whose first argument
// accept accepts (nil: any), skipping others.
func (c *client) waitEvent(name string, accept func(args []json.RawMessage) bool) []json.RawMessage {
	c.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		e := c.nextEvent()
		if e.name == name && (accept == nil || accept(e.args)) {
			return e.args
		}
	}
	c.t.Fatalf("no %s event", name)
	return nil
}

// waitEvents reads events until, for each name in want, one that its
// function accepts came, in any order; it returns their arguments.
func (c *client) waitEvents(want map[string]func(args []json.RawMessage) bool) map[string][]json.RawMessage {
	c.t.Helper()
	got := map[string][]json.RawMessage{}
	deadline := time.Now().Add(waitTimeout)
	for len(got) < len(want) {
		if time.Now().After(deadline) {
			c.t.Fatalf("events: got %v of %d", got, len(want))
		}
		e := c.nextEvent()
		if accept, ok := want[e.name]; ok && got[e.name] == nil && accept(e.args) {
			got[e.name] = e.args
		}
	}
	return got
}

// signIn connects an admin client with the right credentials and returns
// its session id (after reading "session" and "config").
func signIn(t *testing.T, s *server) (*client, string) {
	t.Helper()
	c := dial(t, s, "/admin")
	if typ, body := c.connect(map[string]string{"username": "admin", "password": "secret"}); typ != "0" {
		t.Fatalf("sign-in refused: %s", body)
	}
	args := c.waitEvent("session", nil)
	var id string
	if json.Unmarshal(args[0], &id) != nil || len(id) != 16 {
		t.Fatalf("session %s, want a 16-character id", args)
	}
	return c, id
}

type serializedSocket struct {
	ID        string          `json:"id"`
	ClientID  string          `json:"clientId"`
	Transport string          `json:"transport"`
	Nsp       string          `json:"nsp"`
	Data      json.RawMessage `json:"data"`
	Rooms     []string        `json:"rooms"`
	Handshake struct {
		Headers map[string]string `json:"headers"`
		Query   map[string]string `json:"query"`
		URL     string            `json:"url"`
		Issued  int64             `json:"issued"`
	} `json:"handshake"`
}

func TestInstrumentWantsAuth(t *testing.T) {
	io := socketio.NewServer(nil)
	defer func() { _ = io.Shutdown(context.Background()) }()
	if _, err := admin.Instrument(io, admin.Options{Username: "admin"}); !errors.Is(err, admin.ErrNoAuth) {
		t.Fatalf("Instrument without CheckPassword nor NoAuth: %v, want ErrNoAuth", err)
	}
}

func TestAuth(t *testing.T) {
	s := newServer(t, withPassword(admin.Options{}))
	_, session := signIn(t, s)
	tests := []struct {
		name   string
		auth   any
		wantOK bool
	}{
		{"wrong password", map[string]string{"username": "admin", "password": "nope"}, false},
		{"wrong username", map[string]string{"username": "root", "password": "secret"}, false},
		{"no credentials", nil, false},
		{"password without username", map[string]string{"password": "secret"}, false},
		{"unknown session", map[string]string{"sessionId": "0123456789abcdef"}, false},
		{"the session of a sign-in", map[string]string{"sessionId": session}, true},
		{"right credentials", map[string]string{"username": "admin", "password": "secret"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, s, "/admin")
			typ, body := c.connect(tt.auth)
			if tt.wantOK != (typ == "0") {
				t.Fatalf("CONNECT answered %s %s, want accepted=%v", typ, body, tt.wantOK)
			}
			if !tt.wantOK {
				if body != `{"message":"invalid credentials"}` {
					t.Fatalf("connect_error %s, want invalid credentials", body)
				}
				return
			}
			c.waitEvent("config", nil)
		})
	}
}

func TestNoAuth(t *testing.T) {
	s := newServer(t, admin.Options{NoAuth: true, Mode: admin.Production})
	c := dial(t, s, "/admin")
	if typ, body := c.connect(nil); typ != "0" {
		t.Fatalf("NoAuth refused: %s", body)
	}
	e := c.nextEvent()
	var cfg struct{ SupportedFeatures []string }
	_ = json.Unmarshal(e.args[0], &cfg)
	want := []string{"JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS"}
	if e.name != "config" || !slices.Equal(cfg.SupportedFeatures, want) {
		t.Fatalf("first event %s %s, want config with %q (no session without auth; Production: no ALL_EVENTS)", e.name, e.args, want)
	}
	// Production: stats, no all_sockets.
	if e := c.nextEvent(); e.name != "server_stats" {
		t.Fatalf("event %s after config in Production, want server_stats", e.name)
	}
}

func TestConfigFeatures(t *testing.T) {
	tests := []struct {
		name string
		opts admin.Options
		want []string
	}{
		{"default", admin.Options{}, []string{"JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}},
		{"read only", admin.Options{ReadOnly: true}, []string{"AGGREGATED_EVENTS", "ALL_EVENTS"}},
		{"emit allowed", admin.Options{AllowEmit: true}, []string{"EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withPassword(tt.opts))
			c, _ := signIn(t, s)
			args := c.waitEvent("config", nil)
			var cfg struct{ SupportedFeatures []string }
			_ = json.Unmarshal(args[0], &cfg)
			if !slices.Equal(cfg.SupportedFeatures, tt.want) {
				t.Fatalf("config %s, want features %q", args[0], tt.want)
			}
		})
	}
}

// The stats count the connections, the polling ones, the namespaces'
// sockets, and aggregate the connections.
func TestServerStats(t *testing.T) {
	s := newServer(t, withPassword(admin.Options{ServerID: "node-1"}))
	siotest.Dial(t, s.ts.URL, "rooms=a", nil)
	siotest.Dial(t, s.ts.URL, "rooms=b", nil)
	c, _ := signIn(t, s)
	type stats struct {
		ServerID            string
		Hostname            string
		PID                 int
		Uptime              float64
		ClientsCount        int
		PollingClientsCount int
		AggregatedEvents    []struct {
			Timestamp int64
			Type      string
			SubType   string
			Count     int
		}
		Namespaces []struct {
			Name         string
			SocketsCount int
		}
	}
	// A connection after the admin signed in: the stats count it once an
	// admin is there to get them.
	siotest.Dial(t, s.ts.URL, "rooms=c", nil)
	connections := 0
	c.waitEvent("server_stats", func(args []json.RawMessage) bool {
		var st stats
		if json.Unmarshal(args[0], &st) != nil {
			t.Fatalf("server_stats %s", args[0])
		}
		for _, e := range st.AggregatedEvents {
			if e.Type == "rawConnection" && e.SubType == "" && e.Timestamp%1000 == 0 {
				connections += e.Count
			}
		}
		if st.ServerID != "node-1" || st.Hostname == "" || st.PID == 0 || st.Uptime <= 0 || st.PollingClientsCount != 0 {
			t.Fatalf("server_stats %s", args[0])
		}
		got := map[string]int{}
		for _, n := range st.Namespaces {
			got[n.Name] = n.SocketsCount
		}
		return st.ClientsCount == 4 && got["/"] == 3 && got["/admin"] == 1 && connections >= 1
	})
}

func TestAllSocketsAndLiveReports(t *testing.T) {
	s := newServer(t, withPassword(admin.Options{}))
	u1 := siotest.Dial(t, s.ts.URL, "rooms=user-1,department-sales", map[string]string{"token": "t1"})
	waitRooms(t, s.io.Of("/").Socket(u1.SID()), true, "user-1", "department-sales")
	c, _ := signIn(t, s)
	c.waitEvent("config", nil)
	args := c.waitEvent("all_sockets", nil)
	var all []serializedSocket
	if err := json.Unmarshal(args[0], &all); err != nil {
		t.Fatal(err)
	}
	var found *serializedSocket
	for i := range all {
		if all[i].ID == u1.SID() {
			found = &all[i]
		}
	}
	if found == nil {
		t.Fatalf("all_sockets %s has no socket %s", args[0], u1.SID())
	}
	slices.Sort(found.Rooms)
	want := []string{"department-sales", u1.SID(), "user-1"}
	slices.Sort(want)
	if !slices.Equal(found.Rooms, want) {
		t.Fatalf("rooms %q, want %q", found.Rooms, want)
	}
	if found.Nsp != "/" || found.Transport != "websocket" || len(found.ClientID) != 12 || string(found.Data) != "{}" ||
		found.Handshake.Query["rooms"] != "user-1,department-sales" || !strings.HasPrefix(found.Handshake.URL, "/socket.io/?EIO=4") || found.Handshake.Issued == 0 {
		t.Fatalf("serialized socket %+v", *found)
	}

	// A new socket: its rooms, then itself; its events both ways; its end.
	u2 := siotest.Dial(t, s.ts.URL, "rooms=user-2", nil)
	got := c.waitEvents(map[string]func([]json.RawMessage) bool{
		"room_joined":      func(a []json.RawMessage) bool { return string(a[1]) == `"user-2"` && string(a[2]) == `"`+u2.SID()+`"` },
		"socket_connected": func(a []json.RawMessage) bool { return strings.Contains(string(a[0]), u2.SID()) },
	})
	args = got["socket_connected"]
	var sock serializedSocket
	_ = json.Unmarshal(args[0], &sock)
	if sock.ID != u2.SID() || sock.Nsp != "/" || len(args) != 2 {
		t.Fatalf("socket_connected %s", args)
	}
	u2.Send(`421["ping",{"n":1}]`)
	args = c.waitEvent("event_received", nil)
	if string(args[0]) != `"/"` || string(args[1]) != `"`+u2.SID()+`"` || string(args[2]) != `["ping",{"n":1}]` {
		t.Fatalf("event_received %s", args)
	}
	if err := s.io.To("user-2").Emit("hello", "world"); err != nil {
		t.Fatal(err)
	}
	args = c.waitEvent("event_sent", nil)
	if string(args[1]) != `"`+u2.SID()+`"` || string(args[2]) != `["hello","world"]` {
		t.Fatalf("event_sent %s", args)
	}
	u2.Close()
	got = c.waitEvents(map[string]func([]json.RawMessage) bool{
		"room_left":           func(a []json.RawMessage) bool { return string(a[1]) == `"user-2"` },
		"socket_disconnected": func(a []json.RawMessage) bool { return string(a[1]) == `"`+u2.SID()+`"` },
	})
	if args := got["socket_disconnected"]; string(args[0]) != `"/"` || !strings.HasPrefix(string(args[2]), `"transport `) {
		// The client drops the TCP connection: "transport close" or, if
		// the server reads the reset, "transport error".
		t.Fatalf("socket_disconnected %s", args)
	}
}

func TestActions(t *testing.T) {
	tests := []struct {
		name     string
		readOnly bool
		send     func(sid string) string // the action's EVENT packet
		check    func(t *testing.T, s *server, sock *socketio.Socket, u *siotest.Client)
	}{
		{
			name: "join, one socket",
			send: func(sid string) string { return `42/admin,["join","/","vip","` + sid + `"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, _ *siotest.Client) {
				waitRooms(t, sock, true, "vip")
			},
		},
		{
			name: "join, every socket of the namespace",
			send: func(string) string { return `42/admin,["join","/","all"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, _ *siotest.Client) {
				waitRooms(t, sock, true, "all")
			},
		},
		{
			name: "leave",
			send: func(sid string) string { return `42/admin,["leave","/","user-1","` + sid + `"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, _ *siotest.Client) {
				waitRooms(t, sock, false, "user-1")
			},
		},
		{
			name: "disconnect",
			send: func(sid string) string { return `42/admin,["_disconnect","/",false,"` + sid + `"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, u *siotest.Client) {
				if f := u.Next(); f != "41" {
					t.Fatalf("socket got %q, want a DISCONNECT", f)
				}
			},
		},
		{
			name: "disconnect with close",
			send: func(sid string) string { return `42/admin,["_disconnect","/",true,"` + sid + `"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, u *siotest.Client) {
				u.ExpectClosed()
			},
		},
		{
			name: "an unknown namespace is not created",
			send: func(sid string) string { return `42/admin,["join","/nope","x","` + sid + `"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, _ *siotest.Client) {
				if s.io.Lookup("/nope") != nil {
					t.Fatal("the action created /nope")
				}
			},
		},
		{
			name:     "read only: no join",
			readOnly: true,
			send:     func(sid string) string { return `42/admin,["join","/","vip","` + sid + `"]` },
			check: func(t *testing.T, s *server, sock *socketio.Socket, _ *siotest.Client) {
				if slices.Contains(sock.Rooms(), "vip") {
					t.Fatal("joined vip on a read-only admin")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, withPassword(admin.Options{ReadOnly: tt.readOnly, Mode: admin.Production}))
			u := siotest.Dial(t, s.ts.URL, "rooms=user-1", nil)
			sock := s.io.Of("/").Socket(u.SID())
			waitRooms(t, sock, true, "user-1")
			c, _ := signIn(t, s)
			// The admin socket's events are handled in order: once a
			// marker after the action reaches a catch-all handler, the
			// action's handlers have run.
			marked := make(chan struct{})
			s.admin.Namespace().Socket(c.sid).OnAny(func(e *socketio.Event) {
				if e.Name == "marker" {
					close(marked)
				}
			})
			c.send(tt.send(u.SID()))
			c.send(`42/admin,["marker"]`)
			select {
			case <-marked:
			case <-time.After(waitTimeout):
				t.Fatal("the marker never came")
			}
			tt.check(t, s, sock, u)
		})
	}
}

// waitRooms waits until sock is in (or out of) rooms.
func waitRooms(t *testing.T, sock *socketio.Socket, in bool, rooms ...string) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		ok := true
		for _, r := range rooms {
			if slices.Contains(sock.Rooms(), r) != in {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rooms %q, want in=%v %q", sock.Rooms(), in, rooms)
		}
		time.Sleep(time.Millisecond)
	}
}
