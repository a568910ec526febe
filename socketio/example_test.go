package socketio_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/socketio"
)

// rawClient is a bare Socket.IO client for the examples: it speaks the wire
// protocol over a WebSocket (socket.io-client does the same for you).
type rawClient struct{ conn *websocket.Conn }

func dial(ts *httptest.Server) *rawClient {
	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		panic(err)
	}
	c := &rawClient{conn}
	c.read() // the Engine.IO open packet: 0{"sid":...}
	return c
}

func (c *rawClient) send(s string) { _ = c.conn.WriteMessage(websocket.TextMessage, []byte(s)) }

func (c *rawClient) read() string {
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, b, err := c.conn.ReadMessage()
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

// readConnect reads a CONNECT reply and hides its random socket id.
func (c *rawClient) readConnect() string {
	s := c.read()
	if i := strings.Index(s, `{"sid":`); i >= 0 {
		return s[:i] + `{"sid":...}`
	}
	return s
}

func shutdown(io *socketio.Server, ts *httptest.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = io.Shutdown(ctx)
	ts.Close()
}

// A server with an event handler that acks. The client sends
// `42["hello","world"]` with ack id 1 and gets the ack `43 1[...]`.
func ExampleNewServer() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("hello", func(e *socketio.Event) {
			var name string
			if err := e.Decode(0, &name); err != nil {
				_ = e.Ack(map[string]string{"error": err.Error()})
				return
			}
			_ = e.Ack("hello, " + name)
		})
	})
	ts := httptest.NewServer(io) // mount io at "/socket.io/" in a real server
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send("40") // CONNECT to "/"
	fmt.Println(c.readConnect())
	c.send(`421["hello","world"]`)
	fmt.Println(c.read())
	// Output:
	// 40{"sid":...}
	// 431["hello, world"]
}

// Rooms and broadcasts: each socket joins the room its client names in the
// auth payload; a chat message goes to the others in the room.
func ExampleSocket_To() {
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		var auth struct{ Room string }
		// Auth is the client's auth payload as raw JSON.
		if err := json.Unmarshal(s.Handshake().Auth, &auth); err == nil && auth.Room != "" {
			s.Join(auth.Room)
		}
		s.On("chat", func(e *socketio.Event) {
			// To excludes the sender; Values passes the arguments on as
			// they came.
			for _, room := range s.Rooms() {
				if room != s.ID() {
					_ = s.To(room).Emit("chat", e.Values()...)
				}
			}
		})
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	alice, bob, carol := dial(ts), dial(ts), dial(ts)
	defer alice.conn.Close()
	defer bob.conn.Close()
	defer carol.conn.Close()
	alice.send(`40{"Room":"go"}`)
	bob.send(`40{"Room":"go"}`)
	carol.send(`40{"Room":"rust"}`)
	for _, c := range []*rawClient{alice, bob, carol} {
		c.readConnect()
	}

	alice.send(`42["chat","alice","hi gophers"]`)
	fmt.Println("bob:", bob.read())

	// A broadcast to the whole namespace reaches everyone.
	_ = io.Emit("notice", "maintenance at 6")
	fmt.Println("alice:", alice.read())
	fmt.Println("carol:", carol.read())
	// Output:
	// bob: 42["chat","alice","hi gophers"]
	// alice: 42["notice","maintenance at 6"]
	// carol: 42["notice","maintenance at 6"]
}

// Middleware decides who may join a namespace. A *ConnectError sends data
// along with the message; the client gets a CONNECT_ERROR packet and its
// connection stays open for another try.
func ExampleNamespace_Use() {
	io := socketio.NewServer(nil)
	admin := io.Of("/admin")
	admin.Use(func(s *socketio.Socket) error {
		var auth struct{ Token string }
		if err := json.Unmarshal(s.Handshake().Auth, &auth); err != nil {
			return errors.New("bad auth payload")
		}
		if auth.Token != "secret" {
			return &socketio.ConnectError{Message: "not authorized", Data: map[string]int{"code": 401}}
		}
		return nil
	})
	admin.OnConnection(func(s *socketio.Socket) {
		_ = s.Emit("welcome", "admin")
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	c := dial(ts)
	defer c.conn.Close()
	c.send(`40/admin,{"Token":"guess"}`)
	fmt.Println(c.read())
	c.send(`40/admin,{"Token":"secret"}`)
	fmt.Println(c.readConnect())
	fmt.Println(c.read())
	// Output:
	// 44/admin,{"message":"not authorized","data":{"code":401}}
	// 40/admin,{"sid":...}
	// 42/admin,["welcome","admin"]
}
