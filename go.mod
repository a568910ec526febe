module github.com/kin-comms/kinrt

go 1.26.8

require (
	github.com/go-jose/go-jose/v4 v4.1.9
	github.com/gorilla/websocket v1.5.3
	go.uber.org/goleak v1.3.0
)
