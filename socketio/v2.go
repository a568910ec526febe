package socketio

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// Socket.IO protocol 4, the protocol of socket.io-client 2, rides on
// Engine.IO protocol 3 (engineio.Options.AllowEIO3) and differs from
// protocol 5 as Node's server handles it:
//
//   - The client is connected to "/" as soon as its Engine.IO connection
//     opens, without a CONNECT (the middleware of "/" runs then); it sends
//     CONNECT only for other namespaces, with its query in the namespace
//     ("/admin?token=abc"), which becomes Handshake.Auth ({"token":"abc"}).
//   - The CONNECT answer carries nothing; the socket's id is the Engine.IO
//     session's id on "/", "<namespace>#<session id>" elsewhere (as the
//     client computes it).
//   - A middleware's refusal is an ERROR packet (type 4) whose data is the
//     ConnectError's Data, or its message as a JSON string.
//   - No connection state recovery.

// connectV2Root connects a protocol 4 client to "/", as its CONNECT would.
func (c *client) connectV2Root() {
	defer c.recoverHandler()
	c.connect("/", nil)
}

// v2Connect splits the namespace of a protocol 4 CONNECT into the
// namespace's name and the auth its query stands for (a JSON object of
// strings, the last value of a repeated key winning, as with Node).
func v2Connect(ns string) (string, json.RawMessage) {
	name, query, found := strings.Cut(ns, "?")
	if name == "" {
		name = "/"
	}
	if !found {
		return name, nil
	}
	values, _ := url.ParseQuery(query)
	auth := make(map[string]string, len(values))
	for k, v := range values {
		auth[k] = v[len(v)-1]
	}
	b, _ := json.Marshal(auth)
	return name, b
}

// v2SocketID is the id of a protocol 4 client's socket.
func v2SocketID(nsp, sid string) string {
	if nsp == "/" {
		return sid
	}
	return nsp + "#" + sid
}

// sendV2Error refuses a protocol 4 CONNECT: an ERROR packet carrying data,
// or the message when data is nil.
func (c *client) sendV2Error(nsp, message string, data any) {
	if data == nil {
		data = message
	}
	b, err := json.Marshal(data)
	if err != nil {
		b, _ = json.Marshal(message)
	}
	_ = c.send(packetMessages(&parser.Packet{Type: parser.ConnectError, Namespace: nsp, Data: b}), false)
}
