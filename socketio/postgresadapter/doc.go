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
// Recovery holds on the node a client comes back to: the adapter keeps
// its sockets in a socketio.MemoryAdapter, which logs every broadcast it
// delivers, from this node or another, with offsets of its own. A client
// that comes back on another node, or whose node died, gets a new session
// (TestRecoveryOnTheSameNodeOnly), as with Node's adapter, which has no
// recovery at all. Unlike the Redis adapter, this one does not (yet) keep
// recovery across nodes. It can be built on the same database, and would
// need: a log table whose bigserial ids are the offsets, each logged
// broadcast inserted and notified in the publisher's transaction after a
// transaction-scoped advisory lock of the namespace (ids are drawn at
// insert and notifications leave at commit: without the lock, two nodes
// broadcasting at once deliver offset 8 before 7, and a client whose
// last offset is 8 never gets 7); the offset written into the message
// in the same statement (fixed-width, so that a stored MessagePack
// message keeps its length); each node delivering its own logged
// broadcasts when their notification comes back, in that order (as the
// Redis adapter does with its stream); and a session table written on
// disconnect and, for a node that dies without a word, while sockets are
// connected (socketio.SessionKeeper).
//
// # Concurrency
//
// All methods are safe for concurrent use. Messages of other nodes are
// handled one at a time, in order, on a goroutine of the Node; answers to
// this node's requests on another, so that a handler running on the first
// (a disconnect handler, when another node disconnects a socket here) may
// ask the cluster.
package postgresadapter
