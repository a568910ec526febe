package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// FuzzVerifyToken feeds arbitrary strings to VerifyToken: it must never
// panic, accept only tokens with a user id, wrap one of the sentinel errors
// otherwise, and never echo the input in an error. The seeds are valid tokens
// of each kind (made in Go, so no Node is needed), truncations of them and
// junk.
func FuzzVerifyToken(f *testing.F) {
	now := time.Unix(1_900_000_000, 0)
	v, err := NewVerifier(Options{Secrets: []string{"fuzz-secret-1", "fuzz-secret-2"}, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	v4, err := v.Mint(Principal{UserID: "u1", Name: "N", Email: "e@x", Role: "agent", Department: "D"}, time.Hour)
	if err != nil {
		f.Fatal(err)
	}
	claims := withTimes(map[string]any{"sub": "u2", "role": "admin"}, now, time.Hour)
	seeds := []string{
		v4,
		encodeV5(f, "fuzz-secret-1", CookieAuthJS, jose.A256CBC_HS512, true, claims),
		encodeV5(f, "fuzz-secret-2", CookieAuthJSSecure, jose.A256CBC_HS512, true, claims),
		encodeV5(f, "fuzz-secret-1", CookieAuthJS, jose.A256GCM, false, claims),
		v4[:len(v4)/2],
		v4[:strings.LastIndex(v4, ".")],
		v4 + "=",
		"",
		".",
		"....",
		"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0....",
		"eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
		"\x00\xff\xfe random \u2603 bytes",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := v.VerifyToken(s)
		if err == nil {
			if p.UserID == "" {
				t.Fatal("accepted a token without a user id")
			}
			return
		}
		if !errors.Is(err, ErrNoToken) && !errors.Is(err, ErrInvalidToken) && !errors.Is(err, ErrExpired) {
			t.Fatalf("error wraps no sentinel: %v", err)
		}
		if p != (Principal{}) {
			t.Fatal("principal returned with an error")
		}
		if len(s) >= 8 && strings.Contains(err.Error(), s) {
			t.Fatalf("error echoes the input: %v", err)
		}
	})
}

func BenchmarkVerifyToken(b *testing.B) {
	now := time.Unix(1_900_000_000, 0)
	secrets := []string{"bench-secret-1", "bench-secret-2"}
	v, err := NewVerifier(Options{Secrets: secrets, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	p := Principal{UserID: "user-42", Name: "Ada Lovelace", Email: "ada@example.com", Role: "supervisor", Department: "Support"}
	v4, err := v.Mint(p, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	rot, err := NewVerifier(Options{Secrets: []string{secrets[1]}, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	v4rot, err := rot.Mint(p, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	claims := withTimes(map[string]any{"sub": "user-42", "name": "Ada Lovelace", "role": "supervisor"}, now, time.Hour)
	for _, bc := range []struct{ name, token string }{
		{"v4", v4},
		{"v4-second-secret", v4rot},
		{"v5-kid", encodeV5(b, secrets[0], CookieAuthJS, jose.A256CBC_HS512, true, claims)},
		{"v5-secure-kid", encodeV5(b, secrets[1], CookieAuthJSSecure, jose.A256CBC_HS512, true, claims)},
		{"v5-no-kid-secure", encodeV5(b, secrets[1], CookieAuthJSSecure, jose.A256CBC_HS512, false, claims)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.VerifyToken(bc.token); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
