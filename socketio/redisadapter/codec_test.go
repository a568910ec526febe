package redisadapter

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// What notepack.io 3.0.1 writes for a broadcast of
//
//	["node-uid", {type: 2, nsp: "/", data: ["ev", Buffer.from([1, 2]), 1.5,
//	  -3, 300, undefined, null, {a: undefined, b: new Date(1700000000123),
//	  c: "é"}, new Uint8Array([9])]}, {rooms: ["r"], except: ["x"],
//	  flags: {volatile: true}}]
const notepackBroadcast = "93a86e6f64652d75696483a47479706502a46461746199a26576c4020102cb3ff8000000000000fdcd012cc0c082a162d7ff1d5353006553f100a163a2c3a9c40109a36e7370a12f83a5726f6f6d7391a172a665786365707491a178a5666c61677381a8766f6c6174696c65c3"

func TestDecodeNotepackBroadcast(t *testing.T) {
	b, _ := hex.DecodeString(notepackBroadcast)
	m, err := decodeBroadcast(b, "")
	if err != nil {
		t.Fatal(err)
	}
	want := `["ev",{"_placeholder":true,"num":0},1.5,-3,300,null,null,{"b":"2023-11-14T22:13:20.123Z","c":"é"},{"_placeholder":true,"num":1}]`
	if string(m.packet.Data) != want {
		t.Fatalf("data\n%s\nwant\n%s", m.packet.Data, want)
	}
	if m.uid != "node-uid" || m.packet.Type != parser.BinaryEvent || m.packet.Namespace != "/" {
		t.Fatalf("message %+v", m)
	}
	if _, err := decodeBroadcast(b, "node-uid"); !errors.Is(err, errOwn) {
		t.Fatalf("own message: %v", err)
	}
	if len(m.packet.Attachments) != 2 || !bytes.Equal(m.packet.Attachments[0], []byte{1, 2}) || !bytes.Equal(m.packet.Attachments[1], []byte{9}) {
		t.Fatalf("attachments %v", m.packet.Attachments)
	}
	if len(m.opts.Rooms) != 1 || m.opts.Rooms[0] != "r" || len(m.opts.Except) != 1 || m.opts.Except[0] != "x" || !m.opts.Volatile {
		t.Fatalf("opts %+v", m.opts)
	}
}

func TestDecodeNotepackAck(t *testing.T) {
	b, _ := hex.DecodeString("83a47479706509a9726571756573744964a3616263a67061636b657481a26f6bc3")
	r, err := decodeResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Type != reqBroadcastAckMsg || r.RequestID != "abc" || r.ack == nil || string(*r.ack) != `{"ok":true}` {
		t.Fatalf("response %+v", r)
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	cases := []struct {
		data string
		att  [][]byte
	}{
		{`["a"]`, nil},
		{`["a",1,-1,0,127,128,-33,65536,4294967296,-4294967296,9007199254740993]`, nil},
		{`["a",1.5,-0.25,1e-7,1e21,123456789.125]`, nil},
		{`["a","q\"uote","\u00e9\ud83d\ude00","tab\t",""]`, nil},
		{`[ "a" , { "k" : [ true , false , null ] , "e" : { } , "l" : [ ] } ]`, nil},
		{`["a",{"_placeholder":true,"num":1},{"x":{"_placeholder":true,"num":0}}]`, [][]byte{{1}, {2, 3}}},
		{`["a",{"_placeholder":true,"num":0,"extra":1}]`, [][]byte{{1}}},
	}
	want := []string{
		`["a"]`,
		`["a",1,-1,0,127,128,-33,65536,4294967296,-4294967296,9007199254740993]`,
		`["a",1.5,-0.25,1e-7,1e+21,123456789.125]`,
		`["a","q\"uote","é😀","tab\t",""]`,
		`["a",{"k":[true,false,null],"e":{},"l":[]}]`,
		`["a",{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`,
		`["a",{"_placeholder":true,"num":0,"extra":1}]`,
	}
	for i, c := range cases {
		p := &parser.Packet{Type: parser.Event, Namespace: "/chat", Data: []byte(c.data), Attachments: c.att}
		b, err := encodeBroadcast("uid", p, &socketio.BroadcastOptions{Rooms: []string{"r"}}, "")
		if err != nil {
			t.Fatalf("%s: %v", c.data, err)
		}
		m, err := decodeBroadcast(b, "")
		if err != nil {
			t.Fatalf("%s: decode: %v", c.data, err)
		}
		got := string(m.packet.Data)
		if got != want[i] {
			t.Errorf("%s\n got %s\nwant %s", c.data, got, want[i])
		}
		if m.packet.Namespace != "/chat" || m.uid != "uid" {
			t.Errorf("%+v", m)
		}
		if i == 5 && (len(m.packet.Attachments) != 2 || !bytes.Equal(m.packet.Attachments[0], []byte{2, 3})) {
			t.Errorf("attachments %v", m.packet.Attachments)
		}
		if !json.Valid(m.packet.Data) {
			t.Errorf("invalid JSON %s", m.packet.Data)
		}
	}
}

func TestDecodeHostileMessages(t *testing.T) {
	for _, h := range []string{
		"", "93", "93a0", "93a0c0c0", "c6ffffffff", "93a0c6ffffffff", "9fc0", "93a081a464617461dd7fffffff",
		"93a083a474797065a474797065a46461746190a36e7370a12f80", // type is a string
		"93a082a46461746191c7ffff01a36e7370a12f80",             // huge ext
	} {
		b, _ := hex.DecodeString(h)
		if _, err := decodeBroadcast(b, ""); err == nil {
			t.Errorf("%s decoded", h)
		}
	}
	deep := bytes.Repeat([]byte{0x91}, 10000)
	if _, err := decodeBroadcast(append([]byte{0x93, 0xa0, 0x81, 0xa4, 'd', 'a', 't', 'a'}, deep...), ""); err == nil {
		t.Error("deep nesting decoded")
	}
}

func FuzzDecodeMessages(f *testing.F) {
	b, _ := hex.DecodeString(notepackBroadcast)
	f.Add(b)
	p := &parser.Packet{Type: parser.Event, Data: []byte(`["a",{"b":[1,2.5,"c"]},{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1}}}
	enc, _ := encodeBroadcast("u", p, &socketio.BroadcastOptions{Rooms: []string{"r"}, Except: []string{"x"}}, "1-1")
	f.Add(enc)
	req, _ := encodeBroadcastRequest("u", "id", p, &socketio.BroadcastOptions{}, 100)
	f.Add(req)
	f.Add([]byte(`{"uid":"x","type":5,"requestId":"r","opts":{"rooms":["a",1],"except":[]}}`))
	f.Add([]byte(`{"requestId":"r","sockets":[{"id":"s","handshake":{"headers":{"a":["b"]}},"rooms":["s"],"data":{}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if m, err := decodeBroadcast(b, ""); err == nil {
			if !json.Valid(m.packet.Data) {
				t.Fatalf("invalid JSON %q from %x", m.packet.Data, b)
			}
			// what decodes encodes again
			if _, err := encodeBroadcast("u", m.packet, m.opts.BroadcastOptions(), ""); err != nil {
				t.Fatalf("re-encode %q: %v", m.packet.Data, err)
			}
		}
		if r, err := decodeRequest(b); err == nil && r.packet != nil && !json.Valid(r.packet.Data) {
			t.Fatalf("invalid JSON %q", r.packet.Data)
		}
		if r, err := decodeResponse(b); err == nil {
			_ = remoteSockets("/", r.Sockets)
			if r.ack != nil && !json.Valid(*r.ack) {
				t.Fatalf("invalid JSON %q", *r.ack)
			}
		}
	})
}

// FuzzJSONRoundTrip: any event data encodes, and decodes to the same JSON
// value.
func FuzzJSONRoundTrip(f *testing.F) {
	for _, s := range []string{`["a"]`, `["a",1,-2.5e-3,"\u00e9",{"b":[null,true]}]`, `["x",{},[],[[[]]],""]`, `["n",123456789012345678901234567890,-0,1E400]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want any
		if len(data) == 0 || data[0] != '[' || json.Unmarshal(data, &want) != nil {
			return
		}
		if list, _ := want.([]any); len(list) == 0 {
			return
		} else if _, named := list[0].(string); !named {
			return // not an event: socketio/cluster's codec refuses one without a name
		}
		p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: data}
		b, err := encodeBroadcast("u", p, &socketio.BroadcastOptions{}, "")
		if err != nil {
			if errors.Is(err, msgpackjson.ErrDepth) {
				return
			}
			t.Fatalf("encode %q: %v", data, err)
		}
		m, err := decodeBroadcast(b, "")
		if err != nil {
			t.Fatalf("decode of %q: %v", data, err)
		}
		var got any
		if err := json.Unmarshal(m.packet.Data, &got); err != nil {
			t.Fatalf("%q became invalid %q", data, m.packet.Data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q became %q", data, m.packet.Data)
		}
	})
}

func BenchmarkEncodeBroadcast(b *testing.B) {
	for _, bc := range []struct {
		name string
		p    *parser.Packet
	}{
		{"small", &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["notification",{"id":"n1","kind":"voicemail","from":"+15550100","at":1700000000123}]`)}},
		{"binary", &parser.Packet{Type: parser.BinaryEvent, Namespace: "/", Data: []byte(`["audio",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{make([]byte, 4096)}}},
		{"large", &parser.Packet{Type: parser.Event, Namespace: "/", Data: largeEvent()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := &socketio.BroadcastOptions{Rooms: []string{"dept:sales"}, Except: []string{"sid"}}
			b.SetBytes(int64(len(bc.p.Data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := encodeBroadcast("uid", bc.p, opts, "1700000000123-0"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeBroadcast(b *testing.B) {
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: largeEvent()}
	msg, _ := encodeBroadcast("uid", p, &socketio.BroadcastOptions{Rooms: []string{"r"}}, "")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeBroadcast(msg, ""); err != nil {
			b.Fatal(err)
		}
	}
}

func largeEvent() []byte {
	items := make([]map[string]any, 50)
	for i := range items {
		items[i] = map[string]any{"id": i, "name": "item name", "score": 1.25, "tags": []string{"a", "b"}, "ok": true}
	}
	b, _ := json.Marshal([]any{"list", items})
	return b
}

// The msgpack codec must stay the one notepack reads: a sanity check of
// the library's compact integers.
func TestCompactInts(t *testing.T) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	_ = e.EncodeInt(1)
	_ = e.EncodeInt(300)
	if got := hex.EncodeToString(buf.Bytes()); got != "01cd012c" {
		t.Fatalf("got %s", got)
	}
}

// TestEncodeBroadcastParts: the parts joined around an entry id, as the
// append-and-publish script joins them, are the message encodeBroadcast
// writes for that offset, for ids short and long (fixstr and str8).
func TestEncodeBroadcastParts(t *testing.T) {
	p := &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["ev",{"a":"` + offsetMarker[:5] + `"},2]`)}
	opts := &socketio.BroadcastOptions{Rooms: []string{"r1", "r2"}, Except: []string{"x"}}
	parts, err := encodeBroadcastParts("uid-1", p, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1732580000000-0", "1732580000000-123456789012345678901234"} {
		var enc []byte
		if len(id) < 32 {
			enc = append([]byte{0xa0 | byte(len(id))}, id...)
		} else {
			enc = append([]byte{0xd9, byte(len(id))}, id...)
		}
		joined := bytes.Join([][]byte{parts[0], parts[1], parts[2]}, enc)
		want, _ := encodeBroadcast("uid-1", withOffset(p, id), opts, id)
		if !bytes.Equal(joined, want) {
			t.Fatalf("id %s: joined parts differ from the message", id)
		}
		m, err := decodeBroadcast(joined, "uid-1")
		if err != nil || !m.own || m.opts.Offset != id || string(m.packet.Data) != `["ev",{"a":"`+offsetMarker[:5]+`"},2,"`+id+`"]` {
			t.Fatalf("id %s: decoded %+v, %v", id, m, err)
		}
	}
}
