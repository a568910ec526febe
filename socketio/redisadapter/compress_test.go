package redisadapter

import (
	"encoding/json"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestCompressFlag checks that a broadcast's Compress(false) crosses the
// cluster as Node's adapter writes it (flags.compress: false), from Go
// and from Node nodes, in msgpack and in JSON.
func TestCompressFlag(t *testing.T) {
	t.Parallel()
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["a"]`)}
	for _, uncompressed := range []bool{false, true} {
		b, err := encodeBroadcast("uid", p, &socketio.BroadcastOptions{Uncompressed: uncompressed}, "")
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeBroadcast(b, "")
		if err != nil {
			t.Fatal(err)
		}
		if got := m.opts.BroadcastOptions().Uncompressed; got != uncompressed {
			t.Errorf("Go to Go: Uncompressed %v, want %v", got, uncompressed)
		}
	}
	for _, tc := range []struct {
		flags        map[string]any
		uncompressed bool
	}{
		{map[string]any{}, false},
		{map[string]any{"compress": true}, false},
		{map[string]any{"compress": false}, true},
		{map[string]any{"compress": "no"}, false},
		{map[string]any{"volatile": true, "compress": false}, true},
	} {
		// As notepack.io encodes Node's [uid, packet, opts].
		b, err := msgpack.Marshal([]any{"node", map[string]any{"type": 2, "nsp": "/", "data": []any{"a"}},
			map[string]any{"rooms": []string{}, "except": []string{}, "flags": tc.flags}})
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeBroadcast(b, "")
		if err != nil {
			t.Fatalf("flags %v: %v", tc.flags, err)
		}
		if got := m.opts.BroadcastOptions().Uncompressed; got != tc.uncompressed {
			t.Errorf("flags %v (msgpack): Uncompressed %v, want %v", tc.flags, got, tc.uncompressed)
		}
		j, _ := json.Marshal(map[string]any{"rooms": []string{}, "except": []string{}, "flags": tc.flags})
		var o cluster.Opts
		if err := json.Unmarshal(j, &o); err != nil {
			t.Fatalf("flags %v (JSON): %v", tc.flags, err)
		}
		if got := o.BroadcastOptions().Uncompressed; got != tc.uncompressed {
			t.Errorf("flags %v (JSON): Uncompressed %v, want %v", tc.flags, got, tc.uncompressed)
		}
	}
}
