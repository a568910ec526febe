package redisadapter

import "github.com/kin-comms/kinrt/socketio/cluster"

// The sockets of an answer to fetchSockets are the same object,
// {id, handshake, rooms, data}, in every protocol of Node's adapters: the
// classic and sharded ones read and write them with package
// socketio/cluster's functions, as the PostgreSQL adapter does.
var (
	encodeSockets = cluster.EncodeSockets
	remoteSockets = cluster.DecodeSockets
)
