module github.com/kin-comms/kinrt/socketio

go 1.26.8

toolchain go1.26.10

replace github.com/kin-comms/kinrt/engineio => ../engineio

require (
	github.com/gorilla/websocket v1.5.3
	github.com/kin-comms/kinrt/engineio v0.0.0-00010101000000-000000000000
	github.com/vmihailenco/msgpack/v5 v5.4.1
	go.uber.org/goleak v1.3.0
)

require (
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
