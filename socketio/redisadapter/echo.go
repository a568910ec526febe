package redisadapter

import (
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
)

// echoOptions returns the options to deliver an echo of this node's own
// broadcast with: those it was broadcast with (own) when known, else those
// the message carried.
func echoOptions(own *socketio.BroadcastOptions, m *cluster.Opts) *socketio.BroadcastOptions {
	if own != nil {
		return own
	}
	return m.BroadcastOptions()
}
