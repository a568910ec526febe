// Package socketio implements a Socket.IO server, protocol version 5 (the
// protocol of Socket.IO 3 and 4), on top of package engineio. The
// unmodified socket.io-client 4.x, in browsers and in Node.js, connects to
// it over HTTP long-polling and WebSocket.
//
// A Server is an http.Handler; mount it at "/socket.io/". Clients join
// namespaces (Of, OfMatch); middleware (Use) decides who may join, with the
// client's auth payload in Handshake; OnConnection handlers register event
// handlers on each Socket:
//
//	io := socketio.NewServer(nil)
//	io.Use(func(s *socketio.Socket) error { return checkToken(s.Handshake().Auth) })
//	io.OnConnection(func(s *socketio.Socket) {
//		s.Join("lobby")
//		s.On("chat", func(e *socketio.Event) {
//			_ = s.To("lobby").Emit("chat", e.Values()...)
//			_ = e.Ack("ok")
//		})
//	})
//	http.Handle("/socket.io/", io)
//
// The examples are the best way in.
//
// # Arguments
//
// Emit takes Go values and encodes them as JSON; json.RawMessage is sent
// byte for byte and []byte becomes a binary attachment (also inside
// map[string]any and []any). Incoming arguments are kept as raw JSON
// (Args): Decode them into Go values, or pass Values to Emit to send them on
// unchanged.
//
// # Parsers
//
// Options.Parser is the wire format of the packets (Node's parser option).
// The default is the JSON format of npm socket.io-parser, the one the
// unmodified socket.io-client speaks; package msgpackparser is that of npm
// socket.io-msgpack-parser. Whatever the format, the server holds packets
// in the JSON form of package parser, so handlers, Args and adapters are
// the same: a Parser converts on the way in and out, and a broadcast is
// encoded once for all its sockets. A client on another format than the
// server's is closed.
//
// # Listeners
//
// A Socket's listeners work as Node's: an event may have several handlers
// (On), run in the order added; Once handles the next one only; the
// function On, Once, OnAny and OnAnyOutgoing return removes that handler
// (Go functions cannot be compared, so this stands for Node's
// socket.off(event, fn)); Off removes all of an event, OffAny all the
// catch-all ones. An incoming event goes to the catch-all handlers
// (PrependAny, OnAny), then the per-event middleware (Socket.Use: an error
// drops the event and goes to OnError), then its own handlers.
// OnAnyOutgoing sees the events sent to the socket, broadcasts included.
// OnDisconnecting runs while the socket is still in its rooms,
// OnDisconnect after it has left them.
//
// # Concurrency
//
// Every method of Server, Namespace, Socket and BroadcastOperator is safe
// for concurrent use. The handlers of one connection run one at a time, in
// the order the client sent the packets, on the goroutine that reads the
// connection: do not block in them. EmitWithAck waits for the client's
// next packets, so call it from another goroutine, never from a handler of
// the same socket.
//
// Emits never block on the network. A broadcast encodes its packet once
// and queues the same bytes on every selected connection; a client whose
// queue overflows is disconnected with ReasonSlowConsumer, and Volatile
// emits are dropped for clients that cannot take them at once.
//
// # Clusters
//
// Rooms and broadcasts go through each namespace's Adapter. NewMemoryAdapter
// serves a single node; a cluster adapter (Options.NewAdapter) implements
// the same interface over a message bus: package redisadapter is one on
// Redis, in the wire format of Node's @socket.io/redis-adapter.
//
// # Connection state recovery
//
// With Options.Recovery set, a client whose connection dropped and that
// reconnects within MaxDisconnectionDuration gets its socket id, rooms and
// Data back, and the events it missed; Socket.Recovered reports it. As in
// the reference server, every non-volatile event without ack then carries
// an offset string as its last argument. The broadcasts are kept for
// MaxDisconnectionDuration and at most RecoveryOptions.MaxLogBytes of them
// (64 MiB by default) per namespace: a client that missed one dropped
// sooner by that cap reconnects as a fresh socket. The memory adapter
// releases what expires whether or not more broadcasts follow. A recovered
// client skips the middleware, as with Node's default (skipMiddlewares:
// true); RecoveryOptions.RunMiddlewares runs them again.
package socketio
