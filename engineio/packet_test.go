package engineio

import (
	"bytes"
	"errors"
	"testing"
)

func TestDecodeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    packet
		wantErr bool
	}{
		{in: "0", want: packet{typ: packetOpen, data: []byte{}}},
		{in: "1", want: packet{typ: packetClose, data: []byte{}}},
		{in: "2probe", want: packet{typ: packetPing, data: []byte("probe")}},
		{in: "3", want: packet{typ: packetPong, data: []byte{}}},
		{in: "4hello", want: packet{typ: packetMessage, data: []byte("hello")}},
		{in: "4", want: packet{typ: packetMessage, data: []byte{}}},
		{in: "5", want: packet{typ: packetUpgrade, data: []byte{}}},
		{in: "6", want: packet{typ: packetNoop, data: []byte{}}},
		{in: "bAQIDBA==", want: packet{typ: packetMessage, data: []byte{1, 2, 3, 4}, binary: true}},
		{in: "b", want: packet{typ: packetMessage, data: []byte{}, binary: true}},
		{in: "b/w==", want: packet{typ: packetMessage, data: []byte{0xff}, binary: true}},
		{in: "", wantErr: true},
		{in: "7", wantErr: true},
		{in: "/", wantErr: true},
		{in: "abc", wantErr: true},
		{in: "B", wantErr: true},
		{in: "bAQIDBA=", wantErr: true},
		{in: "b!!!!", wantErr: true},
	}
	for _, tt := range tests {
		p, err := decodeText([]byte(tt.in))
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("decodeText(%q) = %v, %v; want an ErrInvalidPacket", tt.in, p, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("decodeText(%q): %v", tt.in, err)
			continue
		}
		if p.typ != tt.want.typ || p.binary != tt.want.binary || !bytes.Equal(p.data, tt.want.data) {
			t.Errorf("decodeText(%q) = %+v, want %+v", tt.in, p, tt.want)
		}
	}
}

func TestDecodePayload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []packet
		wantErr bool
	}{
		{in: "4hello", want: []packet{{typ: packetMessage, data: []byte("hello")}}},
		{in: "4a\x1e4b\x1e4c", want: []packet{
			{typ: packetMessage, data: []byte("a")},
			{typ: packetMessage, data: []byte("b")},
			{typ: packetMessage, data: []byte("c")},
		}},
		{in: "3\x1e4x\x1ebAQ==", want: []packet{
			{typ: packetPong, data: []byte{}},
			{typ: packetMessage, data: []byte("x")},
			{typ: packetMessage, data: []byte{1}, binary: true},
		}},
		{in: "", wantErr: true},
		{in: "\x1e", wantErr: true},
		{in: "4a\x1e", want: []packet{{typ: packetMessage, data: []byte("a")}}, wantErr: true},
		{in: "4a\x1e\x1e4b", want: []packet{{typ: packetMessage, data: []byte("a")}}, wantErr: true},
		{in: "4a\x1ex", want: []packet{{typ: packetMessage, data: []byte("a")}}, wantErr: true},
	}
	for _, tt := range tests {
		var got []packet
		err := decodePayload([]byte(tt.in), func(p packet) error {
			got = append(got, p)
			return nil
		})
		if tt.wantErr != (err != nil) {
			t.Errorf("decodePayload(%q) error %v, want error %v", tt.in, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("decodePayload(%q) error %v does not wrap ErrInvalidPacket", tt.in, err)
		}
		if !samePackets(got, tt.want) {
			t.Errorf("decodePayload(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

func TestDecodePayloadStopsOnCallbackError(t *testing.T) {
	t.Parallel()
	stop := errors.New("stop")
	n := 0
	err := decodePayload([]byte("4a\x1e4b\x1e4c"), func(packet) error {
		n++
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 2 {
		t.Fatalf("decodePayload = %v after %d packets, want stop after 2", err, n)
	}
}

// Appending to a decoded packet's data never reaches the bytes after it.
func TestDecodedDataIsCapped(t *testing.T) {
	t.Parallel()
	body := []byte("4ab\x1e4cd")
	var got []string
	err := decodePayload(body, func(p packet) error {
		got = append(got, string(p.data))
		_ = append(p.data, "XYZ"...)
		return nil
	})
	if err != nil || len(got) != 2 || got[0] != "ab" || got[1] != "cd" {
		t.Fatalf("decodePayload = %q, %v; want [ab cd]", got, err)
	}
	if string(body) != "4ab\x1e4cd" {
		t.Fatalf("body changed to %q", body)
	}
}

func TestAppendPayloadFrame(t *testing.T) {
	t.Parallel()
	tests := []struct {
		frames []frame
		want   string
	}{
		{[]frame{{typ: packetMessage, data: []byte("hello")}}, "4hello"},
		{[]frame{{typ: packetPing}}, "2"},
		{[]frame{{typ: packetMessage, data: []byte{1, 2, 3, 4}, binary: true}}, "bAQIDBA=="},
		{[]frame{{typ: packetMessage, data: nil, binary: true}}, "b"},
		{[]frame{
			{typ: packetMessage, data: []byte("a")},
			{typ: packetMessage, data: []byte{0xff}, binary: true},
			{typ: packetClose},
		}, "4a\x1eb/w==\x1e1"},
	}
	for _, tt := range tests {
		var b []byte
		for _, f := range tt.frames {
			b = appendPayloadFrame(b, f)
		}
		if string(b) != tt.want {
			t.Errorf("payload %q, want %q", b, tt.want)
		}
	}
}

func samePackets(a, b []packet) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].typ != b[i].typ || a[i].binary != b[i].binary || !bytes.Equal(a[i].data, b[i].data) {
			return false
		}
	}
	return true
}
