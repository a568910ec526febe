package msgpackjson

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

// sameJSON reports whether a and b hold the same JSON value (numbers
// compared as float64); ok is false when a holds a number beyond float64
// (which encoding/json refuses, and the converter writes as infinity,
// read back as null).
func sameJSON(t *testing.T, a, b []byte) (same, ok bool) {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil {
		return false, false
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%q: %v", b, err)
	}
	return reflect.DeepEqual(x, y), true
}

func write(data []byte, atts [][]byte) ([]byte, error) {
	var buf bytes.Buffer
	err := WriteJSON(msgpack.NewEncoder(&buf), &buf, data, atts)
	return buf.Bytes(), err
}

// TestRoundTrip: JSON written as MessagePack reads back as the same
// value, its attachments in placeholder order, for each kind of value and
// each length of str header.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	long := func(n int) string { return `"` + strings.Repeat("x", n) + `"` }
	for _, tc := range []struct {
		name, json string
		atts       [][]byte
		want       string   // "" for the input itself
		wantAtts   [][]byte // in the order their placeholders stand
	}{
		{"numbers", `[1,-1,0,127,128,-33,65536,4294967296,-4294967296,9007199254740993]`, nil, "", nil},
		{"floats", `[1.5,-0.25,1e-7,1e21,123456789.125]`, nil, `[1.5,-0.25,1e-7,1e+21,123456789.125]`, nil},
		{"strings", `["q\"uote","\u00e9\ud83d\ude00","tab\t",""]`, nil, `["q\"uote","é😀","tab\t",""]`, nil},
		{"fixstr", long(31), nil, "", nil},
		{"str8", long(255), nil, "", nil},
		{"str16", long(65535), nil, "", nil},
		{"str32", long(65536), nil, "", nil},
		{"white space and empties", `[ "a" , { "k" : [ true , false , null ] , "e" : { } , "l" : [ ] } ]`, nil, `["a",{"k":[true,false,null],"e":{},"l":[]}]`, nil},
		{"placeholders renumbered in order", `[{"_placeholder":true,"num":1},{"x":{"_placeholder":true,"num":0}}]`, [][]byte{{1}, {2, 3}}, `[{"_placeholder":true,"num":0},{"x":{"_placeholder":true,"num":1}}]`, [][]byte{{2, 3}, {1}}},
		{"placeholder with more members is an object", `[{"_placeholder":true,"num":0,"extra":1}]`, [][]byte{{1}}, "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := write([]byte(tc.json), tc.atts)
			if err != nil {
				t.Fatal(err)
			}
			r := NewReader(b)
			got, atts, err := r.ReadJSON()
			if err != nil || r.Len() != 0 {
				t.Fatalf("read: %v, %d bytes left", err, r.Len())
			}
			want := tc.want
			if want == "" {
				want = tc.json
			}
			if string(got) != want {
				t.Fatalf("got %.80s, want %.80s", got, want)
			}
			if !reflect.DeepEqual(atts, tc.wantAtts) {
				t.Fatalf("attachments %v, want %v", atts, tc.wantAtts)
			}
		})
	}
}

// TestReadTimestamps: the three sizes of the timestamp extension.
func TestReadTimestamps(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, hex, want string }{
		{"32-bit seconds", "d6 ff 6553f100", `"2023-11-14T22:13:20.000Z"`},
		{"64-bit with nanoseconds", "d7 ff 1d535300 6553f100", `"2023-11-14T22:13:20.123Z"`},
		{"96-bit", "c7 0c ff 0754d4c0 000000006553f100", `"2023-11-14T22:13:20.123Z"`},
		{"other size is an extension", "d5 ff 0102", `[-1,{"_placeholder":true,"num":0}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := readJSON(t, tc.hex)
			if err != nil || got != tc.want {
				t.Fatalf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// FuzzReadJSON: no input panics the reader; what it reads is valid JSON
// whose placeholders number its attachments, and it writes back as
// MessagePack that reads as the same value.
func FuzzReadJSON(f *testing.F) {
	for _, h := range []string{
		"99a26576c4020102cb3ff8000000000000fdcd012cc0c082a162d7ff1d5353006553f100a163a2c3a9c40109",
		"82a161d40000a16201", "81 01 a161", "d4 05 aa", "cf ffffffffffffffff", "cb 7ff0000000000000",
	} {
		b, _ := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		data, atts, err := NewReader(b).ReadJSON()
		if err != nil {
			return
		}
		if !json.Valid(data) {
			t.Fatalf("invalid JSON %q from %x", data, b)
		}
		if bytes.Count(data, []byte(`"_placeholder"`)) != len(atts) {
			return // a map that looks like a placeholder: ambiguous, as in package parser
		}
		again, err := write(data, atts)
		if err != nil {
			if errors.Is(err, ErrDepth) {
				return
			}
			t.Fatalf("write %q: %v", data, err)
		}
		data2, atts2, err := NewReader(again).ReadJSON()
		if err != nil {
			t.Fatalf("read back %q: %v", data, err)
		}
		if same, _ := sameJSON(t, data, data2); !same || !reflect.DeepEqual(atts, atts2) {
			t.Fatalf("%q with %d attachments became %q with %d", data, len(atts), data2, len(atts2))
		}
	})
}

// FuzzWriteJSON: no input panics the writer; any valid JSON value writes,
// and reads back as the same value.
func FuzzWriteJSON(f *testing.F) {
	for _, s := range []string{`["a"]`, `["a",1,-2.5e-3,"\u00e9",{"b":[null,true]}]`, `["x",{},[],[[[]]],""]`, `["n",123456789012345678901234567890,-0,1E400]`, ` {"k" : "v"} `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := write(data, nil)
		if !json.Valid(data) {
			return // written or refused: either is fine, without a panic
		}
		if err != nil {
			if errors.Is(err, ErrDepth) {
				return
			}
			t.Fatalf("write %q: %v", data, err)
		}
		got, _, err := NewReader(b).ReadJSON()
		if err != nil {
			t.Fatalf("read back %q: %v", data, err)
		}
		if same, ok := sameJSON(t, data, got); ok && !same {
			t.Fatalf("%q became %q", data, got)
		}
	})
}
