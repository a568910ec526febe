module github.com/kin-comms/kinrt/socketio/emitter

go 1.26.8

toolchain go1.26.10

replace (
	github.com/kin-comms/kinrt/engineio => ../../engineio
	github.com/kin-comms/kinrt/socketio => ..
	github.com/kin-comms/kinrt/socketio/redisadapter => ../redisadapter
)

require (
	github.com/kin-comms/kinrt/socketio v0.0.0-00010101000000-000000000000
	github.com/kin-comms/kinrt/socketio/redisadapter v0.0.0-00010101000000-000000000000
	github.com/redis/go-redis/v9 v9.23.0
	github.com/vmihailenco/msgpack/v5 v5.4.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/gorilla/websocket v1.5.3 // indirect
	github.com/kin-comms/kinrt/engineio v0.0.0-00010101000000-000000000000 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
