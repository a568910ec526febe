package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// rawSocket is a Socket.IO client over one WebSocket, written out frame by
// frame, for the tests that need what socket.io-client hides (the private
// id and offsets of connection state recovery).
type rawSocket struct {
	t    *testing.T
	conn *websocket.Conn
}

// dialRaw opens an Engine.IO WebSocket session to the service at base
// (http://host:port) and reads its open packet.
func dialRaw(t *testing.T, base string, header http.Header) *rawSocket {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, _, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	rs := &rawSocket{t: t, conn: conn}
	if open := rs.read(); !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet: %q", open)
	}
	return rs
}

// read returns the next frame that is not a ping (pings are answered).
func (rs *rawSocket) read() string {
	rs.t.Helper()
	for {
		_ = rs.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		_, b, err := rs.conn.ReadMessage()
		if err != nil {
			rs.t.Fatalf("read: %v", err)
		}
		if string(b) == "2" {
			rs.send("3")
			continue
		}
		return string(b)
	}
}

func (rs *rawSocket) send(frame string) {
	rs.t.Helper()
	if err := rs.conn.WriteMessage(websocket.TextMessage, []byte(frame)); err != nil {
		rs.t.Fatalf("write: %v", err)
	}
}

// connect sends CONNECT to the main namespace with auth and returns the
// reply: the CONNECT packet's payload, or the CONNECT_ERROR's with ok false.
func (rs *rawSocket) connect(auth map[string]string) (reply map[string]any, ok bool) {
	rs.t.Helper()
	b, _ := json.Marshal(auth)
	rs.send("40" + string(b))
	for {
		f := rs.read()
		var kind string
		switch {
		case strings.HasPrefix(f, "40"):
			kind = "40"
		case strings.HasPrefix(f, "44"):
			kind = "44"
		default:
			continue // an event before the reply: not expected here
		}
		if err := json.Unmarshal([]byte(f[2:]), &reply); err != nil {
			rs.t.Fatalf("connect reply %q: %v", f, err)
		}
		return reply, kind == "40"
	}
}

// event reads until the next event and returns its name, payload and the
// recovery offset after it ("" without one).
func (rs *rawSocket) event() (name string, payload json.RawMessage, offset string) {
	rs.t.Helper()
	for {
		f := rs.read()
		if !strings.HasPrefix(f, "42") {
			continue
		}
		var args []json.RawMessage
		if err := json.Unmarshal([]byte(f[2:]), &args); err != nil || len(args) < 2 {
			rs.t.Fatalf("event %q: %v", f, err)
		}
		_ = json.Unmarshal(args[0], &name)
		if len(args) > 2 {
			_ = json.Unmarshal(args[len(args)-1], &offset)
		}
		return name, args[1], offset
	}
}

func (rs *rawSocket) close() { _ = rs.conn.Close() }
