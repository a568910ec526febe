package server

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/config"
)

func TestValidRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want bool
	}{
		{"0f8fad5b-d9cb-469f-a165-70867728950e", true},
		{"5d41402abc4b2a76b9719d911017c592", true},
		{"Root=1-67891233-abcdef012345678912345678", true},
		{"abc+/=@_.:", true},
		{strings.Repeat("a", maxRequestIDLen), true},
		{strings.Repeat("a", maxRequestIDLen+1), false},
		{"", false},
		{"two words", false},
		{"line\nbreak", false},
		{`quote"`, false},
		{"semi;colon", false},
		{"ünïcode", false},
		{"tab\t", false},
	}
	for _, tt := range tests {
		if got := validRequestID(tt.id); got != tt.want {
			t.Errorf("validRequestID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
	if id := newRequestID(); len(id) != 32 || !validRequestID(id) || id == newRequestID() {
		t.Errorf("newRequestID() = %q: want 32 hex characters, new each time", id)
	}
}

// TestRequestIDHandler: a record logged with a request's context carries
// its id, through WithAttrs and WithGroup; one without has none; wrapping
// twice adds it once.
func TestRequestIDHandler(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := withRequestIDs(NewLogger(&buf, config.LogJSON, slog.LevelInfo))
	ctx := context.WithValue(context.Background(), requestIDKey{}, "req-1")
	log.InfoContext(ctx, "one")
	log.With("k", "v").WithGroup("g").InfoContext(ctx, "two", "x", 1)
	log.Info("three")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	for i, want := range []string{`"requestId":"req-1"`, `"g":{"x":1,"requestId":"req-1"}`, ""} {
		if strings.Count(lines[i], "requestId") != strings.Count(want, "requestId") || !strings.Contains(lines[i], want) {
			t.Errorf("line %d: %s, want %s", i+1, lines[i], want)
		}
		if !json.Valid([]byte(lines[i])) {
			t.Errorf("line %d is not JSON: %s", i+1, lines[i])
		}
	}
}
