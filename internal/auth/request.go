package auth

import (
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// sessionCookies are the cookie names FromRequest looks for, in order, and
// the kind of token each holds.
var sessionCookies = [...]struct {
	name string
	kind TokenKind
}{
	{CookieNextAuthSecure, NextAuthV4},
	{CookieNextAuth, NextAuthV4},
	{CookieAuthJSSecure, AuthJSSecure},
	{CookieAuthJS, AuthJS},
}

// FromRequest verifies the session token r carries and returns its Principal.
//
// It looks for the session cookies [CookieNextAuthSecure], [CookieNextAuth],
// [CookieAuthJSSecure] and [CookieAuthJS], in that order. A cookie is used
// whole when present under its exact name; otherwise its chunks name.0,
// name.1, … (which must be numbered consecutively from 0) are joined in
// numeric order. Each cookie's token is verified as the kind its name implies
// (so an Auth.js token is only accepted under the cookie name it was issued
// for); the first that verifies wins, and if none does, the error for the
// first one found is returned. A stale cookie of one kind therefore does not
// hide a valid one of another (as during a v4 to v5 migration).
//
// Only when no session cookie is present at all is the header
// "Authorization: Bearer <token>" used, with the token URL-decoded and of any
// kind, as next-auth's getToken does. With neither, the error is [ErrNoToken].
func (v *Verifier) FromRequest(r *http.Request) (Principal, error) {
	cookies := r.Cookies()
	var firstErr error
	for _, sc := range sessionCookies {
		tok, found, err := sessionCookie(cookies, sc.name)
		if !found {
			continue
		}
		if err == nil {
			var p Principal
			if p, err = v.Verify(tok, sc.kind); err == nil {
				return p, nil
			}
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return Principal{}, firstErr
	}
	tok, err := bearer(r.Header.Get("Authorization"))
	if err != nil {
		return Principal{}, err
	}
	return v.Verify(tok, AnyKind)
}

// sessionCookie returns the value of cookie name, or of its chunks joined.
// found is false when neither the cookie nor any chunk is present with a
// non-empty value (an empty cookie is what signing out leaves behind).
func sessionCookie(cookies []*http.Cookie, name string) (token string, found bool, err error) {
	type chunk struct {
		n     int
		value string
	}
	for _, c := range cookies {
		if c.Name == name && c.Value != "" {
			return c.Value, true, nil
		}
	}
	var chunks []chunk
	size := 0
	prefix := name + "."
	for _, c := range cookies {
		suffix, ok := strings.CutPrefix(c.Name, prefix)
		if !ok || c.Value == "" {
			continue
		}
		n, ok := chunkIndex(suffix)
		if !ok {
			continue // not a name next-auth writes ("x", "01", "-1", overflow)
		}
		size += len(c.Value)
		if size > MaxTokenSize {
			return "", true, invalid("too large")
		}
		chunks = append(chunks, chunk{n, c.Value})
	}
	if len(chunks) == 0 {
		return "", false, nil
	}
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].n < chunks[j].n })
	var b strings.Builder
	b.Grow(size)
	for i, c := range chunks {
		if c.n != i {
			return "", true, invalid("session cookie chunks missing or duplicated")
		}
		b.WriteString(c.value)
	}
	return b.String(), true, nil
}

// chunkIndex parses a chunk suffix as next-auth writes it: a decimal
// number without sign or leading zeros.
func chunkIndex(s string) (int, bool) {
	if s == "" || len(s) > 6 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// bearer extracts the token from an Authorization header the way next-auth's
// getToken does: the header split on single spaces, the first part "Bearer"
// (compared case-insensitively here, as RFC 9110 wants), the second part
// URL-decoded.
func bearer(h string) (string, error) {
	parts := strings.Split(h, " ")
	if len(parts) < 2 || !strings.EqualFold(parts[0], "Bearer") || parts[1] == "" {
		return "", ErrNoToken
	}
	if len(parts[1]) > 3*MaxTokenSize {
		return "", invalid("too large")
	}
	tok, err := url.PathUnescape(parts[1])
	if err != nil {
		return "", invalid("malformed percent-encoding")
	}
	return tok, nil
}
