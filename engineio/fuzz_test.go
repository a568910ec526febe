package engineio

import (
	"bytes"
	"errors"
	"testing"
)

var payloadSeeds = []string{
	"4hello",
	"4a\x1e4b\x1e4c",
	"4hello\x1ebAQIDBA==",
	"bAQIDBA==",
	"b",
	"4",
	"1",
	"2probe",
	"3\x1e6\x1e5",
	"",
	"\x1e",
	"4a\x1e",
	"abc",
	"b!!",
	"bAQ\nID\rBA==",
	"4héllo\x1e4€",
	"4\x00\xff\x1eb/w==",
}

// FuzzDecodePayload checks that decoding never panics, fails only with
// ErrInvalidPacket, and that what decodes re-encodes into a payload that
// decodes to the same packets.
func FuzzDecodePayload(f *testing.F) {
	for _, s := range payloadSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		orig := bytes.Clone(body)
		var pkts []packet
		err := decodePayload(body, func(p packet) error {
			pkts = append(pkts, p)
			return nil
		})
		if err != nil && !errors.Is(err, ErrInvalidPacket) {
			t.Fatalf("decodePayload(%q): error %v does not wrap ErrInvalidPacket", body, err)
		}
		if err == nil && len(pkts) == 0 {
			t.Fatalf("decodePayload(%q) succeeded without packets", body)
		}
		if !bytes.Equal(body, orig) {
			t.Fatalf("decodePayload modified its input")
		}
		var enc []byte
		for _, p := range pkts {
			if p.binary && p.typ != packetMessage {
				t.Fatalf("binary packet of type %q", p.typ)
			}
			if bytes.IndexByte(p.data, recordSeparator) >= 0 && !p.binary {
				t.Fatalf("text packet %q contains a record separator", p.data)
			}
			enc = appendPayloadFrame(enc, frame{typ: p.typ, data: p.data, binary: p.binary})
		}
		if len(pkts) == 0 {
			return
		}
		var again []packet
		if err := decodePayload(enc, func(p packet) error {
			again = append(again, p)
			return nil
		}); err != nil {
			t.Fatalf("re-encoded payload %q (from %q) does not decode: %v", enc, body, err)
		}
		if !samePackets(pkts, again) {
			t.Fatalf("round trip of %q: %+v, then %q decodes to %+v", body, pkts, enc, again)
		}
	})
}

// FuzzDecodeText checks decodeText against the packet rules directly.
func FuzzDecodeText(f *testing.F) {
	for _, s := range payloadSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := decodeText(b)
		if err != nil {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Fatalf("decodeText(%q): error %v does not wrap ErrInvalidPacket", b, err)
			}
			if len(b) > 0 && b[0] >= '0' && b[0] <= '6' {
				t.Fatalf("decodeText(%q) refused a valid packet type: %v", b, err)
			}
			return
		}
		if len(b) == 0 {
			t.Fatal("decodeText accepted an empty packet")
		}
		if b[0] == 'b' {
			if !p.binary || p.typ != packetMessage {
				t.Fatalf("decodeText(%q) = %+v, want a binary message", b, p)
			}
			enc := appendPayloadFrame(nil, frame{typ: p.typ, data: p.data, binary: true})
			q, err := decodeText(enc)
			if err != nil || !q.binary || !bytes.Equal(q.data, p.data) {
				t.Fatalf("binary round trip of %q: %q -> %+v, %v", b, enc, q, err)
			}
			return
		}
		if p.binary || byte(p.typ) != b[0] || !bytes.Equal(p.data, b[1:]) {
			t.Fatalf("decodeText(%q) = %+v", b, p)
		}
		if cap(p.data) != len(p.data) {
			t.Fatalf("decodeText(%q): data has spare capacity %d", b, cap(p.data)-len(p.data))
		}
	})
}
