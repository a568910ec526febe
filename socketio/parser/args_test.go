package parser

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{`[]`, nil},
		{` [ ] `, nil},
		{`[1]`, []string{`1`}},
		{`["message",1.50,"2",{"b":1,"a":[true]}]`, []string{`"message"`, `1.50`, `"2"`, `{"b":1,"a":[true]}`}},
		{"[ 1e10 ,\t\"a,]b\\\"\" ,\n[ 1, [2] ] , {\"x\" : { } } ,null,false,true]", []string{`1e10`, `"a,]b\""`, `[ 1, [2] ]`, `{"x" : { } }`, `null`, `false`, `true`}},
		{`[[],{},""]`, []string{`[]`, `{}`, `""`}},
		{`[-0.0E+1]`, []string{`-0.0E+1`}},
		{`[{"_placeholder":true,"num":0}]`, []string{`{"_placeholder":true,"num":0}`}},
	}
	for _, tt := range tests {
		got, err := SplitArgs(json.RawMessage(tt.in))
		if err != nil {
			t.Errorf("SplitArgs(%s): %v", tt.in, err)
			continue
		}
		var gs []string
		for _, a := range got {
			gs = append(gs, string(a))
		}
		if !reflect.DeepEqual(gs, tt.want) {
			t.Errorf("SplitArgs(%s) = %q, want %q", tt.in, gs, tt.want)
		}
	}
}

func TestSplitArgsInvalid(t *testing.T) {
	for _, in := range []string{``, ` `, `{}`, `"[1]"`, `1`, `[1,]`, `[1`, `[1]]`, `[1] x`, `[,1]`, `[01]`, `[1 2]`, `null`} {
		if got, err := SplitArgs(json.RawMessage(in)); err == nil || !errors.Is(err, ErrInvalidPacket) {
			t.Errorf("SplitArgs(%s) = %q, %v; want ErrInvalidPacket", in, got, err)
		}
	}
}

func TestSplitArgsNoOverlap(t *testing.T) {
	data := json.RawMessage(`[1,2]`)
	args, err := SplitArgs(data)
	if err != nil {
		t.Fatal(err)
	}
	_ = append(args[0], 'x')
	if string(data) != `[1,2]` {
		t.Fatalf("appending to an argument changed the data: %s", data)
	}
}

func TestAppendArgs(t *testing.T) {
	tests := []struct {
		args []json.RawMessage
		want string
	}{
		{nil, `[]`},
		{[]json.RawMessage{}, `[]`},
		{[]json.RawMessage{json.RawMessage(`"a"`)}, `["a"]`},
		{[]json.RawMessage{json.RawMessage(`"a"`), nil, json.RawMessage(`1.0`), json.RawMessage(`{"b":2,"a":1}`)}, `["a",null,1.0,{"b":2,"a":1}]`},
	}
	for _, tt := range tests {
		if got := string(AppendArgs(nil, tt.args)); got != tt.want {
			t.Errorf("AppendArgs(%q) = %s, want %s", tt.args, got, tt.want)
		}
	}
	// Round trip with SplitArgs.
	in := `["x",1.50,{"b":[1,2],"a":"]"},[],null]`
	args, err := SplitArgs(json.RawMessage(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := string(AppendArgs(nil, args)); got != in {
		t.Errorf("AppendArgs(SplitArgs(%s)) = %s", in, got)
	}
}
