package postgresadapter

import (
	"testing"

	"github.com/kin-comms/kinrt/socketio/siotest"
)

// BenchmarkBroadcastAcrossNodes: broadcasts of one node received by a
// client of another (go test -bench . -benchtime 5000x): about 50µs each
// here, 140µs with a transaction per NOTIFY (doc.go, "Failures").
func BenchmarkBroadcastAcrossNodes(b *testing.B) {
	pool := newPool(b)
	opts := Options{PublishQueue: b.N + 16}
	opts.Channel, opts.TableName = names(b, pool)
	a := startNode(b, pool, opts, nil)
	o := startNode(b, pool, opts, nil)
	for _, n := range []*testNode{a, o} {
		eventually(b, func() bool { return n.adapter().ServerCount() == 2 }, "two nodes")
	}
	c := siotest.Dial(b, o.url, "join=r", nil)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := a.io.To("r").Emit("e", i); err != nil {
			b.Fatal(err)
		}
	}
	for i := 0; i < b.N; i++ {
		c.Next()
	}
}
