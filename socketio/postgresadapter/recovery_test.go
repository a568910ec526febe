package postgresadapter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// offsetOf returns the last argument of an event: its offset.
var offsetOf = siotest.Offset

// recoveryNames is names, and the recovery tables dropped too.
func recoveryNames(t *testing.T, pool *pgxpool.Pool) Options {
	opts := Options{}
	opts.Channel, opts.TableName = names(t, pool)
	r := recoveryTables(opts.TableName)
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+r.log+", "+r.sessions+", "+r.nodes)
	})
	return opts
}

// disconnect closes c's transport (recoverable) and waits until its
// socket is gone from n.
func disconnect(t *testing.T, n *testNode, c *siotest.Client) {
	t.Helper()
	sid := c.SID()
	c.Close()
	eventually(t, func() bool { return n.io.Of("/").Socket(sid) == nil }, "socket %s gone", sid)
}

// TestRecoveryAcrossNodes: a client disconnects from node a, events are
// broadcast by both nodes meanwhile (one large enough to go through the
// attachment table), and it comes back, on b or on a, with its pid and
// offset: it gets exactly the events it missed, in order, and is back in
// its rooms.
func TestRecoveryAcrossNodes(t *testing.T) {
	t.Parallel()
	for _, back := range []string{"other node", "same node"} {
		t.Run(back, func(t *testing.T) {
			t.Parallel()
			pool := newPool(t)
			opts := recoveryNames(t, pool)
			opts.PayloadThreshold = 300
			rec := &socketio.RecoveryOptions{}
			a := startNode(t, pool, opts, nil, rec)
			b := startNode(t, pool, opts, nil, rec)
			waitCount(t, 2, a, b)

			c := siotest.Dial(t, a.url, "join=r,s", nil)
			if c.PID() == "" {
				t.Fatal("no pid: recovery is off")
			}
			if err := b.io.To("r").Emit("e1", 1); err != nil {
				t.Fatal(err)
			}
			offset := offsetOf(t, c.ExpectEvent("e1", 1))
			sid := c.SID()
			disconnect(t, a, c)

			// w, on b in r and s, shows when each event went out: each
			// is emitted once the one before is out (two nodes' emits at
			// once go in the order of their commits).
			w := siotest.Dial(t, b.url, "join=r,s", nil)
			large := strings.Repeat("x", 500)
			emits := []struct {
				from   *testNode
				room   string
				name   string
				arg    any
				missed bool
			}{
				{b, "r", "e2", 2, true},
				{a, "", "e3", 3, true},
				{a, "r", "e4", large, true},
				{b, "elsewhere", "e5", 5, false},
				{a, "s", "e6", 6, true},
			}
			for _, e := range emits {
				emit := e.from.io.Emit
				if e.room != "" {
					emit = e.from.io.To(e.room).Emit
				}
				if err := emit(e.name, e.arg); err != nil {
					t.Fatal(err)
				}
				if e.missed {
					w.ExpectEvent(e.name, e.arg)
				}
			}

			to := b
			if back == "same node" {
				to = a
			}
			c2 := siotest.Dial(t, to.url, "", map[string]string{"pid": c.PID(), "offset": offset})
			if c2.SID() != sid {
				t.Fatalf("sid %q after recovery, want %q", c2.SID(), sid)
			}
			last := offset
			for _, e := range emits {
				if !e.missed {
					continue
				}
				o := offsetOf(t, c2.ExpectEvent(e.name, e.arg))
				if o <= last {
					t.Fatalf("offset %s of %s after %s", o, e.name, last)
				}
				last = o
			}
			// Back in r and s: the next events reach it, and nothing else
			// came before them.
			if err := a.io.To("s").Emit("after-s", 7); err != nil {
				t.Fatal(err)
			}
			c2.ExpectEvent("after-s", 7)
			if err := b.io.To("r").Emit("after-r", 8); err != nil {
				t.Fatal(err)
			}
			if o := offsetOf(t, c2.ExpectEvent("after-r", 8)); o <= last {
				t.Fatalf("offset %s after %s", o, last)
			}
			if got := to.io.Of("/").Socket(sid).Rooms(); !contains(got, "r") || !contains(got, "s") {
				t.Fatalf("rooms %v after recovery, want r and s", got)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestRecoveryOffsetsInOrder: two nodes broadcasting at once never
// deliver offsets out of order, to clients of either node, and a client
// that recovers from any of them gets exactly the rest.
func TestRecoveryOffsetsInOrder(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	opts := recoveryNames(t, pool)
	rec := &socketio.RecoveryOptions{}
	a := startNode(t, pool, opts, nil, rec)
	b := startNode(t, pool, opts, nil, rec)
	waitCount(t, 2, a, b)
	ca := siotest.Dial(t, a.url, "", nil)
	cb := siotest.Dial(t, b.url, "", nil)

	const each = 150
	var wg sync.WaitGroup
	for i, n := range []*testNode{a, b} {
		wg.Go(func() {
			for j := range each {
				if err := n.io.Emit("e", fmt.Sprintf("%d-%d", i, j)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	read := func(c *siotest.Client) (args []string, offsets []string) {
		t.Helper()
		for range 2 * each {
			ev := c.ExpectEvent("e", nil)
			var s string
			_ = json.Unmarshal(ev[1], &s)
			args = append(args, s)
			offsets = append(offsets, offsetOf(t, ev))
		}
		return args, offsets
	}
	argsA, offA := read(ca)
	argsB, offB := read(cb)
	for i := range offA {
		if i > 0 && offA[i] <= offA[i-1] {
			t.Fatalf("node a delivered offset %s after %s", offA[i], offA[i-1])
		}
		if offA[i] != offB[i] || argsA[i] != argsB[i] {
			t.Fatalf("event %d: %s@%s on a, %s@%s on b", i, argsA[i], offA[i], argsB[i], offB[i])
		}
	}
	from := 2*each/3 - 1
	disconnect(t, a, ca)
	c := siotest.Dial(t, b.url, "", map[string]string{"pid": ca.PID(), "offset": offA[from]})
	if c.SID() == "" {
		t.Fatal("no sid")
	}
	for i := from + 1; i < len(offA); i++ {
		ev := c.ExpectEvent("e", argsA[i])
		if o := offsetOf(t, ev); o != offA[i] {
			t.Fatalf("recovered %s at offset %s, want %s", argsA[i], o, offA[i])
		}
	}
	if err := b.io.Emit("end"); err != nil {
		t.Fatal(err)
	}
	c.ExpectEvent("end", nil)
}

// TestRecoveryFromDeadNode: the session of a socket whose node died (it
// persisted nothing on the way down) is restored on another node once
// that node stopped beating.
func TestRecoveryFromDeadNode(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	opts := recoveryNames(t, pool)
	rec := &socketio.RecoveryOptions{}
	a := startNode(t, pool, opts, nil, rec)
	b := startNode(t, pool, opts, nil, rec)
	waitCount(t, 2, a, b)
	c := siotest.Dial(t, a.url, "join=r&who=ann", nil)
	if err := b.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", 1))
	sid := c.SID()

	// a dies: it writes nothing to PostgreSQL any more, and its clients'
	// connections drop.
	a.node.recMu.Lock()
	a.node.rec.dead = true
	a.node.recMu.Unlock()
	c.Close()
	eventually(t, func() bool { return a.io.Of("/").Socket(sid) == nil }, "socket gone")
	w := siotest.Dial(t, b.url, "join=r", nil)
	if err := b.io.To("r").Emit("e2", 2); err != nil {
		t.Fatal(err)
	}
	w.ExpectEvent("e2", 2)

	c2 := siotest.Dial(t, b.url, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c2.SID() != sid {
		t.Fatalf("sid %q, want %q: the dead node's session was not restored", c2.SID(), sid)
	}
	c2.ExpectEvent("e2", 2)
	s := b.io.Of("/").Socket(sid)
	if data, _ := json.Marshal(s.Data()); string(data) != `{"who":"ann"}` || !contains(s.Rooms(), "r") {
		t.Fatalf("restored data %s rooms %v", data, s.Rooms())
	}
}

// TestRecoveryRefused: a client whose state is gone gets a new session.
func TestRecoveryRefused(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		rec    socketio.RecoveryOptions
		before func(t *testing.T, a *testNode, offset string) (pid, off string)
	}{
		{"expired", socketio.RecoveryOptions{MaxDisconnectionDuration: time.Second}, func(t *testing.T, a *testNode, offset string) (string, string) {
			start := time.Now()
			eventually(t, func() bool { return time.Since(start) > 1100*time.Millisecond }, "window passed")
			return "", offset
		}},
		{"pruned by size", socketio.RecoveryOptions{MaxLogBytes: 200}, func(t *testing.T, a *testNode, offset string) (string, string) {
			for i := range 5 {
				if err := a.io.To("nobody").Emit("fill", strings.Repeat("y", 100), i); err != nil {
					t.Fatal(err)
				}
			}
			eventually(t, func() bool {
				a.node.pruneRecovery()
				var n int
				_ = a.node.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+a.node.rec.t.log+" WHERE id = $1", mustParse(offset)).Scan(&n)
				return n == 0
			}, "offset pruned")
			return "", offset
		}},
		{"unknown offset", socketio.RecoveryOptions{}, func(*testing.T, *testNode, string) (string, string) {
			return "", formatOffset(1 << 50)
		}},
		{"not an offset", socketio.RecoveryOptions{}, func(*testing.T, *testNode, string) (string, string) {
			return "", "1-0"
		}},
		{"unknown pid", socketio.RecoveryOptions{}, func(_ *testing.T, _ *testNode, offset string) (string, string) {
			return "nobody", offset
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := newPool(t)
			opts := recoveryNames(t, pool)
			a := startNode(t, pool, opts, nil, &tc.rec)
			b := startNode(t, pool, opts, nil, &tc.rec)
			waitCount(t, 2, a, b)
			c := siotest.Dial(t, a.url, "", nil)
			if err := a.io.Emit("e1", 1); err != nil {
				t.Fatal(err)
			}
			offset := offsetOf(t, c.ExpectEvent("e1", 1))
			disconnect(t, a, c)
			pid, off := tc.before(t, a, offset)
			if pid == "" {
				pid = c.PID()
			}
			c2 := siotest.Dial(t, b.url, "", map[string]string{"pid": pid, "offset": off})
			if c2.SID() == c.SID() {
				t.Fatal("recovered")
			}
		})
	}
}

func mustParse(offset string) int64 {
	id, _ := parseOffset(offset)
	return id
}

// TestRecoveryClustersShareTables: two clusters on one database, told
// apart by their channel prefix, share the recovery tables (the same
// TableName). A client of one that recovers gets its own cluster's
// missed broadcasts and none of the other's, though both clusters log
// broadcasts to the same namespace in the same table; and a session pid of
// one cluster is unknown to the other.
func TestRecoveryClustersShareTables(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	one := recoveryNames(t, pool)
	other := one
	other.Channel += "-other"
	rec := &socketio.RecoveryOptions{}
	a := startNode(t, pool, one, nil, rec)
	b := startNode(t, pool, one, nil, rec)
	x := startNode(t, pool, other, nil, rec)
	waitCount(t, 2, a, b)
	waitCount(t, 1, x)

	c := siotest.Dial(t, a.url, "", nil)
	if err := a.io.Emit("mine", 0); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("mine", 0))
	disconnect(t, a, c)

	// The other cluster's broadcasts go out first, then one of ours; w
	// (one per cluster) shows when each went out.
	wx := siotest.Dial(t, x.url, "", nil)
	for i := 1; i <= 3; i++ {
		if err := x.io.Emit("theirs", i); err != nil {
			t.Fatal(err)
		}
		wx.ExpectEvent("theirs", i)
	}
	wb := siotest.Dial(t, b.url, "", nil)
	if err := b.io.Emit("mine", 1); err != nil {
		t.Fatal(err)
	}
	wb.ExpectEvent("mine", 1)

	// Offered to the other cluster, the session is not found there.
	stranger := siotest.Dial(t, x.url, "", map[string]string{"pid": c.PID(), "offset": offset})
	if stranger.SID() == c.SID() {
		t.Fatal("the other cluster recovered this cluster's session")
	}
	c2 := siotest.Dial(t, b.url, "", map[string]string{"pid": c.PID(), "offset": offset})
	if c2.SID() != c.SID() {
		t.Fatalf("sid %q after recovery, want %q", c2.SID(), c.SID())
	}
	c2.ExpectEvent("mine", 1) // first: nothing of the other cluster's came before
	if err := a.io.Emit("after", 2); err != nil {
		t.Fatal(err)
	}
	c2.ExpectEvent("after", 2)
}

// TestRecoveryOnSameNodeBeforeDisconnectWritten: a client whose connection
// was cut comes back to the same node before its old socket's session is
// written as disconnected (the new connection seen before the old one's
// close, or the write slow): the restore waits for that write instead of
// taking the row, still live here, for a connected socket's; and a row
// live here that no socket of the node keeps (a late write) is taken at
// once.
func TestRecoveryOnSameNodeBeforeDisconnectWritten(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	opts := recoveryNames(t, pool)
	a := startNode(t, pool, opts, nil, &socketio.RecoveryOptions{})
	c := siotest.Dial(t, a.url, "join=r", nil)
	if err := a.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	offset := offsetOf(t, c.ExpectEvent("e1", 1))
	ad := a.adapter()

	type restored struct {
		s   *socketio.Session
		err error
	}
	t.Run("disconnection written after the restore began", func(t *testing.T) {
		s := &socketio.Session{SID: "sid-1", PID: "pid-1", Rooms: []string{"sid-1", "r"}, Data: map[string]any{"who": "ann"}}
		ad.KeepSession(s) // its socket connected here
		waiting := make(chan struct{}, 1)
		ad.rec.restoreWaits = func(pid string) {
			if pid == s.PID {
				waiting <- struct{}{}
			}
		}
		defer func() { ad.rec.restoreWaits = nil }()
		done := make(chan restored, 1)
		go func() {
			got, err := ad.RestoreSession(s.PID, offset)
			done <- restored{got, err}
		}()
		select {
		case r := <-done:
			t.Fatalf("restore returned %+v, %v before the socket's disconnection was written: the session is lost", r.s, r.err)
		case <-waiting:
		case <-time.After(10 * time.Second):
			t.Fatal("the restore neither waited nor returned")
		}
		ad.PersistSession(s) // the old socket's close, written now
		r := <-done
		if r.err != nil || r.s == nil || r.s.SID != s.SID || !contains(r.s.Rooms, "r") {
			t.Fatalf("restored %+v, %v; want the session of %s", r.s, r.err, s.SID)
		}
		if data, _ := json.Marshal(r.s.Data); string(data) != `{"who":"ann"}` {
			t.Fatalf("restored data %s", data)
		}
	})
	t.Run("late write of an ended socket", func(t *testing.T) {
		s := &socketio.Session{SID: "sid-2", PID: "pid-2", Rooms: []string{"sid-2", "r"}}
		ad.KeepSession(s)
		ad.PersistSession(s)
		// A keep's write that reached PostgreSQL after the disconnection's.
		if _, err := pool.Exec(context.Background(), `UPDATE `+ad.rec.node.t.sessions+` SET live = $1 WHERE pid = $2`, a.node.UID(), s.PID); err != nil {
			t.Fatal(err)
		}
		got, err := ad.RestoreSession(s.PID, offset)
		if err != nil || got == nil || got.SID != s.SID {
			t.Fatalf("restored %+v, %v; want the session of %s", got, err, s.SID)
		}
	})
	t.Run("socket still connected here", func(t *testing.T) {
		s := &socketio.Session{SID: "sid-3", PID: "pid-3", Rooms: []string{"sid-3", "r"}}
		ad.KeepSession(s)
		defer ad.DropSession(s.PID)
		got, err := ad.RestoreSession(s.PID, offset)
		if err != nil || got != nil {
			t.Fatalf("restored %+v, %v: a connected socket's session was taken", got, err)
		}
	})
}

// TestFlush: a broadcast returns once queued; Flush returns once it has
// been logged and delivered to this node's sockets (its notification came
// back), so that a client disconnected next (a drain) has it and its
// offset. While PostgreSQL holds the broadcast back, Flush waits, until
// its context ends.
func TestFlush(t *testing.T) {
	t.Parallel()
	pool := newPool(t)
	opts := recoveryNames(t, pool)
	a := startNode(t, pool, opts, nil, &socketio.RecoveryOptions{})
	c := siotest.Dial(t, a.url, "join=r", nil)
	ad := a.adapter()
	ctx := context.Background()

	// Another transaction holds the namespace's lock: the broadcast's
	// transaction waits for it.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockKey(ad.channel)); err != nil {
		t.Fatal(err)
	}
	if err := a.io.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool {
		var waiting int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
			AND objsubid = 1 AND ((classid::bigint << 32) | objid::bigint) = $1`, lockKey(ad.channel)).Scan(&waiting)
		return waiting > 0
	}, "the broadcast's transaction waits for the lock")

	short, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.node.Flush(short) }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Flush while the broadcast is held back: %v, want context.Canceled", err)
	}

	go func() { done <- a.node.Flush(ctx) }()
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if w := ad.rec.echoes.Waiting(); len(w) != 0 {
		t.Fatalf("Flush returned with broadcasts %v not delivered here", w)
	}
	var logged int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+ad.rec.node.t.log+` WHERE channel = $1`, ad.channel).Scan(&logged); err != nil || logged != 1 {
		t.Fatalf("%d broadcasts logged (%v), want 1", logged, err)
	}
	offsetOf(t, c.ExpectEvent("e1", 1))

	a.stop()
	if err := a.node.Flush(ctx); err == nil {
		t.Fatal("Flush on a closed node: no error")
	}
}
