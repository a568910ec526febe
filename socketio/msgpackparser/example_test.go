package msgpackparser_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/msgpackparser"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// A server on the MessagePack parser, and a client speaking it as
// socket.io-client with socket.io-msgpack-parser does: every packet one
// binary WebSocket message. The handler is the one a JSON server would
// have.
func Example() {
	io := socketio.NewServer(&socketio.Options{Parser: msgpackparser.Parser{}})
	io.OnConnection(func(s *socketio.Socket) {
		s.On("add", func(e *socketio.Event) {
			var a, b int
			_ = e.Decode(0, &a)
			_ = e.Decode(1, &b)
			_ = e.Ack(a+b, []byte("binary stays binary"))
		})
	})
	ts := httptest.NewServer(io)
	defer ts.Close()
	defer io.Shutdown(context.Background())

	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ws.Close()
	_, _, _ = ws.ReadMessage() // the Engine.IO open packet (text)
	send := func(p *parser.Packet) {
		b, _ := msgpackparser.Encode(p)
		_ = ws.WriteMessage(websocket.BinaryMessage, b)
	}
	var d msgpackparser.Decoder
	receive := func() *parser.Packet {
		_, b, _ := ws.ReadMessage()
		p, err := d.Decode(b, true)
		if err != nil {
			panic(err)
		}
		return p
	}

	send(&parser.Packet{Type: parser.Connect, Namespace: "/"})
	fmt.Println(receive().Type)
	send(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["add",2,3]`), ID: 1, HasID: true})
	ack := receive()
	fmt.Println(ack.Type, ack.ID, string(ack.Data), string(ack.Attachments[0]))
	// Output:
	// CONNECT
	// BINARY_ACK 1 [5,{"_placeholder":true,"num":0}] binary stays binary
}

// The bytes of a packet on the wire: the map {type, data, nsp} as
// notepack.io writes it.
func ExampleEncode() {
	b, _ := msgpackparser.Encode(&parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["hi",1]`)})
	fmt.Printf("% x\n", b)
	// Output:
	// 83 a4 74 79 70 65 02 a4 64 61 74 61 92 a2 68 69 01 a3 6e 73 70 a1 2f
}
