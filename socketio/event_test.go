package socketio

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// echoServer answers like the conformance server: "message" is echoed as
// "message-back", "message-with-ack" is acked with its arguments.
func echoServer(t *testing.T, extra func(s *Socket)) *testServer {
	t.Helper()
	onConn := func(s *Socket) {
		s.On("message", func(e *Event) { _ = s.Emit("message-back", e.Values()...) })
		s.On("message-with-ack", func(e *Event) { _ = e.Ack(e.Values()...) })
		if extra != nil {
			extra(s)
		}
	}
	return newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(onConn)
		io.Of("/custom").OnConnection(onConn)
	})
}

func TestEventEcho(t *testing.T) {
	t.Parallel()
	bin1, bin2 := []byte{1, 2, 3}, []byte{4, 5, 6}
	tests := []struct {
		name string
		nsp  string
		send []any // string: text frame, []byte: binary frame
		want []any
	}{
		{"plain", "/", []any{`42["message",1,"2",{"3":[true]}]`}, []any{`42["message-back",1,"2",{"3":[true]}]`}},
		{"number text kept", "/", []any{`42["message",1.50,1e3,-0,{"b":1,"a":2}]`}, []any{`42["message-back",1.50,1e3,-0,{"b":1,"a":2}]`}},
		{"no args", "/", []any{`42["message"]`}, []any{`42["message-back"]`}},
		{"custom namespace", "/custom", []any{`42/custom,["message","x"]`}, []any{`42/custom,["message-back","x"]`}},
		{"ack", "/", []any{`42456["message-with-ack",1,"2",{"3":[false]}]`}, []any{`43456[1,"2",{"3":[false]}]`}},
		{"ack custom namespace", "/custom", []any{`42/custom,7["message-with-ack",null]`}, []any{`43/custom,7[null]`}},
		{"binary", "/", []any{`452-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, bin1, bin2},
			[]any{`452-["message-back",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, bin1, bin2}},
		{"binary ack", "/", []any{`452-789["message-with-ack",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, bin1, bin2},
			[]any{`462-789[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, bin1, bin2}},
		{"binary nested", "/", []any{`451-["message",{"nested":{"_placeholder":true,"num":0}}]`, bin1},
			[]any{`451-["message-back",{"nested":{"_placeholder":true,"num":0}}]`, bin1}},
		{"binary custom namespace", "/custom", []any{`451-/custom,["message",{"_placeholder":true,"num":0}]`, bin1},
			[]any{`451-/custom,["message-back",{"_placeholder":true,"num":0}]`, bin1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := echoServer(t, nil)
			c := srv.dial(t, dialConfig{})
			c.connect(tt.nsp, "")
			for _, m := range tt.send {
				switch m := m.(type) {
				case string:
					c.send(m)
				case []byte:
					c.sendBin(m)
				}
			}
			for _, w := range tt.want {
				switch w := w.(type) {
				case string:
					c.expect(w)
				case []byte:
					c.expectBin(w)
				}
			}
		})
	}
}

func TestEventRawArgs(t *testing.T) {
	t.Parallel()
	events := make(chan *Event, 1)
	srv := echoServer(t, func(s *Socket) {
		s.OnAny(func(e *Event) { events <- e })
	})
	c, sock := srv.dialConnected(t, dialConfig{})
	c.send(`42["message",1, "2" ,{"3":[true]}]`)
	e := recv(t, events, "event")
	if e.Name != "message" || e.Len() != 3 {
		t.Fatalf("event %q with %d args", e.Name, e.Len())
	}
	for i, want := range []string{`1`, `"2"`, `{"3":[true]}`} {
		if got := string(e.Raw(i)); got != want {
			t.Errorf("Raw(%d) = %s, want %s", i, got, want)
		}
	}
	if e.Socket() != sock || e.HasAck() {
		t.Errorf("Socket() = %p (want %p), HasAck() = %v", e.Socket(), sock, e.HasAck())
	}
	c.expect(`42["message-back",1,"2",{"3":[true]}]`)

	// Numeric event names are accepted, as by the reference.
	c.send(`42[5,"x"]`)
	if e := recv(t, events, "numeric event"); e.Name != "5" || string(e.Raw(0)) != `"x"` {
		t.Errorf("numeric event: %q %s", e.Name, e.Raw(0))
	}
}

// TestEventNames covers the event name's lookup: a plain name is matched
// without decoding, any other is decoded as JSON first.
func TestEventNames(t *testing.T) {
	t.Parallel()
	type hit struct{ handler, name string }
	hits := make(chan hit, 1)
	names := []string{"plain", "é", `a"b`, "tab\\tx", "5"}
	srv := echoServer(t, func(s *Socket) {
		for _, n := range names {
			s.On(n, func(e *Event) { hits <- hit{n, e.Name} })
		}
	})
	c, _ := srv.dialConnected(t, dialConfig{})
	for _, tc := range []struct{ lit, want string }{
		{`"plain"`, "plain"},
		{`"pl\u0061in"`, "plain"}, // escaped: decoded, then matched
		{`"é"`, "é"},
		{`"\u00e9"`, "é"},
		{`"a\"b"`, `a"b`},
		{`"tab\\tx"`, "tab\\tx"},
		{`5`, "5"}, // numeric, as the reference accepts
	} {
		c.send(`42[` + tc.lit + `,1]`)
		h := recv(t, hits, tc.lit)
		if h.handler != tc.want || h.name != tc.want {
			t.Errorf("%s: handler %q got Name %q, want %q", tc.lit, h.handler, h.name, tc.want)
		}
	}
}

type point struct {
	X, Y int
	Tags []string `json:"tags"`
}

func TestEventDecode(t *testing.T) {
	t.Parallel()
	type result struct {
		p    point
		n    float64
		s    string
		err  error
		bad  error
		oob  error
		blob []byte
		nest struct {
			Nested []byte `json:"nested"`
			Name   string `json:"name"`
		}
		nestAny map[string]any
	}
	results := make(chan result, 1)
	srv := echoServer(t, func(s *Socket) {
		s.On("plain", func(e *Event) {
			var r result
			r.err = errors.Join(e.Decode(0, &r.p), e.Decode(1, &r.n), e.Decode(2, &r.s))
			r.bad = e.Decode(0, &r.s)
			r.oob = e.Decode(3, &r.s)
			results <- r
		})
		s.On("bin", func(e *Event) {
			var r result
			r.err = errors.Join(e.Decode(0, &r.blob), e.Decode(1, &r.nest))
			r.bad = e.Decode(1, &r.nestAny)
			results <- r
		})
	})
	c, _ := srv.dialConnected(t, dialConfig{})

	c.send(`42["plain",{"X":1,"Y":2,"tags":["a","b"]},2.5,"s"]`)
	r := recv(t, results, "plain")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.p.X != 1 || r.p.Y != 2 || strings.Join(r.p.Tags, ",") != "a,b" || r.n != 2.5 || r.s != "s" {
		t.Errorf("decoded %+v %v %q", r.p, r.n, r.s)
	}
	if r.bad == nil {
		t.Error("decoding an object into a string: no error")
	}
	if r.oob == nil {
		t.Error("decoding argument 3 of 3: no error")
	}

	c.send(`452-["bin",{"_placeholder":true,"num":0},{"name":"n","nested":{"_placeholder":true,"num":1}}]`)
	c.sendBin([]byte{0xde, 0xad})
	c.sendBin([]byte{0xbe, 0xef, 0})
	r = recv(t, results, "bin")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !bytes.Equal(r.blob, []byte{0xde, 0xad}) {
		t.Errorf("top-level binary = %v", r.blob)
	}
	if !bytes.Equal(r.nest.Nested, []byte{0xbe, 0xef, 0}) || r.nest.Name != "n" {
		t.Errorf("nested binary = %+v", r.nest)
	}
	if r.bad != nil || r.nestAny["name"] != "n" {
		t.Errorf("decode into map: %v %v", r.bad, r.nestAny)
	}
}

func TestEventValuesBinary(t *testing.T) {
	t.Parallel()
	values := make(chan []any, 1)
	srv := echoServer(t, func(s *Socket) {
		s.On("v", func(e *Event) {
			values <- e.Values()
			if len(e.Attachments()) != 2 {
				t.Errorf("Attachments() = %v", e.Attachments())
			}
		})
	})
	c, _ := srv.dialConnected(t, dialConfig{})
	c.send(`452-["v",{"_placeholder":true,"num":1},[1,{"_placeholder":true,"num":0}],"x"]`)
	c.sendBin([]byte("zero"))
	c.sendBin([]byte("one"))
	v := recv(t, values, "values")
	if len(v) != 3 {
		t.Fatalf("Values() = %v", v)
	}
	if b, ok := v[0].([]byte); !ok || string(b) != "one" {
		t.Errorf("Values()[0] = %#v, want []byte(\"one\")", v[0])
	}
	arr, ok := v[1].([]any)
	if !ok || len(arr) != 2 {
		t.Fatalf("Values()[1] = %#v", v[1])
	}
	if n, ok := arr[0].(json.Number); !ok || n != "1" {
		t.Errorf("Values()[1][0] = %#v", arr[0])
	}
	if b, ok := arr[1].([]byte); !ok || string(b) != "zero" {
		t.Errorf("Values()[1][1] = %#v", arr[1])
	}
	if raw, ok := v[2].(json.RawMessage); !ok || string(raw) != `"x"` {
		t.Errorf("Values()[2] = %#v", v[2])
	}
}

func TestAckOnlyOnce(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 3)
	srv := echoServer(t, func(s *Socket) {
		s.On("twice", func(e *Event) {
			if !e.HasAck() {
				t.Error("HasAck() = false")
			}
			errs <- e.Ack("first")
			errs <- e.Ack("second")
		})
		s.On("noack", func(e *Event) {
			errs <- e.Ack("ignored") // no ack id: nothing is sent
		})
	})
	c, sock := srv.dialConnected(t, dialConfig{})
	c.send(`421["twice"]`)
	c.send(`42["noack"]`)
	for i := 0; i < 3; i++ {
		if err := recv(t, errs, "Ack"); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
	m := marker(t, sock, 1)
	if got := c.until(m); len(got) != 1 || got[0] != `431["first"]` {
		t.Fatalf("frames %q, want one ack", got)
	}
}

func TestAckEncoding(t *testing.T) {
	t.Parallel()
	srv := echoServer(t, func(s *Socket) {
		s.On("a", func(e *Event) {
			_ = e.Ack(1, int64(-2), true, nil, "s", json.RawMessage(`{"x":[1]}`), map[string]any{"k": "v"}, []any{1, "2"}, point{X: 1})
		})
		s.On("b", func(e *Event) { _ = e.Ack([]byte{9}, map[string]any{"b": []byte{8}}) })
		s.On("c", func(e *Event) { _ = e.Ack() })
		s.On("d", func(e *Event) { _ = e.Ack("<&>\"\\\n", "é") })
	})
	c, _ := srv.dialConnected(t, dialConfig{})
	c.send(`420["a"]`)
	c.expect(`430[1,-2,true,null,"s",{"x":[1]},{"k":"v"},[1,"2"],{"X":1,"Y":0,"tags":null}]`)
	c.send(`421["b"]`)
	c.expect(`462-1[{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]`)
	c.expectBin([]byte{9})
	c.expectBin([]byte{8})
	c.send(`422["c"]`)
	c.expect(`432[]`)
	c.send(`423["d"]`)
	c.expect(`433["\u003c\u0026\u003e\"\\\n","é"]`)
}

type addReq struct {
	A, B int
}

type addResp struct {
	Sum int `json:"sum"`
}

func TestHandleTyped(t *testing.T) {
	t.Parallel()
	calls := make(chan addReq, 4)
	srv := echoServer(t, func(s *Socket) {
		Handle(s, "add", func(s *Socket, v addReq) (addResp, error) {
			calls <- v
			if v.A < 0 {
				return addResp{}, errors.New("negative")
			}
			return addResp{Sum: v.A + v.B}, nil
		})
	})
	c, sock := srv.dialConnected(t, dialConfig{})

	c.send(`421["add",{"A":1,"B":2}]`)
	c.expect(`431[{"sum":3}]`)
	if v := recv(t, calls, "handler"); v != (addReq{1, 2}) {
		t.Errorf("handler got %+v", v)
	}

	c.send(`422["add",{"A":-1,"B":2}]`)
	c.expect(`432[{"error":"negative"}]`)
	recv(t, calls, "handler")

	// A decode error is acked with an error and the handler is not called.
	c.send(`423["add","not an object"]`)
	got := c.nextText()
	var ack []struct{ Error string }
	if !strings.HasPrefix(got, "433") || json.Unmarshal([]byte(got[3:]), &ack) != nil || len(ack) != 1 || ack[0].Error == "" {
		t.Fatalf("decode error ack %q", got)
	}

	// No argument: the zero value.
	c.send(`424["add"]`)
	c.expect(`434[{"sum":0}]`)
	recv(t, calls, "handler")

	// Without an ack id the handler runs and nothing is sent.
	c.send(`42["add",{"A":5,"B":5}]`)
	recv(t, calls, "handler")
	m := marker(t, sock, 1)
	if got := c.until(m); len(got) != 0 {
		t.Fatalf("frames %q, want none", got)
	}
	select {
	case v := <-calls:
		t.Fatalf("unexpected handler call %+v", v)
	default:
	}
}

// Over the wire: an event's handlers all run, after the catch-all ones
// (as Node's: socket.on adds a listener).
func TestOnAddsAndOnAny(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 8)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.On("x", func(*Event) { seen <- "old" })
			s.On("x", func(*Event) { seen <- "new" })
			s.OnAny(func(e *Event) { seen <- "any1:" + e.Name })
			s.OnAny(func(e *Event) { seen <- "any2:" + e.Name })
		})
	})
	c, _ := srv.dialConnected(t, dialConfig{})
	c.send(`42["x"]`)
	c.send(`42["unhandled"]`)
	var got []string
	for i := 0; i < 6; i++ {
		got = append(got, recv(t, seen, "handler"))
	}
	want := []string{"any1:x", "any2:x", "old", "new", "any1:unhandled", "any2:unhandled"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("handlers ran %v, want %v", got, want)
	}
}

func TestEmitEncoding(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
	c, sock := srv.dialConnected(t, dialConfig{})
	cases := []struct {
		args []any
		want []any
	}{
		{[]any{}, []any{`42["e"]`}},
		{[]any{1, "two", true, nil, 2.5, int64(7)}, []any{`42["e",1,"two",true,null,2.5,7]`}},
		{[]any{json.RawMessage(`{"b":1,"a":2}`), json.RawMessage(nil)}, []any{`42["e",{"b":1,"a":2},null]`}},
		{[]any{[]byte{1, 2}}, []any{`451-["e",{"_placeholder":true,"num":0}]`, []byte{1, 2}}},
		{[]any{[]any{"a", []byte{3}}, map[string]any{"k": []byte{4}}},
			[]any{`452-["e",["a",{"_placeholder":true,"num":0}],{"k":{"_placeholder":true,"num":1}}]`, []byte{3}, []byte{4}}},
		// []byte inside a struct goes through encoding/json: base64 text.
		{[]any{struct{ B []byte }{[]byte{1}}}, []any{`42["e",{"B":"AQ=="}]`}},
	}
	for _, tc := range cases {
		if err := sock.Emit("e", tc.args...); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			switch w := w.(type) {
			case string:
				c.expect(w)
			case []byte:
				c.expectBin(w)
			}
		}
	}
	if err := sock.Emit("e", func() {}); err == nil {
		t.Error("Emit of a func: no error")
	}
}

func TestReservedEvents(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
	c, sock := srv.dialConnected(t, dialConfig{})
	for _, name := range []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"} {
		if err := sock.Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("Emit(%q) = %v, want ErrReservedEvent", name, err)
		}
		if err := sock.EmitVolatile(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("EmitVolatile(%q) = %v", name, err)
		}
		if _, err := sock.EmitWithAck(ctxTimeout(t, waitTimeout), name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("EmitWithAck(%q) = %v", name, err)
		}
		if err := srv.io.Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("Server.Emit(%q) = %v", name, err)
		}
		if err := srv.io.To("r").Emit(name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("To().Emit(%q) = %v", name, err)
		}
		if _, err := srv.io.Of("/").To("x").EmitWithAck(ctxTimeout(t, waitTimeout), name); !errors.Is(err, ErrReservedEvent) {
			t.Errorf("To().EmitWithAck(%q) = %v", name, err)
		}
	}
	m := marker(t, sock, 1)
	if got := c.until(m); len(got) != 0 {
		t.Fatalf("reserved events reached the client: %q", got)
	}
	// "Connect" and "message" are not reserved.
	if err := sock.Emit("Connect"); err != nil {
		t.Fatal(err)
	}
	c.expect(`42["Connect"]`)
}
