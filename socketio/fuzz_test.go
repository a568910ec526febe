package socketio

import (
	"bytes"
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fuzzHandlers registers handlers that exercise most of the API with
// whatever the client sends. They never block.
func fuzzHandlers(s *Socket) {
	s.OnAny(func(e *Event) {
		for i := 0; i < e.Len(); i++ {
			_ = e.Raw(i)
			var v any
			_ = e.Decode(i, &v)
			var b []byte
			_ = e.Decode(i, &b)
			var p point
			_ = e.Decode(i, &p)
		}
		_ = e.Decode(e.Len(), new(any))
		_ = e.Values()
		_ = e.Attachments()
	})
	s.On("message", func(e *Event) { _ = s.Emit("message-back", e.Values()...) })
	s.On("ack", func(e *Event) {
		_ = e.Ack(e.Values()...)
		_ = e.Ack("twice")
	})
	s.On("join", func(e *Event) {
		var r string
		if e.Decode(0, &r) == nil {
			s.Join(r, r+"-2")
		}
	})
	s.On("leave", func(e *Event) {
		var r string
		if e.Decode(0, &r) == nil {
			s.Leave(r)
		}
	})
	s.On("bcast", func(e *Event) { _ = s.Broadcast().Emit("bcast", e.Values()...) })
	s.On("to", func(e *Event) {
		var r string
		if e.Decode(0, &r) == nil {
			_ = s.To(r).Emit("to", e.Values()...)
			_ = s.Namespace().Volatile().To(r).Emit("vto", e.Values()...)
		}
	})
	s.On("rooms", func(e *Event) { _ = e.Ack(s.Rooms()) })
	s.On("data", func(e *Event) {
		s.SetData(e.Values())
		_ = s.Data()
	})
	s.On("emitack", func(e *Event) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // never wait: the handler runs on the read loop
		_, _ = s.EmitWithAck(ctx, "q", e.Values()...)
	})
	s.On("fetch", func(e *Event) {
		_, _ = s.Namespace().FetchSockets(context.Background())
		s.Namespace().To("x").SocketsJoin("y")
	})
	s.On("disconnect-me", func(e *Event) { s.Disconnect(false) })
	s.On("close-me", func(e *Event) { s.Disconnect(true) })
	Handle(s, "add", func(s *Socket, v addReq) (addResp, error) { return addResp{v.A + v.B}, nil })
}

// fuzzPayload turns the fuzzer's bytes into a polling payload: records are
// separated by 0xff; a record starting with an even byte is a Socket.IO
// text message ("4" + the rest), one starting with an odd byte below 0x80
// a binary message, any other a raw Engine.IO text packet.
func fuzzPayload(data []byte) []byte {
	var out []byte
	for i, rec := range bytes.Split(data, []byte{0xff}) {
		if i > 0 {
			out = append(out, 0x1e)
		}
		if len(rec) == 0 {
			out = append(out, '4')
			continue
		}
		kind, rest := rec[0], rec[1:]
		switch {
		case kind%2 == 0:
			out = append(out, '4')
			out = append(out, bytes.ReplaceAll(rest, []byte{0x1e}, []byte{' '})...)
		case kind < 0x80:
			out = append(out, 'b')
			out = base64.StdEncoding.AppendEncode(out, rest)
		default:
			out = append(out, bytes.ReplaceAll(rest, []byte{0x1e}, []byte{' '})...)
		}
	}
	return out
}

// seed builds fuzzer input from Socket.IO text messages and binary
// attachments.
func seed(msgs ...any) []byte {
	var parts [][]byte
	for _, m := range msgs {
		switch m := m.(type) {
		case string:
			parts = append(parts, append([]byte{0}, m...))
		case []byte:
			parts = append(parts, append([]byte{1}, m...))
		}
	}
	return bytes.Join(parts, []byte{0xff})
}

// FuzzClientMessages feeds arbitrary messages from one connected client
// through the real server (in-process polling) and checks that nothing
// panics, that the connection's sockets are cleaned up when it closes, and
// that another client keeps working.
func FuzzClientMessages(f *testing.F) {
	seeds := [][]byte{
		seed(`2["message",1,"2",{"3":[true]}]`),
		seed(`2456["ack",1,"2",{"3":[false]}]`),
		seed(`52-["message",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, []byte{1, 2, 3}, []byte{4, 5, 6}),
		seed(`52-789["ack",{"_placeholder":true,"num":0},{"nested":{"_placeholder":true,"num":1}}]`, []byte{1}, []byte{2}),
		seed(`2/custom,["message","x"]`, `1/custom,`, `2/custom,["message","y"]`),
		seed(`2["join","r"]`, `2["to","r","hi"]`, `2["bcast",1]`, `2["leave","r"]`, `23["rooms"]`),
		seed(`21["add",{"A":1,"B":2}]`, `22["add","x"]`, `2["add"]`),
		seed(`2["emitack",1]`, `30["late"]`, `6-0[{"_placeholder":true,"num":0}]`, []byte{9}),
		seed(`2["data",{"k":[1,2]}]`, `2["fetch"]`),
		seed(`2["disconnect-me"]`, `2["message"]`, `0`, `2["message"]`),
		seed(`2["close-me"]`, `2["message"]`),
		seed(`abc`), seed(`2{}`), seed(`2abc["x"]`), seed(`0`), seed(`4{"message":"x"}`),
		seed(`2["connect"]`), seed(`2[]`), seed(`2[{}]`), seed(`51-["x",{"_placeholder":true,"num":0}]`, `2["y"]`),
		seed([]byte{1, 2}), seed(`599-["x"]`), seed(`51-["x",{"_placeholder":true,"num":5}]`, []byte{1}),
		seed(`0/dyn-1,{"a":1}`, `2/dyn-1,["message",1]`, `1/dyn-1,`),
		seed(`1`, `0{"pid":"x","offset":"y"}`),
		seed(`2[5,"numeric"]`, `2["message",1e400,-0,"\ud800"]`),
		{0x81, '2'}, {0x81, '1'}, {0x81, '5'}, {0x81, '6'},
		{0xff, 0xff, 0xff},
	}
	for _, s := range seeds {
		f.Add(s)
	}

	rec := &RecoveryOptions{MaxDisconnectionDuration: time.Second}
	io := NewServer(&Options{Engine: quietEngine(), Recovery: rec})
	io.OnConnection(fuzzHandlers)
	io.Of("/custom").OnConnection(fuzzHandlers)
	io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") }).OnConnection(fuzzHandlers)
	p := &inproc{tb: f, io: io}
	defer p.shutdown()
	witnessSID, witness := p.connect()
	witness.On("ping", func(e *Event) { _ = witness.Emit("pong", e.Values()...) })
	witness.Join("r")
	n := 0

	f.Fuzz(func(t *testing.T, data []byte) {
		p := &inproc{tb: t, io: io}
		sid := p.handshake()
		if code := p.post(sid, []byte("40\x1e40/custom,")); code != http.StatusOK {
			t.Fatalf("POST CONNECT: %d", code)
		}
		if code, body := p.get(sid); code != http.StatusOK || !strings.HasPrefix(body, "40") {
			t.Fatalf("CONNECT replies: %d %q", code, body)
		}
		p.post(sid, fuzzPayload(data))
		// End the connection however it is: a close packet, or nothing if
		// the server closed it already. A GET flushes a closing session.
		p.post(sid, []byte("1"))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		p.getCtx(ctx, sid)
		cancel()
		if c := io.Engine().Conn(sid); c != nil {
			t.Fatalf("session %s still open", sid)
		}
		if n := io.Of("/").Len(); n != 1 {
			t.Fatalf("namespace / has %d sockets after the fuzzed client left, want 1", n)
		}
		if n := io.Of("/custom").Len(); n != 0 {
			t.Fatalf("namespace /custom has %d sockets after the fuzzed client left", n)
		}

		// The witness still works.
		n++
		want := `42["pong",` + strconv.Itoa(n)
		if code := p.post(witnessSID, []byte(`42["ping",`+strconv.Itoa(n)+`]`)); code != http.StatusOK {
			t.Fatalf("witness POST: %d", code)
		}
		code, body := p.get(witnessSID)
		if code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("witness GET: %d %q, want %s", code, body, want)
		}
		if !witness.Connected() {
			t.Fatal("witness disconnected")
		}
	})
}
