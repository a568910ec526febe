// Command conformance serves what the official Engine.IO v4 and Socket.IO
// v5 test suites expect: an Engine.IO echo server at /engine.io/ and a
// Socket.IO server at /socket.io/ with the namespaces "/" and "/custom".
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
)

// echo sends every message back to the connection it came from.
type echo struct{ c *engineio.Conn }

func (e echo) OnMessage(data []byte, binary bool) {
	_ = e.c.Send(engineio.Message{Data: data, Binary: binary})
}

func (e echo) OnClose(engineio.CloseReason) {}

// newHandler returns the handler the suites test.
func newHandler() http.Handler {
	engineOpts := &engineio.Options{
		PingInterval: 300 * time.Millisecond,
		PingTimeout:  200 * time.Millisecond,
		MaxPayload:   1_000_000,
		CORS:         &engineio.CORS{AllowedOrigins: []string{"*"}},
	}
	mux := http.NewServeMux()
	mux.Handle("/engine.io/", engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
		return echo{c}
	}), engineOpts))

	io := socketio.NewServer(&socketio.Options{Engine: engineOpts, ConnectTimeout: time.Second})
	onConnection := func(s *socketio.Socket) {
		_ = s.Emit("auth", json.RawMessage(s.Handshake().Auth))
		s.On("message", func(e *socketio.Event) {
			_ = s.Emit("message-back", e.Values()...)
		})
		s.On("message-with-ack", func(e *socketio.Event) {
			_ = e.Ack(e.Values()...)
		})
	}
	io.OnConnection(onConnection)
	io.Of("/custom").OnConnection(onConnection)
	mux.Handle("/socket.io/", io)
	return mux
}

func main() {
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	log.Printf("conformance server on http://%s", *addr)
	log.Fatal(http.ListenAndServe(*addr, newHandler()))
}
