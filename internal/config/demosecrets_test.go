package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDataDir(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{DefaultDatabaseURL, "data"},
		{"sqlite:/var/lib/kin/kin.db", "/var/lib/kin"},
		{"sqlite:kin.db", "."},
		{"sqlite:file:/srv/kin.db?_pragma=busy_timeout(5000)", "/srv"},
		{"postgres://u@db/kin", "data"},
		{"", "data"},
	} {
		if got := DataDir(tt.url); got != filepath.FromSlash(tt.want) {
			t.Errorf("DataDir(%q) = %q, want %q", tt.url, got, tt.want)
		}
	}
}

// TestKeepDemoSecrets: the first demo stores its generated secrets (0600),
// the next one uses them; secrets the configuration was given are used and
// never written; a file that is not the demo's is an error naming it.
func TestKeepDemoSecrets(t *testing.T) {
	dir := t.TempDir()
	db := "sqlite:" + filepath.Join(dir, "kin.db")
	load := func(env map[string]string) Config {
		t.Helper()
		c, err := Load([]string{"--demo", "--database-url", db, "--addr", "0.0.0.0:3001"}, func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	addr := "0.0.0.0:3001"

	first := load(nil)
	if !first.SecretGenerated || !first.TwilioTokenGenerated {
		t.Fatalf("a demo without secrets generated none: %+v", first)
	}
	path, created, err := first.KeepDemoSecrets(addr)
	if err != nil || !created || path != filepath.Join(dir, DemoSecretsFile) {
		t.Fatalf("KeepDemoSecrets = %q, %v, %v", path, created, err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: %v %v, want mode 0600", path, fi.Mode(), err)
	}
	d, err := ReadDemoSecrets(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.NextAuthSecret != first.Secrets[0] || d.TwilioAuthToken != first.TwilioAuthToken ||
		d.PublicURL != "http://localhost:3001" || d.Target != "http://127.0.0.1:3001" {
		t.Fatalf("the file holds %+v", d)
	}

	second := load(nil)
	if second.Secrets[0] == first.Secrets[0] {
		t.Fatal("Load generated the same secret twice")
	}
	if _, created, err := second.KeepDemoSecrets(addr); err != nil || created {
		t.Fatalf("second KeepDemoSecrets: created %v, %v", created, err)
	}
	if second.Secrets[0] != first.Secrets[0] || second.TwilioAuthToken != first.TwilioAuthToken {
		t.Fatal("a restarted demo did not take its kept secrets")
	}

	given := load(map[string]string{"NEXTAUTH_SECRET": "given-secret-given-secret-given-secret", "TWILIO_AUTH_TOKEN": "given-token"})
	if _, _, err := given.KeepDemoSecrets(addr); err != nil {
		t.Fatal(err)
	}
	if given.Secrets[0] != "given-secret-given-secret-given-secret" || given.TwilioAuthToken != "given-token" {
		t.Fatal("KeepDemoSecrets replaced secrets the configuration was given")
	}
	b, _ := os.ReadFile(path)
	if strings.Contains(string(b), "given-") {
		t.Fatalf("the file holds secrets the demo was given:\n%s", b)
	}

	if err := os.WriteFile(path, []byte("not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	corrupt := load(nil)
	if _, _, err := corrupt.KeepDemoSecrets(addr); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("a corrupt file: %v, want an error naming it", err)
	}
	if _, err := ReadDemoSecrets(filepath.Join(dir, "none.json")); err == nil || !strings.Contains(err.Error(), "kinrt serve --demo") {
		t.Fatalf("a missing file: %v, want an error saying to start the demo", err)
	}
	if _, _, err := (&Config{}).KeepDemoSecrets(addr); err == nil {
		t.Fatal("KeepDemoSecrets outside demo mode succeeded")
	}
}
