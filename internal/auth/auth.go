package auth

import (
	"bytes"
	"crypto"
	"crypto/hkdf"
	"crypto/sha256"
	_ "crypto/sha512" // registers crypto.SHA512 for JWK thumbprints
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-jose/go-jose/v4"
)

// Principal is the user a verified session token speaks for.
type Principal struct {
	// UserID is the token's "sub" claim (the user id as a string). Never empty
	// in a Principal returned without error.
	UserID string
	// Name is the "name" claim, or "" when absent or not a string.
	Name string
	// Email is the "email" claim, or "" when absent or not a string.
	Email string
	// Role is the "role" claim as the token says it ("admin", "supervisor",
	// "agent", …), or "" when absent or not a string. Checking it against the
	// allowed roles is the caller's job; it is only as current as the token's
	// issue time.
	Role string
	// Department is the "department" claim, or "" when absent or not a string.
	Department string
	// Expires is the token's "exp" claim.
	Expires time.Time
}

// Options configures a [Verifier].
type Options struct {
	// Secrets are the app's secrets, as raw strings (they are never
	// base64-decoded): NEXTAUTH_SECRET / AUTH_SECRET first, then the rotation
	// secrets (AUTH_SECRET_1..3). Tokens are tried against each, in order;
	// [Verifier.Mint] uses the first. At least one is required, and none may be
	// empty (leave unset rotation secrets out).
	Secrets []string
	// Leeway is the clock skew allowed when checking exp (and nbf, if a token
	// has one). Zero means 15 seconds, as NextAuth.js; negative is an error.
	Leeway time.Duration
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// DefaultLeeway is the clock skew NextAuth.js and Auth.js allow when decoding,
// used when [Options.Leeway] is zero.
const DefaultLeeway = 15 * time.Second

// MaxTokenSize is the largest token, in bytes, that is parsed at all (after
// joining cookie chunks and URL-decoding a Bearer header). Larger tokens are
// rejected with [ErrInvalidToken] before any decoding.
const MaxTokenSize = 16 << 10

// Session cookie names, in the order [Verifier.FromRequest] looks for them.
const (
	// CookieNextAuthSecure is next-auth v4's cookie when NEXTAUTH_URL is https.
	CookieNextAuthSecure = "__Secure-next-auth.session-token"
	// CookieNextAuth is next-auth v4's cookie over http.
	CookieNextAuth = "next-auth.session-token"
	// CookieAuthJSSecure is Auth.js v5's cookie when secure cookies are used;
	// it is also the HKDF salt of tokens issued under it.
	CookieAuthJSSecure = "__Secure-authjs.session-token"
	// CookieAuthJS is Auth.js v5's cookie over http; it is also the HKDF salt of
	// tokens issued under it.
	CookieAuthJS = "authjs.session-token"
)

// Errors. Every error returned by [Verifier.Verify], [Verifier.VerifyToken] and
// [Verifier.FromRequest] wraps exactly one of them. None of them, nor any
// wrapping error, contains token text or a secret.
var (
	// ErrNoToken means there was no token: no session cookie, no Bearer
	// header, or an empty string.
	ErrNoToken = errors.New("auth: no session token")
	// ErrInvalidToken means a token was present but is not a session token
	// this Verifier accepts: malformed, too large, made with another secret or
	// for another cookie name, tampered with, or missing required claims.
	ErrInvalidToken = errors.New("auth: invalid session token")
	// ErrExpired means the token decrypted but its exp is in the past by more
	// than the leeway.
	ErrExpired = errors.New("auth: session token expired")
)

// TokenKind says which format and key a token is expected to have; it is
// determined by the cookie the token came from.
type TokenKind int

const (
	// AnyKind accepts a token of any of the kinds below, tried in the order
	// NextAuthV4, AuthJS, AuthJSSecure. Used for bare tokens.
	AnyKind TokenKind = iota
	// NextAuthV4 is a next-auth v4 token (either v4 cookie name; the salt is
	// empty for both).
	NextAuthV4
	// AuthJS is an Auth.js v5 token issued under cookie name [CookieAuthJS].
	AuthJS
	// AuthJSSecure is an Auth.js v5 token issued under cookie name
	// [CookieAuthJSSecure].
	AuthJSSecure
)

// String returns the kind's name.
func (k TokenKind) String() string {
	switch k {
	case AnyKind:
		return "any"
	case NextAuthV4:
		return "next-auth-v4"
	case AuthJS:
		return "authjs"
	case AuthJSSecure:
		return "authjs-secure"
	}
	return "TokenKind(" + strconv.Itoa(int(k)) + ")"
}

const (
	v4Info       = "NextAuth.js Generated Encryption Key"
	v5InfoPrefix = "Auth.js Generated Encryption Key ("
)

// v5Salts are the Auth.js salts, indexed by TokenKind-AuthJS.
var v5Salts = [2]string{CookieAuthJS, CookieAuthJSSecure}

// v5Key is one Auth.js key: the key for one secret, one salt and one enc.
type v5Key struct {
	key []byte
	kid []byte // RFC 7638 thumbprint, base64url, as @auth/core writes it
}

// secretKeys are all keys derived from one secret.
type secretKeys struct {
	v4    []byte   // A256GCM, 32 bytes
	v5CBC [2]v5Key // A256CBC-HS512, 64 bytes, per salt
	v5GCM [2]v5Key // A256GCM, 32 bytes, per salt
}

// Verifier verifies session tokens. Make one with [NewVerifier]; it is safe
// for concurrent use.
type Verifier struct {
	keys   []secretKeys // one per secret, in order
	leeway time.Duration
	now    func() time.Time
}

// NewVerifier derives the keys for every secret and cookie name once and
// returns a Verifier. It fails when there is no secret, a secret is empty, or
// Leeway is negative.
func NewVerifier(opts Options) (*Verifier, error) {
	if len(opts.Secrets) == 0 {
		return nil, errors.New("auth: no secret configured (set NEXTAUTH_SECRET or AUTH_SECRET)")
	}
	if opts.Leeway < 0 {
		return nil, errors.New("auth: negative leeway")
	}
	v := &Verifier{leeway: opts.Leeway, now: opts.Now}
	if v.leeway == 0 {
		v.leeway = DefaultLeeway
	}
	if v.now == nil {
		v.now = time.Now
	}
	for i, s := range opts.Secrets {
		if s == "" {
			return nil, fmt.Errorf("auth: secret %d is empty", i)
		}
		k, err := deriveKeys([]byte(s))
		if err != nil {
			return nil, err
		}
		v.keys = append(v.keys, k)
	}
	return v, nil
}

func deriveKeys(secret []byte) (secretKeys, error) {
	var k secretKeys
	var err error
	if k.v4, err = hkdf.Key(sha256.New, secret, nil, v4Info, 32); err != nil {
		return k, fmt.Errorf("auth: deriving key: %w", err)
	}
	for i, salt := range v5Salts {
		if k.v5CBC[i], err = deriveV5(secret, salt, 64, crypto.SHA512); err != nil {
			return k, err
		}
		if k.v5GCM[i], err = deriveV5(secret, salt, 32, crypto.SHA256); err != nil {
			return k, err
		}
	}
	return k, nil
}

// deriveV5 derives an Auth.js key and its kid. @auth/core names the
// thumbprint hash after the key length: sha512 for 64 bytes, sha256 for 32.
func deriveV5(secret []byte, salt string, n int, h crypto.Hash) (v5Key, error) {
	key, err := hkdf.Key(sha256.New, secret, []byte(salt), v5InfoPrefix+salt+")", n)
	if err != nil {
		return v5Key{}, fmt.Errorf("auth: deriving key: %w", err)
	}
	// RFC 7638 thumbprint of the JWK {"kty":"oct","k":…}: the hash of its
	// required members in lexicographic order, without whitespace.
	hh := h.New()
	hh.Write([]byte(`{"k":"` + base64.RawURLEncoding.EncodeToString(key) + `","kty":"oct"}`))
	tp := hh.Sum(nil)
	kid := make([]byte, base64.RawURLEncoding.EncodedLen(len(tp)))
	base64.RawURLEncoding.Encode(kid, tp)
	return v5Key{key: key, kid: kid}, nil
}

func invalid(reason string) error { return fmt.Errorf("%w: %s", ErrInvalidToken, reason) }

// VerifyToken verifies a bare token of any kind (next-auth v4, or Auth.js v5
// issued under either cookie name) and returns its Principal. It is
// Verify(token, AnyKind).
func (v *Verifier) VerifyToken(token string) (Principal, error) {
	return v.Verify(token, AnyKind)
}

// Verify decrypts token with the keys for kind, checks its claims and returns
// its Principal. Each secret is tried in order. For Auth.js tokens that carry
// a kid only the key with that thumbprint is tried, as @auth/core does; Auth.js
// tokens without a kid (which @auth/core's encode never writes) are tried with
// every secret, where @auth/core would try only the first.
//
// next-auth v4 tokens must be "dir" + A256GCM (what next-auth's encode
// writes); Auth.js tokens "dir" + A256CBC-HS512 or A256GCM (what @auth/core's
// decode accepts).
func (v *Verifier) Verify(token string, kind TokenKind) (Principal, error) {
	if token == "" {
		return Principal{}, ErrNoToken
	}
	if len(token) > MaxTokenSize {
		return Principal{}, invalid("too large")
	}
	if kind < AnyKind || kind > AuthJSSecure {
		return Principal{}, invalid("unknown token kind")
	}
	hdr, err := parseHeader(token)
	if err != nil {
		return Principal{}, err
	}
	enc := jose.ContentEncryption(hdr.Enc)
	jwe, err := jose.ParseEncryptedCompact(token, []jose.KeyAlgorithm{jose.DIRECT}, []jose.ContentEncryption{enc})
	if err != nil {
		return Principal{}, invalid("malformed JWE")
	}

	var payload []byte
	try := func(key []byte) bool {
		payload, err = jwe.Decrypt(key)
		return err == nil
	}
	ok := false
	// next-auth v4: A256GCM only (what its encode writes); its decode ignores kid.
	if (kind == AnyKind || kind == NextAuthV4) && enc == jose.A256GCM {
		for i := range v.keys {
			if ok = try(v.keys[i].v4); ok {
				break
			}
		}
	}
	// Auth.js v5: the salt is the cookie name.
	for s := range v5Salts {
		if ok || !(kind == AnyKind || kind == AuthJS+TokenKind(s)) {
			continue
		}
		for i := range v.keys {
			k := &v.keys[i].v5CBC[s]
			if enc == jose.A256GCM {
				k = &v.keys[i].v5GCM[s]
			}
			if hdr.hasKid && subtle.ConstantTimeCompare(k.kid, []byte(hdr.Kid)) != 1 {
				continue
			}
			if ok = try(k.key); ok {
				break
			}
		}
	}
	if !ok {
		return Principal{}, invalid("no key decrypts it")
	}
	return v.principal(payload)
}

// header is the part of the JWE protected header that is looked at before
// decryption. It is authenticated (it is the AAD), so tampering with it makes
// decryption fail.
type header struct {
	Alg, Enc, Kid string
	hasKid        bool
}

// parseHeader checks that the encrypted-key part is empty and the protected
// header: "alg" must be "dir", "enc" must be
// A256GCM or A256CBC-HS512, "kid" if present a string, and neither "zip" nor
// "crit" may be present (neither library writes them; refusing "zip" keeps
// decompression out of the attack surface).
func parseHeader(token string) (header, error) {
	var h header
	b64, rest, ok := strings.Cut(token, ".")
	if !ok {
		return h, invalid("not a compact JWE")
	}
	if !strings.HasPrefix(rest, ".") {
		// "dir" has no encrypted key; jose refuses one, go-jose would ignore it.
		return h, invalid("unexpected encrypted key")
	}
	raw, err := base64.RawURLEncoding.DecodeString(b64)
	if err != nil {
		return h, invalid("malformed header")
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return h, invalid("malformed header")
	}
	if _, ok := m["zip"]; ok {
		return h, invalid("compressed tokens are not accepted")
	}
	if _, ok := m["crit"]; ok {
		return h, invalid("critical header parameters are not supported")
	}
	if json.Unmarshal(m["alg"], &h.Alg) != nil || h.Alg != string(jose.DIRECT) {
		return h, invalid(`"alg" is not "dir"`)
	}
	if json.Unmarshal(m["enc"], &h.Enc) != nil ||
		(h.Enc != string(jose.A256GCM) && h.Enc != string(jose.A256CBC_HS512)) {
		return h, invalid(`unsupported "enc"`)
	}
	if kid, ok := m["kid"]; ok {
		if json.Unmarshal(kid, &h.Kid) != nil {
			return h, invalid(`"kid" is not a string`)
		}
		h.hasKid = true
	}
	return h, nil
}

// maxExp is 9999-12-31T23:59:59Z; later exp values are clamped to it in
// Principal.Expires.
const maxExp = 253402300799

// principal checks the decrypted claims set the way jose's jwtDecrypt does
// for NextAuth (claims set is a JSON object of valid UTF-8; iat, nbf and exp are
// numbers when present; nbf <= now+leeway; exp > now-leeway), and additionally
// requires exp and a non-empty string sub.
func (v *Verifier) principal(payload []byte) (Principal, error) {
	if !utf8.Valid(payload) {
		return Principal{}, invalid("claims are not UTF-8")
	}
	var c map[string]json.RawMessage
	if err := json.Unmarshal(payload, &c); err != nil || c == nil {
		return Principal{}, invalid("claims are not a JSON object")
	}
	now := float64(v.now().Unix())
	leeway := v.leeway.Seconds()

	if _, _, err := number(c, "iat"); err != nil {
		return Principal{}, err
	}
	nbf, hasNbf, err := number(c, "nbf")
	if err != nil {
		return Principal{}, err
	}
	if hasNbf && nbf > now+leeway {
		return Principal{}, invalid("not valid yet (nbf)")
	}
	exp, hasExp, err := number(c, "exp")
	if err != nil {
		return Principal{}, err
	}
	if !hasExp {
		return Principal{}, invalid(`no "exp" claim`)
	}
	if exp <= now-leeway {
		return Principal{}, ErrExpired
	}
	sub, isString := str(c, "sub")
	if !isString || sub == "" {
		return Principal{}, invalid(`no "sub" claim`)
	}
	p := Principal{UserID: sub}
	p.Name, _ = str(c, "name")
	p.Email, _ = str(c, "email")
	p.Role, _ = str(c, "role")
	p.Department, _ = str(c, "department")
	exp = math.Min(exp, maxExp)
	sec, frac := math.Modf(exp)
	p.Expires = time.Unix(int64(sec), int64(frac*1e9))
	return p, nil
}

// number reads a numeric claim: absent is fine, anything but a finite number
// (including null) is invalid, as in jose.
func number(c map[string]json.RawMessage, name string) (float64, bool, error) {
	raw, ok := c[name]
	if !ok {
		return 0, false, nil
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) {
		return 0, false, invalid(`"` + name + `" claim is not a number`)
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, invalid(`"` + name + `" claim is not a number`)
	}
	return f, true, nil
}

// str reads a string claim; ok is false when it is absent or not a string.
func str(c map[string]json.RawMessage, name string) (string, bool) {
	raw, present := c[name]
	if !present {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}
