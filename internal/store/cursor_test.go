package store

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCursorRoundTrip(t *testing.T) {
	tests := []Cursor{
		{Kind: "voicemails", At: time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC), ID: "01JPAZ0000ABCDEFGHJKMNPQRS"},
		{Kind: "messages", At: time.Unix(0, 0).UTC(), ID: "SM|with|bars"},
		{Kind: "tasks", At: time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC), ID: "é"},
	}
	for _, c := range tests {
		got, err := DecodeCursor(c.Kind, c.String())
		if err != nil {
			t.Errorf("%+v: %v", c, err)
			continue
		}
		if got != c {
			t.Errorf("round trip: %+v, want %+v", got, c)
		}
	}
}

func TestDecodeCursorRefuses(t *testing.T) {
	valid := Cursor{Kind: "voicemails", At: time.Unix(1e9, 0).UTC(), ID: "x"}
	tests := map[string]string{
		"empty":          "",
		"not base64":     "***",
		"padded":         valid.String() + "=",
		"other kind":     Cursor{Kind: "messages", At: valid.At, ID: "x"}.String(),
		"no id":          Cursor{Kind: "voicemails", At: valid.At}.String(),
		"before 1970":    Cursor{Kind: "voicemails", At: time.Unix(-1, 0), ID: "x"}.String(),
		"too long":       strings.Repeat("A", 600),
		"long id":        Cursor{Kind: "voicemails", At: valid.At, ID: strings.Repeat("x", 300)}.String(),
		"other version":  b64("c2|voicemails|1|x"),
		"bad time":       b64("c1|voicemails|12a|x"),
		"leading zero":   b64("c1|voicemails|012|x"),
		"plus sign":      b64("c1|voicemails|+12|x"),
		"few fields":     b64("c1|voicemails|12"),
		"nul in id":      b64("c1|voicemails|12|a\x00b"),
		"invalid utf-8":  b64("c1|voicemails|12|\xff"),
		"time overflows": b64("c1|voicemails|9223372036854775807|x"),
		"newline":        valid.String() + "\n",
	}
	for name, s := range tests {
		if _, err := DecodeCursor("voicemails", s); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
}

func b64(s string) string { return Cursor{}.encodeRaw(s) }

func FuzzDecodeCursor(f *testing.F) {
	f.Add("voicemails", Cursor{Kind: "voicemails", At: time.Unix(1e9, 5000).UTC(), ID: "abc"}.String())
	f.Add("messages", b64("c1|messages|0|SM1"))
	f.Add("voicemails", "")
	f.Add("tasks", b64("c1|tasks|-5|x"))
	f.Fuzz(func(t *testing.T, kind, s string) {
		c, err := DecodeCursor(kind, s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if c.Kind != kind || c.ID == "" || c.At.Location() != time.UTC {
			t.Fatalf("decoded %+v", c)
		}
		// What decodes re-encodes to the same string.
		if again := c.String(); again != s {
			t.Fatalf("re-encoded %q, decoded from %q", again, s)
		}
	})
}
