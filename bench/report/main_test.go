package main

import (
	"strings"
	"testing"
)

func TestRunsPerPoint(t *testing.T) {
	rec := func(scenario, server string, clients int) record {
		return record{Scenario: scenario, Server: server, Clients: clients}
	}
	for _, tc := range []struct {
		name string
		recs []record
		want string
	}{
		{"one run", []record{rec("echo", "kinrt", 100), rec("echo", "node", 100)}, "once"},
		{"two runs", []record{rec("echo", "kinrt", 100), rec("echo", "node", 100), rec("echo", "kinrt", 100), rec("echo", "node", 100)}, "twice"},
		{"sizes apart", []record{rec("idle", "kinrt", 10000), rec("idle", "kinrt", 19500)}, "once"},
		{"two full runs merged", []record{
			rec("idle", "kinrt", 10000), rec("idle", "kinrt", 10000), rec("idle", "kinrt", 10000), rec("idle", "kinrt", 10000),
			rec("webhook", "kinrt", 10000), rec("webhook", "kinrt", 10000),
		}, "4 times"},
	} {
		if got := times(runsPerPoint(tc.recs)); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestStormSection(t *testing.T) {
	rec := record{Scenario: "storm", Server: "kinrt", Clients: 10000, Result: []byte(`{"clients":10000,"storm":{"connect_secs":2.5,"settled_secs":2.61,"presence_events":60726,"deliveries":60726,"presence_bytes":1136115530,"within_target":true},"restart":{"connect_secs":3.4,"settled_secs":3.61,"deliveries":93371,"within_target":false}}`)}
	var b strings.Builder
	stormSection(&b, []record{rec})
	for _, want := range []string{
		"| 10000 | storm | 2.50 | 2.61 | 60726 | 60726 | 1136 | 0.00 | 0 | true | 1 |",
		"| 10000 | after a restart | 3.40 | 3.61 | 0 | 93371 | 0 | 0.00 | 0 | false | 1 |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s\nlacks %s", b.String(), want)
		}
	}
	b.Reset()
	stormSection(&b, nil)
	if b.Len() != 0 {
		t.Errorf("no storm results: %q", b.String())
	}
}
