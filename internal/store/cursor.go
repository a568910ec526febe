package store

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Cursor is the position after the last item of a page: the item's sort
// time and id. Its string form is opaque to clients.
type Cursor struct {
	// Kind names the list ("voicemails", "messages", …) so a cursor of one
	// list is refused by another.
	Kind string
	At   time.Time
	ID   string
}

const (
	cursorVersion  = "c1"
	maxCursorIDLen = 256
	maxCursorLen   = 512
)

// cursor times are limited to what both backends store exactly.
var (
	minCursorTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxCursorTime = time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC)
)

// String encodes the cursor.
func (c Cursor) String() string {
	return c.encodeRaw(cursorVersion + "|" + c.Kind + "|" + strconv.FormatInt(c.At.UnixMicro(), 10) + "|" + c.ID)
}

func (Cursor) encodeRaw(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }

// DecodeCursor decodes a cursor of the given kind. It returns an error
// wrapping ErrInvalid ("invalid input: cursor: …") for anything that
// String did not produce for that kind.
func DecodeCursor(kind, s string) (Cursor, error) {
	c, err := decodeCursor(kind, s)
	if err != nil {
		return Cursor{}, fmt.Errorf("%w: cursor: %s", ErrInvalid, err)
	}
	return c, nil
}

func decodeCursor(kind, s string) (Cursor, error) {
	if len(s) > maxCursorLen {
		return Cursor{}, errText("too long")
	}
	// The decoder skips newlines: refuse them (and anything else outside
	// the alphabet) so that one cursor has one spelling.
	if strings.IndexFunc(s, notBase64URL) >= 0 {
		return Cursor{}, errText("not base64url")
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return Cursor{}, errText("not base64url")
	}
	parts := strings.SplitN(string(b), "|", 4)
	if len(parts) != 4 || parts[0] != cursorVersion {
		return Cursor{}, errText("unknown format")
	}
	if parts[1] != kind {
		return Cursor{}, errText("not a cursor of " + kind)
	}
	micros, err := strconv.ParseInt(parts[2], 10, 64)
	if err != nil || strconv.FormatInt(micros, 10) != parts[2] {
		return Cursor{}, errText("bad time")
	}
	at := time.UnixMicro(micros).UTC()
	if at.Before(minCursorTime) || at.After(maxCursorTime) {
		return Cursor{}, errText("time out of range")
	}
	id := parts[3]
	if id == "" || len(id) > maxCursorIDLen || !utf8.ValidString(id) || strings.ContainsRune(id, 0) {
		return Cursor{}, errText("bad id")
	}
	return Cursor{Kind: kind, At: at, ID: id}, nil
}

func notBase64URL(r rune) bool {
	return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
}

type errText string

func (e errText) Error() string { return string(e) }
