// Package postgresadapter is a socketio.Adapter over PostgreSQL
// LISTEN/NOTIFY that speaks the protocol of Node's
// @socket.io/postgres-adapter (0.5): Go nodes and Node.js socket.io 4
// servers share one cluster on one database, and Node's
// @socket.io/postgres-emitter broadcasts into it. No other service is
// needed.
//
// One Node per server holds the listening connection; each namespace gets
// an Adapter from it:
//
//	node, err := postgresadapter.NewNode(ctx, pool, nil)
//	if err != nil {
//		return err
//	}
//	defer node.Close()
//	io := socketio.NewServer(&socketio.Options{NewAdapter: node.NewAdapter})
//
// # Wire
//
// The messages are socket.io-adapter's ClusterAdapterWithHeartbeat
// messages (package socketio/cluster), all of a namespace on the channel
// "<Options.Channel>#<namespace>" ("socket.io#/" by default), answers
// included: {uid, nsp, type, data} as JSON in the notification's payload.
// A message holding binary data, or whose JSON reaches
// Options.PayloadThreshold bytes (PostgreSQL refuses a payload of 8000),
// is stored as MessagePack in the table Options.TableName (id bigserial,
// created_at timestamptz, payload bytea) and the notification carries
// {uid, type, attachmentId} only; every node deletes the rows older than
// Options.CleanupInterval every CleanupInterval. NewNode creates the
// table when it does not exist, as Node's README asks its users to.
//
// Each node sends a heartbeat when it has sent nothing for
// HeartbeatInterval; the nodes heard from within HeartbeatTimeout are the
// cluster, whose answers FetchSockets and ServerSideEmitWithAck wait for.
// A node that closes says so (ADAPTER_CLOSE) and is no longer waited for.
// The emitter's messages carry no namespace: the channel names it. (A
// Node.js node of @socket.io/postgres-adapter 0.5 drops them for that
// reason; Go nodes deliver them.)
//
// # Failures
//
// A message is queued and sent by one goroutine, in order: what is queued
// goes in one round trip, in as few transactions as PostgreSQL allows
// (it folds identical notifications of one transaction into one, so a
// repeated payload starts another transaction), because each commit of
// notifications is what costs (about 20,000 broadcasts a second here,
// against 7,000 with a transaction each). It never makes a broadcast wait
// for PostgreSQL, and is dropped (and logged) when the queue is full; a
// transaction that fails loses its messages. While
// the listening connection is down, messages from other nodes are lost:
// the node takes a connection again after 1 to 3 seconds, listens again
// and sends an initial heartbeat, and Healthy and Ping report it meanwhile.
//
// # Connection state recovery
//
// With socketio.Options.Recovery set, a client recovers on any node, and
// after its node died. The first namespace creates three tables beside
// TableName (NewNode's rule: when they do not exist):
//
//   - "<TableName>_log": every broadcast the recovery keeps (an event,
//     neither volatile nor with an ack), whose bigserial id, zero-padded
//     to 20 digits, is the offset the clients hold. The publisher
//     inserts it and notifies its message, the offset already in it, in
//     one statement of its transaction, after a transaction-scoped
//     advisory lock of the namespace: ids are drawn under the lock and
//     notifications leave at the commit that releases it, so every node
//     sees the offsets of all nodes in one increasing order (without the
//     lock, two nodes broadcasting at once deliver 8 before 7, and a
//     client whose last offset is 8 never gets 7). The offset takes the
//     place of a marker of the same width in the encoded message, so a
//     MessagePack message stored in the attachment table keeps its
//     length. Each node delivers its own logged broadcasts when their
//     notification comes back, in that order (after 2 s without it,
//     anyway: the listening connection was cut). Rows older than
//     MaxDisconnectionDuration, and the oldest past MaxLogBytes per
//     namespace (counting the event's JSON, attachments and rooms), are
//     deleted by every node every 5 s.
//   - "<TableName>_sessions": a socket's session (sid, rooms, data as
//     JSON), written when it disconnects and, marked live on its node,
//     while it is connected (socketio.SessionKeeper), for
//     MaxDisconnectionDuration (a live one is extended while its socket
//     lives).
//   - "<TableName>_nodes": each node says it is alive every 500 ms for
//     1.5 s. A session live on a node that goes on saying so is not
//     restored (its socket is connected); one whose node stopped (it
//     died) is, waiting at most 2 s for that. A client back on the node
//     its session is live on, before its old socket's disconnection was
//     written (the new connection seen first, or the write slow), waits
//     for that write, at most 2 s too, and recovers.
//
// A broadcast returns once queued; this node's sockets get a logged one
// when its notification comes back. A client has an offset, and can
// recover, only once it got a logged broadcast: Node.Flush waits until
// what was broadcast before has reached this node's sockets, which a
// node about to disconnect its clients (a drain) calls first.
//
// Restoring takes the session out of the table when the log still holds
// the client's offset; Rejoin puts the socket back in its rooms and sends
// the logged broadcasts after the offset that select it, while no logged
// broadcast is delivered here, and leaves it out of those whose
// notification is still on its way. Not recovered: broadcasts with
// BroadcastOptions.Local (delivered without offset), those of Node.js
// nodes and emitters (Node's adapter logs nothing: delivered as they
// come, without offset), and those sent while the log is unreachable
// (delivered here without offset; the failed transaction sent nothing).
// A Node.js node gets the Go nodes' logged broadcasts with the offset as
// last argument, as a Node.js server with recovery sends its own; its
// clients do not recover on Go nodes (no session of theirs is stored).
// The advisory lock serializes the broadcasting transactions of one
// namespace across nodes: that is the price of the order. With recovery
// off, nothing of this exists; with the tables unavailable at start, the
// node logs it and recovers on the node a client comes back to only, as
// socketio.MemoryAdapter does.
//
// # Concurrency
//
// All methods are safe for concurrent use. Messages of other nodes are
// handled one at a time, in order, on a goroutine of the Node; answers to
// this node's requests on another, so that a handler running on the first
// (a disconnect handler, when another node disconnects a socket here) may
// ask the cluster.
package postgresadapter
