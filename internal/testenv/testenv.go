// Package testenv finds what tests need from outside Go (Node.js and the
// npm packages installed by scripts/test). In CI (CI set) a missing piece
// fails the test; elsewhere it skips it, with the command that fixes it.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Missing fails the test in CI and skips it elsewhere.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// Node returns the node binary, after checking that each of the given
// package directories (such as "test/interop/node_modules/socket.io-client",
// relative to the test's directory) is installed.
func Node(t testing.TB, packages ...string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		Missing(t, "node not found: run scripts/test, which installs Node.js and the npm packages")
	}
	for _, p := range packages {
		if _, err := os.Stat(filepath.Join(p, "package.json")); err != nil {
			Missing(t, "%s is not installed: run scripts/test (npm ci)", p)
		}
	}
	return node
}
