// Package refserver holds the reference benchmark handlers on our socketio
// package, the same as bench/node/server.mjs: a client whose CONNECT auth
// has role "controller" stays out of room "bench", every other joins it;
// "bench:broadcast" emits "bench:msg" with the same payload to the room;
// "bench:echo" acks its payload.
package refserver

import (
	"bytes"
	"encoding/json"

	"github.com/kin-comms/kinrt/socketio"
)

// Room is the room every non-controller client joins.
const Room = "bench"

// New returns the reference server.
func New(opts *socketio.Options) *socketio.Server {
	io := socketio.NewServer(opts)
	room := io.To(Room)
	io.OnConnection(func(s *socketio.Socket) {
		if !isController(s.Handshake().Auth) {
			s.Join(Room)
		}
		s.On("bench:broadcast", func(e *socketio.Event) {
			_ = room.Emit("bench:msg", payload(e))
		})
		s.On("bench:echo", func(e *socketio.Event) {
			_ = e.Ack(payload(e))
		})
	})
	return io
}

// payload returns the event's first argument as it came, without decoding.
func payload(e *socketio.Event) json.RawMessage {
	if e.Len() == 0 {
		return nil
	}
	return e.Raw(0)
}

var controller = []byte(`"controller"`)

func isController(auth json.RawMessage) bool {
	if !bytes.Contains(auth, controller) { // the common case, without decoding
		return false
	}
	var a struct {
		Role string `json:"role"`
	}
	return json.Unmarshal(auth, &a) == nil && a.Role == "controller"
}
