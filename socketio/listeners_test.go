package socketio

import (
	"errors"
	"slices"
	"sync"
	"testing"
)

// fire dispatches an event named name on s as an incoming one would be.
func fire(s *Socket, name string) {
	s.mu.Lock()
	hs, anyh, mw := s.handlers, s.anyHandlers, s.eventMiddleware
	s.mu.Unlock()
	s.dispatch(&Event{Name: name, socket: s}, hs, anyh, mw)
}

// TestListeners: the listener API behaves as Node's EventEmitter-based
// socket: several handlers per event in order, Once, removal of one or
// all, catch-all handlers (appended and prepended), middleware.
func TestListeners(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(s *Socket, log func(string) func(*Event))
		fire  []string
		want  []string
	}{
		{"several handlers in order", func(s *Socket, log func(string) func(*Event)) {
			s.On("a", log("a1"))
			s.On("b", log("b1"))
			s.On("a", log("a2"))
		}, []string{"a", "b", "c"}, []string{"a1", "a2", "b1"}},
		{"once runs once", func(s *Socket, log func(string) func(*Event)) {
			s.Once("a", log("once"))
			s.On("a", log("on"))
		}, []string{"a", "a"}, []string{"once", "on", "on"}},
		{"off removes one handler", func(s *Socket, log func(string) func(*Event)) {
			s.On("a", log("a1"))
			off := s.On("a", log("a2"))
			s.On("a", log("a3"))
			off()
			off() // twice: nothing more
		}, []string{"a"}, []string{"a1", "a3"}},
		{"off of a once handler before it ran", func(s *Socket, log func(string) func(*Event)) {
			s.Once("a", log("once"))()
		}, []string{"a"}, nil},
		{"Off removes all of an event", func(s *Socket, log func(string) func(*Event)) {
			s.On("a", log("a1"))
			s.Once("a", log("a2"))
			s.On("b", log("b1"))
			s.Off("a")
			s.Off("nothing")
		}, []string{"a", "b"}, []string{"b1"}},
		{"any handlers first, prepended before appended", func(s *Socket, log func(string) func(*Event)) {
			s.On("a", log("a"))
			s.OnAny(log("any1"))
			s.OnAny(log("any2"))
			s.PrependAny(log("pre"))
		}, []string{"a"}, []string{"pre", "any1", "any2", "a"}},
		{"off of one any handler", func(s *Socket, log func(string) func(*Event)) {
			s.OnAny(log("any1"))
			off := s.PrependAny(log("pre"))
			s.OnAny(log("any2"))
			off()
		}, []string{"x"}, []string{"any1", "any2"}},
		{"OffAny removes them all", func(s *Socket, log func(string) func(*Event)) {
			s.OnAny(log("any1"))
			s.PrependAny(log("pre"))
			s.On("a", log("a"))
			s.OffAny()
		}, []string{"a"}, []string{"a"}},
		{"middleware after any handlers, before the event's", func(s *Socket, log func(string) func(*Event)) {
			s.On("a", log("a"))
			s.Use(func(e *Event) error { log("mw1")(e); return nil })
			s.OnAny(log("any"))
			s.Use(func(e *Event) error { log("mw2")(e); return nil })
		}, []string{"a"}, []string{"any", "mw1", "mw2", "a"}},
		{"middleware error stops the event", func(s *Socket, log func(string) func(*Event)) {
			s.On("a", log("a"))
			s.On("b", log("b"))
			s.Use(func(e *Event) error {
				if e.Name == "a" {
					return errors.New("no a")
				}
				return nil
			})
			s.Use(func(e *Event) error { log("mw2 " + e.Name)(e); return nil })
			s.OnError(func(err error) { log("error: " + err.Error())(nil) })
		}, []string{"a", "b"}, []string{"error: no a", "mw2 b", "b"}},
		{"once handler removed while it runs", func(s *Socket, log func(string) func(*Event)) {
			// A handler that fires the event again from inside: the Once
			// handler has already been taken off.
			s.Once("a", func(e *Event) {
				log("once")(e)
				fire(s, "a")
			})
			s.On("a", log("on"))
		}, []string{"a"}, []string{"once", "on", "on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &Socket{}
			var got []string
			log := func(label string) func(*Event) { return func(*Event) { got = append(got, label) } }
			tt.setup(s, log)
			for _, ev := range tt.fire {
				fire(s, ev)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("ran %q, want %q", got, tt.want)
			}
		})
	}
}

// Registering and removing while events are dispatched is safe: a dispatch
// ranges over the handlers as they were when it began.
func TestListenersConcurrent(t *testing.T) {
	t.Parallel()
	s := &Socket{}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 1000 {
			off := s.On("a", func(*Event) {})
			offAny := s.OnAny(func(*Event) {})
			s.Once("a", func(*Event) {})
			off()
			offAny()
		}
		s.Off("a")
		s.OffAny()
	}()
	go func() {
		defer wg.Done()
		for range 1000 {
			fire(s, "a")
		}
	}()
	wg.Wait()
	if len(s.handlers) != 0 || len(s.anyHandlers) != 0 {
		t.Fatalf("%d handlers, %d any handlers left", len(s.handlers), len(s.anyHandlers))
	}
}

// Over the wire: two handlers of one event (the first ack answers), a
// middleware refusing an event (no handler, no ack; OnError told), and
// the disconnecting hook, which sees the socket still in its rooms.
func TestListenersOverTheWire(t *testing.T) {
	t.Parallel()
	type disc struct {
		hook  string
		rooms []string
	}
	discs := make(chan disc, 2)
	errs := make(chan error, 1)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.Join("room1")
			s.On("q", func(e *Event) { _ = e.Ack("first") })
			s.On("q", func(e *Event) { _ = e.Ack("second") })
			s.Use(func(e *Event) error {
				if e.Name == "forbidden" {
					return errors.New("forbidden event")
				}
				return nil
			})
			s.On("forbidden", func(e *Event) { _ = e.Ack("ran") })
			s.OnError(func(err error) { errs <- err })
			s.OnDisconnecting(func(DisconnectReason) {
				r := s.Rooms()
				slices.Sort(r)
				discs <- disc{"disconnecting", r}
			})
			s.OnDisconnect(func(DisconnectReason) { discs <- disc{"disconnect", s.Rooms()} })
		})
	})
	c, s := srv.dialConnected(t, dialConfig{})
	c.send(`421["q"]`)
	c.expect(`431["first"]`)
	c.send(`422["forbidden"]`)
	if err := recv(t, errs, "the middleware's error"); err.Error() != "forbidden event" {
		t.Fatalf("OnError got %v", err)
	}
	c.send(`423["q"]`)
	c.expect(`433["first"]`) // not 432: the refused event was not acked
	c.send(`41`)
	d := recv(t, discs, "disconnecting")
	want := []string{s.ID(), "room1"}
	slices.Sort(want)
	if d.hook != "disconnecting" || !slices.Equal(d.rooms, want) {
		t.Fatalf("first hook %q with rooms %v, want disconnecting with %v", d.hook, d.rooms, want)
	}
	d = recv(t, discs, "disconnect")
	if d.hook != "disconnect" || len(d.rooms) != 0 {
		t.Fatalf("second hook %q with rooms %v, want disconnect with none", d.hook, d.rooms)
	}
}

// OnAnyOutgoing sees every event sent to its socket: its own emits (with or
// without ack, volatile) and the broadcasts that reach it, with the
// recovery offset when there is one; acks are not events. The namespace
// counts the sockets with such handlers while they are connected.
func TestOnAnyOutgoing(t *testing.T) {
	t.Parallel()
	for _, recovery := range []bool{false, true} {
		name := "without recovery"
		if recovery {
			name = "with recovery"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			opts := &Options{Engine: quietEngine()}
			if recovery {
				opts.Recovery = &RecoveryOptions{}
			}
			type out struct {
				name string
				args int
			}
			outs := make(chan out, 16)
			var offOutgoing func()
			srv := newTestServer(t, opts, func(io *Server) {
				io.Use(func(s *Socket) error {
					// Added by middleware: counted once connected.
					s.OnAnyOutgoing(func(e *Event) { outs <- out{e.Name, e.Len()} })
					return nil
				})
				io.OnConnection(func(s *Socket) {
					offOutgoing = s.PrependAnyOutgoing(func(e *Event) {
						if e.HasAck() {
							t.Errorf("outgoing event %q has an ack to send", e.Name)
						}
					})
					s.On("ack-me", func(e *Event) { _ = e.Ack("acked") })
				})
			})
			c, s := srv.dialConnected(t, dialConfig{ackWith: `["ok"]`})
			nsp := s.Namespace()
			if n := nsp.outgoingSockets.Load(); n != 1 {
				t.Fatalf("namespace counts %d sockets with outgoing handlers, want 1", n)
			}
			offset := 0
			if recovery {
				offset = 1
			}
			want := []out{
				{"direct", 1 + offset},
				{"volatile", 1},
				{"to-all", 2 + offset},
				{"to-room", 0 + offset},
				{"with-ack", 1},
			}
			_ = s.Emit("direct", 1)
			_ = s.EmitVolatile("volatile", 1)
			_ = srv.io.Emit("to-all", 1, 2)
			s.Join("r")
			_ = srv.io.To("r").Emit("to-room")
			if _, err := s.EmitWithAck(ctxTimeout(t, waitTimeout), "with-ack", 1); err != nil {
				t.Fatal(err)
			}
			c.send(`421["ack-me"]`) // an ack is not an outgoing event
			c.until(`431["acked"]`)
			for _, w := range want {
				if got := recv(t, outs, w.name); got != w {
					t.Fatalf("outgoing %+v, want %+v", got, w)
				}
			}
			offOutgoing()
			s.OffAnyOutgoing()
			if n := nsp.outgoingSockets.Load(); n != 0 {
				t.Fatalf("namespace counts %d after OffAnyOutgoing, want 0", n)
			}
			_ = s.Emit("unseen")
			s.OnAnyOutgoing(func(e *Event) { outs <- out{e.Name, e.Len()} })
			_ = srv.io.Emit("seen")
			if got := recv(t, outs, "seen"); got.name != "seen" {
				t.Fatalf("outgoing %+v after re-adding, want seen", got)
			}
			s.Disconnect(false)
			if n := nsp.outgoingSockets.Load(); n != 0 {
				t.Fatalf("namespace counts %d after the disconnect, want 0", n)
			}
			select {
			case o := <-outs:
				t.Fatalf("unexpected outgoing %+v", o)
			default:
			}
		})
	}
}
