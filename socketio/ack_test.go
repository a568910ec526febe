package socketio

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

type ackResult struct {
	args Args
	err  error
}

func emitWithAckAsync(ctx context.Context, s *Socket, event string, args ...any) <-chan ackResult {
	ch := make(chan ackResult, 1)
	go func() {
		a, err := s.EmitWithAck(ctx, event, args...)
		ch <- ackResult{a, err}
	}()
	return ch
}

func TestEmitWithAck(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
	c, sock := srv.dialConnected(t, dialConfig{})

	res := emitWithAckAsync(ctxTimeout(t, waitTimeout), sock, "ask", 1, "x")
	c.expect(`420["ask",1,"x"]`)
	c.send(`430["ok",{"n":2}]`)
	r := recv(t, res, "EmitWithAck")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.args.Len() != 2 || string(r.args.Raw(0)) != `"ok"` || string(r.args.Raw(1)) != `{"n":2}` {
		t.Fatalf("ack args %v", r.args.raw)
	}

	// The next ack id is 1; a binary ack decodes into []byte.
	res = emitWithAckAsync(ctxTimeout(t, waitTimeout), sock, "bin")
	c.expect(`421["bin"]`)
	c.send(`461-1[{"_placeholder":true,"num":0}]`)
	c.sendBin([]byte{7, 7})
	r = recv(t, res, "EmitWithAck")
	var b []byte
	if r.err != nil || r.args.Decode(0, &b) != nil || !bytes.Equal(b, []byte{7, 7}) {
		t.Fatalf("binary ack: %v %v", r.err, b)
	}

	// An ack for an unknown id is ignored, and so is a second ack.
	c.send(`4399["late"]`)
	c.send(`431["again"]`)
	m := marker(t, sock, 1)
	if got := c.until(m); len(got) != 0 {
		t.Fatalf("frames %q", got)
	}
	if !sock.Connected() {
		t.Fatal("unknown ack id disconnected the socket")
	}
}

func TestEmitWithAckCustomNamespace(t *testing.T) {
	t.Parallel()
	conns := make(chan *Socket, 1)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.Of("/custom").OnConnection(func(s *Socket) { conns <- s })
	})
	c := srv.dial(t, dialConfig{ackWith: `["fine"]`})
	c.connect("/custom", "")
	sock := recv(t, conns, "connection")
	a, err := sock.EmitWithAck(ctxTimeout(t, waitTimeout), "how")
	if err != nil || a.Len() != 1 || string(a.Raw(0)) != `"fine"` {
		t.Fatalf("EmitWithAck = %v, %v", a.raw, err)
	}
	c.expect(`42/custom,0["how"]`)
}

func TestEmitWithAckTimeout(t *testing.T) {
	t.Parallel()
	t.Run("context deadline", func(t *testing.T) {
		t.Parallel()
		srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
		c, sock := srv.dialConnected(t, dialConfig{})
		_, err := sock.EmitWithAck(ctxTimeout(t, 20*time.Millisecond), "ask")
		if !errors.Is(err, ErrAckTimeout) {
			t.Fatalf("err = %v, want ErrAckTimeout", err)
		}
		c.expect(`420["ask"]`)
		// A late ack is dropped and harms nothing.
		c.send(`430[1]`)
		m := marker(t, sock, 1)
		if got := c.until(m); len(got) != 0 {
			t.Fatalf("frames %q", got)
		}
		if n := pendingAcks(sock); n != 0 {
			t.Fatalf("%d acks pending after timeout", n)
		}
	})
	t.Run("Options.AckTimeout", func(t *testing.T) {
		t.Parallel()
		srv := newTestServer(t, &Options{Engine: quietEngine(), AckTimeout: 20 * time.Millisecond}, nil)
		_, sock := srv.dialConnected(t, dialConfig{})
		_, err := sock.EmitWithAck(context.Background(), "ask")
		if !errors.Is(err, ErrAckTimeout) {
			t.Fatalf("err = %v, want ErrAckTimeout", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
		_, sock := srv.dialConnected(t, dialConfig{})
		ctx, cancel := context.WithCancel(context.Background())
		res := emitWithAckAsync(ctx, sock, "ask")
		cancel()
		if r := recv(t, res, "EmitWithAck"); r.err == nil {
			t.Fatal("no error after cancel")
		}
	})
}

func pendingAcks(s *Socket) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.acks)
}

func TestEmitWithAckDisconnected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cause  func(c *wsClient, s *Socket)
		reason DisconnectReason
	}{
		{"client namespace disconnect", func(c *wsClient, s *Socket) { c.send("41") }, ReasonClientDisconnect},
		{"server disconnect", func(c *wsClient, s *Socket) { s.Disconnect(false) }, ReasonServerDisconnect},
		{"transport close", func(c *wsClient, s *Socket) { _ = c.conn.Close() }, ReasonTransportClose},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
			c, sock := srv.dialConnected(t, dialConfig{})
			dis := disconnects(sock)
			res := emitWithAckAsync(ctxTimeout(t, waitTimeout), sock, "ask")
			c.expect(`420["ask"]`)
			tt.cause(c, sock)
			if r := recv(t, res, "EmitWithAck"); !errors.Is(r.err, ErrDisconnected) {
				t.Fatalf("err = %v, want ErrDisconnected", r.err)
			}
			expectReason(t, dis, tt.reason)
			// After the disconnect EmitWithAck fails at once.
			if _, err := sock.EmitWithAck(context.Background(), "again"); !errors.Is(err, ErrDisconnected) {
				t.Fatalf("EmitWithAck after disconnect = %v", err)
			}
		})
	}
}

// Handlers run on the connection's read loop (see the package doc), so a
// handler that needs the client's ack waits for it on another goroutine.
func TestEmitWithAckFromHandlerGoroutine(t *testing.T) {
	t.Parallel()
	results := make(chan ackResult, 2)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			go func() {
				a, err := s.EmitWithAck(context.Background(), "welcome")
				results <- ackResult{a, err}
			}()
			s.On("start", func(e *Event) {
				go func() {
					a, err := s.EmitWithAck(context.Background(), "question")
					results <- ackResult{a, err}
				}()
			})
		})
	})
	c, _ := srv.dialConnected(t, dialConfig{ackWith: `["answer"]`})
	if r := recv(t, results, "ack in connection handler"); r.err != nil || string(r.args.Raw(0)) != `"answer"` {
		t.Fatalf("EmitWithAck from a connection handler's goroutine: %v %v", r.args.raw, r.err)
	}
	c.send(`42["start"]`)
	if r := recv(t, results, "ack in event handler"); r.err != nil || string(r.args.Raw(0)) != `"answer"` {
		t.Fatalf("EmitWithAck from an event handler's goroutine: %v %v", r.args.raw, r.err)
	}
}
