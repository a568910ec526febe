package socketio_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/kin-comms/kinrt/socketio"
)

// The adapter's room events, as Node's
// io.of("/").adapter.on("create-room" | "delete-room" | "join-room" |
// "leave-room"): the memory adapter and the Redis adapter's local part
// report each change of this node's rooms. A socket's own room counts.
func ExampleMemoryAdapter_roomEvents() {
	io := socketio.NewServer(nil)
	events := io.Of("/").Adapter().(socketio.RoomEvents)
	var own string // the socket's id, to print it as "(own)"
	name := func(r string) string {
		if r == own {
			return "(own)"
		}
		return r
	}
	done := make(chan struct{})
	io.Use(func(s *socketio.Socket) error { own = s.ID(); return nil })
	events.OnCreateRoom(func(room string) { fmt.Println("create-room", name(room)) })
	events.OnJoinRoom(func(room, id string) { fmt.Println("join-room", name(room), name(id)) })
	events.OnLeaveRoom(func(room, id string) { fmt.Println("leave-room", name(room), name(id)) })
	events.OnDeleteRoom(func(room string) {
		fmt.Println("delete-room", name(room))
		if room == "lobby" {
			close(done)
		}
	})
	io.OnConnection(func(s *socketio.Socket) {
		s.Join("lobby")
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40")
	c.readConnect()
	c.send("41") // the client leaves
	<-done
	// Output:
	// create-room (own)
	// join-room (own) (own)
	// create-room lobby
	// join-room lobby (own)
	// leave-room (own) (own)
	// delete-room (own)
	// leave-room lobby (own)
	// delete-room lobby
}

// Node's RemoteSocket: FetchSockets returns the sockets of every node,
// each one reachable wherever it lives (Emit, EmitWithAck, Join, Leave,
// Disconnect go through the adapter, to the socket's own room).
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
		rs.Join("news")                       // rs.join("news")
		_ = rs.Emit("welcome", "to the news") // rs.emit("welcome", …)
	}
	fmt.Println(c.read())
	_ = nsp.To("news").Emit("headline", "Go 1.26 released")
	fmt.Println(c.read())
	for _, rs := range sockets {
		rs.Leave("news")
		_ = nsp.To("news").Emit("headline", "nobody hears this")
		rs.Disconnect(false) // rs.disconnect()
	}
	fmt.Println(c.read())
	// Output:
	// rooms before: 1 local: true
	// 42["welcome","to the news"]
	// 42["headline","Go 1.26 released"]
	// 41
}

// Server-side events (Node's io.serverSideEmit and io.on(event)): each
// node listens with OnServerSideEmit and the others send with
// ServerSideEmit or ServerSideEmitWithAck, through the namespace's adapter
// (package redisadapter: across Go and Node.js nodes). A single node has
// no other node to reach: no answer, no error.
func ExampleNamespace_ServerSideEmit() {
	io := socketio.NewServer(nil)
	nsp := io.Of("/")
	nsp.OnServerSideEmit("count-users", func(e *socketio.ServerEvent) {
		_ = e.Ack(nsp.Len()) // the answer of this node
	})
	if err := nsp.ServerSideEmit("hello", "from node A"); err != nil {
		panic(err)
	}
	answers, err := nsp.ServerSideEmitWithAck(context.Background(), "count-users")
	fmt.Println(len(answers), err)
	fmt.Println(strings.TrimPrefix(nsp.ServerSideEmit("connection").Error(), "socketio: "))
	// Output:
	// 0 <nil>
	// reserved event name
}
