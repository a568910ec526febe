package parser

import (
	"encoding/json"
	"strings"
	"testing"
)

var validJSONCases = []string{
	``, ` `, `0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e`, `1e+`, `1E-7`, `1e05`, `-1.0e+10`, `+1`, `0x1`,
	`true`, `tru`, `truee`, `false`, `null`, `nul`, `NaN`, `Infinity`,
	`""`, `"`, `"abc`, `"a\"b"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9\uD83D\ude00"`, `"\u00g0"`, `"\u00"`, `"\x"`, `"\'"`,
	"\"\x1f\"", "\"\x7f\"", "\"\xff\xfe\"", "\"tab\there\"",
	`[]`, `[ ]`, `[1,2]`, `[1,]`, `[,1]`, `[1 2]`, `[`, `]`, `[[[]]]`, `[[]`, `[1]]`,
	`{}`, `{ }`, `{"a":1}`, `{"a":1,}`, `{"a"}`, `{"a":}`, `{a:1}`, `{"a" : [1, {"b":null}] }`, `{"a":1 "b":2}`, `{1:2}`, `{"a":1}}`,
	" \t\r\n[1]\n ", "\v[1]", "\u00a0[1]", `[1] [2]`, `1 2`, `"a""b"`,
}

func TestValidJSON(t *testing.T) {
	for _, s := range validJSONCases {
		if got, want := validJSON([]byte(s)), json.Valid([]byte(s)); got != want {
			t.Errorf("validJSON(%q) = %v, json.Valid says %v", s, got, want)
		}
	}
	for _, depth := range []int{maxJSONDepth - 1, maxJSONDepth, maxJSONDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			s := []byte(strings.Repeat(open, depth) + strings.Repeat(close, depth))
			if got, want := validJSON(s), json.Valid(s); got != want {
				t.Errorf("validJSON(%s × %d) = %v, json.Valid says %v", open, depth, got, want)
			}
		}
	}
}

func FuzzValidJSON(f *testing.F) {
	for _, s := range validJSONCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	data := []byte(`["message",{"user":"alice","text":"hello there \"quoted\"","ts":1700000000,"tags":["a","b"],"ok":true,"x":null,"f":-1.5e3}]`)
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			validJSON(data)
		}
	})
	b.Run("json.Valid", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			json.Valid(data)
		}
	})
}
