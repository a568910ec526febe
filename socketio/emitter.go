package socketio

import (
	"context"

	"github.com/kin-comms/kinrt/engineio"
)

// Emitter sends events to one socket with the flags the Socket method that
// returned it set: Node's socket.compress(false).emit(…).
type Emitter struct {
	s            *Socket
	uncompressed bool
}

// Compress returns an Emitter whose events may (true, the default) or may
// not be compressed: socket.Compress(false).Emit(…) sends the event
// uncompressed whatever the connection negotiated (see
// engineio.Message.Uncompressed).
func (s *Socket) Compress(compress bool) Emitter { return Emitter{s: s, uncompressed: !compress} }

// Emit is Socket.Emit with the Emitter's flags.
func (e Emitter) Emit(event string, args ...any) error {
	return e.s.emit(event, args, e.uncompressed)
}

// EmitVolatile is Socket.EmitVolatile with the Emitter's flags.
func (e Emitter) EmitVolatile(event string, args ...any) error {
	return e.s.emitVolatile(event, args, e.uncompressed)
}

// EmitWithAck is Socket.EmitWithAck with the Emitter's flags.
func (e Emitter) EmitWithAck(ctx context.Context, event string, args ...any) (Args, error) {
	return e.s.emitWithAck(ctx, event, args, e.uncompressed)
}

// markUncompressed marks msgs, the messages of one packet, as never to be
// compressed when uncompressed is set, and returns them.
func markUncompressed(msgs []engineio.Message, uncompressed bool) []engineio.Message {
	if uncompressed {
		for i := range msgs {
			msgs[i].Uncompressed = true
		}
	}
	return msgs
}
