package msgpackparser

import (
	"encoding/json"
	"testing"

	"github.com/kin-comms/kinrt/socketio/parser"
)

// benchPackets are the packets of the benchmarks: a typical notification,
// a binary event, and a large list.
func benchPackets() []struct {
	name string
	p    *parser.Packet
} {
	items := make([]map[string]any, 50)
	for i := range items {
		items[i] = map[string]any{"id": i, "name": "item name", "score": 1.25, "tags": []string{"a", "b"}, "ok": true}
	}
	large, _ := json.Marshal([]any{"list", items})
	return []struct {
		name string
		p    *parser.Packet
	}{
		{"small", &parser.Packet{Type: parser.Event, Namespace: "/", Data: []byte(`["notification",{"id":"n1","kind":"voicemail","from":"+15550100","at":1700000000123}]`)}},
		{"binary", &parser.Packet{Type: parser.BinaryEvent, Namespace: "/", Data: []byte(`["audio",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{make([]byte, 4096)}}},
		{"large", &parser.Packet{Type: parser.Event, Namespace: "/", Data: large}},
	}
}

// BenchmarkEncode: what a broadcast pays once, whatever its number of
// sockets; beside it, the default JSON parser's text encoding.
func BenchmarkEncode(b *testing.B) {
	for _, bc := range benchPackets() {
		b.Run(bc.name+"/msgpack", func(b *testing.B) {
			b.SetBytes(int64(len(bc.p.Data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(bc.p); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bc.name+"/json", func(b *testing.B) {
			b.SetBytes(int64(len(bc.p.Data)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = parser.Encode(bc.p)
			}
		})
	}
}

// BenchmarkDecode: what each incoming packet costs; beside it, the
// default JSON parser's.
func BenchmarkDecode(b *testing.B) {
	for _, bc := range benchPackets() {
		msg, err := Encode(bc.p)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name+"/msgpack", func(b *testing.B) {
			var d Decoder
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decode(msg, true); err != nil {
					b.Fatal(err)
				}
			}
		})
		text, atts := parser.Encode(bc.p)
		b.Run(bc.name+"/json", func(b *testing.B) {
			var d parser.Decoder
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			for b.Loop() {
				p, err := d.Decode(text, false)
				for _, a := range atts {
					p, err = d.Decode(a, true)
				}
				if err != nil || p == nil {
					b.Fatal(err)
				}
			}
		})
	}
}
