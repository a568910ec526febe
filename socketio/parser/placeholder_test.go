package parser

import (
	"encoding/json"
	"testing"
)

func TestIsPlaceholder(t *testing.T) {
	tests := []struct {
		in  string
		num int
		ok  bool
	}{
		{`{"_placeholder":true,"num":0}`, 0, true},
		{`{"_placeholder":true,"num":12}`, 12, true},
		{`{"num":3,"_placeholder":true}`, 3, true},
		{" \t{ \"_placeholder\" :\ntrue , \"num\" : 7 }\r\n", 7, true},
		{`{"\u005fplaceholder":true,"n\u0075m":1}`, 1, true},
		{`{"_placeholder":true,"num":2147483647}`, 2147483647, true},
		{`{"_placeholder":true,"num":2147483648}`, 0, false},
		{`{"_placeholder":true,"num":99999999999999999999999}`, 0, false},
		{`{"_placeholder":true}`, 0, false},
		{`{"num":0}`, 0, false},
		{`{}`, 0, false},
		{``, 0, false},
		{`[{"_placeholder":true,"num":0}]`, 0, false},
		{`{"_placeholder":false,"num":0}`, 0, false},
		{`{"_placeholder":1,"num":0}`, 0, false},
		{`{"_placeholder":"true","num":0}`, 0, false},
		{`{"_placeholder":truex,"num":0}`, 0, false},
		{`{"_placeholder":true,"num":-1}`, 0, false},
		{`{"_placeholder":true,"num":01}`, 0, false},
		{`{"_placeholder":true,"num":1.0}`, 0, false},
		{`{"_placeholder":true,"num":1e0}`, 0, false},
		{`{"_placeholder":true,"num":"1"}`, 0, false},
		{`{"_placeholder":true,"num":0,"x":1}`, 0, false},
		{`{"_placeholder":true,"num":0,"num":0}`, 0, false},
		{`{"_placeholder":true,"_placeholder":true,"num":0}`, 0, false},
		{`{"_placeholder":true,"num":0,}`, 0, false},
		{`{"_placeholder":true,"num":0} x`, 0, false},
		{`{"_placeholder":true,"num":0}}`, 0, false},
		{`{"_placeholder":true,"num":0`, 0, false},
		{`{"_placeholder":true "num":0}`, 0, false},
		{`{"_placeholder" true,"num":0}`, 0, false},
		{`{"_placeholder\":true,"num":0}`, 0, false},
		{`{"_placeholder`, 0, false},
		{`{"`, 0, false},
		{`{`, 0, false},
	}
	for _, tt := range tests {
		num, ok := IsPlaceholder(json.RawMessage(tt.in))
		if num != tt.num || ok != tt.ok {
			t.Errorf("IsPlaceholder(%s) = %d, %v; want %d, %v", tt.in, num, ok, tt.num, tt.ok)
		}
	}
}

func TestAppendPlaceholder(t *testing.T) {
	for _, n := range []int{0, 1, 9, 10, 12345} {
		b := AppendPlaceholder([]byte("x"), n)
		want := `x{"_placeholder":true,"num":` + itoa(n) + `}`
		if string(b) != want {
			t.Errorf("AppendPlaceholder(%d) = %s, want %s", n, b, want)
		}
		if got, ok := IsPlaceholder(b[1:]); !ok || got != n {
			t.Errorf("IsPlaceholder(AppendPlaceholder(%d)) = %d, %v", n, got, ok)
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}
