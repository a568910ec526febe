package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kin-comms/kinrt/internal/store"
)

// textQuerier is the querier every statement of the repositories runs
// through (DB.querier makes them all): it passes each text argument
// through store.CleanText, and each JSON argument (a jsonValue) through
// cleanJSON, so that both backends store the same text and PostgreSQL
// is never given what it refuses (a NUL or invalid UTF-8 in text, SQLSTATE
// 22021; \u0000 or a lone surrogate in jsonb). Reads are cleaned as
// writes are, so a record is found by the key it was written with.
type textQuerier struct{ q querier }

// ExecContext is sql.DB's and sql.Tx's, with its arguments cleaned.
func (t textQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.q.ExecContext(ctx, query, cleanArgs(args)...)
}

// QueryContext is sql.DB's and sql.Tx's, with its arguments cleaned.
func (t textQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.q.QueryContext(ctx, query, cleanArgs(args)...)
}

// QueryRowContext is sql.DB's and sql.Tx's, with its arguments cleaned.
func (t textQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.q.QueryRowContext(ctx, query, cleanArgs(args)...)
}

// jsonValue is an argument that is JSON text (attributes, payloads, the
// lists stored as JSON): textQuerier cleans its escapes too.
type jsonValue string

// cleanArgs returns args with their text cleaned. It returns args itself,
// without allocating, when nothing needed cleaning; otherwise a copy, so
// the caller's slice is left as it was.
func cleanArgs(args []any) []any {
	out, copied := args, false
	for i, a := range args {
		var clean any
		switch v := a.(type) {
		case string:
			c := store.CleanText(v)
			if c == v {
				continue
			}
			clean = c
		case jsonValue:
			clean = cleanJSON(string(v)) // always a string: drivers know no jsonValue
		case []byte:
			c := store.CleanText(string(v))
			if c == string(v) {
				continue
			}
			clean = []byte(c)
		default:
			continue
		}
		if !copied {
			out, copied = append([]any(nil), args...), true
		}
		out[i] = clean
	}
	return out
}

// cleanJSON returns the JSON text s (which json.Valid accepts) with its
// text cleaned (store.CleanText) and the escapes that PostgreSQL's jsonb
// refuses replaced by \ufffd: \u0000, and a \uD800–\uDFFF escape that is
// not half of a surrogate pair. Both are six bytes, so is \ufffd.
func cleanJSON(s string) string {
	s = store.CleanText(s)
	if !strings.Contains(s, `\u`) {
		return s
	}
	var b []byte // a copy of s once an escape is replaced
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			continue
		}
		if s[i+1] != 'u' || i+6 > len(s) {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r := hex4(s[i+2 : i+6])
		if isHighSurrogate(r) && i+12 <= len(s) && s[i+6] == '\\' && s[i+7] == 'u' && isLowSurrogate(hex4(s[i+8:i+12])) {
			i += 11 // a pair, kept
			continue
		}
		if r == 0 || isHighSurrogate(r) || isLowSurrogate(r) {
			if b == nil {
				b = []byte(s)
			}
			copy(b[i:], `\ufffd`)
		}
		i += 5
	}
	if b == nil {
		return s
	}
	return string(b)
}

// hex4 is the value of four hex digits, or -1.
func hex4(s string) rune {
	var r rune
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

func isHighSurrogate(r rune) bool { return 0xD800 <= r && r < 0xDC00 }
func isLowSurrogate(r rune) bool  { return 0xDC00 <= r && r < 0xE000 }
