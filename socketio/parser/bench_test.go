package parser

import (
	"encoding/json"
	"testing"
)

var benchEvent = &Packet{Type: Event, Namespace: "/chat", ID: 12, HasID: true,
	Data: json.RawMessage(`["message",{"user":"alice","text":"hello there","ts":1700000000}]`)}

func BenchmarkAppendText(b *testing.B) {
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendText(buf[:0], benchEvent)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkEncode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Encode(benchEvent)
	}
}

func BenchmarkDecode(b *testing.B) {
	msg := AppendText(nil, benchEvent)
	var d Decoder
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(msg, false); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeBinary(b *testing.B) {
	p := &Packet{Type: BinaryEvent, Namespace: "/", Attachments: [][]byte{make([]byte, 1024), make([]byte, 16)}}
	p.Data = json.RawMessage(`["upload",{"name":"a.png","file":` + string(AppendPlaceholder(nil, 0)) +
		`,"thumb":` + string(AppendPlaceholder(nil, 1)) + `}]`)
	text, atts := Encode(p)
	var d Decoder
	b.SetBytes(int64(len(text) + len(atts[0]) + len(atts[1])))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.Decode(text, false); err != nil {
			b.Fatal(err)
		}
		d.Decode(atts[0], true)
		if q, err := d.Decode(atts[1], true); q == nil || err != nil {
			b.Fatal(q, err)
		}
	}
}

func BenchmarkSplitArgs(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SplitArgs(benchEvent.Data); err != nil {
			b.Fatal(err)
		}
	}
}
