package postgresadapter

import (
	"context"
	"testing"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
)

type dropTransport struct{}

func (dropTransport) Publish(*cluster.Message) {}

// FuzzNotification: whatever a notification's payload, reading it and
// handling the message it holds never panics (the node's handler would
// recover, but must not need to).
func FuzzNotification(f *testing.F) {
	for _, s := range []string{
		`{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}},"uid":"u","nsp":"/"}`,
		`{"type":3,"data":{"packet":{"type":2,"data":["e"],"nsp":"/"},"opts":{"rooms":[],"flags":{"timeout":5},"except":[]},"requestId":"q"},"uid":"u","nsp":"/"}`,
		`{"uid":"u","type":3,"attachmentId":"12"}`,
		`{"uid" : "u", "type" : 8, "attachmentId" : 7}`,
		`{"type":1,"uid":"u","nsp":"/"}`,
		`{"type":13,"uid":"u","nsp":"/"}`,
		`{"type":7,"data":{"opts":{"rooms":[],"except":[]},"requestId":"q"},"uid":"u","nsp":"/"}`,
		`{"type":9,"data":{"packet":["ask",1],"requestId":"q"},"uid":"u","nsp":"/"}`,
		`{"type":4,"data":{"opts":{"rooms":["a"],"except":[]},"rooms":["b"]},"uid":"emitter"}`,
		`{"type":6,"data":{"opts":{"rooms":["a"],"except":[]},"close":true},"uid":"u","nsp":"/"}`,
		`{"type":11,"data":{"requestId":"q","clientCount":2},"uid":"u","nsp":"/"}`,
	} {
		f.Add(s)
	}
	io := socketio.NewServer(&socketio.Options{NewAdapter: func(nsp *socketio.Namespace) socketio.Adapter {
		return cluster.NewAdapter(nsp, "me", dropTransport{}, nil)
	}})
	a := io.Of("/").Adapter().(*cluster.Adapter)
	f.Cleanup(func() { _ = io.Shutdown(context.Background()) })
	f.Fuzz(func(t *testing.T, payload string) {
		h, err := readHeader(payload)
		if err != nil || h.AttachmentID != "" {
			return
		}
		m, err := cluster.Decode([]byte(payload))
		if err != nil {
			return
		}
		if m.Type != h.Type {
			t.Fatalf("header type %d, message type %d", h.Type, m.Type)
		}
		a.OnMessage(m)
	})
}
