package redisadapter

import (
	"encoding/hex"
	"encoding/json"
	"testing"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestShardedWireGolden pins the bytes of the sharded adapter's messages,
// as this node publishes them (the golden bytes were produced by the
// adapter's own codec, before the messages moved to socketio/cluster): JSON in Node's key order, MessagePack when binary,
// opts with the recovery offset of Go nodes.
func TestShardedWireGolden(t *testing.T) {
	text := &parser.Packet{Type: parser.Event, Namespace: "/n", Data: []byte(`["e",{"a":[1,"x"]},null]`)}
	bin := &parser.Packet{Type: parser.BinaryEvent, Namespace: "/n", Data: []byte(`["e",{"_placeholder":true,"num":0},1.5]`), Attachments: [][]byte{{1, 2}}}
	sel := &socketio.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Volatile: true, Uncompressed: true}
	checkGolden(t, []golden{
		{"broadcast", func() ([]byte, error) { return goldenBroadcast(text, sel, 0, "", "") },
			`{"type":3,"data":{"packet":{"type":2,"data":["e",{"a":[1,"x"]},null],"nsp":"/n"},"opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true}}},"uid":"u","nsp":"/n"}`},
		{"broadcast no rooms", func() ([]byte, error) { return goldenBroadcast(text, &socketio.BroadcastOptions{}, 0, "", "") },
			`{"type":3,"data":{"packet":{"type":2,"data":["e",{"a":[1,"x"]},null],"nsp":"/n"},"opts":{"rooms":[],"except":[],"flags":{}}},"uid":"u","nsp":"/n"}`},
		{"broadcast with offset", func() ([]byte, error) { return goldenBroadcast(text, sel, 0, "", "17-2") },
			`{"type":3,"data":{"packet":{"type":2,"data":["e",{"a":[1,"x"]},null],"nsp":"/n"},"opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true},"offset":"17-2"}},"uid":"u","nsp":"/n"}`},
		{"broadcast with ack", func() ([]byte, error) { return goldenBroadcast(text, sel, 1500, "q1", "") },
			`{"type":3,"data":{"packet":{"type":2,"data":["e",{"a":[1,"x"]},null],"nsp":"/n"},"requestId":"q1","opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true,"timeout":1500}}},"uid":"u","nsp":"/n"}`},
		{"broadcast binary with offset", func() ([]byte, error) { return goldenBroadcast(bin, sel, 0, "", "17-2") },
			"84a47479706503a46461746182a67061636b657483a47479706502a46461746193a165c4020102cb3ff8000000000000a36e7370a22f6e" +
				"a46f70747384a5726f6f6d7391a172a665786365707491a178a5666c61677381a8766f6c6174696c65c3a66f6666736574a431372d32a3756964a175a36e7370a22f6e"},
		{"broadcast binary with ack", func() ([]byte, error) { return goldenBroadcast(bin, sel, 1500, "q1", "") },
			"84a47479706503a46461746183a67061636b657483a47479706502a46461746193a165c4020102cb3ff8000000000000a36e7370a22f6e" +
				"a9726571756573744964a27131a46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677382a8766f6c6174696c65c3a774696d656f7574cd05dca3756964a175a36e7370a22f6e"},
		{"fetchSockets", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.FetchSockets, Opts: shardedOpts(sel, 0), RequestID: "q2"})
		}, `{"type":7,"data":{"opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true}},"requestId":"q2"},"uid":"u","nsp":"/n"}`},
		{"socketsJoin", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.SocketsJoin, Opts: shardedOpts(sel, 0)})
		}, `{"type":4,"data":{"opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true}},"rooms":[]},"uid":"u","nsp":"/n"}`},
		{"disconnectSockets", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.DisconnectSockets, Opts: shardedOpts(sel, 0), Close: true})
		}, `{"type":6,"data":{"opts":{"rooms":["r"],"except":["x"],"flags":{"volatile":true}},"close":true},"uid":"u","nsp":"/n"}`},
		{"serverSideEmit with ack", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.ServerSideEmit, RequestID: "q3", Value: json.RawMessage(`["ask",1]`)})
		}, `{"type":9,"data":{"requestId":"q3","packet":["ask",1]},"uid":"u","nsp":"/n"}`},
		{"fetchSockets response", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.FetchSocketsResponse, RequestID: "q2", Value: json.RawMessage(`[{"id":"s"}]`)})
		}, `{"type":8,"data":{"requestId":"q2","sockets":[{"id":"s"}]},"uid":"u","nsp":"/n"}`},
		{"client count", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.BroadcastClientCount, RequestID: "q1", ClientCount: 3})
		}, `{"type":11,"data":{"requestId":"q1","clientCount":3},"uid":"u","nsp":"/n"}`},
		{"ack none", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.BroadcastAck, RequestID: "q1"})
		}, `{"type":12,"data":{"requestId":"q1","packet":null},"uid":"u","nsp":"/n"}`},
		{"ack binary", func() ([]byte, error) {
			return goldenEncode(&cluster.Message{Type: cluster.BroadcastAck, RequestID: "q1", Value: json.RawMessage(`{"_placeholder":true,"num":0}`), Attachments: [][]byte{{9}}})
		}, "84a474797065" + "0ca464617461" + "82a9726571756573744964a27131a67061636b6574c40109a3756964a175a36e7370a22f6e"},
	})
}

// golden is a message and the bytes it must encode to.
type golden struct {
	name string
	b    func() ([]byte, error)
	want string // JSON text, or hex of MessagePack
}

func checkGolden(t *testing.T, cases []golden) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.b()
			if err != nil {
				t.Fatal(err)
			}
			got := string(b)
			if len(b) > 0 && b[0] != '{' {
				got = hex.EncodeToString(b)
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

// goldenBroadcast encodes a broadcast of node "u" as the adapter does: with
// a request id for one with ack (timeout in ms), with an offset for a
// logged one.
func goldenBroadcast(p *parser.Packet, opts *socketio.BroadcastOptions, timeout int64, id, offset string) ([]byte, error) {
	w := shardedOpts(opts, timeout)
	w.Offset = offset
	return goldenEncode(&cluster.Message{Type: cluster.Broadcast, Packet: p, RequestID: id, Opts: w})
}

// goldenEncode encodes m as the sharded adapter of node "u" on "/n" does.
func goldenEncode(m *cluster.Message) ([]byte, error) {
	return encodeFrom("u", "/n", m)
}
