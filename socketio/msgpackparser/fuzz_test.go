package msgpackparser

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// FuzzDecode: no input panics the decoder; what it accepts is a packet the
// rest of the server can rely on (a known type, valid JSON data of the
// type's shape, placeholders within the attachments), which encodes and
// decodes again to the same packet.
func FuzzDecode(f *testing.F) {
	for _, h := range []string{
		"83a47479706500a464617461d40000a36e7370a12f",
		"84a47479706502a46461746198a568656c6c6f01fecb3ff8000000000000a2c3a9c3c081a1619101a36e7370a12fa76f7074696f6e7381a8636f6d7072657373c3",
		"83a47479706502a46461746193a27570c40301020381a162c40104a36e7370a12f",
		"84a47479706503a4646174619201a132a36e7370a12fa2696405",
		"83a47479706502a46461746192a26162c702000908a36e7370a12f",
		"83a47479706502a46461746193a175d4000082a178d40000a17901a36e7370a12f",
		"83a47479706502a46461746192a164d7000000018cc820d88ea36e7370a12f",
		"83a47479706504a46461746182a76d657373616765ac756e617574686f72697a6564a46461746181a6726561736f6ea962616420746f6b656ea36e7370a12f",
		"82a47479706501a36e7370a12f",
	} {
		b, _ := hex.DecodeString(h)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Decoder
		p, err := d.Decode(b, true)
		if err != nil {
			if p != nil || !errors.Is(err, parser.ErrInvalidPacket) {
				t.Fatalf("error %v with packet %v", err, p)
			}
			return
		}
		if p.Type > parser.BinaryAck || (p.Type.IsBinary() != (len(p.Attachments) > 0)) {
			t.Fatalf("type %v with %d attachments", p.Type, len(p.Attachments))
		}
		if p.Data != nil && !json.Valid(p.Data) {
			t.Fatalf("invalid JSON %q", p.Data)
		}
		if p.Type == parser.Event || p.Type.IsBinary() || p.Type == parser.Ack {
			if _, err := parser.SplitArgs(p.Data); err != nil {
				t.Fatalf("data %q: %v", p.Data, err)
			}
		}
		enc, err := Encode(p)
		if err != nil {
			t.Fatalf("re-encode %+v: %v", p, err)
		}
		q, err := d.Decode(enc, true)
		if err != nil {
			t.Fatalf("decode of the re-encoded %+v: %v", p, err)
		}
		if p.Type != q.Type || p.Namespace != q.Namespace || p.ID != q.ID || p.HasID != q.HasID ||
			!reflect.DeepEqual(p.Attachments, q.Attachments) || !sameJSON(p.Data, q.Data) {
			t.Fatalf("re-decoded %+v as %+v", p, q)
		}
	})
}

// sameJSON reports whether a and b are the same JSON value (strings with
// invalid UTF-8 come back with U+FFFD written out rather than escaped).
func sameJSON(a, b []byte) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// FuzzEncodeJSON: any event the server can hold (a JSON array with a
// name) encodes, and decodes to the same JSON value.
func FuzzEncodeJSON(f *testing.F) {
	for _, s := range []string{`["a"]`, `["a",1,-2.5e-3,"\u00e9",{"b":[null,true]}]`, `["x",{},[],[[[]]],""]`,
		`["n",123456789012345678901234567890,-0,1E400,18446744073709551615]`, `["k",{"a":1,"a":2}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want []any
		if json.Unmarshal(data, &want) != nil || len(want) == 0 {
			return
		}
		if _, isName := want[0].(string); !isName {
			return
		}
		if n := want[0].(string); n == "connect" || n == "connect_error" || n == "disconnect" ||
			n == "disconnecting" || n == "newListener" || n == "removeListener" {
			return
		}
		b, err := Encode(&parser.Packet{Type: parser.Event, Namespace: "/", Data: data})
		if err != nil {
			if errors.Is(err, msgpackjson.ErrDepth) {
				return
			}
			t.Fatalf("encode %q: %v", data, err)
		}
		var d Decoder
		p, err := d.Decode(b, true)
		if err != nil {
			t.Fatalf("decode of %q: %v", data, err)
		}
		var got []any
		if err := json.Unmarshal(p.Data, &got); err != nil {
			t.Fatalf("%q became invalid %q", data, p.Data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q became %q", data, p.Data)
		}
	})
}
