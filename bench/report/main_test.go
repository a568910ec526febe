package main

import "testing"

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
