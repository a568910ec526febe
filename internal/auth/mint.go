package auth

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Mint makes a next-auth v4 session token for p with the first secret: a
// compact JWE with header {"alg":"dir","enc":"A256GCM"} and claims sub, name,
// email, role and department (empty ones left out), iat (now), exp (iat plus
// ttl in whole seconds; p.Expires is ignored) and jti (a random UUID v4), as
// next-auth's jwt encode writes them. next-auth's decode and getToken accept
// it, and it is valid in a "next-auth.session-token" or
// "__Secure-next-auth.session-token" cookie or as a bare token.
//
// ttl must be at least one second, and p.UserID must not be empty.
func (v *Verifier) Mint(p Principal, ttl time.Duration) (string, error) {
	if p.UserID == "" {
		return "", errors.New("auth: mint: empty UserID")
	}
	secs := int64(ttl / time.Second)
	if secs < 1 {
		return "", errors.New("auth: mint: ttl under one second")
	}
	jti, err := uuidV4()
	if err != nil {
		return "", err
	}
	iat := v.now().Unix()
	claims := map[string]any{"sub": p.UserID, "iat": iat, "exp": iat + secs, "jti": jti}
	for name, val := range map[string]string{"name": p.Name, "email": p.Email, "role": p.Role, "department": p.Department} {
		if val != "" {
			claims[name] = val
		}
	}
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.DIRECT, Key: v.keys[0].v4}, nil)
	if err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	tok, err := jwt.Encrypted(enc).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	return tok, nil
}

// uuidV4 returns a random RFC 9562 version 4 UUID in its string form.
func uuidV4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:], b[10:])
	return string(s[:]), nil
}
