package cluster

import (
	"testing"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestOwnEchoes: a broadcast of this node is delivered once, whatever its
// echo does: back in time (Claim delivers it, with the awaited options),
// back before Await (Claim delivers it without them, Await then leaves
// it), never back (late, once; a late echo then delivers nothing); Stop
// forgets what waits.
func TestOwnEchoes(t *testing.T) {
	t.Parallel()
	e := NewOwnEchoes(20 * time.Millisecond)
	opts := &socketio.BroadcastOptions{Rooms: []string{"r"}}
	p := &parser.Packet{Type: parser.Event, Data: []byte(`["e","1"]`)}
	late := make(chan *OwnBroadcast, 4)
	deliverLate := func(o *OwnBroadcast) { late <- o }

	// In time.
	e.SetWait(time.Minute)
	e.Await("1", p, opts, deliverLate)
	if waiting, early := e.Pending(); waiting != 1 || early != 0 {
		t.Fatalf("pending %d, %d; want 1, 0", waiting, early)
	}
	got, deliver := e.Claim("1")
	if !deliver || got == nil || got.Rooms[0] != "r" {
		t.Fatalf("claim in time: %+v, %v", got, deliver)
	}
	// Early.
	if got, deliver := e.Claim("2"); !deliver || got != nil {
		t.Fatalf("early claim: %+v, %v", got, deliver)
	}
	e.Await("2", p, opts, deliverLate)
	if waiting, early := e.Pending(); waiting != 0 || early != 0 {
		t.Fatalf("after the early echo: pending %d, %d; want 0, 0", waiting, early)
	}
	// Never back: late, once, with its packet and options.
	e.SetWait(5 * time.Millisecond)
	e.Await("3", p, opts, deliverLate)
	select {
	case o := <-late:
		if o.Packet != p || o.Opts.Rooms[0] != "r" {
			t.Fatalf("late delivery %+v", o)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not delivered late")
	}
	if _, deliver := e.Claim("3"); deliver {
		t.Fatal("the late echo would deliver it again")
	}
	// Stop: what waits is never delivered.
	e.SetWait(50 * time.Millisecond)
	e.Await("4", p, opts, deliverLate)
	e.Stop()
	if waiting, _ := e.Pending(); waiting != 0 {
		t.Fatalf("%d still waiting after Stop", waiting)
	}
	select {
	case o := <-late:
		t.Fatalf("delivered after Stop: %+v", o)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestOwnEchoesWaiting: Waiting lists the broadcasts whose echo has not
// come back, and Delivered tells when one no longer waits (claimed, or
// delivered late).
func TestOwnEchoesWaiting(t *testing.T) {
	t.Parallel()
	e := NewOwnEchoes(time.Minute)
	opts := &socketio.BroadcastOptions{}
	p := &parser.Packet{Type: parser.Event, Data: []byte(`["e"]`)}
	late := make(chan *OwnBroadcast, 1)
	e.Await("1", p, opts, func(o *OwnBroadcast) { late <- o })
	if w := e.Waiting(); len(w) != 1 || w[0] != "1" || e.Delivered("1") {
		t.Fatalf("waiting %v, delivered %v; want 1 waiting", w, e.Delivered("1"))
	}
	e.SetWait(time.Millisecond)
	e.Await("2", p, opts, func(o *OwnBroadcast) { late <- o })
	if !e.Delivered("3") {
		t.Fatal("a broadcast never awaited is not delivered")
	}
	<-late // "2" delivered late
	if w := e.Waiting(); len(w) != 1 || w[0] != "1" || !e.Delivered("2") {
		t.Fatalf("after the late delivery: waiting %v, delivered %v", w, e.Delivered("2"))
	}
	e.Claim("1")
	if w := e.Waiting(); len(w) != 0 || !e.Delivered("1") {
		t.Fatalf("after the claim: waiting %v, delivered %v", w, e.Delivered("1"))
	}
	e.Stop()
}
