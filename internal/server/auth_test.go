package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/events"
)

type mintReq struct {
	Mode    string         `json:"mode"`
	Version string         `json:"version"`
	Secret  string         `json:"secret"`
	Salt    string         `json:"salt,omitempty"`
	Claims  map[string]any `json:"claims"`
	MaxAge  int            `json:"maxAge"`
}

type mintRes struct {
	OK      bool   `json:"ok"`
	Error   string `json:"error"`
	Token   string `json:"token"`
	Cookies []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"cookies"`
}

// mintWithNode makes tokens and cookies with the real next-auth and
// @auth/core packages (internal/auth/testdata/mint).
func mintWithNode(t *testing.T, reqs []mintReq) []mintRes {
	t.Helper()
	node := requireNode(t)
	in, _ := json.Marshal(reqs)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "mint.mjs")
	cmd.Dir = mintDir
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mint.mjs: %v", err)
	}
	var res []mintRes
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("mint.mjs output: %v", err)
	}
	for i, r := range res {
		if !r.OK {
			t.Fatalf("mint request %d: %s", i, r.Error)
		}
	}
	return res
}

// sessionCookies returns the Cookie header value of the session cookies
// the package set (chunks included).
func sessionCookies(r mintRes) string {
	var parts []string
	for _, c := range r.Cookies {
		if strings.Contains(c.Name, "session-token") {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// TestSocketAuthentication connects the real socket.io-client with
// sessions made by the real next-auth and @auth/core: accepted by cookie
// (v4, chunked v4, v5), by auth.token and by Bearer; refused when missing,
// expired, signed with another secret, tampered, of an unknown role, sent
// as a cookie without Origin, or from a foreign Origin.
func TestSocketAuthentication(t *testing.T) {
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"sub": "u1", "name": "Ann", "email": "ann@example.com", "role": "agent", "department": "sales"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	res := mintWithNode(t, []mintReq{
		{Mode: "encode", Version: "v4", Secret: testSecret, Claims: claims(nil), MaxAge: 3600},
		{Mode: "cookies", Version: "v4", Secret: testSecret, Claims: claims(nil), MaxAge: 3600},
		{Mode: "cookies", Version: "v4", Secret: testSecret, Claims: claims(map[string]any{"padding": strings.Repeat("x", 6000)}), MaxAge: 3600},
		{Mode: "cookies", Version: "v5", Secret: testSecret, Claims: claims(nil), MaxAge: 3600},
		{Mode: "encode", Version: "v4", Secret: testSecret, Claims: claims(nil), MaxAge: -120},
		{Mode: "encode", Version: "v4", Secret: "another-secret-entirely", Claims: claims(nil), MaxAge: 3600},
		{Mode: "encode", Version: "v4", Secret: testSecret, Claims: claims(map[string]any{"role": "superuser"}), MaxAge: 3600},
	})
	v4Token, v4Cookie, v4Chunked, v5Cookie := res[0].Token, sessionCookies(res[1]), sessionCookies(res[2]), sessionCookies(res[3])
	expired, foreign, badRole := res[4].Token, res[5].Token, res[6].Token
	if !strings.Contains(v4Chunked, "next-auth.session-token.1=") {
		t.Fatalf("the large session was not chunked: %.80s", v4Chunked)
	}
	if !strings.Contains(v5Cookie, "authjs.session-token=") {
		t.Fatalf("no Auth.js cookie: %.80s", v5Cookie)
	}
	tampered := []byte(v4Token)
	tampered[len(tampered)-30] ^= 1
	origin := "https://app.example"

	srv, hs := startServer(t, nil)
	cases := []struct {
		client clientSpec
		want   string // "ok", or the connect_error message
	}{
		{clientSpec{Name: "v4 cookie", Headers: map[string]string{"cookie": v4Cookie, "origin": origin}}, "ok"},
		{clientSpec{Name: "v4 chunked cookie", Headers: map[string]string{"cookie": v4Chunked, "origin": origin}}, "ok"},
		{clientSpec{Name: "v5 cookie", Headers: map[string]string{"cookie": v5Cookie, "origin": origin}, Transports: []string{"websocket"}}, "ok"},
		{clientSpec{Name: "auth.token", Auth: map[string]string{"token": v4Token}}, "ok"},
		{clientSpec{Name: "bearer", Headers: map[string]string{"authorization": "Bearer " + v4Token}}, "ok"},
		{clientSpec{Name: "no session"}, "unauthorized"},
		{clientSpec{Name: "expired", Auth: map[string]string{"token": expired}}, "unauthorized"},
		{clientSpec{Name: "other secret", Auth: map[string]string{"token": foreign}}, "unauthorized"},
		{clientSpec{Name: "tampered", Auth: map[string]string{"token": string(tampered)}}, "unauthorized"},
		{clientSpec{Name: "unknown role", Auth: map[string]string{"token": badRole}}, "unauthorized"},
		{clientSpec{Name: "cookie without origin, polling (a same-origin browser)", Headers: map[string]string{"cookie": v4Cookie}, Transports: []string{"polling"}}, "ok"},
		{clientSpec{Name: "cookie without origin, websocket", Headers: map[string]string{"cookie": v4Cookie}, Transports: []string{"websocket"}}, "unauthorized"},
		{clientSpec{Name: "foreign origin polling", Headers: map[string]string{"cookie": v4Cookie, "origin": "https://evil.example"}, Transports: []string{"polling"}}, "xhr poll error"},
		{clientSpec{Name: "foreign origin websocket", Headers: map[string]string{"cookie": v4Cookie, "origin": "https://evil.example"}, Transports: []string{"websocket"}}, "websocket error"},
	}
	specs := make([]clientSpec, len(cases))
	for i, c := range cases {
		specs[i] = c.client
	}
	nc, results := startClients(t, hs.URL, specs)
	refused := 0
	for _, c := range cases {
		got := string(results[c.client.Name])
		if c.want == "ok" {
			if got != `"ok"` {
				t.Errorf("%s: %s, want connected", c.client.Name, got)
			}
			continue
		}
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(results[c.client.Name], &e)
		if e.Error != c.want {
			t.Errorf("%s: %s, want connect_error %q", c.client.Name, got, c.want)
		}
		if c.want == "unauthorized" {
			refused++
		}
	}
	// The connected ones are in their rooms: a notification to their
	// department reaches each of them.
	note := events.SystemNotification{Level: "info", Message: "hello sales", Target: events.Target{Kind: events.TargetDepartment, Value: "sales"}}
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	for _, n := range []events.SystemNotification{note, end} {
		if err := srv.Broadcaster().BroadcastSystemNotification(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	got := nc.received()
	for _, c := range cases {
		if c.want == "ok" && len(withoutPresence(got[c.client.Name])) != 1 {
			t.Errorf("%s received %d events, want the one notification", c.client.Name, len(withoutPresence(got[c.client.Name])))
		}
	}

	metrics := scrape(t, srv)
	want := fmt.Sprintf(`kinrt_auth_failures_total{via="socket"} %d`, refused)
	if !strings.Contains(metrics, want) {
		t.Errorf("metrics lack %q:\n%s", want, grepLines(metrics, "kinrt_auth"))
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return b.String()
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
