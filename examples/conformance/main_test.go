package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestServesWhatTheSuitesExpect checks the settings the official suites
// depend on: the handshake values on both endpoints, and the auth event
// after a CONNECT on /socket.io/.
func TestServesWhatTheSuitesExpect(t *testing.T) {
	srv := httptest.NewServer(newHandler())
	defer srv.Close()
	do := func(method, path, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		return string(b)
	}
	for _, path := range []string{"/engine.io/", "/socket.io/"} {
		open := do("GET", path+"?EIO=4&transport=polling", "")
		var hs map[string]any
		if err := json.Unmarshal([]byte(strings.TrimPrefix(open, "0")), &hs); err != nil {
			t.Fatalf("%s handshake %q: %v", path, open, err)
		}
		if hs["pingInterval"] != 300.0 || hs["pingTimeout"] != 200.0 || hs["maxPayload"] != 1e6 || len(hs) != 5 {
			t.Errorf("%s handshake %v", path, hs)
		}
		sid := hs["sid"].(string)
		if path == "/engine.io/" {
			do("POST", path+"?EIO=4&transport=polling&sid="+sid, "4hello")
			if got := do("GET", path+"?EIO=4&transport=polling&sid="+sid, ""); got != "4hello" {
				t.Errorf("echo: %q", got)
			}
			continue
		}
		do("POST", path+"?EIO=4&transport=polling&sid="+sid, `40/custom,{"token":"abc"}`)
		got := do("GET", path+"?EIO=4&transport=polling&sid="+sid, "")
		parts := strings.Split(got, "\x1e")
		if len(parts) != 2 || !strings.HasPrefix(parts[0], `40/custom,{"sid":"`) || parts[1] != `42/custom,["auth",{"token":"abc"}]` {
			t.Errorf("connect to /custom: %q", got)
		}
	}
}
