package parser

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		text string
		bins []string
		want Packet
	}{
		{text: `0`, want: Packet{Type: Connect, Namespace: "/"}},
		{text: `0{"token":"123"}`, want: Packet{Type: Connect, Namespace: "/", Data: []byte(`{"token":"123"}`)}},
		{text: `0/admin,`, want: Packet{Type: Connect, Namespace: "/admin"}},
		{text: `0/admin`, want: Packet{Type: Connect, Namespace: "/admin"}},
		{text: `0/admin,{"a":1}`, want: Packet{Type: Connect, Namespace: "/admin", Data: []byte(`{"a":1}`)}},
		{text: `0/,`, want: Packet{Type: Connect, Namespace: "/"}},
		{text: `0 {}`, want: Packet{Type: Connect, Namespace: "/", Data: []byte(` {}`)}},
		{text: `1`, want: Packet{Type: Disconnect, Namespace: "/"}},
		{text: `1/custom`, want: Packet{Type: Disconnect, Namespace: "/custom"}},
		{text: `1/custom,`, want: Packet{Type: Disconnect, Namespace: "/custom"}},
		{text: `2["message",1,"2",{"3":[true]}]`, want: Packet{Type: Event, Namespace: "/", Data: []byte(`["message",1,"2",{"3":[true]}]`)}},
		{text: `2[1]`, want: Packet{Type: Event, Namespace: "/", Data: []byte(`[1]`)}},
		{text: `2[-1.5e3,"x"]`, want: Packet{Type: Event, Namespace: "/", Data: []byte(`[-1.5e3,"x"]`)}},
		{text: `2[ "connection" ]`, want: Packet{Type: Event, Namespace: "/", Data: []byte(`[ "connection" ]`)}},
		{text: `2["connect\n"]`, want: Packet{Type: Event, Namespace: "/", Data: []byte(`["connect\n"]`)}},
		{text: `2456["message-with-ack",1]`, want: Packet{Type: Event, Namespace: "/", ID: 456, HasID: true, Data: []byte(`["message-with-ack",1]`)}},
		{text: `2/chat,0["x"]`, want: Packet{Type: Event, Namespace: "/chat", ID: 0, HasID: true, Data: []byte(`["x"]`)}},
		{text: `2/chat,007["x"]`, want: Packet{Type: Event, Namespace: "/chat", ID: 7, HasID: true, Data: []byte(`["x"]`)}},
		{text: `218446744073709551615["x"]`, want: Packet{Type: Event, Namespace: "/", ID: 18446744073709551615, HasID: true, Data: []byte(`["x"]`)}},
		{text: `2["_placeholder",{"_placeholder":true,"num":9}]`, want: Packet{Type: Event, Namespace: "/", Data: []byte(`["_placeholder",{"_placeholder":true,"num":9}]`)}},
		{text: `3456[1,"2",{"3":[false]}]`, want: Packet{Type: Ack, Namespace: "/", ID: 456, HasID: true, Data: []byte(`[1,"2",{"3":[false]}]`)}},
		{text: `31[]`, want: Packet{Type: Ack, Namespace: "/", ID: 1, HasID: true, Data: []byte(`[]`)}},
		{text: `3/a,1[]`, want: Packet{Type: Ack, Namespace: "/a", ID: 1, HasID: true, Data: []byte(`[]`)}},
		{text: `4{"message":"Invalid namespace"}`, want: Packet{Type: ConnectError, Namespace: "/", Data: []byte(`{"message":"Invalid namespace"}`)}},
		{text: `4/random,{"message":"Invalid namespace"}`, want: Packet{Type: ConnectError, Namespace: "/random", Data: []byte(`{"message":"Invalid namespace"}`)}},
		{text: `4"not authorized"`, want: Packet{Type: ConnectError, Namespace: "/", Data: []byte(`"not authorized"`)}},
		{text: `50-["x"]`, want: Packet{Type: BinaryEvent, Namespace: "/", Data: []byte(`["x"]`)}},
		{
			text: `51-["message",{"_placeholder":true,"num":0}]`, bins: []string{"\x01\x02\x03"},
			want: Packet{Type: BinaryEvent, Namespace: "/", Data: []byte(`["message",{"_placeholder":true,"num":0}]`), Attachments: [][]byte{{1, 2, 3}}},
		},
		{
			text: `52-/b,9["m",{"num":1, "_placeholder" : true},[{"_placeholder":true,"num":0}]]`, bins: []string{"a", ""},
			want: Packet{Type: BinaryEvent, Namespace: "/b", ID: 9, HasID: true,
				Data: []byte(`["m",{"num":1, "_placeholder" : true},[{"_placeholder":true,"num":0}]]`), Attachments: [][]byte{[]byte("a"), {}}},
		},
		{
			text: `502-["x",{"_placeholder":false,"num":99}]`, bins: []string{"a", "b"},
			want: Packet{Type: BinaryEvent, Namespace: "/", Data: []byte(`["x",{"_placeholder":false,"num":99}]`), Attachments: [][]byte{[]byte("a"), []byte("b")}},
		},
		{text: `60-1[]`, want: Packet{Type: BinaryAck, Namespace: "/", ID: 1, HasID: true, Data: []byte(`[]`)}},
		{
			text: `61-456[{"_placeholder":true,"num":0}]`, bins: []string{"xyz"},
			want: Packet{Type: BinaryAck, Namespace: "/", ID: 456, HasID: true, Data: []byte(`[{"_placeholder":true,"num":0}]`), Attachments: [][]byte{[]byte("xyz")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var bins [][]byte
			for _, b := range tt.bins {
				bins = append(bins, []byte(b))
			}
			var d Decoder
			got, err := decodeAll(&d, []byte(tt.text), bins)
			if err != nil {
				t.Fatalf("error: %v", err)
			}
			if !equalPackets(got, &tt.want) || got.Namespace != tt.want.Namespace {
				t.Fatalf("got %s, want %s", describe(got), describe(&tt.want))
			}
			if (tt.want.Data == nil) != (got.Data == nil) {
				t.Errorf("Data nil = %v, want %v", got.Data == nil, tt.want.Data == nil)
			}
			// The decoder is ready for the next packet.
			if p, err := d.Decode([]byte(`2["next"]`), false); err != nil || p == nil {
				t.Errorf("next packet: %v, %v", p, err)
			}
		})
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		text string
		bins []string // fed before the text when first is "!"
		want string   // part of the error message
	}{
		{``, nil, "empty"},
		{`abc`, nil, "unknown packet type"},
		{`7`, nil, "unknown packet type"},
		{`9["x"]`, nil, "unknown packet type"},
		{`/`, nil, "unknown packet type"},
		{`2{}`, nil, "must be a JSON array"},
		{`2abc["message-with-ack",1]`, nil, "must be a JSON array"},
		{`2`, nil, "must be a JSON array"},
		{`2/chat,`, nil, "must be a JSON array"},
		{`2/chat["x"]`, nil, "must be a JSON array"}, // namespace runs to the end
		{`2[]`, nil, "without a name"},
		{`2[{}]`, nil, "without a name"},
		{`2[null]`, nil, "without a name"},
		{`2["x"`, nil, "not valid JSON"},
		{`2["x"]]`, nil, "not valid JSON"},
		{`2["x",]`, nil, "not valid JSON"},
		{`2 `, nil, "must be a JSON array"},
		{`2["connect"]`, nil, "reserved event name"},
		{`2["connect_error"]`, nil, "reserved"},
		{`2["disconnect",1]`, nil, "reserved"},
		{`2["disconnecting"]`, nil, "reserved"},
		{`2["newListener"]`, nil, "reserved"},
		{`2["removeListener"]`, nil, "reserved"},
		{`2["\u0063onnect"]`, nil, "reserved"},
		{`218446744073709551616["x"]`, nil, "overflow"},
		{`299999999999999999999999["x"]`, nil, "overflow"},
		{`3[1]`, nil, "without an ack id"},
		{`3/a,[1]`, nil, "without an ack id"},
		{`31`, nil, "must be a JSON array"},
		{`31{}`, nil, "must be a JSON array"},
		{`0[]`, nil, "must be a JSON object"},
		{`0"x"`, nil, "must be a JSON object"},
		{`0{`, nil, "not valid JSON"},
		{`0 `, nil, "must be a JSON object"},
		{`01`, nil, "with an ack id"},
		{`0/admin,1{}`, nil, "with an ack id"},
		{`1{}`, nil, "DISCONNECT packet with data"},
		{`1/a,x`, nil, "DISCONNECT packet with data"},
		{`1 `, nil, "DISCONNECT packet with data"},
		{`4`, nil, "string or object"},
		{`4[]`, nil, "string or object"},
		{`41"x"`, nil, "with an ack id"},
		{`4abc`, nil, "string or object"},
		{`5["x"]`, nil, "without attachment count"},
		{`5-["x"]`, nil, "without attachment count"},
		{`5`, nil, "without attachment count"},
		{`51["x"]`, nil, "no '-'"},
		{`51`, nil, "no '-'"},
		{`5a-["x"]`, nil, "without attachment count"},
		{`511-["x"]`, nil, "more than 10 attachments"},
		{`599999999999999999999999-["x"]`, nil, "more than 10"},
		{`61-[]`, nil, "without an ack id"},
		{`51-{}`, nil, "must be a JSON array"},
		{`51-1[]`, nil, "without a name"},
		{`51-["x",{"_placeholder":true,"num":1}]`, nil, "out of range"},
		{`50-["x",{"_placeholder":true,"num":0}]`, nil, "out of range"},
		{`61-1[{"_placeholder":true,"num":-1}]`, nil, "malformed attachment placeholder"},
		{`61-1[{"_placeholder":true,"num":0.0}]`, nil, "malformed"},
		{`61-1[{"_placeholder":true,"num":"0"}]`, nil, "malformed"},
		{`61-1[{"_placeholder":true}]`, nil, "malformed"},
		{`61-1[{"_placeholder":true,"num":0,"x":1}]`, nil, "malformed"},
		{`61-1[{"_placeholder":true,"num":0,"num":0}]`, nil, "malformed"},
		{`61-1[{"a":{"\u005fplaceholder":true,"num":3}}]`, nil, "out of range"},
		{`61-1[{"_placeholder":true,"num":99999999999999999999}]`, nil, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			var d Decoder
			p, err := d.Decode([]byte(tt.text), false)
			if err == nil {
				t.Fatalf("got %s, want error", describe(p))
			}
			if p != nil {
				t.Errorf("got packet %s with error", describe(p))
			}
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("error %v does not wrap ErrInvalidPacket", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
		})
	}
}

func TestDecodeSequenceErrors(t *testing.T) {
	t.Run("unexpected binary", func(t *testing.T) {
		var d Decoder
		_, err := d.Decode([]byte{1}, true)
		if !errors.Is(err, ErrInvalidPacket) || !strings.Contains(err.Error(), "unexpected binary") {
			t.Fatalf("err = %v", err)
		}
		if p, err := d.Decode([]byte(`2["x"]`), false); p == nil || err != nil {
			t.Fatalf("after error: %v, %v", p, err)
		}
	})
	t.Run("binary after complete packet", func(t *testing.T) {
		var d Decoder
		if p, err := decodeAll(&d, []byte(`51-["x",{"_placeholder":true,"num":0}]`), [][]byte{{1}}); p == nil || err != nil {
			t.Fatalf("decode: %v, %v", p, err)
		}
		if _, err := d.Decode([]byte{2}, true); err == nil {
			t.Fatal("extra attachment accepted")
		}
	})
	t.Run("binary after zero-attachment packet", func(t *testing.T) {
		var d Decoder
		if p, err := d.Decode([]byte(`50-["x"]`), false); p == nil || err != nil {
			t.Fatalf("decode: %v, %v", p, err)
		}
		if _, err := d.Decode([]byte{2}, true); err == nil {
			t.Fatal("extra attachment accepted")
		}
	})
	t.Run("text while waiting", func(t *testing.T) {
		var d Decoder
		if p, err := d.Decode([]byte(`52-["x"]`), false); p != nil || err != nil {
			t.Fatalf("text: %v, %v", p, err)
		}
		if p, err := d.Decode([]byte("a"), true); p != nil || err != nil {
			t.Fatalf("first attachment: %v, %v", p, err)
		}
		_, err := d.Decode([]byte(`2["y"]`), false)
		if !errors.Is(err, ErrInvalidPacket) || !strings.Contains(err.Error(), "1 binary attachment(s) are missing") {
			t.Fatalf("err = %v", err)
		}
		// Reset: a binary message is now unexpected, text works.
		if _, err := d.Decode([]byte("b"), true); err == nil {
			t.Fatal("binary accepted after reset")
		}
		if p, err := d.Decode([]byte(`2["y"]`), false); p == nil || err != nil {
			t.Fatalf("after reset: %v, %v", p, err)
		}
	})
	t.Run("Reset", func(t *testing.T) {
		var d Decoder
		d.Decode([]byte(`51-["x"]`), false)
		d.Reset()
		if _, err := d.Decode([]byte("b"), true); err == nil {
			t.Fatal("binary accepted after Reset")
		}
	})
}

func TestDecodeMaxAttachments(t *testing.T) {
	d := Decoder{MaxAttachments: 2}
	if _, err := d.Decode([]byte(`53-["x"]`), false); err == nil || !strings.Contains(err.Error(), "more than 2 attachments") {
		t.Fatalf("err = %v", err)
	}
	if p, err := decodeAll(&d, []byte(`52-["x"]`), [][]byte{{1}, {2}}); p == nil || err != nil {
		t.Fatalf("2 attachments: %v, %v", p, err)
	}
	d = Decoder{MaxAttachments: 100}
	bins := make([][]byte, 100)
	for i := range bins {
		bins[i] = []byte{byte(i)}
	}
	p, err := decodeAll(&d, []byte(`5100-["x",{"_placeholder":true,"num":99}]`), bins)
	if err != nil || len(p.Attachments) != 100 || p.Attachments[99][0] != 99 {
		t.Fatalf("100 attachments: %v, %v", describe(p), err)
	}
}

func TestDecodeReusesNamespace(t *testing.T) {
	var d Decoder
	a, _ := d.Decode([]byte(`2/chat,["a"]`), false)
	b, _ := d.Decode([]byte(`2/chat,["b"]`), false)
	if a.Namespace != "/chat" || b.Namespace != "/chat" {
		t.Fatalf("namespaces %q %q", a.Namespace, b.Namespace)
	}
	msg := []byte(`2/chat,["a"]`)
	allocs := testing.AllocsPerRun(100, func() {
		d.Decode(msg, false)
	})
	if allocs > 1 {
		t.Errorf("decoding an event allocates %v times, want 1", allocs)
	}
}
