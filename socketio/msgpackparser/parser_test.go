package msgpackparser

import (
	"bytes"
	"encoding/hex"
	"errors"
	"reflect"
	"testing"

	"github.com/kin-comms/kinrt/socketio/parser"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// What notepack.io 2.2.0 (the codec of socket.io-msgpack-parser 3.0.2)
// writes for packet objects, as socket.io-client sends them ("options"
// included). Generated with node: notepack.encode({...}).toString("hex").
func TestDecodeNotepack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, hex string
		want      parser.Packet
	}{
		{"connect without auth (data undefined)", "83a47479706500a464617461d40000a36e7370a12f",
			parser.Packet{Type: parser.Connect, Namespace: "/"}},
		{"connect with auth", "83a47479706500a46461746181a5746f6b656ea3616263a36e7370a62f61646d696e",
			parser.Packet{Type: parser.Connect, Namespace: "/admin", Data: []byte(`{"token":"abc"}`)}},
		{"event with options", "84a47479706502a46461746198a568656c6c6f01fecb3ff8000000000000a2c3a9c3c081a1619101a36e7370a12fa76f7074696f6e7381a8636f6d7072657373c3",
			parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["hello",1,-2,1.5,"é",true,null,{"a":[1]}]`)}},
		{"event with ack id", "85a47479706502a46461746191a26576a36e7370a12fa269640ca76f7074696f6e7381a8636f6d7072657373c3",
			parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["ev"]`), ID: 12, HasID: true}},
		{"binary event", "83a47479706502a46461746193a27570c40301020381a162c40104a36e7370a12f",
			parser.Packet{Type: parser.BinaryEvent, Namespace: "/",
				Data:        []byte(`["up",{"_placeholder":true,"num":0},{"b":{"_placeholder":true,"num":1}}]`),
				Attachments: [][]byte{{1, 2, 3}, {4}}}},
		{"ack", "84a47479706503a4646174619201a132a36e7370a12fa2696405",
			parser.Packet{Type: parser.Ack, Namespace: "/", Data: []byte(`[1,"2"]`), ID: 5, HasID: true}},
		{"ArrayBuffer (ext 0)", "83a47479706502a46461746192a26162c702000908a36e7370a12f",
			parser.Packet{Type: parser.BinaryEvent, Namespace: "/", Data: []byte(`["ab",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{9, 8}}}},
		{"undefined", "83a47479706502a46461746193a175d4000082a178d40000a17901a36e7370a12f",
			parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["u",null,{"y":1}]`)}},
		{"Date", "83a47479706502a46461746192a164d7000000018cc820d88ea36e7370a12f",
			parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["d","2024-01-02T03:04:05.006Z"]`)}},
		{"large integers", "83a47479706502a46461746194a16ecf0000010000000000d3ffffff0000000000cf0020000000000000a36e7370a12f",
			parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["n",1099511627776,-1099511627776,9007199254740992]`)}},
		{"disconnect", "82a47479706501a36e7370a12f",
			parser.Packet{Type: parser.Disconnect, Namespace: "/"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d Decoder
			got, err := d.Decode(unhex(t, tc.hex), true)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*got, tc.want) {
				t.Fatalf("got  %+v (data %s)\nwant %+v (data %s)", *got, got.Data, tc.want, tc.want.Data)
			}
		})
	}
}

// What Encode writes is byte for byte what notepack.io writes for the
// same packet object (generated as in TestDecodeNotepack).
func TestEncodeAsNotepack(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		p    parser.Packet
		hex  string
	}{
		{"connect", parser.Packet{Type: parser.Connect, Data: []byte(`{"sid":"abc"}`)},
			"83a47479706500a46461746181a3736964a3616263a36e7370a12f"},
		{"binary event", parser.Packet{Type: parser.BinaryEvent, Namespace: "/chat",
			Data:        []byte(`["hello",1,1.5,-300,70000,"` + string(bytes.Repeat([]byte("x"), 40)) + `",{"_placeholder":true,"num":0}]`),
			Attachments: [][]byte{{1, 2}}},
			"83a47479706502a46461746197a568656c6c6f01cb3ff8000000000000d1fed4ce00011170d92878787878787878787878787878787878787878787878787878787878787878787878787878787878c4020102a36e7370a52f63686174"},
		{"ack", parser.Packet{Type: parser.Ack, Namespace: "/", Data: []byte(`["ok"]`), ID: 7, HasID: true},
			"84a47479706503a46461746191a26f6ba36e7370a12fa2696407"},
		{"connect error", parser.Packet{Type: parser.ConnectError, Data: []byte(`{"message":"unauthorized","data":{"reason":"bad token"}}`)},
			"83a47479706504a46461746182a76d657373616765ac756e617574686f72697a6564a46461746181a6726561736f6ea962616420746f6b656ea36e7370a12f"},
		{"disconnect", parser.Packet{Type: parser.Disconnect, Namespace: "/"},
			"82a47479706501a36e7370a12f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msgs, err := Parser{}.Encode(&tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if len(msgs) != 1 || !msgs[0].Binary {
				t.Fatalf("want one binary message, got %d (%+v)", len(msgs), msgs)
			}
			if got := hex.EncodeToString(msgs[0].Data); got != tc.hex {
				t.Fatalf("got  %s\nwant %s", got, tc.hex)
			}
		})
	}
}

// Every packet the server can send comes back the same through the
// decoder (the decoder reads what the encoder writes).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, p := range []parser.Packet{
		{Type: parser.Connect, Namespace: "/", Data: []byte(`{"sid":"s","pid":"p"}`)},
		{Type: parser.Connect, Namespace: "/x"},
		{Type: parser.Disconnect, Namespace: "/x"},
		{Type: parser.Event, Namespace: "/", Data: []byte(`["a",{"b":[1,2.5,-3,"é\n"]},null,true,false,18446744073709551615,-9223372036854775808]`)},
		{Type: parser.Event, Namespace: "/", Data: []byte(`[1,"x"]`), ID: 1<<63 - 1, HasID: true},
		{Type: parser.BinaryEvent, Namespace: "/", Data: []byte(`["bin",{"_placeholder":true,"num":0},[{"_placeholder":true,"num":1}]]`), Attachments: [][]byte{{1}, {}}},
		{Type: parser.Ack, Namespace: "/", Data: []byte(`[]`), ID: 0, HasID: true},
		{Type: parser.BinaryAck, Namespace: "/n", Data: []byte(`[{"_placeholder":true,"num":0}]`), ID: 3, HasID: true, Attachments: [][]byte{make([]byte, 70000)}},
		{Type: parser.ConnectError, Namespace: "/", Data: []byte(`"plain message"`)},
	} {
		b, err := Encode(&p)
		if err != nil {
			t.Fatalf("encode %s: %v", p.Data, err)
		}
		var d Decoder
		got, err := d.Decode(b, true)
		if err != nil {
			t.Fatalf("decode of %s: %v", p.Data, err)
		}
		if p.Attachments == nil && got.Attachments != nil || !reflect.DeepEqual(*got, p) {
			t.Fatalf("round trip of %+v gave %+v", p, *got)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	for _, p := range []parser.Packet{
		{Type: 7, Data: []byte(`[]`)},
		{Type: parser.Event, Data: []byte(`["a",`)},
		{Type: parser.Event, Data: []byte(`["a"] x`)},
		{Type: parser.Event, Data: []byte(`["a",nul]`)},
	} {
		if b, err := Encode(&p); err == nil {
			t.Errorf("encoded %v %q as %x", p.Type, p.Data, b)
		}
	}
}

// Invalid packets are refused as the npm parser refuses them (the first
// group), or as the server's JSON parser does (the second): always with an
// error that wraps parser.ErrInvalidPacket.
func TestDecodeInvalid(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"not a map", "93010203"},
		{"truncated", "83a474797065"},
		{"trailing bytes", "82a47479706501a36e7370a12fc0"},
		{"no type", "81a36e7370a12f"},
		{"type 5", "82a47479706505a36e7370a12f"},
		{"type -1", "82a474797065ffa36e7370a12f"},
		{"type 1.5", "82a474797065cb3ff8000000000000a36e7370a12f"},
		{"type string", "82a474797065a131a36e7370a12f"},
		{"no nsp", "81a47479706501"},
		{"nsp a number", "82a47479706501a36e737001"},
		{"connect with array data", "83a47479706500a46461746190a36e7370a12f"},
		{"connect with binary data", "83a47479706500a464617461c40101a36e7370a12f"},
		{"disconnect with data", "83a47479706501a46461746180a36e7370a12f"},
		{"connect error with array", "83a47479706504a46461746190a36e7370a12f"},
		{"event without data", "82a47479706502a36e7370a12f"},
		{"event with object data", "83a47479706502a46461746180a36e7370a12f"},
		{"id a string", "84a47479706502a46461746191a161a36e7370a12fa26964a131"},
		{"id nil", "84a47479706502a46461746191a161a36e7370a12fa26964c0"},
		{"id 1.5", "84a47479706502a46461746191a161a36e7370a12fa26964cb3ff8000000000000"},

		{"event without name", "83a47479706502a46461746190a36e7370a12f"},
		{"reserved event name", "83a47479706502a46461746191a7636f6e6e656374a36e7370a12f"},
		{"event name an object", "83a47479706502a46461746191 80a36e7370a12f"},
		{"negative id", "84a47479706502a46461746191a161a36e7370a12fa26964ff"},
		{"ack without id", "83a47479706503a46461746190a36e7370a12f"},
		{"connect with id", "83a47479706500a36e7370a12fa2696401"},
		{"nested too deep", "83a47479706502a464617461" + string(bytes.Repeat([]byte("91"), 200)) + "c0a36e7370a12f"},
		{"huge string length", "83a47479706502a46461746191dbffffffff"},
		{"too many binary values", "83a47479706502a4646174619ca161" + string(bytes.Repeat([]byte("c40101"), 11)) + "a36e7370a12f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := hex.DecodeString(stripSpaces(tc.hex))
			if err != nil {
				t.Fatal(err)
			}
			var d Decoder
			p, err := d.Decode(b, true)
			if err == nil {
				t.Fatalf("decoded %+v", p)
			}
			if !errors.Is(err, parser.ErrInvalidPacket) {
				t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
			}
		})
	}
}

func stripSpaces(s string) string { return string(bytes.ReplaceAll([]byte(s), []byte(" "), nil)) }

// A text message is what a client with the default parser sends first.
func TestDecodeTextRefused(t *testing.T) {
	t.Parallel()
	var d Decoder
	if _, err := d.Decode([]byte("0"), false); !errors.Is(err, parser.ErrInvalidPacket) {
		t.Fatalf("text CONNECT: %v", err)
	}
}

// MaxAttachments bounds the binary values of one packet.
func TestDecodeMaxAttachments(t *testing.T) {
	t.Parallel()
	p := parser.Packet{Type: parser.BinaryEvent, Namespace: "/", Data: []byte(`["b",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]`),
		Attachments: [][]byte{{1}, {2}, {3}}}
	b, err := Encode(&p)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		max int
		ok  bool
	}{{0, true}, {3, true}, {2, false}} {
		d := Parser{}.NewDecoder(tc.max)
		if _, err := d.Decode(b, true); (err == nil) != tc.ok {
			t.Errorf("MaxAttachments %d: err %v", tc.max, err)
		}
	}
}
