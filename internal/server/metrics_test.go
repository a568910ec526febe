package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// families parses a scrape of srv's admin handler.
func families(t *testing.T, srv *server.Server) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(strings.NewReader(scrape(t, srv)))
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return mf
}

// labelsOf returns a metric's labels as a map.
func labelsOf(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// series sums the series of family name whose labels include want: a
// counter's or gauge's value, a histogram's count. found is false when
// none matched.
func series(t *testing.T, mf map[string]*dto.MetricFamily, name string, want map[string]string) (sum float64, found bool) {
	t.Helper()
next:
	for _, m := range mf[name].GetMetric() {
		got := labelsOf(m)
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

// TestHTTPMetrics: requests are counted and timed by ServeMux route
// pattern and status class, webhooks timed by route, store transactions
// by result; unknown paths all land on one route label ("/" or "/api/"),
// never their own, and Engine.IO requests are not in the HTTP metrics.
func TestHTTPMetrics(t *testing.T) {
	t.Parallel()
	srv, hs, tw := webhookServer(t, "")
	do := func(method, path string) int {
		t.Helper()
		status, _ := reqID(t, method, hs.URL+path, nil)
		return status
	}
	do(http.MethodGet, "/healthz")
	do(http.MethodGet, "/healthz")
	do(http.MethodGet, "/api/me") // no session: 401
	const unknown = 40
	for i := range unknown {
		do(http.MethodGet, fmt.Sprintf("/api/no-such-route-%d/x", i))
		do(http.MethodGet, fmt.Sprintf("/no/such/page-%d?q=%d", i, i))
	}
	do(http.MethodGet, "/socket.io/?EIO=4&transport=polling")
	sms := form("MessageSid", "SMmetrics1", "From", customer, "To", salesNumber, "Body", "hi", "NumMedia", "0")
	if status, body := tw.post("/api/webhooks/twilio/sms", sms); status != http.StatusOK {
		t.Fatalf("signed webhook: %d %s", status, body)
	}
	if status, _ := tw.postSigned("/api/webhooks/twilio/sms", sms, "forged"); status != http.StatusForbidden {
		t.Fatalf("forged webhook: %d, want 403", status)
	}

	mf := families(t, srv)
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kinrt_http_requests_total", map[string]string{"route": "GET /healthz", "code": "2xx"}, 2},
		{"kinrt_http_request_duration_seconds", map[string]string{"route": "GET /healthz", "code": "2xx"}, 2},
		{"kinrt_http_requests_total", map[string]string{"route": "GET /api/me", "code": "4xx"}, 1},
		{"kinrt_http_request_duration_seconds", map[string]string{"route": "GET /api/me", "code": "4xx"}, 1},
		{"kinrt_http_requests_total", map[string]string{"route": "/api/", "code": "4xx"}, unknown},
		{"kinrt_http_requests_total", map[string]string{"route": "/"}, unknown}, // the dashboard answers its index (SPA)
		{"kinrt_http_requests_total", map[string]string{"route": "POST /api/webhooks/twilio/sms", "code": "2xx"}, 1},
		{"kinrt_http_requests_total", map[string]string{"route": "POST /api/webhooks/twilio/sms", "code": "4xx"}, 1},
		{"kinrt_webhook_duration_seconds", map[string]string{"route": "POST /api/webhooks/twilio/sms"}, 2},
		{"kinrt_build_info", map[string]string{"goversion": runtime.Version()}, 1},
		{"kinrt_ready", nil, 1},
	} {
		if got, ok := series(t, mf, tt.name, tt.labels); !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v), want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	if got, ok := series(t, mf, "kinrt_store_transaction_duration_seconds", map[string]string{"result": "ok"}); !ok || got < 1 {
		t.Errorf("store transactions: %v (found %v), want the webhook's at least", got, ok)
	}

	// Bounded labels: only route patterns, only status classes.
	routes := map[string]bool{}
	for _, name := range []string{"kinrt_http_requests_total", "kinrt_http_request_duration_seconds", "kinrt_webhook_duration_seconds"} {
		for _, m := range mf[name].GetMetric() {
			l := labelsOf(m)
			routes[l["route"]] = true
			if c, ok := l["code"]; ok && (len(c) != 3 || !strings.HasSuffix(c, "xx")) {
				t.Errorf("%s: code label %q is not a status class", name, c)
			}
		}
	}
	for r := range routes {
		if strings.Contains(r, "no-such") || strings.Contains(r, "page-") || strings.Contains(r, "socket.io") || strings.Contains(r, "?") {
			t.Errorf("route label %q is a raw path", r)
		}
	}
	if len(routes) > 6 {
		t.Errorf("%d route labels for 6 routes: %v", len(routes), routes)
	}
	for _, l := range mf["kinrt_build_info"].GetMetric()[0].GetLabel() {
		if l.GetValue() == "" {
			t.Errorf("kinrt_build_info: empty %s", l.GetName())
		}
	}
}

// TestReadyMetric: kinrt_ready follows /readyz, 0 once the node drains.
func TestReadyMetric(t *testing.T) {
	t.Parallel()
	cfg, err := config.Load(nil, func(k string) string {
		if k == "NEXTAUTH_SECRET" {
			return testSecret
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if v, ok := series(t, families(t, srv), "kinrt_ready", nil); !ok || v != 1 {
		t.Fatalf("kinrt_ready before the drain: %v %v", v, ok)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	mf := families(t, srv)
	if v, ok := series(t, mf, "kinrt_ready", nil); !ok || v != 0 {
		t.Fatalf("kinrt_ready while draining: %v %v, want 0", v, ok)
	}
	if v, ok := series(t, mf, "kinrt_store_up", nil); !ok || v != 1 {
		t.Fatalf("kinrt_store_up while draining: %v %v, want 1", v, ok)
	}
}

// TestStoreDownMetric: a store that does not answer is kinrt_store_up 0
// (the KinrtStoreDown alert) and kinrt_ready 0.
func TestStoreDownMetric(t *testing.T) {
	t.Parallel()
	srv, _ := startServer(t, nil)
	mf := families(t, srv)
	for _, name := range []string{"kinrt_store_up", "kinrt_ready"} {
		if v, ok := series(t, mf, name, nil); !ok || v != 1 {
			t.Fatalf("%s = %v (found %v), want 1", name, v, ok)
		}
	}
	if err := srv.Store().Close(); err != nil { // its pings fail from now on
		t.Fatal(err)
	}
	mf = families(t, srv)
	for _, name := range []string{"kinrt_store_up", "kinrt_ready"} {
		if v, ok := series(t, mf, name, nil); !ok || v != 0 {
			t.Errorf("%s = %v (found %v) with the store closed, want 0", name, v, ok)
		}
	}
}

// TestClusterMetrics: with REDIS_URL a node exports its link to Redis
// (kinrt_redis_up) and its adapter's (kinrt_cluster_adapter_healthy);
// a single node exports neither.
func TestClusterMetrics(t *testing.T) {
	t.Parallel()
	redisURL := testenv.RedisURL(t)
	clustered, hs := startServer(t, func(c *config.Config) {
		c.RedisURL = redisURL
		c.RedisPrefix = "kin-metrics-" + testenv.RandomID()
	})
	waitReady(t, hs.URL, http.StatusOK) // the adapter subscribes in the background
	mf := families(t, clustered)
	for _, name := range []string{"kinrt_redis_up", "kinrt_cluster_adapter_healthy", "kinrt_ready"} {
		if v, ok := series(t, mf, name, nil); !ok || v != 1 {
			t.Errorf("%s = %v (found %v), want 1", name, v, ok)
		}
	}
	single, _ := startServer(t, nil)
	mf = families(t, single)
	for _, name := range []string{"kinrt_redis_up", "kinrt_cluster_adapter_healthy"} {
		if _, ok := mf[name]; ok {
			t.Errorf("a single node exports %s", name)
		}
	}
}

// TestRedisDownMetric: when the cluster's Redis stops, kinrt_redis_up and
// kinrt_ready fall to 0 (what the RedisDown and NodeNotReady alerts
// read); back to 1 when it is back, and the adapter's subscriber counts
// its reconnect (kinrt_cluster_subscriber_reconnects_total).
func TestRedisDownMetric(t *testing.T) {
	t.Parallel()
	rs := testenv.StartRedisServer(t)
	srv, hs := startServer(t, func(c *config.Config) {
		c.RedisURL = rs.URL()
		c.RedisPrefix = "kin-metrics-" + testenv.RandomID()
	})
	waitMetric := func(want float64) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			mf := families(t, srv)
			up, _ := series(t, mf, "kinrt_redis_up", nil)
			ready, _ := series(t, mf, "kinrt_ready", nil)
			if up == want && ready == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("kinrt_redis_up %v, kinrt_ready %v; want both %v", up, ready, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitMetric(1)
	rs.Stop()
	waitReady(t, hs.URL, http.StatusServiceUnavailable)
	waitMetric(0)
	rs.Start()
	waitReady(t, hs.URL, http.StatusOK)
	waitMetric(1)
	if n, _ := series(t, families(t, srv), "kinrt_cluster_subscriber_reconnects_total", nil); n < 1 {
		t.Errorf("kinrt_cluster_subscriber_reconnects_total = %v after Redis restarted, want 1 or more", n)
	}
}
