package redisadapter

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestClusterMsgRoundTrip: what a Go node sends decodes to what it meant,
// in JSON and in MessagePack (binary), with an offset or without.
func TestClusterMsgRoundTrip(t *testing.T) {
	bin := &parser.Packet{Type: parser.BinaryEvent, Namespace: "/n", Data: []byte(`["e",{"_placeholder":true,"num":0},1.5]`), Attachments: [][]byte{{1, 2}}}
	text := &parser.Packet{Type: parser.Event, Namespace: "/n", Data: []byte(`["e",{"a":[1,"x"]},null]`)}
	for _, tt := range []struct {
		name   string
		packet *parser.Packet
		offset string
		json   bool
	}{
		{"json", text, "", true},
		{"json with offset", text, "123-4", true},
		{"msgpack", bin, "", false},
		{"msgpack with offset", bin, "123-4", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := toWireOptsFlags(&socketio.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Volatile: true}, 0)
			opts.Offset = tt.offset
			out := &clusterOut{typ: cmBroadcast, uid: "u", nsp: "/n", data: []field{{key: "packet", val: tt.packet}, {key: "opts", val: opts}}}
			b, err := out.encode()
			if err != nil {
				t.Fatal(err)
			}
			if (b[0] == '{') != tt.json {
				t.Fatalf("encoded %q: JSON %v, want %v", b, b[0] == '{', tt.json)
			}
			m, err := decodeClusterMsg(b)
			if err != nil {
				t.Fatal(err)
			}
			if m.uid != "u" || m.nsp != "/n" || m.typ != cmBroadcast || m.packet.Namespace != "/n" ||
				string(m.packet.Data) != string(tt.packet.Data) || len(m.packet.Attachments) != len(tt.packet.Attachments) ||
				!slices.Equal(m.opts.Rooms, []string{"r"}) || !slices.Equal(m.opts.Except, []string{"x"}) ||
				!m.opts.Flags.Volatile || m.opts.Offset != tt.offset {
				t.Fatalf("decoded %+v packet %+v opts %+v", m, m.packet, m.opts)
			}
		})
	}
}

// TestDecodeNodeClusterMessages decodes messages as Node's sharded
// adapter writes them (JSON.stringify of the ClusterMessage, uid and nsp
// last).
func TestDecodeNodeClusterMessages(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		typ  int
		want func(m *clusterMsg) bool
	}{
		{`{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}},"uid":"abc","nsp":"/"}`, cmBroadcast,
			func(m *clusterMsg) bool { return string(m.packet.Data) == `["e",1]` && m.opts.Rooms[0] == "r" }},
		{`{"type":4,"data":{"opts":{"rooms":["r"],"except":["x"]},"rooms":["a","b"]},"uid":"abc","nsp":"/"}`, cmSocketsJoin,
			func(m *clusterMsg) bool { return slices.Equal(m.rooms, []string{"a", "b"}) && m.opts.Except[0] == "x" }},
		{`{"type":6,"data":{"opts":{"rooms":[],"except":[]},"close":true},"uid":"abc","nsp":"/"}`, cmDisconnectSockets,
			func(m *clusterMsg) bool { return m.close }},
		{`{"type":9,"data":{"requestId":"q","packet":["ask",{"a":1}]},"uid":"abc","nsp":"/"}`, cmServerSideEmit,
			func(m *clusterMsg) bool { return m.requestID == "q" && string(m.value) == `["ask",{"a":1}]` }},
		{`{"type":8,"data":{"requestId":"q","sockets":[{"id":"s","rooms":["s"]}]},"uid":"abc","nsp":"/"}`, cmFetchResponse,
			func(m *clusterMsg) bool { return len(remoteSockets("/", m.value)) == 1 }},
		{`{"type":11,"data":{"requestId":"q","clientCount":3},"uid":"abc","nsp":"/"}`, cmBroadcastCount,
			func(m *clusterMsg) bool { return m.clientCount == 3 }},
	} {
		m, err := decodeClusterMsg([]byte(tt.raw))
		if err != nil || m.typ != tt.typ || m.uid != "abc" || !tt.want(m) {
			t.Errorf("%s: %+v, %v", tt.raw, m, err)
		}
	}
	for _, bad := range []string{`{"data":{}}`, `{"type":3,"data":{"packet":{"type":0,"data":["e"]}}}`, `{"type":3,"data":{"packet":{"type":2,"data":[]}}}`, "\xc1", ""} {
		if _, err := decodeClusterMsg([]byte(bad)); err == nil {
			t.Errorf("%q decoded", bad)
		}
	}
}

func FuzzDecodeClusterMsg(f *testing.F) {
	bin := &parser.Packet{Type: parser.BinaryEvent, Namespace: "/", Data: []byte(`["e",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	out := &clusterOut{typ: cmBroadcast, uid: "u", nsp: "/", data: []field{{key: "packet", val: bin}, {key: "opts", val: toWireOptsFlags(&socketio.BroadcastOptions{}, 5)}}}
	b, _ := out.encode()
	f.Add(b)
	ack := &clusterOut{typ: cmBroadcastAck, uid: "u", nsp: "/", data: []field{{key: "requestId", val: "q"}, {key: "packet", val: json.RawMessage(`{"_placeholder":true,"num":0}`), atts: [][]byte{{2}}}}}
	b, _ = ack.encode()
	f.Add(b)
	f.Add([]byte(`{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{},"offset":"1-1"}},"uid":"abc","nsp":"/"}`))
	f.Add([]byte(`{"type":9,"data":{"packet":["ask"]},"uid":"emitter","nsp":"/"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeClusterMsg(b)
		if err != nil {
			return
		}
		if m.packet != nil {
			if !json.Valid(m.packet.Data) {
				t.Fatalf("invalid JSON %q from %x", m.packet.Data, b)
			}
			re := &clusterOut{typ: cmBroadcast, uid: "u", nsp: "/", data: []field{{key: "packet", val: m.packet}}}
			if _, err := re.encode(); err != nil {
				t.Fatalf("re-encode %q: %v", m.packet.Data, err)
			}
		}
		if len(m.value) > 0 && !json.Valid(m.value) {
			t.Fatalf("invalid JSON value %q", m.value)
		}
		_ = remoteSockets("/", m.value)
	})
}
