package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/kin-comms/kinrt/socketio"
)

// roomEvents is an adapter that reports joins and leaves, as Node's
// adapter events join-room and leave-room do.
type roomEvents struct {
	*socketio.MemoryAdapter
}

func (a roomEvents) AddAll(id string, rooms []string) {
	for _, r := range rooms {
		if r == id {
			r = "(its own room)"
		}
		fmt.Println("join-room", r)
	}
	a.MemoryAdapter.AddAll(id, rooms)
}

func (a roomEvents) Del(id, room string) {
	fmt.Println("leave-room", room)
	a.MemoryAdapter.Del(id, room)
}

func (a roomEvents) DelAll(id string) {
	fmt.Println("leave-room", len(a.Rooms(id)), "rooms at once")
	a.MemoryAdapter.DelAll(id)
}

// Node's adapter events (create-room, join-room, …) are planned; meanwhile
// an adapter of your own, embedding the memory adapter, sees every join and
// leave of a socket of this node.
func ExampleMemoryAdapter_roomEvents() {
	io := socketio.NewServer(&socketio.Options{
		NewAdapter: func(n *socketio.Namespace) socketio.Adapter {
			return roomEvents{socketio.NewMemoryAdapter(n)}
		},
	})
	done := make(chan struct{})
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby", "news")
		s.On("leave", func(e *socketio.Event) {
			s.Leave("news")
			_ = e.Ack()
		})
		s.OnDisconnect(func(socketio.DisconnectReason) { close(done) })
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	c.send(`421["leave"]`)
	c.read()
	c.send("41")
	<-done
	// Output:
	// join-room (its own room)
	// join-room lobby
	// join-room news
	// leave-room news
	// leave-room 2 rooms at once
}

// Node's RemoteSocket methods (emit, join, leave, disconnect) are a
// broadcast to the socket's own room, which reaches it on any node.
func ExampleRemoteSocket() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("ready", func(e *socketio.Event) { _ = e.Ack() })
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	c.send(`421["ready"]`) // the ack says the connection handlers have run
	c.read()

	nsp := io.Of("/")
	sockets, err := nsp.FetchSockets(context.Background())
	if err != nil {
		panic(err)
	}
	for _, rs := range sockets {
		fmt.Println("rooms before:", len(rs.Rooms), "local:", rs.Local != nil)
		nsp.To(rs.ID).SocketsJoin("news")                // rs.join("news")
		_ = nsp.To(rs.ID).Emit("welcome", "to the news") // rs.emit("welcome", …)
	}
	fmt.Println(c.read())
	_ = nsp.To("news").Emit("headline", "Go 1.26 released")
	fmt.Println(c.read())
	for _, rs := range sockets {
		nsp.To(rs.ID).DisconnectSockets(false) // rs.disconnect()
	}
	fmt.Println(c.read())
	// Output:
	// rooms before: 1 local: true
	// 42["welcome","to the news"]
	// 42["headline","Go 1.26 released"]
	// 41
}
