module github.com/kin-comms/kinrt/engineio

go 1.26.8

toolchain go1.26.10

require (
	github.com/gorilla/websocket v1.5.3
	go.uber.org/goleak v1.3.0
	golang.org/x/sys v0.49.0
)
