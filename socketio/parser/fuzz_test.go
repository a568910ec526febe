package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

var fuzzSeeds = []string{
	`0`, `0{"token":"123"}`, `0/admin,`, `0/admin`, `0/admin,{"a":1}`, `1`, `1/custom`, `1/custom,`,
	`2["message",1,"2",{"3":[true]}]`, `2456["message-with-ack",1,"2",{"3":[false]}]`,
	`2/chat,12["x",{"a":[1,2,{"b":null}]}]`, `2[1]`, `2["\u0063onnect"]`,
	`3456[1,"2",{"3":[false]}]`, `3/a,1[]`, `4{"message":"Invalid namespace"}`, `4"no"`,
	`51-["message",{"_placeholder":true,"num":0}]`, `52-/b,9["m",{"num":1,"_placeholder":true},[{"_placeholder":true,"num":0}]]`,
	`61-456[{"_placeholder":true,"num":0}]`, `50-["x"]`, `60-1[]`,
	`61-1[{"a":{"\u005fplaceholder":true,"num":0}}]`,
	``, `abc`, `7`, `2{}`, `2abc["message-with-ack",1]`, `5-["x"]`, `51["x"]`, `511-["x"]`,
	`218446744073709551616["x"]`, `3[1]`, `1{}`, `51-["x",{"_placeholder":true,"num":1}]`,
	`61-1[{"_placeholder":true,"num":0,"num":0}]`,
}

func FuzzDecode(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add([]byte(s), []byte{1, 2, 3}, uint8(i))
		if strings.HasPrefix(s, "51-") || strings.HasPrefix(s, "61-") {
			f.Add([]byte(s), []byte("x"), uint8(1<<2))
		}
		if strings.HasPrefix(s, "52-") {
			f.Add([]byte(s), []byte{}, uint8(2<<2|2))
		}
	}
	f.Fuzz(func(t *testing.T, text, attachment []byte, mode uint8) {
		// mode bit 0: a binary message first; bit 1: the text twice;
		// bits 2-5: the number of binary messages after the text.
		var d Decoder
		type msg struct {
			data   []byte
			binary bool
		}
		var msgs []msg
		if mode&1 != 0 {
			msgs = append(msgs, msg{attachment, true})
		}
		msgs = append(msgs, msg{text, false})
		for i := 0; i < int(mode>>2&15); i++ {
			msgs = append(msgs, msg{attachment[:min(i, len(attachment))], true})
		}
		if mode&2 != 0 {
			msgs = append(msgs, msg{text, false})
		}
		for _, m := range msgs {
			p, err := d.Decode(m.data, m.binary)
			if err != nil {
				if p != nil {
					t.Fatalf("packet and error %v", err)
				}
				if !errors.Is(err, ErrInvalidPacket) {
					t.Fatalf("error %v does not wrap ErrInvalidPacket", err)
				}
				continue
			}
			if p != nil {
				checkDecoded(t, p)
			}
		}
	})
}

// checkDecoded checks the invariants of a decoded packet, and that it
// encodes back to an equal packet.
func checkDecoded(t *testing.T, p *Packet) {
	t.Helper()
	if p.Type > BinaryAck {
		t.Fatalf("type %v", p.Type)
	}
	if !strings.HasPrefix(p.Namespace, "/") || strings.Contains(p.Namespace, ",") {
		t.Fatalf("namespace %q", p.Namespace)
	}
	if p.Data != nil && !json.Valid(p.Data) {
		t.Fatalf("invalid JSON data %q", p.Data)
	}
	if (p.Type == Ack || p.Type == BinaryAck) && !p.HasID {
		t.Fatalf("%v without id", p.Type)
	}
	if !p.Type.IsBinary() && p.Attachments != nil {
		t.Fatalf("%v with attachments", p.Type)
	}
	if p.Type.IsBinary() {
		checkPlaceholderNums(t, p)
	}
	if _, err := checkArgs(p); err != nil {
		t.Fatalf("args of %s: %v", describe(p), err)
	}

	text, atts := Encode(p)
	var d Decoder
	got, err := decodeAll(&d, text, atts)
	if err != nil {
		t.Fatalf("packet %s encoded as %q: %v", describe(p), text, err)
	}
	if !equalPackets(got, p) {
		t.Fatalf("packet %s encoded as %q decoded as %s", describe(p), text, describe(got))
	}
}

// checkPlaceholderNums uses the encoding/json tokenizer to find every
// object of p.Data and checks that placeholders are in range.
func checkPlaceholderNums(t *testing.T, p *Packet) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(p.Data))
	dec.UseNumber() // huge numbers are valid JSON but overflow float64
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("tokenizing %q: %v", p.Data, err)
		}
		if tok != json.Delim('{') {
			continue
		}
		start := int(dec.InputOffset()) - 1
		obj := p.Data[start:skipValue(p.Data, start)]
		if num, ok := IsPlaceholder(obj); ok && num >= len(p.Attachments) {
			t.Fatalf("placeholder %s with %d attachments", obj, len(p.Attachments))
		}
	}
}

func FuzzSplitArgs(f *testing.F) {
	for _, s := range []string{`[]`, `[1, "a,b", {"x":[1,2]} ,null]`, `[1,]`, ` [ [ ] ] `, `["\"]"]`, `{}`, `[-0.5e+3]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		args, err := SplitArgs(data)
		var want []json.RawMessage
		wantErr := json.Unmarshal(data, &want)
		if i := skipWS(data, 0); wantErr == nil && data[i] != '[' {
			wantErr = errors.New("null") // Unmarshal accepts null for a slice
		}
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("SplitArgs(%q) error %v, json.Unmarshal error %v", data, err, wantErr)
		}
		if err != nil {
			return
		}
		if len(args) != len(want) {
			t.Fatalf("SplitArgs(%q) = %q, want %q", data, args, want)
		}
		for i := range args {
			if !bytes.Equal(args[i], want[i]) {
				t.Fatalf("SplitArgs(%q) = %q, want %q", data, args, want)
			}
		}
		again, err := SplitArgs(AppendArgs(nil, args))
		if err != nil || len(again) != len(args) {
			t.Fatalf("SplitArgs(AppendArgs(%q)) = %q, %v", args, again, err)
		}
	})
}

func FuzzIsPlaceholder(f *testing.F) {
	for _, s := range []string{`{"_placeholder":true,"num":0}`, ` { "num" : 12 , "_placeholder" : true } `, `{"\u005fplaceholder":true,"num":1}`, `{"_placeholder":true,"num":0,"num":1}`, `{"_placeholder":true}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		num, ok := IsPlaceholder(data)
		if !ok {
			if num != 0 {
				t.Fatalf("IsPlaceholder(%q) = %d, false", data, num)
			}
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("IsPlaceholder(%q) is true but: %v", data, err)
		}
		var n int
		if len(m) != 2 || string(m["_placeholder"]) != "true" || json.Unmarshal(m["num"], &n) != nil || n != num || num < 0 {
			t.Fatalf("IsPlaceholder(%q) = %d, true; decoded %q", data, num, m)
		}
	})
}
