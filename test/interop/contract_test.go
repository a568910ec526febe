package interop

import (
	"context"
	"encoding/json"
	"regexp"
	"sort"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
)

// newContractServer returns our server implementing the interop contract
// of README.md, the same one reference-server.mjs implements on Node's
// socket.io.
func newContractServer() *socketio.Server { return newContractServerWith(nil) }

// newContractServerWith is newContractServer with parser as its
// Options.Parser.
func newContractServerWith(parser socketio.Parser) *socketio.Server {
	io := socketio.NewServer(&socketio.Options{
		Parser: parser,
		Engine: &engineio.Options{
			PingInterval: 2 * time.Second,
			PingTimeout:  5 * time.Second,
			CORS:         &engineio.CORS{AllowedOrigins: []string{"*"}},
		},
		Recovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: 2 * time.Minute},
	})
	io.Use(func(s *socketio.Socket) error {
		var auth struct {
			Token string `json:"token"`
		}
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		if auth.Token == "bad" {
			return &socketio.ConnectError{Message: "unauthorized", Data: map[string]string{"reason": "bad token"}}
		}
		return nil
	})
	io.OnConnection(func(s *socketio.Socket) {
		addEcho(s)
		s.On("join", func(e *socketio.Event) {
			var room string
			if e.Decode(0, &room) == nil {
				s.Join(room)
				_ = e.Ack(room)
			}
		})
		s.On("leave", func(e *socketio.Event) {
			var room string
			if e.Decode(0, &room) == nil {
				s.Leave(room)
				_ = e.Ack(room)
			}
		})
		s.On("rooms", func(e *socketio.Event) {
			rooms := s.Rooms()
			sort.Strings(rooms)
			_ = e.Ack(rooms)
		})
		s.On("broadcast", func(e *socketio.Event) {
			var b struct {
				Room  string          `json:"room"`
				Event string          `json:"event"`
				Data  json.RawMessage `json:"data"`
			}
			if e.Decode(0, &b) == nil {
				_ = s.To(b.Room).Emit(b.Event, b.Data)
				_ = e.Ack("sent")
			}
		})
		s.On("broadcast-all", func(e *socketio.Event) {
			var b struct {
				Event string          `json:"event"`
				Data  json.RawMessage `json:"data"`
			}
			if e.Decode(0, &b) == nil {
				_ = io.Emit(b.Event, b.Data)
			}
		})
		s.On("ask", func(e *socketio.Event) {
			payload := e.Values()
			// EmitWithAck waits for this socket's next packets: never call
			// it from the socket's own handler goroutine.
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				answer, err := s.EmitWithAck(ctx, "question", payload...)
				if err != nil {
					_ = s.Emit("answer", map[string]string{"error": err.Error()})
					return
				}
				_ = s.Emit("answer", answer.Values()...)
			}()
		})
		s.On("handshake", func(e *socketio.Event) {
			query := map[string]string{}
			for k, v := range s.Handshake().Query {
				query[k] = v[0]
			}
			_ = e.Ack(map[string]any{"auth": s.Handshake().Auth, "query": query})
		})
		s.On("disconnect-me", func(*socketio.Event) { s.Disconnect(true) })
		s.On("drop-transport", func(*socketio.Event) { s.Conn().Close(engineio.ReasonForcedClose) })
	})
	io.Of("/custom").OnConnection(func(s *socketio.Socket) {
		addEcho(s)
		_ = s.Emit("welcome", map[string]string{"nsp": "/custom"})
	})
	dyn := regexp.MustCompile(`^/dyn-\d+$`)
	io.OfMatch(dyn.MatchString).OnConnection(func(s *socketio.Socket) {
		addEcho(s)
		_ = s.Emit("welcome", map[string]string{"nsp": s.Namespace().Name()})
	})
	return io
}

// addEcho answers "echo" with the same arguments: through the ack when the
// client asked for one, else as an "echo" event.
func addEcho(s *socketio.Socket) {
	s.On("echo", func(e *socketio.Event) {
		if e.HasAck() {
			_ = e.Ack(e.Values()...)
			return
		}
		_ = s.Emit("echo", e.Values()...)
	})
}
