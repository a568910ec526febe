package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
)

// TestHelp: kinrt alone, -h and help list every command, one line each;
// help exits 0, no command or an unknown one 2.
func TestHelp(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		code     int
		toStdout bool
		say      string
	}{
		{nil, 2, false, "no command"},
		{[]string{"-h"}, 0, true, ""},
		{[]string{"--help"}, 0, true, ""},
		{[]string{"help"}, 0, true, ""},
		{[]string{"bogus"}, 2, false, `unknown command "bogus"`},
		{[]string{"token", "-h"}, 0, false, ""},
	} {
		var stdout, stderr bytes.Buffer
		code := mainCode(tt.args, &stdout, &stderr)
		if code != tt.code {
			t.Errorf("kinrt %q exited %d, want %d", tt.args, code, tt.code)
		}
		if tt.args != nil && tt.args[0] == "token" {
			continue // the flag package prints the command's flags itself
		}
		out := stderr.String()
		if tt.toStdout {
			out = stdout.String()
		}
		for _, cmd := range []string{"serve", "migrate", "simulate", "token", "help"} {
			n := 0
			for _, line := range strings.Split(out, "\n") {
				if strings.HasPrefix(line, "  "+cmd+" ") {
					n++
				}
			}
			if n != 1 {
				t.Errorf("kinrt %q: %d lines for %s in\n%s", tt.args, n, cmd, out)
			}
		}
		if !strings.Contains(out, tt.say) {
			t.Errorf("kinrt %q does not say %q:\n%s", tt.args, tt.say, out)
		}
	}
}

// captureStdout runs f and returns what it printed to os.Stdout.
func captureStdout(t *testing.T, f func() error) (string, error) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	out := make(chan string)
	go func() { b, _ := io.ReadAll(r); out <- string(b) }()
	ferr := f()
	os.Stdout = saved
	w.Close()
	return <-out, ferr
}

// TestTokenDemo: kinrt token --demo signs with the demo's kept secret and
// fills in the demo user's role and department; without a demo file it
// says how to get one.
func TestTokenDemo(t *testing.T) {
	t.Setenv("NEXTAUTH_SECRET", "")
	t.Setenv("AUTH_SECRET", "")
	t.Setenv("DATABASE_URL", "")
	dir := t.TempDir()
	cfg, err := config.Load([]string{"--demo", "--database-url", "sqlite:" + filepath.Join(dir, "kin.db")}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	file, _, err := cfg.KeepDemoSecrets("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.Options{Secrets: cfg.Secrets})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want auth.Principal
	}{
		{nil, auth.Principal{UserID: "demo-admin", Role: "admin", Name: "Ada Admin"}},
		{[]string{"--user", "demo-support-1"}, auth.Principal{UserID: "demo-support-1", Role: "agent", Department: "support", Name: "Pat Helper"}},
		{[]string{"--user", "demo-support-1", "--role", "supervisor"}, auth.Principal{UserID: "demo-support-1", Role: "supervisor", Name: "Pat Helper"}},
		{[]string{"--user", "someone", "--role", "agent", "--department", "sales"}, auth.Principal{UserID: "someone", Role: "agent", Department: "sales"}},
	} {
		out, err := captureStdout(t, func() error { return run(append([]string{"token", "--demo-secrets", file}, tt.args...)) })
		if err != nil {
			t.Fatalf("token %q: %v", tt.args, err)
		}
		p, err := v.VerifyToken(strings.TrimSpace(out))
		if err != nil {
			t.Fatalf("token %q: the demo does not accept it: %v", tt.args, err)
		}
		if p.UserID != tt.want.UserID || p.Role != tt.want.Role || p.Department != tt.want.Department || p.Name != tt.want.Name {
			t.Errorf("token %q = %+v, want %+v", tt.args, p, tt.want)
		}
	}
	t.Chdir(t.TempDir()) // no ./data/demo-secrets.json here
	for _, cmd := range []string{"token", "simulate"} {
		if err := run([]string{cmd, "--demo"}); err == nil || !strings.Contains(err.Error(), "kinrt serve --demo") {
			t.Errorf("%s --demo without a demo: %v, want an error saying to start it", cmd, err)
		}
	}
}

func TestCommandName(t *testing.T) {
	for argv0, want := range map[string]string{
		"/tmp/go-build123/b001/exe/kinrt": "go run ./cmd/kinrt",
		"kinrt":                           "kinrt",
		"./bin/kinrt":                     "./bin/kinrt",
		"/opt/my kin/kinrt":               "'/opt/my kin/kinrt'",
		"":                                "kinrt",
	} {
		if got := commandName(argv0); got != want {
			t.Errorf("commandName(%q) = %q, want %q", argv0, got, want)
		}
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote(it's) = %s", got)
	}
}

// TestDemoCommands: a demo on the default database prints plain --demo
// commands; one elsewhere names its secrets file.
func TestDemoCommands(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	for db, want := range map[string]string{
		config.DefaultDatabaseURL: " --demo",
		"sqlite:/srv/kin/kin.db":  " --demo-secrets /srv/kin/demo-secrets.json",
	} {
		cmds := demoCommands(config.Config{DatabaseURL: db})
		if len(cmds) != 2 || !strings.Contains(cmds[0].cmd, " token"+want) || !strings.Contains(cmds[1].cmd, " simulate"+want) {
			t.Errorf("demo on %s prints %+v, want token%s and simulate%s", db, cmds, want, want)
		}
	}
}
