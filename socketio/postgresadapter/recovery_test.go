package postgresadapter

import (
	"testing"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// offsetOf returns the last argument of an event: its offset.
var offsetOf = siotest.Offset

// TestRecoveryOnTheSameNodeOnly: a client that comes back to its node
// recovers, with what every node broadcast meanwhile; one that comes back
// on another node gets a new session (doc.go, "Connection state
// recovery").
func TestRecoveryOnTheSameNodeOnly(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	opts := Options{}
	opts.Channel, opts.TableName = names(t, pool)
	rec := &socketio.RecoveryOptions{}
	a := startNode(t, pool, opts, nil, rec)
	b := startNode(t, pool, opts, nil, rec)
	waitCount(t, 2, a, b)

	c := siotest.Dial(t, a.url, "join=r", nil)
	if c.PID() == "" {
		t.Fatal("no pid: recovery is off")
	}
	if err := b.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", 1))
	sid := c.SID()
	c.Close() // a transport close: recoverable
	eventually(t, func() bool { return a.io.Of("/").Socket(sid) == nil }, "socket gone")

	// m, on node a in r too, shows when each missed event is in a's log.
	m := siotest.Dial(t, a.url, "join=r", nil)
	if err := b.io.To("r").Emit("e2", 2); err != nil { // missed, from the other node
		t.Fatal(err)
	}
	offsetOf(t, m.ExpectEvent("e2", 2))
	if err := a.io.Emit("e3", 3); err != nil { // missed, from its own
		t.Fatal(err)
	}
	m.ExpectEvent("e3", 3)
	if err := a.io.To("elsewhere").Emit("e4", 4); err != nil { // not for it
		t.Fatal(err)
	}
	if err := b.io.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	m.ExpectEvent("marker", nil)

	c2 := siotest.Dial(t, a.url, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c2.SID() != sid {
		t.Fatalf("sid %q after recovery on the same node, want %q", c2.SID(), sid)
	}
	c2.ExpectEvent("e2", 2)
	last := offsetOf(t, c2.ExpectEvent("e3", 3))
	c2.ExpectEvent("marker", nil)
	c2.Close()
	eventually(t, func() bool { return a.io.Of("/").Socket(sid) == nil }, "socket gone again")

	c3 := siotest.Dial(t, b.url, "", map[string]string{"pid": c.PID(), "offset": last})
	if c3.SID() == sid {
		t.Fatal("recovered on another node: the adapter does not keep sessions there")
	}
}
