// Package engineio implements the server side of Engine.IO protocol
// version 4 (and, with Options.AllowEIO3, 3), the transport layer under
// Socket.IO: the handshake, HTTP long-polling, WebSocket, the upgrade from
// polling to WebSocket, and the server-initiated heartbeat.
//
// A Server is an http.Handler. Mount it on the path clients use (by
// default "/engine.io/"; Socket.IO clients use "/socket.io/") and give it a
// Handler that returns a Receiver for each new connection:
//
//	srv := engineio.NewServer(engineio.HandlerFunc(func(c *engineio.Conn) engineio.Receiver {
//		return echo{c}
//	}), nil)
//	http.Handle("/engine.io/", srv)
//
// The examples are the best way in.
//
// # Concurrency
//
// All methods of Server and Conn are safe for concurrent use. The messages
// of one connection reach its Receiver one at a time, in order. Send never
// blocks on the network: each connection has a queue capped at
// Options.MaxBufferedBytes, written by the polling GET that is waiting or,
// for WebSocket, by one of a few flusher goroutines (one per GOMAXPROCS),
// which write each connection's whole queue in one non-blocking write, so
// that writes carry more messages as the load rises. A connection whose
// socket buffer is full gets a writer goroutine of its own until its queue
// is empty; one that does not keep up is closed with ReasonSlowConsumer
// rather than slowing down the sender. Idle WebSocket connections hold no
// goroutine (on Linux, their reader waits on the server's epoll).
//
// # Hooks
//
// Options carry the hooks of Node's engine: GenerateID (the session id),
// InitialHeaders and Headers (headers of the answers, the WebSocket 101
// included), OnConnectionError (requests refused before a session, with
// Node's codes) and Cookie (the sticky-session cookie). A Receiver that
// implements RequestReceiver gets the HTTP request that carried each
// message.
//
// # Engine.IO protocol 3
//
// With Options.AllowEIO3, clients of protocol 3 (socket.io-client 2) are
// served too: length-prefixed polling payloads (binary ones as well), the
// type byte of binary WebSocket messages, and the heartbeat the client
// drives (see eio3.go). Conn.Protocol tells them apart; to the Receiver
// their messages are the same.
//
// # Compression
//
// As Node's engine.io: polling responses of 1 KiB or more are compressed
// (gzip or deflate, as the client's Accept-Encoding allows; see
// Options.HTTPCompression), and WebSocket permessage-deflate (RFC 7692) is
// off unless Options.PerMessageDeflate is set; then messages of 1 KiB or
// more go compressed to the clients that negotiated it, and their
// compressed messages are inflated to MaxPayload bytes at most. Each
// message is compressed on its own (no context takeover), so that no
// connection keeps a compressor and a broadcast is compressed once for all
// the connections it reaches. A Message with Uncompressed set is never
// compressed. Connections that did not negotiate compression write their
// frames as before, with no extra work.
//
// # Security
//
// Options.CheckOrigin runs on every request, polling and WebSocket alike;
// the default accepts requests without an Origin, same-host origins and the
// origins CORS allows. Options.AllowRequest runs before a session is
// created, where cookies and headers can be checked.
package engineio
