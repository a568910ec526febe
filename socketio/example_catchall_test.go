package socketio_test

import (
	"fmt"
	"net/http/httptest"

	"github.com/kin-comms/kinrt/socketio"
)

// Catch-all handlers: PrependAny runs before those already added, OnAny
// after; the function OnAny returns removes that one handler (Node's
// socket.offAny(fn)) and OffAny removes them all (socket.offAny()).
func ExampleSocket_OnAny() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		offLog := s.OnAny(func(e *socketio.Event) { fmt.Println("any:", e.Name) })
		s.PrependAny(func(e *socketio.Event) { fmt.Println("first:", e.Name) })
		s.On("ping", func(e *socketio.Event) { _ = e.Ack("pong") })
		s.On("mute", func(e *socketio.Event) {
			offLog()
			_ = e.Ack("muted")
		})
		s.On("reset", func(e *socketio.Event) {
			s.OffAny()
			_ = e.Ack("reset")
		})
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	for _, msg := range []string{`421["ping"]`, `422["mute"]`, `423["ping"]`, `424["reset"]`, `425["ping"]`} {
		c.send(msg)
		fmt.Println(c.read())
	}
	// Output:
	// first: ping
	// any: ping
	// 431["pong"]
	// first: mute
	// any: mute
	// 432["muted"]
	// first: ping
	// 433["pong"]
	// first: reset
	// 434["reset"]
	// 435["pong"]
}

// Off removes every handler of an event (Node's
// socket.removeAllListeners(event)); the event's acks then go unanswered.
func ExampleSocket_Off() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		// An event's handlers run in the order added.
		s.On("tick", func(e *socketio.Event) { fmt.Println("tick: first handler") })
		s.On("tick", func(e *socketio.Event) { _ = e.Ack("second handler") })
		s.On("stop", func(e *socketio.Event) {
			s.Off("tick")
			_ = e.Ack("stopped")
		})
		s.On("ping", func(e *socketio.Event) { _ = e.Ack("pong") })
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	for _, msg := range []string{`421["tick"]`, `422["stop"]`, `423["tick"]`, `424["ping"]`} {
		c.send(msg)
	}
	fmt.Println(c.read())
	fmt.Println(c.read())
	fmt.Println(c.read()) // 423 has no handler left: no ack
	// Output:
	// tick: first handler
	// 431["second handler"]
	// 432["stopped"]
	// 434["pong"]
}
