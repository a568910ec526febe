package store

import (
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain +15550001111", "plain +15550001111"},
		{"héllo ✓ 😀", "héllo ✓ 😀"},
		{"a\x00b", "a\uFFFDb"},
		{"\x00\x00", "\uFFFD\uFFFD"},
		{"\xff\xfe", "\uFFFD"},             // one run, one replacement
		{"a\xffb\xfec", "a\uFFFDb\uFFFDc"}, // two runs
		{"\xc3(", "\uFFFD("},               // a cut sequence
		{"\xed\xa0\x80", "\uFFFD"},         // an encoded surrogate
		{"é\x00", "é\uFFFD"},               // NUL after a multi-byte rune
		{"\uFFFD", "\uFFFD"},               // kept as it is
		{"\x01\x7f\uFFFE", "\x01\x7f\uFFFE"},
	}
	for _, tc := range tests {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestCleanTextAllocatesOnlyToClean(t *testing.T) {
	for _, s := range []string{"+15550001111", "héllo ✓ 😀"} {
		if n := testing.AllocsPerRun(100, func() { _ = CleanText(s) }); n != 0 {
			t.Errorf("CleanText(%q): %v allocations, want 0", s, n)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{"", "a\x00b", "\xff\xfe", "é\x00\xc3(", "\uFFFD"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := CleanText(s)
		if !utf8.ValidString(got) || !isCleanText(got) {
			t.Fatalf("CleanText(%q) = %q: not clean", s, got)
		}
		if CleanText(got) != got {
			t.Fatalf("CleanText(%q) = %q changes again", s, got)
		}
		if isCleanText(s) != (got == s) {
			t.Fatalf("CleanText(%q) = %q", s, got)
		}
	})
}
