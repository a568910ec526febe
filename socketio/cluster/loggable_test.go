package cluster

import (
	"testing"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestLoggable: events without an ack are logged for recovery, unless
// volatile or unlogged; acks, events with an ack and other packets never.
func TestLoggable(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		p    parser.Packet
		opts socketio.BroadcastOptions
		want bool
	}{
		{"event", parser.Packet{Type: parser.Event}, socketio.BroadcastOptions{}, true},
		{"binary event", parser.Packet{Type: parser.BinaryEvent}, socketio.BroadcastOptions{Rooms: []string{"r"}}, true},
		{"volatile", parser.Packet{Type: parser.Event}, socketio.BroadcastOptions{Volatile: true}, false},
		{"unlogged", parser.Packet{Type: parser.Event}, socketio.BroadcastOptions{Unlogged: true}, false},
		{"with an ack", parser.Packet{Type: parser.Event, HasID: true}, socketio.BroadcastOptions{}, false},
		{"ack", parser.Packet{Type: parser.Ack}, socketio.BroadcastOptions{}, false},
	} {
		if got := Loggable(&tt.p, &tt.opts); got != tt.want {
			t.Errorf("%s: Loggable = %v, want %v", tt.name, got, tt.want)
		}
	}
}
