package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

var (
	rulesFile     = filepath.Join("..", "..", "deploy", "prometheus", "kinrt.rules.yml")
	rulesTestFile = filepath.Join("..", "..", "deploy", "prometheus", "kinrt.rules.test.yml")
	dashboardFile = filepath.Join("..", "..", "deploy", "grafana", "kinrt.json")
)

// metricName finds the names of the service's metrics (kinrt_…, and the
// runtime's go_… and process_…) in rules, queries and their texts.
var metricName = regexp.MustCompile(`\b(?:kinrt|go|process)_[a-zA-Z0-9_]+`)

// exportedNames scrapes a node that exports every metric family (a
// cluster node, after a socket, a webhook, a refused token and a
// disconnect have filled the labelled ones) and returns the names a query
// can use: a histogram's or summary's with _bucket, _sum, _count.
func exportedNames(t *testing.T) map[string]bool {
	t.Helper()
	redisURL := testenv.RedisURL(t)
	srv, hs, tw := webhookServerWith(t, func(c *config.Config) {
		c.RedisURL = redisURL
		c.RedisPrefix = "kin-deploy-" + testenv.RandomID()
	})
	waitReady(t, hs.URL, http.StatusOK)
	tok, _ := srv.Verifier().Mint(auth.Principal{UserID: "sally", Role: "agent", Department: "sales"}, time.Hour)
	sock := dialRaw(t, hs.URL, nil)
	if _, ok := sock.connect(map[string]string{"token": tok}); !ok {
		t.Fatal("socket refused")
	}
	reqID(t, http.MethodGet, hs.URL+"/api/me", map[string]string{"Authorization": "Bearer forged"})
	sms := form("MessageSid", "SMdeploy1", "From", customer, "To", salesNumber, "Body", "hi", "NumMedia", "0")
	if status, body := tw.post("/api/webhooks/twilio/sms", sms); status != http.StatusOK {
		t.Fatalf("webhook: %d %s", status, body)
	}
	for name, _, _ := sock.event(); name != "message_received"; name, _, _ = sock.event() {
	} // delivered: kinrt_deliveries_total has a series
	sock.close()
	names := map[string]bool{}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mf := families(t, srv)
		clear(names)
		for name, f := range mf {
			names[name] = true
			switch f.GetType() {
			case dto.MetricType_HISTOGRAM, dto.MetricType_SUMMARY:
				names[name+"_sum"], names[name+"_count"] = true, true
				if f.GetType() == dto.MetricType_HISTOGRAM {
					names[name+"_bucket"] = true
				}
			}
		}
		if names["kinrt_disconnects_total"] || time.Now().After(deadline) {
			return names // the disconnect is counted once the server saw the close
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// webhookServerWith is webhookServer (the public URL and numbers its
// twilioClient signs for) with more configuration.
func webhookServerWith(t *testing.T, mutate func(*config.Config)) (*server.Server, *httptest.Server, twilioClient) {
	t.Helper()
	srv, hs := startServer(t, func(c *config.Config) {
		c.PublicURL = "https://cc.example.com"
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
		mutate(c)
	})
	return srv, hs, twilioClient{t: t, base: hs.URL, public: "https://cc.example.com"}
}

// TestDeployMetricNames: every metric the alert rules
// (deploy/prometheus/kinrt.rules.yml, and their unit tests) and the
// Grafana dashboard (deploy/grafana/kinrt.json) name is one a node
// exports; each dashboard
// query and each rule reads at least one; the recording rules the alerts
// read are defined.
func TestDeployMetricNames(t *testing.T) {
	t.Parallel()
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	dash, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	exported := exportedNames(t)

	// The dashboard: JSON, panels with queries, each on our metrics.
	var d struct {
		UID        string `json:"uid"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []struct {
			Title   string `json:"title"`
			Type    string `json:"type"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(dash, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var queries []string
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("dashboard panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			if len(metricName.FindAllString(q.Expr, -1)) == 0 {
				t.Errorf("dashboard panel %q: query %q reads no metric of the service", p.Title, q.Expr)
			}
			queries = append(queries, q.Expr)
		}
	}
	if d.UID == "" || len(queries) < 10 {
		t.Errorf("dashboard: uid %q, %d queries", d.UID, len(queries))
	}

	// The rules: each expression reads our metrics, or Prometheus's up,
	// or recording rules defined in the file.
	recorded := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^\s*- record: (\S+)`).FindAllStringSubmatch(string(rules), -1) {
		recorded[m[1]] = true
	}
	for _, used := range regexp.MustCompile(`kinrt:[a-zA-Z0-9_:]+`).FindAllString(string(rules), -1) {
		if !recorded[used] {
			t.Errorf("rules: %s is read but no rule records it", used)
		}
	}
	alerts := regexp.MustCompile(`(?m)^\s*- alert: (\S+)`).FindAllStringSubmatch(string(rules), -1)
	for _, want := range []string{"KinrtNodeNotReady", "KinrtWebhookErrors", "KinrtSlowConsumers", "KinrtRedisDown", "KinrtStoreDown", "KinrtRESTLatencyHigh", "KinrtWebhookLatencyHigh",
		"KinrtDeliveryLatencyHigh", "KinrtRedisReconnectStorm", "KinrtRedisPublishDropped"} {
		if !slices.ContainsFunc(alerts, func(m []string) bool { return m[1] == want }) {
			t.Errorf("rules: no alert %s", want)
		}
	}

	// Every name, in queries, expressions, texts and comments alike, and
	// in the series the rules' unit tests feed them.
	ruleTests, err := os.ReadFile(rulesTestFile)
	if err != nil {
		t.Fatal(err)
	}
	for file, text := range map[string]string{rulesFile: string(rules), dashboardFile: string(dash), rulesTestFile: string(ruleTests)} {
		seen := map[string]bool{}
		for _, name := range metricName.FindAllString(text, -1) {
			if !exported[name] && !seen[name] {
				t.Errorf("%s names %s, which the service does not export", filepath.Base(file), name)
			}
			seen[name] = true
		}
		if len(seen) < 8 {
			t.Errorf("%s: only %d metric names found: %v", file, len(seen), seen)
		}
	}
	// And the check can fail: a made-up name is not exported.
	if exported["kinrt_no_such_metric_total"] || !exported["kinrt_http_request_duration_seconds_bucket"] {
		t.Error("the exported names are wrong")
	}
}

// TestPrometheusRules runs promtool (Debian's prometheus package;
// scripts/test fetches it) on the rules: they parse, and their unit tests
// (kinrt.rules.test.yml) pass: each alert fires on its failure, none on a
// healthy node.
func TestPrometheusRules(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		testenv.Missing(t, "promtool not found: run scripts/test, which fetches it from Debian's prometheus package")
	}
	for _, args := range [][]string{
		{"check", "rules", filepath.Base(rulesFile)},
		{"test", "rules", filepath.Base(rulesTestFile)},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = filepath.Dir(rulesFile)
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "SUCCESS") {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
