package server_test

import (
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestMetricsOnlyOnAdminListener is issue 21's item 6: `kinrt serve`
// answers /metrics with 404 on its public listener, and serves it on the
// admin listener (KIN_ADMIN_ADDR), on loopback.
func TestMetricsOnlyOnAdminListener(t *testing.T) {
	t.Parallel()
	p := startKinrt(t, []string{"NEXTAUTH_SECRET=" + testSecret, "REDIS_URL=",
		"DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "kin.db")})
	m := regexp.MustCompile(`msg="admin listener: /metrics" addr=(127\.0\.0\.1:\d+)`).FindStringSubmatch(p.logText())
	if m == nil {
		t.Fatalf("no admin listener on loopback in the log:\n%s", p.logText())
	}
	fetch := func(url string) (int, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if status, body := fetch(p.URL + "/metrics"); status != http.StatusNotFound || strings.Contains(body, "kinrt_") {
		t.Errorf("public /metrics: %d %.200s, want 404 without metrics", status, body)
	}
	if status, body := fetch("http://" + m[1] + "/metrics"); status != http.StatusOK || !strings.Contains(body, "kinrt_connections ") {
		t.Errorf("admin /metrics: %d %.200s, want the metrics", status, body)
	}
}

// TestPublicMetricsRoute: the public handler answers /metrics 404,
// whatever the query; the admin handler has the metrics.
func TestPublicMetricsRoute(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	for _, path := range []string{"/metrics", "/metrics?x=1"} {
		status, body, _ := limDo(t, http.MethodGet, hs.URL+path, nil, nil)
		if status != http.StatusNotFound || strings.Contains(body, "kinrt_") {
			t.Errorf("public GET %s: %d %.200s, want 404", path, status, body)
		}
	}
	if m := scrape(t, srv); !strings.Contains(m, "kinrt_limited_total") {
		t.Errorf("admin metrics lack kinrt_limited_total:\n%.300s", m)
	}
}
