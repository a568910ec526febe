// Package cluster is the cluster protocol of Node's socket.io-adapter
// (its ClusterAdapter and ClusterAdapterWithHeartbeat classes), for
// adapters whose bus carries whole messages: Message and its codec (JSON,
// or MessagePack when it holds binary, as the Node adapters write them),
// and Adapter, the socketio.Adapter of one namespace that serves and
// sends them, counting the nodes of the cluster by their heartbeats.
//
// A cluster adapter built on it (package socketio/postgresadapter:
// PostgreSQL LISTEN/NOTIFY, as Node's @socket.io/postgres-adapter) only
// carries messages: it implements Transport to send a namespace's
// messages to the other nodes, and hands every message it receives to
// Adapter.OnMessage.
//
// Package socketio/redisadapter uses the codec only: its sharded adapter
// (Node's createShardedAdapter) sends and reads Messages, and its classic
// adapter (@socket.io/redis-adapter, other envelopes) reads and writes
// packets and options with Reader, EncodePacketMsgpack and Opts.
//
//	a := cluster.NewAdapter(nsp, uid, transport, nil)
//	// once the transport receives the namespace's messages:
//	a.Announce()
//
// # What crosses nodes
//
// Broadcasts (rooms, except, volatile, compress; Local stays on the
// node), broadcasts with acks, FetchSockets, SocketsJoin and SocketsLeave,
// DisconnectSockets, and server-side events with or without acks
// (socketio.Namespace.ServerSideEmit, ServerSideEmitWithAck and
// OnServerSideEmit). Requests wait for the nodes known from their
// heartbeats: a node that sent nothing for HeartbeatTimeout, or said it
// closed, is no longer waited for.
//
// Connection state recovery is that of the socketio.MemoryAdapter the
// Adapter keeps its sockets in: broadcasts from every node get offsets of
// this node, so a client recovers when it comes back to the same node,
// not on another one.
package cluster
