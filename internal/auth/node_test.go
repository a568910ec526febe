package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/kin-comms/kinrt/internal/testenv"
)

// mintDir is the Node project whose pinned next-auth and @auth/core make and
// check tokens for these tests.
var mintDir = filepath.Join("testdata", "mint")

// requireNode returns the node binary with the packages of mintDir.
func requireNode(t testing.TB) string {
	t.Helper()
	return testenv.Node(t, filepath.Join(mintDir, "node_modules", "next-auth"), filepath.Join(mintDir, "node_modules", "@auth", "core"))
}

// mintReq is one request to mint.mjs (see the comment at its top).
type mintReq struct {
	Mode          string         `json:"mode"`
	Version       string         `json:"version,omitempty"`
	Secret        any            `json:"secret,omitempty"` // string, or []string for v5
	Salt          string         `json:"salt,omitempty"`
	Claims        map[string]any `json:"claims,omitempty"`
	MaxAge        int            `json:"maxAge,omitempty"`
	Token         string         `json:"token,omitempty"`
	Secure        bool           `json:"secure,omitempty"`
	Cookie        string         `json:"cookie,omitempty"`
	Authorization string         `json:"authorization,omitempty"`
}

type mintCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// mintRes is mint.mjs's answer to one request.
type mintRes struct {
	OK           bool           `json:"ok"`
	Error        string         `json:"error"`
	Token        string         `json:"token"`
	Payload      map[string]any `json:"payload"`
	Cookies      []mintCookie   `json:"cookies"`
	CookieHeader string         `json:"cookieHeader"`
}

// runMint sends reqs to mint.mjs as one batch (one Node process).
func runMint(t testing.TB, reqs []mintReq) []mintRes {
	t.Helper()
	node := requireNode(t)
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "mint.mjs")
	cmd.Dir = mintDir
	cmd.Stdin = bytes.NewReader(in)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node mint.mjs: %v\n%s", err, stderr.String())
	}
	var out []mintRes
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil || len(out) != len(reqs) {
		t.Fatalf("node mint.mjs: bad output (%v): %.500s", err, stdout.String())
	}
	return out
}

// Test secrets: random per process, as real ones would be.
var (
	secret1     = randomSecret()
	secret2     = randomSecret()
	otherSecret = randomSecret()
)

func randomSecret() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// fullClaims is what an app's jwt callback typically puts in the token.
var fullClaims = map[string]any{
	"sub":        "user-42",
	"name":       "Ada Lovelace",
	"email":      "ada@example.com",
	"picture":    "https://example.com/ada.png",
	"role":       "supervisor",
	"department": "Support",
	"teams":      []string{"billing", "tier-2"},
	"prefs":      map[string]any{"theme": "dark", "n": 3},
}

// bigClaims forces a session cookie over 4 KB, so the libraries chunk it.
var bigClaims = func() map[string]any {
	m := map[string]any{}
	for k, v := range fullClaims {
		m[k] = v
	}
	m["blob"] = strings.Repeat("0123456789abcdef", 320) // 5120 chars
	return m
}()

// fixtures are the real tokens and cookies, made once per test process.
type fixtures struct {
	tokens  map[string]string // bare tokens
	cookies map[string]string // Cookie header values, from the libraries' session endpoints
}

var (
	fixOnce sync.Once
	fix     fixtures
)

// realTokens returns tokens and cookie headers made by next-auth 4.24 and
// @auth/core 0.41 (see testdata/mint/package.json).
func realTokens(t testing.TB) fixtures {
	t.Helper()
	requireNode(t)
	fixOnce.Do(func() {
		type item struct {
			name string
			req  mintReq
		}
		enc := func(version string, secret any, salt string, claims map[string]any) mintReq {
			return mintReq{Mode: "encode", Version: version, Secret: secret, Salt: salt, Claims: claims, MaxAge: 3600}
		}
		cookies := func(version string, secure bool) mintReq {
			return mintReq{Mode: "cookies", Version: version, Secret: secret1, Claims: bigClaims, MaxAge: 3600, Secure: secure}
		}
		items := []item{
			{"v4", enc("v4", secret1, "", fullClaims)},
			{"v4.secret2", enc("v4", secret2, "", fullClaims)},
			{"v4.other", enc("v4", otherSecret, "", fullClaims)},
			{"v4.nosub", enc("v4", secret1, "", map[string]any{"name": "No Sub", "role": "agent"})},
			{"v4.numsub", enc("v4", secret1, "", map[string]any{"sub": 42, "role": "agent"})},
			{"v4.nulls", enc("v4", secret1, "", map[string]any{"sub": "u-7", "name": nil, "email": nil, "picture": nil, "role": 5})},
			{"v5", enc("v5", secret1, CookieAuthJS, fullClaims)},
			{"v5.secure", enc("v5", secret1, CookieAuthJSSecure, fullClaims)},
			{"v5.secret2", enc("v5", []string{secret2, secret1}, CookieAuthJS, fullClaims)},
			{"v5.other", enc("v5", otherSecret, CookieAuthJS, fullClaims)},
			{"v4.chunked", cookies("v4", false)},
			{"v4.chunked.secure", cookies("v4", true)},
			{"v5.chunked", cookies("v5", false)},
			{"v5.chunked.secure", cookies("v5", true)},
			{"v4.cookie.small", mintReq{Mode: "cookies", Version: "v4", Secret: secret1, Claims: fullClaims, MaxAge: 3600}},
		}
		reqs := make([]mintReq, len(items))
		for i, it := range items {
			reqs[i] = it.req
		}
		res := runMint(t, reqs)
		fix = fixtures{tokens: map[string]string{}, cookies: map[string]string{}}
		for i, it := range items {
			if !res[i].OK {
				t.Fatalf("mint %s: %s", it.name, res[i].Error)
			}
			if it.req.Mode == "cookies" {
				fix.cookies[it.name] = res[i].CookieHeader
			} else {
				fix.tokens[it.name] = res[i].Token
			}
		}
	})
	if fix.tokens == nil {
		t.Fatal("fixtures were not made (see the first failure)")
	}
	return fix
}

// encodeV5 makes an Auth.js v5 style token in Go (for what @auth/core's
// encode cannot be asked to make: A256GCM, no kid), and for the fuzz seeds
// and benchmarks, which must not need Node. The tests prove @auth/core's
// decode accepts what it makes.
func encodeV5(t testing.TB, secret, salt string, enc jose.ContentEncryption, withKid bool, claims map[string]any) string {
	t.Helper()
	n := 64
	k, err := deriveKeys([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	s := 0
	if salt == CookieAuthJSSecure {
		s = 1
	}
	key := k.v5CBC[s]
	if enc == jose.A256GCM {
		n, key = 32, k.v5GCM[s]
	}
	if len(key.key) != n {
		t.Fatalf("key length %d", len(key.key))
	}
	opts := &jose.EncrypterOptions{}
	if withKid {
		opts = opts.WithHeader("kid", string(key.kid))
	}
	e, err := jose.NewEncrypter(enc, jose.Recipient{Algorithm: jose.DIRECT, Key: key.key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	pl, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := e.Encrypt(pl)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// withTimes returns claims plus iat, exp (iat+ttl) and jti, as the encoders add them.
func withTimes(claims map[string]any, now time.Time, ttl time.Duration) map[string]any {
	m := map[string]any{}
	for k, v := range claims {
		m[k] = v
	}
	m["iat"] = now.Unix()
	m["exp"] = now.Add(ttl).Unix()
	m["jti"] = "5f0c7f0e-4c52-4a53-9d4b-6a0f1f7f2a10"
	return m
}
