package redisadapter

import (
	"encoding/json"
	"testing"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestClassicWireGolden pins the bytes of the classic adapter's messages
// (@socket.io/redis-adapter's protocol): a broadcast [uid, packet, opts],
// a BROADCAST request and its ack (MessagePack), and JSON requests with
// options. The golden bytes were produced by the adapter's own codec,
// before it read and wrote packets and options with socketio/cluster.
func TestClassicWireGolden(t *testing.T) {
	text := &parser.Packet{Type: parser.Event, Namespace: "/n", Data: []byte(`["e",{"a":[1,"x"]},null]`)}
	bin := &parser.Packet{Type: parser.BinaryEvent, Namespace: "/n", Data: []byte(`["e",{"_placeholder":true,"num":0},1.5]`), Attachments: [][]byte{{1, 2}}}
	sel := &socketio.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}, Volatile: true, Uncompressed: true}
	checkGolden(t, []golden{
		{"broadcast", func() ([]byte, error) { return encodeBroadcast("u", text, sel, "") }, "93a17583a47479706502a46461746193a16581a1619201a178c0a36e7370a22f6e83a5726f6f6d73" +
			"91a172a665786365707491a178a5666c61677382a8766f6c6174696c65c3a8636f6d7072657373c2"},
		{"broadcast binary with offset", func() ([]byte, error) { return encodeBroadcast("u", bin, &socketio.BroadcastOptions{}, "17-2") }, "93a17583a47479706502a46461746193a165c4020102cb3ff8000000000000a36e7370a2" +
			"2f6e84a5726f6f6d7390a665786365707490a5666c61677380a66f6666736574a431372d32"},
		{"broadcast request", func() ([]byte, error) { return encodeBroadcastRequest("u", "q1", bin, sel, 1500) }, "85a3756964a175a9726571756573744964a27131a47479706507a67061636b657483a47479706502a46461746193a165c4020102cb3ff8000000000000a36e7370" +
			"a22f6ea46f70747383a5726f6f6d7391a172a665786365707491a178a5666c61677383a8766f6c6174696c65c3a8636f6d7072657373c2a774696d656f7574cd05dc"},
		{"ack", func() ([]byte, error) {
			return encodeAckResponse("q1", socketio.NewArgs([]json.RawMessage{json.RawMessage(`{"_placeholder":true,"num":0}`)}, [][]byte{{9}}))
		}, "83a47479706509a9726571756573744964a27131a67061636b6574c40109"},
		{"ack none", func() ([]byte, error) { return encodeAckResponse("q1", socketio.Args{}) }, "82a47479706509a9726571756573744964a27131"},
		{"join request", func() ([]byte, error) {
			return json.Marshal(&request{UID: "u", Type: reqRemoteJoin, Opts: toWireOpts(sel), Rooms: []string{"a"}})
		}, `{"uid":"u","type":2,"opts":{"rooms":["r"],"except":["x"],"flags":{}},"rooms":["a"]}`},
		{"fetch request", func() ([]byte, error) {
			return json.Marshal(&request{UID: "u", RequestID: "q2", Type: reqRemoteFetch, Opts: toWireOpts(&socketio.BroadcastOptions{})})
		}, `{"uid":"u","requestId":"q2","type":5,"opts":{"rooms":[],"except":[],"flags":{}}}`},
	})
}
