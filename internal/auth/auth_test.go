package auth

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

func newVerifier(t testing.TB, opts Options) *Verifier {
	t.Helper()
	if opts.Secrets == nil {
		opts.Secrets = []string{secret1, secret2}
	}
	v, err := NewVerifier(opts)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantFull is the Principal of fullClaims.
func checkFull(t *testing.T, p Principal) {
	t.Helper()
	want := Principal{UserID: "user-42", Name: "Ada Lovelace", Email: "ada@example.com", Role: "supervisor", Department: "Support"}
	got := p
	got.Expires = time.Time{}
	if got != want {
		t.Errorf("principal = %+v, want %+v", got, want)
	}
	if d := time.Until(p.Expires); d < 50*time.Minute || d > 61*time.Minute {
		t.Errorf("Expires = %v, want about an hour from now", p.Expires)
	}
}

// checkErrText fails if err's text leaks the token or a secret.
func checkErrText(t *testing.T, err error, token string) {
	t.Helper()
	if err == nil {
		return
	}
	msg := err.Error()
	for _, s := range []string{secret1, secret2, otherSecret} {
		if strings.Contains(msg, s) {
			t.Errorf("error text contains a secret: %q", msg)
		}
	}
	if strings.Contains(msg, "eyJ") {
		t.Errorf("error text contains what looks like token text: %q", msg)
	}
	for _, part := range strings.Split(token, ".") {
		if len(part) >= 8 && strings.Contains(msg, part) {
			t.Errorf("error text contains token text: %q", msg)
		}
	}
}

func request(cookie, authorization string) *http.Request {
	r := httptest.NewRequest("GET", "/socket.io/?EIO=4&transport=polling", nil)
	if cookie != "" {
		r.Header.Set("Cookie", cookie)
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	return r
}

// tamper changes one character in the middle of part i of a compact JWE.
func tamper(tok string, i int) string {
	parts := strings.Split(tok, ".")
	p := []byte(parts[i])
	m := len(p) / 2
	if p[m] == 'A' {
		p[m] = 'B'
	} else {
		p[m] = 'A'
	}
	parts[i] = string(p)
	return strings.Join(parts, ".")
}

// withHeader replaces the protected header of tok with the JSON h.
func withHeader(tok, h string) string {
	parts := strings.Split(tok, ".")
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(h))
	return strings.Join(parts, ".")
}

func TestFromRequest(t *testing.T) {
	f := realTokens(t)
	tk := f.tokens
	ck := f.cookies
	if !strings.Contains(ck["v4.chunked"], CookieNextAuth+".1=") || strings.Contains(ck["v4.chunked"], CookieNextAuth+"=") {
		t.Fatalf("next-auth did not chunk the big cookie: %.200s", ck["v4.chunked"])
	}
	if !strings.Contains(ck["v5.chunked.secure"], CookieAuthJSSecure+".1=") {
		t.Fatalf("@auth/core did not chunk the big cookie: %.200s", ck["v5.chunked.secure"])
	}

	cases := []struct {
		name       string
		cookie     string
		auth       string
		wantErr    error
		wantReason string // substring of the error text
		check      func(*testing.T, Principal)
	}{
		// next-auth v4
		{name: "v4 cookie", cookie: CookieNextAuth + "=" + tk["v4"], check: checkFull},
		{name: "v4 secure cookie", cookie: CookieNextAuthSecure + "=" + tk["v4"], check: checkFull},
		{name: "v4 cookie written by next-auth", cookie: ck["v4.cookie.small"], check: checkFull},
		{name: "v4 chunked cookie written by next-auth", cookie: ck["v4.chunked"], check: checkFull},
		{name: "v4 chunked secure cookie written by next-auth", cookie: ck["v4.chunked.secure"], check: checkFull},
		{name: "v4 chunked, chunks out of order", cookie: reverseCookies(ck["v4.chunked"]), check: checkFull},
		{name: "v4 bearer", auth: "Bearer " + tk["v4"], check: checkFull},
		{name: "v4 bearer percent-encoded", auth: "Bearer " + strings.ReplaceAll(tk["v4"], ".", "%2E"), check: checkFull},
		{name: "v4 bearer lower-case scheme", auth: "bearer " + tk["v4"], check: checkFull},
		{name: "v4 rotation: second secret", cookie: CookieNextAuth + "=" + tk["v4.secret2"], check: checkFull},
		{name: "v4 null and non-string claims", cookie: CookieNextAuth + "=" + tk["v4.nulls"], check: func(t *testing.T, p Principal) {
			if p.UserID != "u-7" || p.Name != "" || p.Email != "" || p.Role != "" {
				t.Errorf("principal = %+v", p)
			}
		}},
		// Auth.js v5
		{name: "v5 cookie", cookie: CookieAuthJS + "=" + tk["v5"], check: checkFull},
		{name: "v5 secure cookie", cookie: CookieAuthJSSecure + "=" + tk["v5.secure"], check: checkFull},
		{name: "v5 chunked cookie written by @auth/core", cookie: ck["v5.chunked"], check: checkFull},
		{name: "v5 chunked secure cookie written by @auth/core", cookie: ck["v5.chunked.secure"], check: checkFull},
		{name: "v5 rotation: second secret (kid)", cookie: CookieAuthJS + "=" + tk["v5.secret2"], check: checkFull},
		{name: "v5 bearer", auth: "Bearer " + tk["v5.secure"], check: checkFull},
		{name: "v5 plain-salt token under __Secure- name", cookie: CookieAuthJSSecure + "=" + tk["v5"], wantErr: ErrInvalidToken},
		{name: "v5 secure-salt token under plain name", cookie: CookieAuthJS + "=" + tk["v5.secure"], wantErr: ErrInvalidToken},
		{name: "v5 token under v4 name", cookie: CookieNextAuth + "=" + tk["v5"], wantErr: ErrInvalidToken},
		{name: "v4 token under v5 name", cookie: CookieAuthJS + "=" + tk["v4"], wantErr: ErrInvalidToken},
		// precedence
		{name: "stale v4 cookie does not hide a valid v5 cookie", cookie: CookieNextAuth + "=" + tk["v4.other"] + "; " + CookieAuthJS + "=" + tk["v5"], check: checkFull},
		{name: "all cookies bad: first error", cookie: CookieNextAuth + "=" + tk["v4.other"] + "; " + CookieAuthJS + "=garbage", wantErr: ErrInvalidToken, wantReason: "no key"},
		{name: "bad cookie wins over valid bearer (as getToken)", cookie: CookieNextAuth + "=" + tk["v4.other"], auth: "Bearer " + tk["v4"], wantErr: ErrInvalidToken},
		{name: "exact name wins over chunks", cookie: CookieNextAuth + "=" + tk["v4"] + "; " + CookieNextAuth + ".0=junk", check: checkFull},
		{name: "chunk missing", cookie: dropCookie(ck["v4.chunked"], CookieNextAuth+".0"), wantErr: ErrInvalidToken},
		{name: "chunk duplicated", cookie: ck["v4.chunked"] + "; " + CookieNextAuth + ".1=AAAA", wantErr: ErrInvalidToken},
		// no token
		{name: "nothing", wantErr: ErrNoToken},
		{name: "unrelated cookies only", cookie: "theme=dark; next-auth.csrf-token=abc; next-auth.session-tokenx=1", wantErr: ErrNoToken},
		{name: "empty session cookie (signed out)", cookie: CookieNextAuth + "=", wantErr: ErrNoToken},
		{name: "other auth scheme", auth: "Basic dXNlcjpwYXNz", wantErr: ErrNoToken},
		{name: "bearer without token", auth: "Bearer", wantErr: ErrNoToken},
		// invalid
		{name: "wrong secret v4", cookie: CookieNextAuth + "=" + tk["v4.other"], wantErr: ErrInvalidToken},
		{name: "wrong secret v5", cookie: CookieAuthJS + "=" + tk["v5.other"], wantErr: ErrInvalidToken},
		{name: "missing sub", cookie: CookieNextAuth + "=" + tk["v4.nosub"], wantErr: ErrInvalidToken, wantReason: `"sub"`},
		{name: "numeric sub", cookie: CookieNextAuth + "=" + tk["v4.numsub"], wantErr: ErrInvalidToken, wantReason: `"sub"`},
		{name: "garbage cookie", cookie: CookieNextAuth + "=hello", wantErr: ErrInvalidToken},
		{name: "garbage bearer", auth: "Bearer a.b.c.d.e", wantErr: ErrInvalidToken},
		{name: "bad percent-encoding", auth: "Bearer %zz", wantErr: ErrInvalidToken},
		{name: "oversized chunks", cookie: CookieNextAuth + ".0=" + strings.Repeat("a", MaxTokenSize) + "; " + CookieNextAuth + ".1=a", wantErr: ErrInvalidToken, wantReason: "too large"},
	}
	v := newVerifier(t, Options{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.FromRequest(request(tc.cookie, tc.auth))
			checkErrText(t, err, tc.cookie+"."+tc.auth)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantReason) {
					t.Errorf("err = %v, want it to mention %q", err, tc.wantReason)
				}
				if p != (Principal{}) {
					t.Errorf("principal %+v returned with error", p)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			tc.check(t, p)
		})
	}
}

func reverseCookies(h string) string {
	parts := strings.Split(h, "; ")
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, "; ")
}

func dropCookie(h, name string) string {
	var keep []string
	for _, c := range strings.Split(h, "; ") {
		if !strings.HasPrefix(c, name+"=") {
			keep = append(keep, c)
		}
	}
	return strings.Join(keep, "; ")
}

func TestVerifyKinds(t *testing.T) {
	tk := realTokens(t).tokens
	v := newVerifier(t, Options{})
	cases := []struct {
		token string
		kind  TokenKind
		ok    bool
	}{
		{tk["v4"], AnyKind, true},
		{tk["v4"], NextAuthV4, true},
		{tk["v4"], AuthJS, false},
		{tk["v4"], AuthJSSecure, false},
		{tk["v5"], AnyKind, true},
		{tk["v5"], AuthJS, true},
		{tk["v5"], AuthJSSecure, false},
		{tk["v5"], NextAuthV4, false},
		{tk["v5.secure"], AnyKind, true},
		{tk["v5.secure"], AuthJSSecure, true},
		{tk["v5.secure"], AuthJS, false},
		{tk["v5.secret2"], AnyKind, true},
		{tk["v4.secret2"], AnyKind, true},
		{tk["v4"], TokenKind(99), false},
	}
	for _, tc := range cases {
		p, err := v.Verify(tc.token, tc.kind)
		if tc.ok != (err == nil) {
			t.Errorf("Verify(%.30s…, %v): err = %v, want ok=%v", tc.token, tc.kind, err, tc.ok)
		}
		if err == nil && p.UserID != "user-42" {
			t.Errorf("Verify(%v): UserID = %q", tc.kind, p.UserID)
		}
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Verify(%v): err = %v, want ErrInvalidToken", tc.kind, err)
		}
	}
	if p, err := v.VerifyToken(tk["v5.secure"]); err != nil || p.Role != "supervisor" {
		t.Errorf("VerifyToken(v5 secure) = %+v, %v", p, err)
	}
	// Rotation only works when the verifier knows the secret.
	only1 := newVerifier(t, Options{Secrets: []string{secret1}})
	for _, name := range []string{"v4.secret2", "v5.secret2"} {
		if _, err := only1.VerifyToken(tk[name]); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s with only secret1: err = %v, want ErrInvalidToken", name, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	tk := realTokens(t).tokens
	for _, name := range []string{"v4", "v5"} {
		t.Run(name, func(t *testing.T) {
			p, err := newVerifier(t, Options{}).VerifyToken(tk[name])
			if err != nil {
				t.Fatal(err)
			}
			exp := p.Expires
			if exp.Nanosecond() != 0 {
				t.Fatalf("exp %v not whole seconds", exp)
			}
			cases := []struct {
				now    time.Time
				leeway time.Duration
				want   error
			}{
				{exp.Add(-time.Second), 0, nil},
				{exp, 0, nil},                       // within the default 15 s leeway
				{exp.Add(10 * time.Second), 0, nil}, // within leeway
				{exp.Add(14*time.Second + 999*time.Millisecond), 0, nil},
				{exp.Add(15 * time.Second), 0, ErrExpired}, // jose: expired when exp <= now - tolerance
				{exp.Add(16 * time.Second), 0, ErrExpired},
				{exp.Add(24 * time.Hour), 0, ErrExpired},
				{exp.Add(50 * time.Second), time.Minute, nil}, // custom leeway
				{exp.Add(time.Minute), time.Minute, ErrExpired},
				{exp.Add(time.Second), time.Second, ErrExpired},
			}
			for _, tc := range cases {
				now := tc.now
				v := newVerifier(t, Options{Leeway: tc.leeway, Now: func() time.Time { return now }})
				_, err := v.VerifyToken(tk[name])
				if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
					t.Errorf("now=exp%+v leeway=%v: err = %v, want %v", now.Sub(exp), tc.leeway, err, tc.want)
				}
			}
		})
	}
}

func TestTamperedTokens(t *testing.T) {
	tk := realTokens(t).tokens
	v := newVerifier(t, Options{})
	v4, v5 := tk["v4"], tk["v5"]
	v4hdr := `{"alg":"dir","enc":"A256GCM"}`
	cases := []struct {
		name, token string
		want        error
	}{
		{"v4 ciphertext", tamper(v4, 3), ErrInvalidToken},
		{"v4 iv", tamper(v4, 2), ErrInvalidToken},
		{"v4 tag", tamper(v4, 4), ErrInvalidToken},
		{"v4 header extra field", withHeader(v4, `{"alg":"dir","enc":"A256GCM","x":1}`), ErrInvalidToken},
		{"v4 header reordered", withHeader(v4, `{"enc":"A256GCM","alg":"dir"}`), ErrInvalidToken},
		{"v4 header alg A256KW", withHeader(v4, `{"alg":"A256KW","enc":"A256GCM"}`), ErrInvalidToken},
		{"v4 header enc A128GCM", withHeader(v4, `{"alg":"dir","enc":"A128GCM"}`), ErrInvalidToken},
		{"v4 header zip", withHeader(v4, `{"alg":"dir","enc":"A256GCM","zip":"DEF"}`), ErrInvalidToken},
		{"v4 header crit", withHeader(v4, `{"alg":"dir","enc":"A256GCM","crit":["x"],"x":1}`), ErrInvalidToken},
		{"v4 header not JSON", withHeader(v4, `dir`), ErrInvalidToken},
		{"v4 header same bytes", withHeader(v4, v4hdr), nil}, // control: re-encoding the same header is harmless
		{"v4 encrypted key not empty", strings.Replace(v4, "..", ".AAAA.", 1), ErrInvalidToken},
		{"v4 truncated", v4[:len(v4)-10], ErrInvalidToken},
		{"v4 four parts", v4[:strings.LastIndex(v4, ".")], ErrInvalidToken},
		{"v4 six parts", v4 + ".AAAA", ErrInvalidToken},
		{"v4 with whitespace", " " + v4, ErrInvalidToken},
		{"v5 ciphertext", tamper(v5, 3), ErrInvalidToken},
		{"v5 tag", tamper(v5, 4), ErrInvalidToken},
		{"v5 kid changed", tamper(v5, 0), ErrInvalidToken},
		{"v5 header without kid", withHeader(v5, `{"alg":"dir","enc":"A256CBC-HS512"}`), ErrInvalidToken},
		{"v5 header as GCM", withHeader(v5, `{"alg":"dir","enc":"A256GCM"}`), ErrInvalidToken},
		{"empty", "", ErrNoToken},
		{"garbage", "not a token", ErrInvalidToken},
		{"dots", "....", ErrInvalidToken},
		{"oversized garbage", strings.Repeat("a", MaxTokenSize+1), ErrInvalidToken},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := v.VerifyToken(tc.token)
			checkErrText(t, err, tc.token)
			if tc.want == nil {
				if err != nil || p.UserID != "user-42" {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}

	// A real, valid token over the size cap is refused before decryption.
	m := newVerifier(t, Options{})
	big, err := m.Mint(Principal{UserID: "u", Name: strings.Repeat("n", MaxTokenSize)}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.VerifyToken(big); !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), "too large") {
		t.Errorf("oversized valid token: err = %v", err)
	}
}

var uuidV4RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestMintAcceptedByNextAuth proves Go-made tokens are what the real
// libraries accept: Mint's v4 token by next-auth's decode and getToken, and
// the test encoder's v5 tokens (including A256GCM, which @auth/core's encode
// never writes) by @auth/core's decode.
func TestMintAcceptedByNextAuth(t *testing.T) {
	requireNode(t)
	v := newVerifier(t, Options{})
	p := Principal{UserID: "user-9", Name: "Grace Hopper", Email: "grace@example.com", Role: "admin", Department: "Ops"}
	minted, err := v.Mint(p, 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(minted, ".")[0])
	if string(hdr) != `{"alg":"dir","enc":"A256GCM"}` || strings.Split(minted, ".")[1] != "" {
		t.Errorf("minted header = %s, encrypted key %q", hdr, strings.Split(minted, ".")[1])
	}
	rotated, err := newVerifier(t, Options{Secrets: []string{secret2, secret1}}).Mint(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	claims := withTimes(map[string]any{"sub": "user-9", "role": "agent"}, now, time.Hour)
	v5cbc := encodeV5(t, secret1, CookieAuthJS, jose.A256CBC_HS512, true, claims)
	v5cbcNoKid := encodeV5(t, secret1, CookieAuthJSSecure, jose.A256CBC_HS512, false, claims)
	v5gcm := encodeV5(t, secret1, CookieAuthJS, jose.A256GCM, false, claims)
	v5gcmKid := encodeV5(t, secret2, CookieAuthJSSecure, jose.A256GCM, true, claims)

	reqs := []mintReq{
		{Mode: "decode", Version: "v4", Secret: secret1, Token: minted},
		{Mode: "gettoken", Version: "v4", Secret: secret1, Cookie: CookieNextAuth + "=" + minted},
		{Mode: "gettoken", Version: "v4", Secret: secret1, Cookie: CookieNextAuthSecure + "=" + minted, Secure: true},
		{Mode: "decode", Version: "v4", Secret: secret2, Token: minted},  // wrong secret
		{Mode: "decode", Version: "v4", Secret: secret2, Token: rotated}, // Mint uses the first secret
		{Mode: "decode", Version: "v5", Secret: []string{secret1}, Salt: CookieAuthJS, Token: v5cbc},
		{Mode: "decode", Version: "v5", Secret: []string{secret1}, Salt: CookieAuthJSSecure, Token: v5cbcNoKid},
		{Mode: "decode", Version: "v5", Secret: []string{secret1}, Salt: CookieAuthJS, Token: v5gcm},
		{Mode: "decode", Version: "v5", Secret: []string{secret1, secret2}, Salt: CookieAuthJSSecure, Token: v5gcmKid},
		{Mode: "decode", Version: "v5", Secret: []string{secret1}, Salt: CookieAuthJSSecure, Token: v5gcm}, // wrong salt
	}
	wantOK := []bool{true, true, true, false, true, true, true, true, true, false}
	res := runMint(t, reqs)
	for i, r := range res {
		if r.OK != wantOK[i] {
			t.Errorf("request %d (%s %s): ok = %v (%s), want %v", i, reqs[i].Mode, reqs[i].Version, r.OK, r.Error, wantOK[i])
		}
	}
	pl := res[0].Payload
	if pl["sub"] != "user-9" || pl["name"] != "Grace Hopper" || pl["email"] != "grace@example.com" || pl["role"] != "admin" || pl["department"] != "Ops" {
		t.Errorf("next-auth decoded %v", pl)
	}
	iat, _ := pl["iat"].(float64)
	exp, _ := pl["exp"].(float64)
	if exp-iat != 7200 || iat < float64(now.Add(-time.Minute).Unix()) {
		t.Errorf("iat=%v exp=%v", iat, exp)
	}
	if jti, _ := pl["jti"].(string); !uuidV4RE.MatchString(jti) {
		t.Errorf("jti = %q, not a UUID v4", jti)
	}
	if res[1].Payload["sub"] != "user-9" {
		t.Errorf("getToken payload %v", res[1].Payload)
	}
	// And Go verifies all of them too.
	for _, tok := range []string{minted, rotated, v5cbc, v5cbcNoKid, v5gcm, v5gcmKid} {
		if _, err := v.VerifyToken(tok); err != nil {
			t.Errorf("Go verify of Go-made token: %v", err)
		}
	}
	if _, err := v.Verify(v5gcm, AuthJSSecure); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("v5 GCM token under the wrong salt: err = %v", err)
	}
}

// TestGetTokenParity checks that FromRequest accepts exactly what the
// libraries' own getToken accepts, for requests built from real cookies.
func TestGetTokenParity(t *testing.T) {
	f := realTokens(t)
	tk, ck := f.tokens, f.cookies
	cases := []struct {
		name         string
		version      string
		secure       bool
		cookie, auth string
		ok           bool
	}{
		{"v4 chunked", "v4", false, ck["v4.chunked"], "", true},
		{"v4 chunked secure", "v4", true, ck["v4.chunked.secure"], "", true},
		{"v4 bearer percent-encoded", "v4", false, "", "Bearer " + strings.ReplaceAll(tk["v4"], ".", "%2E"), true},
		{"v4 wrong secret", "v4", false, CookieNextAuth + "=" + tk["v4.other"], "", false},
		{"v4 bad cookie hides bearer", "v4", false, CookieNextAuth + "=" + tk["v4.other"], "Bearer " + tk["v4"], false},
		{"v5 cookie", "v5", false, CookieAuthJS + "=" + tk["v5"], "", true},
		{"v5 chunked", "v5", false, ck["v5.chunked"], "", true},
		{"v5 chunked secure", "v5", true, ck["v5.chunked.secure"], "", true},
		{"v5 plain token under secure name", "v5", true, CookieAuthJSSecure + "=" + tk["v5"], "", false},
		{"v5 bearer", "v5", true, "", "Bearer " + tk["v5.secure"], true},
	}
	reqs := make([]mintReq, len(cases))
	for i, tc := range cases {
		reqs[i] = mintReq{Mode: "gettoken", Version: tc.version, Secret: secret1, Secure: tc.secure, Cookie: tc.cookie, Authorization: tc.auth}
	}
	res := runMint(t, reqs)
	v := newVerifier(t, Options{Secrets: []string{secret1}})
	for i, tc := range cases {
		p, err := v.FromRequest(request(tc.cookie, tc.auth))
		if res[i].OK != tc.ok || (err == nil) != tc.ok {
			t.Errorf("%s: getToken ok=%v (%s), FromRequest err=%v; want ok=%v", tc.name, res[i].OK, res[i].Error, err, tc.ok)
		}
		if err == nil && res[i].Payload["sub"] != p.UserID {
			t.Errorf("%s: sub %v vs %q", tc.name, res[i].Payload["sub"], p.UserID)
		}
	}
}

func TestNewVerifier(t *testing.T) {
	for _, opts := range []Options{
		{},
		{Secrets: []string{}},
		{Secrets: []string{"a", ""}},
		{Secrets: []string{"a"}, Leeway: -time.Second},
	} {
		if _, err := NewVerifier(opts); err == nil {
			t.Errorf("NewVerifier(%+v) succeeded", opts)
		}
	}
	v, err := NewVerifier(Options{Secrets: []string{"a"}})
	if err != nil || v.leeway != DefaultLeeway || v.now == nil {
		t.Fatalf("defaults: %v %v", v, err)
	}
	if _, err := v.Mint(Principal{}, time.Hour); err == nil {
		t.Error("Mint without UserID succeeded")
	}
	if _, err := v.Mint(Principal{UserID: "u"}, time.Millisecond); err == nil {
		t.Error("Mint with ttl < 1s succeeded")
	}
	if AuthJSSecure.String() != "authjs-secure" || TokenKind(7).String() != "TokenKind(7)" {
		t.Error("TokenKind.String")
	}
}

// TestMintRoundTrip needs no Node: Mint and verify, and claims left empty
// stay out of the token.
func TestMintRoundTrip(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	v := newVerifier(t, Options{Now: func() time.Time { return now }})
	in := Principal{UserID: "u1", Role: "agent"}
	tok, err := v.Mint(in, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.VerifyToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	in.Expires = now.Add(90 * time.Second)
	if p != in {
		t.Errorf("got %+v, want %+v", p, in)
	}
}
