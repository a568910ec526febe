package store

import (
	"strings"
	"unicode/utf8"
)

// Replacement is what the stores keep in place of text they cannot store:
// U+FFFD, the Unicode replacement character.
const Replacement = "\uFFFD"

// CleanText returns s as every store keeps it (see "Text" in the package
// doc): each NUL byte is replaced by U+FFFD, and so is each run of bytes
// that is not valid UTF-8 (as strings.ToValidUTF8 does: "\xff\xfe" gives
// one U+FFFD). Text that is already valid UTF-8 without NUL is returned as
// it is, without allocating.
func CleanText(s string) string {
	if isCleanText(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, Replacement), "\x00", Replacement)
}

// isCleanText reports whether s is valid UTF-8 without NUL.
func isCleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0:
			return false
		case c >= utf8.RuneSelf:
			return utf8.ValidString(s[i:]) && strings.IndexByte(s[i:], 0) < 0
		}
	}
	return true
}
