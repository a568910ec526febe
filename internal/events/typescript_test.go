package events

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the generated TypeScript")

// TestTypeScriptIsCurrent fails when the committed TypeScript (the event
// types, the server helpers) differs from the catalog; `go generate ./internal/events` rewrites them.
func TestTypeScriptIsCurrent(t *testing.T) {
	for _, f := range []struct {
		file string
		gen  func() []byte
	}{{TypeScriptFile, TypeScript}, {BroadcastTypeScriptFile, BroadcastTypeScript}} {
		t.Run(filepath.Base(f.file), func(t *testing.T) { checkGenerated(t, f.file, f.gen()) })
	}
}

func checkGenerated(t *testing.T, file string, want []byte) {
	path := filepath.Join("..", "..", file)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go generate ./internal/events`)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run `go generate ./internal/events`", file)
	}
}

func TestTypeScriptCoversCatalog(t *testing.T) {
	ts := string(TypeScript())
	for _, name := range Names() {
		if !bytes.Contains([]byte(ts), []byte("  "+name+": (payload: ")) {
			t.Errorf("ServerToClientEvents lacks %s", name)
		}
	}
	if len(Names()) != 17 {
		t.Errorf("catalog has %d events, the seed names 17", len(Names()))
	}
}
