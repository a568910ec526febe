package sqldb

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/store"
)

func TestCleanJSON(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"clean", `{"a":"b","n":[1,2]}`, `{"a":"b","n":[1,2]}`},
		{"other escapes kept", `"\n\t\"\/\u0041\u00e9\uFFFD"`, `"\n\t\"\/\u0041\u00e9\uFFFD"`},
		{"nul", `"a\u0000b"`, `"a\ufffdb"`},
		{"nul in a key", `{"k\u0000":1}`, `{"k\ufffd":1}`},
		{"several", `["\u0000\u0000",{"x":"\u0000"}]`, `["\ufffd\ufffd",{"x":"\ufffd"}]`},
		{"escaped backslash", `"\\u0000"`, `"\\u0000"`},
		{"escaped backslash, then nul", `"\\\u0000"`, `"\\\ufffd"`},
		{"pair kept", `"\ud83d\ude00"`, `"\ud83d\ude00"`},
		{"pair in capitals kept", `"\uD83D\uDE00"`, `"\uD83D\uDE00"`},
		{"lone high", `"\ud800"`, `"\ufffd"`},
		{"lone high before text", `"\ud800abcdef"`, `"\ufffdabcdef"`},
		{"high, high, low", `"\ud800\ud83d\ude00"`, `"\ufffd\ud83d\ude00"`},
		{"lone low", `"x\udc00"`, `"x\ufffd"`},
		{"low, high", `"\ude00\ud83d"`, `"\ufffd\ufffd"`},
		{"high then other escape", `"\ud800\n"`, `"\ufffd\n"`},
		{"raw bytes", "\"a\x00\xff\"", "\"a\uFFFD\uFFFD\""},
	}
	for _, tc := range tests {
		if !json.Valid([]byte(tc.in)) && !strings.ContainsRune(tc.in, 0) {
			t.Fatalf("%s: %s is not JSON", tc.name, tc.in)
		}
		if got := cleanJSON(tc.in); got != tc.want {
			t.Errorf("%s: cleanJSON(%s) = %s, want %s", tc.name, tc.in, got, tc.want)
		}
	}
}

// cleanArgs cleans text and JSON, leaves the rest, and never changes the
// caller's slice.
func TestCleanArgs(t *testing.T) {
	t.Parallel()
	args := []any{"a\x00", jsonValue(`"\u0000"`), []byte("\xff"), 7, nil, "ok"}
	orig := slices.Clone(args)
	got := cleanArgs(args)
	want := []any{"a\uFFFD", `"\ufffd"`, []byte("\uFFFD"), 7, nil, "ok"}
	for i := range want {
		g, w := got[i], want[i]
		if b, ok := g.([]byte); ok {
			g, w = string(b), string(w.([]byte))
		}
		if g != w {
			t.Errorf("arg %d = %#v, want %#v", i, got[i], want[i])
		}
	}
	for i := range orig {
		if b, ok := orig[i].([]byte); ok {
			if string(b) != string(args[i].([]byte)) {
				t.Errorf("arg %d of the caller changed", i)
			}
		} else if args[i] != orig[i] {
			t.Errorf("arg %d of the caller changed to %#v", i, args[i])
		}
	}
}

func TestCleanArgsAllocatesOnlyToClean(t *testing.T) {
	clean := []any{"+15550001111", 42, "SM123", "héllo"}
	if n := testing.AllocsPerRun(100, func() { _ = cleanArgs(clean) }); n != 0 {
		t.Errorf("clean arguments: %v allocations, want 0", n)
	}
}

// Whatever valid JSON comes in, what is stored is valid JSON, clean text,
// and cleaned once for all (nothing jsonb refuses is left: cleanJSON
// would replace it).
func FuzzCleanJSON(f *testing.F) {
	for _, s := range []string{`"a\u0000b"`, `{"k\ud800":"\ud83d\ude00"}`, `"\\u0000"`, "\"\xff\"", `[1,"\udc00"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		got := cleanJSON(s)
		switch {
		case !json.Valid([]byte(got)):
			t.Fatalf("cleanJSON(%q) = %q: not JSON", s, got)
		case store.CleanText(got) != got:
			t.Fatalf("cleanJSON(%q) = %q: not clean text", s, got)
		case cleanJSON(got) != got:
			t.Fatalf("cleanJSON(%q) = %q changes again", s, got)
		case len(got) != len(store.CleanText(s)):
			t.Fatalf("cleanJSON(%q) = %q: escapes are replaced by escapes of their length", s, got)
		}
		var v any
		d := json.NewDecoder(strings.NewReader(got))
		d.UseNumber() // 2e400 is JSON too
		if err := d.Decode(&v); err != nil || strings.ContainsRune(decodedText(v), 0) {
			t.Fatalf("cleanJSON(%q) = %q decodes with a NUL", s, got)
		}
	})
}

// decodedText is the strings and keys of a decoded JSON value, joined.
func decodedText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var s strings.Builder
		for _, e := range x {
			s.WriteString(decodedText(e))
		}
		return s.String()
	case map[string]any:
		var s strings.Builder
		for k, e := range x {
			s.WriteString(k + decodedText(e))
		}
		return s.String()
	}
	return ""
}
