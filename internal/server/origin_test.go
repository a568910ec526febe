package server_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
)

// TestOriginChecks is issue 21's item 4: an Origin is compared, scheme,
// host and port, with the public URL's and SOCKET_IO_CORS_ORIGIN's, on
// the Engine.IO handshake, the WebSocket upgrade and the API's state
// changes alike; a page of the very loopback address and port the request
// came to (the dashboard at 127.0.0.1 when the public URL says localhost)
// is the service's own. The Host header proves nothing: under DNS
// rebinding it names the attacker's host too.
func TestOriginChecks(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.PublicURL = "https://kin.example" }) // SOCKET_IO_CORS_ORIGIN: https://app.example
	token, err := srv.Verifier().Mint(auth.Principal{UserID: "ann", Role: events.RoleAgent, Department: "sales"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hostport := strings.TrimPrefix(hs.URL, "http://")
	_, port, _ := strings.Cut(hostport, ":")
	cases := []struct {
		name, origin, host string // host "": the address dialled
		ok                 bool
	}{
		{"no Origin (not a browser)", "", "", true},
		{"the public URL", "https://kin.example", "", true},
		{"the public URL, its default port written", "https://kin.example:443", "", true},
		{"SOCKET_IO_CORS_ORIGIN", "https://app.example", "", true},
		{"SOCKET_IO_CORS_ORIGIN in capitals", "HTTPS://APP.EXAMPLE", "", true},
		{"the loopback address and port dialled", "http://" + hostport, "", true},
		{"localhost and the port dialled", "http://localhost:" + port, "localhost:" + port, true},
		{"IPv6 loopback and the port dialled", "http://[::1]:" + port, "[::1]:" + port, true},
		{"another scheme on the host dialled", "evil://" + hostport, "", false},
		{"https on the plain listener", "https://" + hostport, "", false},
		{"another loopback port", "http://127.0.0.1:1", "", false},
		{"the public URL over http", "http://kin.example", "", false},
		{"SOCKET_IO_CORS_ORIGIN over http", "http://app.example", "", false},
		{"SOCKET_IO_CORS_ORIGIN on another port", "https://app.example:8443", "", false},
		{"DNS rebinding: Host and Origin the attacker's", "http://evil.test", "evil.test", false},
		{"DNS rebinding with the port", "http://evil.test:" + port, "evil.test:" + port, false},
		{"an attacker's page to the loopback address", "http://evil.test:" + port, "", false},
		{"a path", "http://" + hostport + "/x", "", false},
		{"user information", "http://u@" + hostport, "", false},
		{"null", "null", "", false},
		{"a suffix of an allowed origin", "https://app.example.evil.test", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			header := http.Header{}
			if c.origin != "" {
				header.Set("Origin", c.origin)
			}
			if c.host != "" {
				header.Set("Host", c.host) // gorilla's Dialer and limDo's request send it as Host
			}
			want := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[c.ok]
			// The Engine.IO handshake (long-polling).
			if status, body := originRequest(t, http.MethodGet, hs.URL+"/socket.io/?EIO=4&transport=polling", "", header); status != want {
				t.Errorf("polling handshake: %d %.100s, want %d", status, body, want)
			}
			// The WebSocket upgrade, where CORS does not apply.
			conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(hs.URL, "http")+"/socket.io/?EIO=4&transport=websocket", header)
			switch {
			case c.ok && err != nil:
				t.Errorf("WebSocket upgrade refused: %v", err)
			case !c.ok && (err == nil || !errors.Is(err, websocket.ErrBadHandshake) || resp.StatusCode != http.StatusForbidden):
				t.Errorf("WebSocket upgrade: %v, want 403", err)
			}
			if conn != nil {
				_ = conn.Close()
			}
			// A state change of the API, with a Bearer session.
			h := header.Clone()
			h.Set("Authorization", "Bearer "+token)
			h.Set("Content-Type", "application/json")
			if status, body := originRequest(t, http.MethodPut, hs.URL+"/api/presence/me", `{"status":"away"}`, h); status != want {
				t.Errorf("PUT /api/presence/me: %d %.100s, want %d", status, body, want)
			}
		})
	}
}

// originRequest sends one request with header (Host included) and
// returns the answer's status and body.
func originRequest(t *testing.T, method, u, body string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v[0]
			continue
		}
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	return resp.StatusCode, string(b)
}

// TestCookieStateChangesNeedABrowsersOrigin is issue 21's item 5: a state
// change the session cookie authenticates is refused when it is
// cross-site (Sec-Fetch-Site), or when a browser (fetch metadata) sent it
// without Origin; a Bearer session is not ambient and is unaffected; safe
// methods are unaffected. The demo sign-in is guarded alike.
func TestCookieStateChangesNeedABrowsersOrigin(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.PublicURL = "https://kin.example"; c.Demo = true })
	token, err := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: events.RoleAdmin}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cookie := auth.CookieNextAuth + "=" + token
	note := `{"level":"info","title":"t","message":"m","target":{"kind":"all"}}`
	type req struct {
		method, path, body string
		want               int
	}
	post := req{"POST", "/api/notifications", note, 202}
	put := req{"PUT", "/api/presence/me", `{"status":"busy"}`, 200}
	get := req{"GET", "/api/presence", "", 200}
	cases := []struct {
		name   string
		req    req
		header []string
		ok     bool
	}{
		{"cookie, no Origin, cross-site (the issue's request)", post, []string{"Cookie", cookie, "Sec-Fetch-Site", "cross-site"}, false},
		{"cookie, no Origin, same-origin metadata", post, []string{"Cookie", cookie, "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "cors"}, false},
		{"cookie, no Origin, only Sec-Fetch-Mode", put, []string{"Cookie", cookie, "Sec-Fetch-Mode", "no-cors"}, false},
		{"cookie, allowed Origin, cross-site", post, []string{"Cookie", cookie, "Origin", appOrigin, "Sec-Fetch-Site", "cross-site"}, false},
		{"cookie, own Origin, same-origin", post, []string{"Cookie", cookie, "Origin", "https://kin.example", "Sec-Fetch-Site", "same-origin"}, true},
		{"cookie, allowed Origin, same-site", put, []string{"Cookie", cookie, "Origin", appOrigin, "Sec-Fetch-Site", "same-site"}, true},
		{"cookie, own Origin, no metadata (an older browser)", put, []string{"Cookie", cookie, "Origin", "https://kin.example"}, true},
		{"cookie, no Origin, no metadata (not a browser)", post, []string{"Cookie", cookie}, true},
		{"Bearer, no Origin, cross-site", post, []string{"Authorization", "Bearer " + token, "Sec-Fetch-Site", "cross-site"}, true},
		{"Bearer, allowed Origin, cross-site", put, []string{"Authorization", "Bearer " + token, "Origin", appOrigin, "Sec-Fetch-Site", "cross-site"}, true},
		{"cookie GET, no Origin, cross-site", get, []string{"Cookie", cookie, "Sec-Fetch-Site", "cross-site"}, true},
		{"demo sign-in, no Origin, cross-site", req{"POST", "/signin", "user=demo-admin", 303}, []string{"Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}, false},
		{"demo sign-in, allowed Origin, cross-site", req{"POST", "/signin", "user=demo-admin", 303}, []string{"Origin", appOrigin, "Sec-Fetch-Site", "cross-site", "Content-Type", "application/x-www-form-urlencoded"}, false},
		{"demo sign-in, own Origin", req{"POST", "/signin", "user=demo-admin", 303}, []string{"Origin", "https://kin.example", "Sec-Fetch-Site", "same-origin", "Content-Type", "application/x-www-form-urlencoded"}, true},
		{"demo sign-out, no Origin, cross-site", req{"POST", "/signout", "", 303}, []string{"Cookie", cookie, "Sec-Fetch-Site", "cross-site"}, false},
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := http.NewRequest(c.req.method, hs.URL+c.req.path, strings.NewReader(c.req.body))
			if err != nil {
				t.Fatal(err)
			}
			if c.req.body != "" && !strings.HasPrefix(c.req.body, "user=") {
				r.Header.Set("Content-Type", "application/json")
			}
			for i := 0; i+1 < len(c.header); i += 2 {
				r.Header.Set(c.header[i], c.header[i+1])
			}
			resp, err := noRedirect.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			body := string(b)
			want := c.req.want
			if !c.ok {
				want = http.StatusForbidden
			}
			if resp.StatusCode != want {
				t.Fatalf("%s %s: %d %s, want %d", c.req.method, c.req.path, resp.StatusCode, body, want)
			}
			if !c.ok && (!strings.Contains(body, `"error"`) || len(resp.Cookies()) > 0) {
				t.Errorf("refusal %q sets %v, want a JSON error and no cookie", body, resp.Cookies())
			}
		})
	}
}
