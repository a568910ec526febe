package cluster

import (
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// TestMessageRoundTrip: every type encodes to JSON (without binary) and
// MessagePack and decodes back to what was encoded.
func TestMessageRoundTrip(t *testing.T) {
	f := false
	ev := &parser.Packet{Type: parser.Event, Namespace: "/chat", Data: json.RawMessage(`["e",1,{"a":"b"}]`)}
	bin := &parser.Packet{Type: parser.BinaryEvent, Namespace: "/", Data: json.RawMessage(`["e",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2}}}
	opts := &Opts{Rooms: []string{"r"}, Except: []string{"x"}, Volatile: true, Compress: &f, Timeout: 1500}
	cases := []struct {
		name string
		m    Message
	}{
		{"initial heartbeat", Message{Type: InitialHeartbeat}},
		{"heartbeat", Message{Type: Heartbeat}},
		{"close", Message{Type: AdapterClose}},
		{"broadcast", Message{Type: Broadcast, Packet: ev, Opts: opts}},
		{"broadcast binary", Message{Type: Broadcast, Packet: bin, Opts: &Opts{Rooms: []string{}, Except: []string{}}}},
		{"broadcast with acks", Message{Type: Broadcast, Packet: ev, Opts: opts, RequestID: "abc"}},
		{"broadcast with offset", Message{Type: Broadcast, Packet: ev, Opts: &Opts{Rooms: []string{"r"}, Except: []string{}, Volatile: true, Offset: "17-2"}}},
		{"broadcast binary with offset", Message{Type: Broadcast, Packet: bin, Opts: &Opts{Rooms: []string{}, Except: []string{}, Offset: "17-2"}}},
		{"join", Message{Type: SocketsJoin, Opts: opts, Rooms: []string{"y", "z"}}},
		{"leave", Message{Type: SocketsLeave, Opts: opts, Rooms: []string{"y"}}},
		{"disconnect", Message{Type: DisconnectSockets, Opts: opts, Close: true}},
		{"fetch", Message{Type: FetchSockets, Opts: opts, RequestID: "r1"}},
		{"fetch response", Message{Type: FetchSocketsResponse, RequestID: "r1", Value: json.RawMessage(`[{"id":"s"}]`)}},
		{"server-side emit", Message{Type: ServerSideEmit, Value: json.RawMessage(`["ev",1]`)}},
		{"server-side emit with ack", Message{Type: ServerSideEmit, RequestID: "q", Value: json.RawMessage(`["ev",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{9}}}},
		{"server-side answer", Message{Type: ServerSideEmitResponse, RequestID: "q", Value: json.RawMessage(`{"ok":true}`)}},
		{"client count", Message{Type: BroadcastClientCount, RequestID: "q", ClientCount: 3}},
		{"ack", Message{Type: BroadcastAck, RequestID: "q", Value: json.RawMessage(`"yes"`)}},
		{"ack without argument", Message{Type: BroadcastAck, RequestID: "q"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.m.UID, c.m.Nsp = "0123456789abcdef", "/chat"
			want := c.m
			if want.Opts != nil && want.Type != Broadcast {
				o := *want.Opts
				want.Opts = &o
			}
			encoders := map[string]func() ([]byte, error){"msgpack": c.m.EncodeMsgpack}
			if !c.m.HasBinary() {
				encoders["json"] = c.m.EncodeJSON
			} else if _, err := c.m.EncodeJSON(); err != ErrBinary {
				t.Fatalf("EncodeJSON of binary: %v", err)
			}
			for name, enc := range encoders {
				b, err := enc()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got, err := Decode(b)
				if err != nil {
					t.Fatalf("%s: decode %q: %v", name, b, err)
				}
				if want.Packet != nil && len(want.Packet.Attachments) == 0 {
					want.Packet.Type = parser.Event
				}
				if !reflect.DeepEqual(got, &want) {
					t.Errorf("%s: got %+v (packet %+v, opts %+v), want %+v", name, got, got.Packet, got.Opts, want)
				}
			}
		})
	}
}

// TestDecodeNodeJSON: messages as Node's JSON.stringify writes them.
func TestDecodeNodeJSON(t *testing.T) {
	cases := []struct {
		in   string
		want Message
	}{
		{`{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":["r",5],"except":[],"flags":{"volatile":true,"timeout":2000.5}}},"uid":"u1","nsp":"/"}`,
			Message{Type: Broadcast, UID: "u1", Nsp: "/", Packet: &parser.Packet{Type: parser.Event, Namespace: "/", Data: json.RawMessage(`["e",1]`)},
				Opts: &Opts{Rooms: []string{"r", "5"}, Except: []string{}, Volatile: true, Timeout: 2000}}},
		{`{"type":3,"data":{"packet":{"type":2,"data":["e"],"nsp":"/"},"opts":{"rooms":[],"flags":{},"except":[]}},"uid":"emitter"}`,
			Message{Type: Broadcast, UID: "emitter", Packet: &parser.Packet{Type: parser.Event, Namespace: "/", Data: json.RawMessage(`["e"]`)},
				Opts: &Opts{Rooms: []string{}, Except: []string{}}}},
		{`{"type":12,"data":{"requestId":"q"},"uid":"u1","nsp":"/"}`, Message{Type: BroadcastAck, UID: "u1", Nsp: "/", RequestID: "q"}},
		{`{"type":2,"uid":"u1","nsp":"/"}`, Message{Type: Heartbeat, UID: "u1", Nsp: "/"}},
		{`{"type":4,"data":{"opts":{"rooms":["a"],"except":[]},"rooms":["b"]},"uid":"emitter"}`,
			Message{Type: SocketsJoin, UID: "emitter", Opts: &Opts{Rooms: []string{"a"}, Except: []string{}}, Rooms: []string{"b"}}},
	}
	for _, c := range cases {
		got, err := Decode([]byte(c.in))
		if err != nil {
			t.Fatalf("%s: %v", c.in, err)
		}
		if !reflect.DeepEqual(got, &c.want) {
			t.Errorf("%s:\ngot  %+v (packet %+v, opts %+v)\nwant %+v", c.in, got, got.Packet, got.Opts, c.want)
		}
	}
}

// FuzzDecode: any input decodes or fails, never panics; what decodes
// encodes and decodes again to the same message.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"type":3,"data":{"packet":{"type":2,"data":["e",1],"nsp":"/"},"opts":{"rooms":["r"],"except":[],"flags":{}}},"uid":"u","nsp":"/"}`,
		`{"type":9,"data":{"packet":["e",{"a":1}],"requestId":"x"},"uid":"u","nsp":"/"}`,
		`{"type":8,"data":{"requestId":"x","sockets":[{"id":"s","rooms":["s"],"handshake":{}}]},"uid":"u","nsp":"/"}`,
		"\x84\xa4type\x03\xa4data\x82\xa6packet\x83\xa4type\x02\xa4data\x92\xa1e\xc4\x01\x07\xa3nsp\xa1/\xa4opts\x80\xa3uid\xa1u\xa3nsp\xa1/",
		"\x83\xa4type\x0c\xa4data\x82\xa9requestId\xa1q\xa6packet\xd4\x00\x00\xa3uid\xa1u",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil || m.Type < InitialHeartbeat || m.Type > AdapterClose {
			return // an unknown type has no data to write
		}
		if m.Type == Broadcast && m.Opts == nil {
			m.Opts = &Opts{}
		}
		enc, err := m.EncodeMsgpack()
		if err != nil {
			return // a Value that is not JSON this node can write (a number beyond float64)
		}
		again, err := Decode(enc)
		if err != nil {
			t.Fatalf("re-decode of %q (from %q): %v", enc, b, err)
		}
		if again.Type != m.Type || again.UID != m.UID || carriesID(m.Type) && again.RequestID != m.RequestID {
			t.Fatalf("round trip: %+v, then %+v", m, again)
		}
	})
}

// carriesID reports whether a message of type t writes its request id.
func carriesID(t Type) bool {
	switch t {
	case Broadcast, FetchSockets, FetchSocketsResponse, ServerSideEmit, ServerSideEmitResponse, BroadcastClientCount, BroadcastAck:
		return true
	}
	return false
}

// TestEncodeNodeOrder: Encode writes JSON in the key order of Node's
// cluster-adapter.ts (the bytes Node's adapters write), MessagePack when
// the message holds binary, and the offset of Go nodes after the flags.
func TestEncodeNodeOrder(t *testing.T) {
	ev := &parser.Packet{Type: parser.Event, Namespace: "/", Data: json.RawMessage(`["e"]`)}
	opts := &Opts{Rooms: []string{"r"}, Except: []string{}, Timeout: 50}
	for _, c := range []struct {
		m    Message
		want string
	}{
		{Message{Type: Broadcast, Packet: ev, Opts: opts, RequestID: "q"},
			`{"type":3,"data":{"packet":{"type":2,"data":["e"],"nsp":"/"},"requestId":"q","opts":{"rooms":["r"],"except":[],"flags":{"timeout":50}}},"uid":"u","nsp":"/"}`},
		{Message{Type: Broadcast, Packet: ev, Opts: &Opts{Offset: "1-0"}},
			`{"type":3,"data":{"packet":{"type":2,"data":["e"],"nsp":"/"},"opts":{"rooms":[],"except":[],"flags":{},"offset":"1-0"}},"uid":"u","nsp":"/"}`},
		{Message{Type: ServerSideEmit, RequestID: "q", Value: json.RawMessage(`["e"]`)},
			`{"type":9,"data":{"requestId":"q","packet":["e"]},"uid":"u","nsp":"/"}`},
		{Message{Type: ServerSideEmit, Value: json.RawMessage(`["e"]`)},
			`{"type":9,"data":{"packet":["e"]},"uid":"u","nsp":"/"}`},
		{Message{Type: BroadcastAck, RequestID: "q", Value: json.RawMessage(`{"_placeholder":true,"num":0}`), Attachments: [][]byte{{7}}},
			"84a4747970650ca46461746182a9726571756573744964a171a67061636b6574c40107a3756964a175a36e7370a12f"},
	} {
		c.m.UID, c.m.Nsp = "u", "/"
		b, err := c.m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		got := string(b)
		if b[0] != '{' {
			got = hex.EncodeToString(b)
		}
		if got != c.want {
			t.Errorf("type %d:\ngot  %s\nwant %s", c.m.Type, got, c.want)
		}
	}
}
