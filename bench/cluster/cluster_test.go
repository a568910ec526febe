package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/bench/internal/load"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// TestMain runs the test binary as a load generator when the harness
// starts it as one.
func TestMain(m *testing.M) {
	if os.Getenv(generatorEnv) == "1" {
		if err := load.RunGenerator(context.Background(), os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	testenv.ClosePostgres()
	os.Exit(code)
}

// TestClusterTiny runs the whole harness at a tiny point: 60 clients on two
// kinrt nodes (built from ./cmd/kinrt) on Redis and PostgreSQL, from two
// generator processes (this test binary), webhooks before, during and after
// the SIGKILL of one node. Every webhook must reach each of its department's
// clients exactly once and no other client, and every client of the killed
// node must be back on the other with its session recovered.
func TestClusterTiny(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	testenv.Postgres(t) // reachable, or the test fails in CI
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cfg := Config{
		Clients: 60, Nodes: 2, PerGenerator: 30, Departments: 5,
		Webhooks: 5, DownWebhooks: 5, AfterWebhooks: 3, Rate: 50,
		NoFile: lim.Cur, Redis: redisURL, Postgres: testenv.PostgresDSN(), Out: t.TempDir(),
		Settle: 500 * time.Millisecond, Generator: []string{os.Args[0]},
	}
	var out, logs bytes.Buffer
	res, err := Run(ctx, cfg, &out, &logs)
	t.Log(logs.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Summary())

	// The JSON lines: a start, the connection, a line per node, Redis's,
	// a line per webhook, the kill and the summary.
	types := map[string]int{}
	var webhooks []WebhookResult
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var line struct{ Type string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("not JSON: %s", sc.Bytes())
		}
		types[line.Type]++
		if line.Type == "webhook" {
			var w WebhookResult
			if err := json.Unmarshal(sc.Bytes(), &w); err != nil {
				t.Fatal(err)
			}
			webhooks = append(webhooks, w)
		}
	}
	want := map[string]int{"start": 1, "connected": 1, "node": 2, "redis": 1, "webhook": 13, "kill": 1, "summary": 1}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Errorf("JSON lines by type %v, want %v", types, want)
	}
	// 12 clients a department: each webhook's two events to each.
	phases := map[string]int{}
	for _, w := range webhooks {
		phases[w.Phase]++
		if w.Status != 200 || w.Expected != 24 || w.Delivered != 24 || w.Missing != 0 || w.Duplicates != 0 || w.Dept != w.W%5 {
			t.Errorf("webhook %+v", w)
		}
	}
	if fmt.Sprint(phases) != fmt.Sprint(map[string]int{"before": 5, "down": 5, "after": 3}) {
		t.Errorf("webhooks by phase %v", phases)
	}
	if res.Connected != 60 || res.Expected != 13*24 || res.Missing != 0 || res.Duplicates != 0 || res.Leaked != 0 || res.FailedWebhooks != 0 {
		t.Errorf("result %+v", res)
	}
	for _, n := range res.NodeResults {
		if n.Conns != 30 || n.RSSKiB <= 0 || n.PerConnKiB <= 0 {
			t.Errorf("node %+v", n)
		}
	}
	// Node 1 had the odd clients: all back on node 0, with their sessions.
	k := res.Kill
	if k == nil || k.Node != 1 || k.Clients != 30 || k.Dropped != 30 || k.Recovered != 30 || k.Fresh != 0 || k.Failed != 0 ||
		k.BackSecs <= 0 || fmt.Sprint(k.OnNode) != "[60 0]" {
		t.Errorf("kill %+v", k)
	}
	if !res.OK() {
		t.Error("the run is not OK")
	}
}
