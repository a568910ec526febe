// Package emitter publishes into a Socket.IO cluster from outside it, as
// Node's @socket.io/redis-emitter does: a Go service that runs no
// Socket.IO server broadcasts to the clients of every node, makes sockets
// join or leave rooms, disconnects them and sends server-side events.
// The nodes may be Go (socketio/redisadapter) or Node.js
// (@socket.io/redis-adapter); the messages are those of the Node emitter,
// byte for byte where it has them.
//
//	e := emitter.New(rdb, nil)
//	err := e.To("room1").Except("room2").Emit(ctx, "news", map[string]any{"id": 7})
//
// # Classic and sharded Redis pub/sub
//
// By default messages go out with PUBLISH in the format of the classic
// adapter (createAdapter in Node, redisadapter.NewNode in Go): a
// broadcast as MessagePack [uid, packet, opts] (as notepack.io writes it)
// on "<key>#<nsp>#" (or "<key>#<nsp>#<room>#" for one room), the other
// requests as JSON on "<key>-request#<nsp>#". With Options.Sharded they go
// out with SPUBLISH in the format of the sharded adapter
// (createShardedAdapter in Node): a cluster message {uid, nsp, type, data}
// as JSON, or MessagePack when it holds binary, on "<key>#<nsp>#" (or a
// room's channel, per Options.SubscriptionMode, which must be the
// adapter's). The uid of the emitter's messages is "emitter", as in Node.
//
// # Arguments
//
// Arguments are encoded as socketio encodes an Emit: []byte (also inside
// map[string]any and []any) travels as binary, json.RawMessage as it is,
// anything else as encoding/json writes it. ServerSideEmit's arguments
// travel as JSON only (a []byte as base64), as the Node emitter's do.
//
// # Delivery
//
// Publishing is fire-and-forget, as in Node: an error means Redis did not
// take the message; nil means it did, not that any client received it.
// Broadcasts from the emitter carry no recovery offset: a client that was
// disconnected when one was sent does not get it back on recovery.
//
// # Concurrency
//
// An Emitter and its Operators are immutable values: every method returns
// a new one, and all are safe for concurrent use.
package emitter
