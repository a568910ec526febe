package msgpackjson

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/vmihailenco/msgpack/v5"
)

func readJSON(t *testing.T, h string) (string, [][]byte, error) {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(h, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	r := NewReader(b)
	data, atts, err := r.ReadJSON()
	if err == nil && r.Len() != 0 {
		t.Fatalf("%s: %d bytes left", h, r.Len())
	}
	return string(data), atts, err
}

// TestReadJSON: each MessagePack value becomes the JSON that
// JSON.stringify writes for what notepack.io decodes (the package
// comment's table).
func TestReadJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, hex, want string
		atts            int
	}{
		{"nil", "c0", `null`, 0},
		{"bools", "92 c2 c3", `[false,true]`, 0},
		{"float32", "ca 3dcccccd", `0.10000000149011612`, 0},
		{"NaN", "cb 7ff8000000000000", `null`, 0},
		{"infinity", "cb 7ff0000000000000", `null`, 0},
		{"1e20", "cb 4415af1d78b58c40", `100000000000000000000`, 0},
		{"1e21", "cb 444b1ae4d6e2ef50", `1e+21`, 0},
		{"1e-7", "cb 3e7ad7f29abcaf48", `1e-7`, 0},
		{"uint64 max", "cf ffffffffffffffff", `18446744073709551615`, 0},
		{"int64 min", "d3 8000000000000000", `-9223372036854775808`, 0},
		{"negative fixint", "ff", `-1`, 0},
		{"string escapes", "a2 0a22", `"\n\""`, 0},
		{"number key", "81 01 a161", `{"1":"a"}`, 0},
		{"bool key", "81 c3 01", `{"true":1}`, 0},
		{"bin", "c4 02 0102", `{"_placeholder":true,"num":0}`, 1},
		{"ArrayBuffer (ext 0)", "c7 02 00 0908", `{"_placeholder":true,"num":0}`, 1},
		{"other ext", "d4 05 aa", `[5,{"_placeholder":true,"num":0}]`, 1},
		{"timestamp 32", "d6 ff 00000001", `"1970-01-01T00:00:01.000Z"`, 0},
		{"notepack Date", "d7 00 0000018cc820d88e", `"2024-01-02T03:04:05.006Z"`, 0},
		{"undefined in an array", "92 d40000 01", `[null,1]`, 0},
		{"undefined in a map", "82 a161 d40000 a162 01", `{"b":1}`, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, atts, err := readJSON(t, tc.hex)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || len(atts) != tc.atts {
				t.Fatalf("got %s with %d attachments, want %s with %d", got, len(atts), tc.want, tc.atts)
			}
		})
	}
}

func TestReadJSONErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, hex string }{
		{"empty", ""},
		{"never used code", "c1"},
		{"array key", "81 90 01"},
		{"truncated array", "92 01"},
		{"huge string", "db ffffffff 61"},
		{"huge bin", "c6 ffffffff 61"},
		{"huge ext", "c9 ffffffff 05 61"},
		{"nested too deep", strings.Repeat("91", MaxDepth+2) + "c0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, _, err := readJSON(t, tc.hex); err == nil {
				t.Fatalf("read %s", got)
			}
		})
	}
}

func writeJSON(data string, atts [][]byte) (string, error) {
	var buf bytes.Buffer
	e := msgpack.NewEncoder(&buf)
	err := WriteJSON(e, &buf, []byte(data), atts)
	return hex.EncodeToString(buf.Bytes()), err
}

// TestWriteJSON: JSON values become what notepack.io writes for the
// JavaScript values JSON.parse makes of them.
func TestWriteJSON(t *testing.T) {
	t.Parallel()
	one := [][]byte{{1}}
	for _, tc := range []struct {
		name, json string
		atts       [][]byte
		want       string
	}{
		{"integral float", `1.0`, nil, "01"},
		{"exponent", `1e2`, nil, "64"},
		{"minus zero", `-0`, nil, "00"},
		{"fraction", `1.5`, nil, "cb3ff8000000000000"},
		{"uint64", `18446744073709551615`, nil, "cfffffffffffffffff"},
		{"beyond uint64", `123456789012345678901234567890`, nil, "cb45f8ee90ff6c373e"},
		{"escaped string", `"\u00e9"`, nil, "a2c3a9"},
		{"white space", ` [ 1 , 2 ] `, nil, "920102"},
		{"placeholder", `{"_placeholder":true,"num":0}`, one, "c40101"},
		{"placeholder out of range", `{"_placeholder":true,"num":1}`, one, "82ac5f706c616365686f6c646572c3a36e756d01"},
		{"placeholder without attachments", `{"_placeholder":true,"num":0}`, nil, "82ac5f706c616365686f6c646572c3a36e756d00"},
		{"member order kept", `{"b":1,"a":2}`, nil, "82a16201a16102"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := writeJSON(tc.json, tc.atts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWriteJSONErrors(t *testing.T) {
	t.Parallel()
	for _, data := range []string{``, `[1,`, `{"a" 1}`, `[1] 2`, `nul`, `"abc`, `]`, strings.Repeat("[", MaxDepth+2) + strings.Repeat("]", MaxDepth+2)} {
		if got, err := writeJSON(data, nil); err == nil {
			t.Errorf("%q written as %s", data, got)
		} else if data == strings.Repeat("[", MaxDepth+2)+strings.Repeat("]", MaxDepth+2) && !errors.Is(err, ErrDepth) {
			t.Errorf("deep nesting: %v, want ErrDepth", err)
		}
	}
}
