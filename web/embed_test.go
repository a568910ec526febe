package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func get(t *testing.T, h http.Handler, method, target string, header ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// TestEmbeddedDashboard checks the committed build: / serves index.html,
// which references the built script and stylesheet, served with the right
// types and caching.
func TestEmbeddedDashboard(t *testing.T) {
	h := Handler()
	res, index := get(t, h, http.MethodGet, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d %s", res.StatusCode, index)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /: Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("GET /: Cache-Control %q, want no-cache", cc)
	}
	if !strings.Contains(index, `<div id="root">`) {
		t.Errorf("GET /: not the dashboard's index.html:\n%s", index)
	}
	if strings.Contains(index, "/src/") {
		t.Errorf("index.html references sources, not the build:\n%s", index)
	}

	script := regexp.MustCompile(`<script type="module"[^>]* src="(/assets/[^"]+\.js)"`).FindStringSubmatch(index)
	if script == nil {
		t.Fatalf("index.html references no built script:\n%s", index)
	}
	res, js := get(t, h, http.MethodGet, script[1])
	if res.StatusCode != http.StatusOK || len(js) == 0 {
		t.Fatalf("GET %s: %d, %d bytes", script[1], res.StatusCode, len(js))
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", script[1], ct)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: Cache-Control %q", script[1], cc)
	}
	if strings.Contains(index, "<script>") || regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`).MatchString(index) {
		t.Errorf("index.html has an inline script (the CSP forbids them):\n%s", index)
	}

	style := regexp.MustCompile(`<link rel="stylesheet"[^>]* href="(/assets/[^"]+\.css)"`).FindStringSubmatch(index)
	if style == nil {
		t.Fatalf("index.html references no built stylesheet:\n%s", index)
	}
	res, _ = get(t, h, http.MethodGet, style[1])
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "text/css; charset=utf-8" {
		t.Errorf("GET %s: %d %q", style[1], res.StatusCode, ct)
	}

	res, _ = get(t, h, http.MethodGet, "/favicon.svg")
	if ct := res.Header.Get("Content-Type"); res.StatusCode != http.StatusOK || ct != "image/svg+xml" {
		t.Errorf("GET /favicon.svg: %d %q", res.StatusCode, ct)
	}
}

func TestRouting(t *testing.T) {
	h := newHandler(fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>app</title>")},
		"favicon.svg":          {Data: []byte("<svg/>")},
		"assets/index-abc1.js": {Data: []byte("console.log(1)")},
	})
	if h.err != nil {
		t.Fatal(h.err)
	}
	cases := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/", 200, "<!doctype html>"},
		{"HEAD", "/", 200, ""},
		{"GET", "/index.html", 200, "<!doctype html>"},
		{"GET", "/voicemails", 200, "<!doctype html>"},
		{"GET", "/voicemails/42/", 200, "<!doctype html>"},
		{"GET", "/assets/index-abc1.js", 200, "console.log(1)"},
		{"GET", "/assets/../favicon.svg", 200, "<svg/>"},
		{"GET", "/assets/missing-123.js", 404, ""},
		{"GET", "/assets/", 404, ""},
		{"GET", "/assets/some/route", 404, ""},
		{"GET", "/missing.png", 404, ""},
		{"GET", "/robots.txt", 404, ""},
		{"POST", "/", 405, ""},
		{"PUT", "/voicemails", 405, ""},
	}
	for _, c := range cases {
		res, body := get(t, h, c.method, c.path)
		if res.StatusCode != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, res.StatusCode, c.status)
			continue
		}
		if c.body != "" && !strings.HasPrefix(body, c.body) {
			t.Errorf("%s %s: body %q, want %q…", c.method, c.path, body, c.body)
		}
	}
	if res, _ := get(t, h, "POST", "/"); res.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("405 without Allow: %q", res.Header.Get("Allow"))
	}
}

func TestRevalidation(t *testing.T) {
	h := newHandler(fstest.MapFS{"index.html": {Data: []byte("<!doctype html>")}})
	res, _ := get(t, h, "GET", "/")
	etag := res.Header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	res, body := get(t, h, "GET", "/", "If-None-Match", etag)
	if res.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("If-None-Match: %d %q, want 304", res.StatusCode, body)
	}
	// The SPA fallback is the same document, with the same ETag.
	if res, _ := get(t, h, "GET", "/some/route"); res.Header.Get("ETag") != etag {
		t.Errorf("fallback ETag %q, want %q", res.Header.Get("ETag"), etag)
	}
}

func TestNotBuilt(t *testing.T) {
	h := newHandler(fstest.MapFS{"assets/x.js": {Data: []byte("x")}})
	if res, _ := get(t, h, "GET", "/"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("without index.html: %d, want 503", res.StatusCode)
	}
}
