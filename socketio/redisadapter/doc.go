// Package redisadapter is a socketio.Adapter over Redis pub/sub that
// speaks the wire format of Node's @socket.io/redis-adapter (version 8,
// classic pub/sub, MessagePack as notepack.io writes it): Go nodes and
// Node.js socket.io 4 servers share one cluster, and Node's
// @socket.io/redis-emitter broadcasts into it.
//
// One Node per server holds the Redis connections; each namespace gets an
// Adapter from it:
//
//	node := redisadapter.NewNode(rdb, nil)
//	io := socketio.NewServer(&socketio.Options{NewAdapter: node.NewAdapter})
//	http.HandleFunc("/readyz", func(w http.ResponseWriter, r *http.Request) {
//		if err := node.Ping(r.Context()); err != nil {
//			http.Error(w, err.Error(), http.StatusServiceUnavailable)
//		}
//	})
//
// # What crosses nodes
//
// Broadcasts (rooms, except, volatile; Local stays on this node),
// broadcasts with acks (each node reports how many clients it reached; only
// a client's first ack argument crosses, as in Node), FetchSockets,
// SocketsJoin and SocketsLeave, DisconnectSockets, the methods of a
// fetched socket on another node (socketio.RemoteSocket: emit, join,
// leave, disconnect, as requests to its own room) and server-side events
// (socketio.Namespace.ServerSideEmit and ServerSideEmitWithAck, received by
// the namespace's socketio.Namespace.OnServerSideEmit listeners and by
// Options.OnServerSideEmit). The room events (socketio.RoomEvents) are
// those of this node's sockets, as with Node's adapter.
//
// # Failures
//
// A broadcast is delivered to this node's sockets at once and published
// through a bounded queue: it never waits for Redis. While Redis is
// unreachable, broadcasts stay local, go-redis reconnects with backoff and
// subscribes again, and Node.Healthy and Node.Ping report it. A request to
// the other nodes waits at most Options.RequestsTimeout: a node that does
// not answer is left out of the result.
//
// # Connection state recovery
//
// With socketio.Options.Recovery set, a client may come back on any node.
// A disconnected socket's session (id, rooms, Data) is written to Redis
// with a TTL of MaxDisconnectionDuration before its disconnection
// completes; Data must be JSON-encodable and comes back as encoding/json
// decodes into an any. Every non-volatile event without ack is appended
// to a Redis stream of its namespace by the node that sends it, and the
// entry id, as the event's last argument, is the client's offset; the
// node that restores the session reads the stream after it. The append
// and the publication are one step (a Lua script), so the broadcasts of
// all nodes are published in the stream's order, and a node delivers its
// own broadcasts when their message comes back from Redis, in that same
// order: every socket gets the logged events in increasing offsets, which
// is what makes a client's last offset an exact account of what it has.
// (Should its own message not come back within two seconds, the
// subscription being cut, a node delivers it anyway, late.) Events from
// Node.js nodes and the emitter carry no offset: they are not recovered.
//
// The append trims the stream in the same step: the entries older than
// MaxDisconnectionDuration (or past Options.StreamMaxLen), then the oldest
// while the entries hold more than socketio.RecoveryOptions.MaxLogBytes
// (64 MiB by default). Redis cannot trim a stream by bytes, so a key
// beside the stream ("<key>-stream-bytes#<nsp>#") counts the bytes of its
// entries' fields, names and values (Redis's own overhead comes on top),
// and the script reads the entries it removes to count them off. A node
// that trims without counting (an older version) leaves the count too
// high: the stream is then trimmed harder than needed until an append
// finds nothing older than its own entry and sets the count right.
//
// # Sharded pub/sub (Redis Cluster)
//
// ShardedNode is the same for Redis 7 sharded pub/sub (SPUBLISH and
// SSUBSCRIBE), in the protocol of Node's createShardedAdapter: the
// ClusterAdapter messages of socket.io-adapter on "<key>#<nsp>#", the
// answers on "<key>#<nsp>#<uid>#" and, in the dynamic subscription modes,
// a channel per room. On a *redis.ClusterClient it keeps one subscriber
// connection per master. What crosses nodes is the same as above, and
// connection state recovery too, with keys under the hash tag
// "{<key>#<nsp>#}" (the slot of the namespace's channel, so that the
// append-and-SPUBLISH script runs on one shard), the sessions of
// connected sockets included. In the dynamic modes, messages on different
// channels are not ordered with each other.
//
// # Concurrency
//
// All methods are safe for concurrent use. Broadcasts and requests from
// other nodes are handled one at a time, in order, on a goroutine of the
// Node; a disconnect handler may run there (when another node disconnects
// a socket of this one) and may itself ask the cluster: answers are read
// and handled apart.
package redisadapter
