package redisadapter

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// streamBytes returns the bytes of the stream's entries as the cap counts
// them (their fields' names and values), their number and the newest id.
func streamBytes(t *testing.T, rdb *redis.Client, stream string) (bytes int64, n int, newest string) {
	t.Helper()
	msgs, err := rdb.XRange(context.Background(), stream, "-", "+").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for k, v := range m.Values {
			bytes += int64(len(k) + len(v.(string)))
		}
		newest = m.ID
	}
	return bytes, len(msgs), newest
}

// TestStreamByteCap: the recovery stream keeps at most MaxLogBytes of
// entries, the newest, whichever nodes append (two at once here, Local
// broadcasts too); the count it keeps stays exact; a client whose offset
// was trimmed away reconnects without recovery, one whose missed events
// fit recovers with them.
func TestStreamByteCap(t *testing.T) {
	t.Parallel()
	const maxBytes = 64 << 10
	tests := []struct {
		name      string
		missed    int // events of 4000 bytes from each node, every fifth Local
		recovered bool
	}{
		{name: "within the cap", missed: 3, recovered: true},
		{name: "past the cap", missed: 40, recovered: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rdb, key := newRedis(t)
			cfg := nodeConfig{recovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: maxBytes}}
			a, b := startNode(t, key, cfg), startNode(t, key, cfg)
			waitNodes(t, rdb, key, "/", 2)
			stream := key + "-stream#/#"

			c := siotest.Dial(t, a.ts.URL, "", nil)
			if err := a.io.Emit("e"); err != nil {
				t.Fatal(err)
			}
			offset := offsetOf(t, c.ExpectEvent("e", nil))
			c.Close()
			eventually(t, func() bool {
				return rdb.Exists(context.Background(), key+"-session#/#"+c.PID()).Val() == 1
			}, "session stored")

			big := strings.Repeat("x", 4000)
			var wg sync.WaitGroup
			for i, n := range []*testNode{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range tt.missed {
						var err error
						if j%5 == 4 {
							err = n.io.Of("/").Local().Emit("local", i, j, big)
						} else {
							err = n.io.Emit("missed", i, j, big)
						}
						if err != nil {
							t.Errorf("Emit: %v", err)
						}
					}
				}()
			}
			wg.Wait()

			bytes, kept, newest := streamBytes(t, rdb, stream)
			if bytes > maxBytes || kept == 0 {
				t.Fatalf("the stream holds %d entries of %d bytes, cap %d", kept, bytes, maxBytes)
			}
			if counted, _ := rdb.Get(context.Background(), key+"-stream-bytes#/#").Int64(); counted != bytes {
				t.Fatalf("%d bytes counted, %d in the stream", counted, bytes)
			}
			if total := 1 + 2*tt.missed; tt.recovered && kept != total {
				t.Fatalf("%d entries kept of %d, all within the cap", kept, total)
			}
			last, _ := rdb.XRevRangeN(context.Background(), stream, "+", "-", 1).Result()
			if len(last) != 1 || last[0].ID != newest {
				t.Fatalf("the newest entry %v is not the last kept %s", last, newest)
			}

			c2 := siotest.Dial(t, b.ts.URL, "", map[string]string{"pid": c.PID(), "offset": offset})
			if (c2.SID() == c.SID()) != tt.recovered {
				t.Fatalf("recovered %v, want %v", c2.SID() == c.SID(), tt.recovered)
			}
			if !tt.recovered {
				return
			}
			got := map[string]int{}
			for range 2 * tt.missed {
				args, _ := c2.Event()
				got[string(args[0])+" "+string(args[1])]++
			}
			for _, i := range []int{0, 1} {
				if n := got[`"missed" `+strconv.Itoa(i)]; n != tt.missed {
					t.Fatalf("%d missed events from node %d, want %d (%v)", n, i, tt.missed, got)
				}
			}
		})
	}
}

// TestStreamTrim runs the append script on a stream prepared by hand: the
// entries it keeps and the bytes it counts after each case.
func TestStreamTrim(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old := func(i int) string { return strconv.Itoa(1000+i) + "-1" } // long expired
	tests := []struct {
		name    string
		opts    socketio.RecoveryOptions
		maxLen  int64
		prepare func(t *testing.T, rdb *redis.Client, stream, counted string)
		appends int
		// the stream afterwards: its number of entries, and whether the
		// last append's entry is among them
		kept      int
		keepsLast bool
	}{
		{
			name: "expired entries go, counted off",
			opts: socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: -1},
			prepare: func(t *testing.T, rdb *redis.Client, stream, counted string) {
				addEntries(t, rdb, stream, counted, 10, old)
			},
			appends: 1, kept: 1, keepsLast: true,
		},
		{
			name: "a backlog goes 256 an append",
			opts: socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: -1},
			prepare: func(t *testing.T, rdb *redis.Client, stream, counted string) {
				addEntries(t, rdb, stream, counted, 600, old)
			},
			appends: 1, kept: 600 - 256 + 1, keepsLast: true,
		},
		{
			name: "the backlog is gone after three",
			opts: socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: -1},
			prepare: func(t *testing.T, rdb *redis.Client, stream, counted string) {
				addEntries(t, rdb, stream, counted, 600, old)
			},
			appends: 3, kept: 3, keepsLast: true,
		},
		{
			name:    "StreamMaxLen",
			opts:    socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: -1},
			maxLen:  5,
			appends: 20, kept: 5, keepsLast: true,
		},
		{
			name:    "bytes: the newest that fit",
			opts:    socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: 3500},
			appends: 20, kept: 3, keepsLast: true, // 1000-byte entries and their fields
		},
		{
			name:    "an entry over the cap is not kept",
			opts:    socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: 500},
			appends: 3, kept: 0, keepsLast: false,
		},
		{
			name: "a count too high (entries trimmed uncounted) is set right",
			opts: socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: 1 << 20},
			prepare: func(t *testing.T, rdb *redis.Client, stream, counted string) {
				addEntries(t, rdb, stream, counted, 3, func(int) string { return "*" })
				rdb.IncrBy(ctx, counted, 5<<20)
			},
			appends: 2, kept: 2, keepsLast: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rdb, key := newRedis(t)
			node := &Node{client: rdb, opts: (&Options{Key: key, StreamMaxLen: tt.maxLen}).withDefaults()}
			opts := tt.opts
			if opts.MaxLogBytes < 0 {
				opts.MaxLogBytes = 0
			}
			r := newRecovery(node, "/", &opts)
			if tt.prepare != nil {
				tt.prepare(t, rdb, r.stream, r.streamBytes)
			}
			p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["e","` + strings.Repeat("x", 1000) + `"]`)}
			var id string
			for range tt.appends {
				var err error
				if id, err = r.append(p, &socketio.BroadcastOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			bytes, kept, newest := streamBytes(t, rdb, r.stream)
			if kept != tt.kept || (newest == id) != tt.keepsLast {
				t.Fatalf("%d entries kept, the newest %s (appended %s); want %d, the last kept %v", kept, newest, id, tt.kept, tt.keepsLast)
			}
			counted, err := rdb.Get(ctx, r.streamBytes).Int64()
			if err != nil || counted != bytes {
				t.Fatalf("%d bytes counted (%v), %d in the stream", counted, err, bytes)
			}
			if opts.MaxLogBytes > 0 && bytes > opts.MaxLogBytes {
				t.Fatalf("%d bytes kept, cap %d", bytes, opts.MaxLogBytes)
			}
		})
	}
}

// addEntries adds n entries of the recovery stream's format with the ids
// id(i) gives, and counts their bytes as the append script does.
func addEntries(t *testing.T, rdb *redis.Client, stream, counted string, n int, id func(i int) string) {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		values := []any{"d", `["old",` + strconv.Itoa(i) + `]`, "r", "[]", "x", "[]"}
		if err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: stream, ID: id(i), Values: values}).Err(); err != nil {
			t.Fatal(err)
		}
		size := 0
		for _, v := range values {
			size += len(v.(string))
		}
		rdb.IncrBy(ctx, counted, int64(size))
	}
}

// BenchmarkStreamAppend measures appending a 200-byte broadcast to a
// recovery stream that is full: each append trims the oldest entry.
func BenchmarkStreamAppend(b *testing.B) {
	rdb, key := newRedis(b)
	node := &Node{client: rdb, opts: (&Options{Key: key}).withDefaults()}
	r := newRecovery(node, "/", &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: 64 << 10})
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["e","` + strings.Repeat("x", 200) + `"]`)}
	opts := &socketio.BroadcastOptions{Rooms: []string{"room"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.append(p, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStreamAppendPublish(b *testing.B) {
	rdb, key := newRedis(b)
	node := &Node{client: rdb, opts: (&Options{Key: key}).withDefaults()}
	r := newRecovery(node, "/", &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute, MaxLogBytes: 64 << 10})
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["e","` + strings.Repeat("x", 200) + `"]`)}
	opts := &socketio.BroadcastOptions{Rooms: []string{"room"}}
	b.ReportAllocs()
	for b.Loop() {
		parts, err := encodeBroadcastParts("uid", p, opts)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.appendAndPublish(p, opts, key+"-bench", parts); err != nil {
			b.Fatal(err)
		}
	}
}
