package socketio_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
)

// Event.Request is the HTTP request that carried the event: here the
// polling POST, whose header the handler reads (Node's handlers reach it
// through the engine's transport).
func ExampleEvent_Request() {
	server := socketio.NewServer(nil)
	server.OnConnection(func(s *socketio.Socket) {
		s.On("whoami", func(e *socketio.Event) {
			_ = e.Ack(e.Request().Method, e.Request().Header.Get("X-Tab"))
		})
	})
	ts := httptest.NewServer(server)
	defer shutdown(server, ts)

	base := ts.URL + "/socket.io/?EIO=4&transport=polling"
	do := func(method, url, body, tab string) string {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("X-Tab", tab)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	open := do("GET", base, "", "")
	sid := open[strings.Index(open, `"sid":"`)+7:]
	sid = sid[:strings.IndexByte(sid, '"')]
	url := base + "&sid=" + sid
	do("POST", url, "40", "tab-1")
	do("GET", url, "", "") // the CONNECT reply
	do("POST", url, `421["whoami"]`, "tab-7")
	fmt.Println(do("GET", url, "", ""))
	// Output:
	// 431["POST","tab-7"]
}

// A server that also takes socket.io-client 2 (Node's allowEIO3: true):
// that client is connected to "/" as soon as its Engine.IO connection
// opens, and its socket's id is the session's.
func ExampleOptions_allowEIO3() {
	io := socketio.NewServer(&socketio.Options{Engine: &engineio.Options{AllowEIO3: true}})
	io.OnConnection(func(s *socketio.Socket) {
		fmt.Println("connected, id is the engine's:", s.ID() == s.Conn().ID())
	})
	ts := httptest.NewServer(io)
	defer shutdown(io, ts)

	url := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket.io/?EIO=3&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		panic(err)
	}
	defer conn.Close()
	c := &rawClient{conn}
	c.read() // the open packet
	fmt.Println(c.read())
	// Output:
	// connected, id is the engine's: true
	// 40
}
