package socketio_test

import (
	"fmt"
	"net/http/httptest"
	"sync/atomic"

	"github.com/kin-comms/kinrt/socketio"
)

// Several handlers per event, Once, and removing one handler with the
// function On returns.
func ExampleSocket_Once() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		// The first "hello" runs both handlers; the first ack answers.
		s.Once("hello", func(e *socketio.Event) { _ = e.Ack("nice to meet you") })
		s.On("hello", func(e *socketio.Event) { _ = e.Ack("hello again") })
		offPing := s.On("ping", func(e *socketio.Event) { _ = e.Ack("pong") })
		s.On("quiet", func(e *socketio.Event) {
			offPing() // Node: socket.off("ping", fn)
			_ = e.Ack("ok")
		})
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	for _, msg := range []string{`421["hello"]`, `422["hello"]`, `423["ping"]`, `424["quiet"]`, `425["ping"]`, `426["hello"]`} {
		c.send(msg)
	}
	fmt.Println(c.read())
	fmt.Println(c.read())
	fmt.Println(c.read())
	fmt.Println(c.read())
	fmt.Println(c.read()) // 425 has no handler left: no ack
	// Output:
	// 431["nice to meet you"]
	// 432["hello again"]
	// 433["pong"]
	// 434["ok"]
	// 436["hello again"]
}

// Per-event middleware: events other than "login" are refused until the
// client has logged in; the refusals go to OnError.
func ExampleSocket_Use() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		var loggedIn atomic.Bool
		s.Use(func(e *socketio.Event) error {
			if e.Name != "login" && !loggedIn.Load() {
				return fmt.Errorf("%q before login", e.Name)
			}
			return nil
		})
		s.OnError(func(err error) { fmt.Println("refused:", err) })
		s.On("login", func(e *socketio.Event) {
			loggedIn.Store(true)
			_ = e.Ack("welcome")
		})
		s.On("post", func(e *socketio.Event) { _ = e.Ack("posted") })
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	c.send(`421["post"]`)
	c.send(`422["login"]`)
	fmt.Println(c.read())
	c.send(`423["post"]`)
	fmt.Println(c.read())
	// Output:
	// refused: "post" before login
	// 432["welcome"]
	// 433["posted"]
}

// The disconnecting hook runs while the socket is still in its rooms (to
// tell them it leaves); the disconnect hook once it has left them.
func ExampleSocket_OnDisconnecting() {
	io := socketio.NewServer(nil)
	done := make(chan struct{})
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
		s.OnDisconnecting(func(reason socketio.DisconnectReason) {
			fmt.Println("disconnecting:", reason, "rooms:", len(s.Rooms()))
		})
		s.OnDisconnect(func(reason socketio.DisconnectReason) {
			fmt.Println("disconnect:", reason, "rooms:", len(s.Rooms()))
			close(done)
		})
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	c.send("41") // the client leaves the namespace
	<-done
	// Output:
	// disconnecting: client namespace disconnect rooms: 2
	// disconnect: client namespace disconnect rooms: 0
}

// A handler of outgoing events sees every event sent to its socket,
// broadcasts included.
func ExampleSocket_OnAnyOutgoing() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.OnAnyOutgoing(func(e *socketio.Event) {
			var text string
			_ = e.Decode(0, &text)
			fmt.Printf("out: %s %q\n", e.Name, text)
		})
		s.On("subscribe", func(e *socketio.Event) {
			s.Join("news")
			_ = e.Ack()
		})
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	c.send(`421["subscribe"]`)
	c.read()
	_ = io.To("news").Emit("headline", "Go 1.26 released")
	fmt.Println(c.read())
	// Output:
	// out: headline "Go 1.26 released"
	// 42["headline","Go 1.26 released"]
}
