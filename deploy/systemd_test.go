package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/testenv"
)

// verifyUnit runs systemd-analyze verify on unit (the text of
// kinrt.service), with ExecStart's /usr/local/bin/kinrt replaced by bin,
// and returns what it reported: systemd-analyze exits 0 on unknown keys
// and bad values, it only prints them.
func verifyUnit(t *testing.T, analyze, bin, unit string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "kinrt.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(unit, "/usr/local/bin/kinrt", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestSystemdUnit checks deploy/kinrt.service with systemd-analyze
// verify (a unit with a mistake makes it report, so a clean report
// counts) and rates its sandboxing with systemd-analyze security.
func TestSystemdUnit(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Missing(t, "systemd-analyze not found: apt-get install systemd")
	}
	unit, err := os.ReadFile("kinrt.service")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kinrt")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/kinrt").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for _, k := range []string{"ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure", "EnvironmentFile=", "StateDirectory=kinrt",
		"DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes"} {
		if !strings.Contains(string(unit), "\n"+k) {
			t.Errorf("kinrt.service has no %s", k)
		}
	}
	tests := []struct {
		name  string
		unit  string
		clean bool
	}{
		{"deploy/kinrt.service", string(unit), true},
		{"an unknown key", string(unit) + "\n[Service]\nProtectEverything=yes\n", false},
		{"a bad value", strings.Replace(string(unit), "ProtectSystem=strict", "ProtectSystem=very", 1), false},
		{"a missing binary", strings.Replace(string(unit), "ExecStart=/usr/local/bin/kinrt", "ExecStart=/nonexistent/kinrt", 1), false},
	}
	for _, tt := range tests {
		out, err := verifyUnit(t, analyze, bin, tt.unit)
		if clean := err == nil && out == ""; clean != tt.clean {
			t.Errorf("%s: systemd-analyze verify clean=%v, want %v: %v\n%s", tt.name, clean, tt.clean, err, out)
		}
	}

	// The sandbox: systemd rates the unit's exposure from 0 (locked
	// down) to 10 (none); 2 or less is its "OK".
	dir := t.TempDir()
	path := filepath.Join(dir, "kinrt.service")
	if err := os.WriteFile(path, unit, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "security", "--offline=yes", path).CombinedOutput()
	m := regexp.MustCompile(`Overall exposure level for kinrt\.service: ([0-9.]+)`).FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("systemd-analyze security: %v\n%s", err, out)
	}
	if level, _ := strconv.ParseFloat(string(m[1]), 64); level > 2 {
		t.Errorf("exposure level %v, want at most 2 (OK)", level)
	}
}
