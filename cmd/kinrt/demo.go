package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

// demoOpts are the --demo and --demo-secrets flags of token and simulate,
// which find the secrets of `kinrt serve --demo` in its data folder.
type demoOpts struct {
	demo *bool
	file *string
}

// demoFlags adds --demo and --demo-secrets to fs.
func demoFlags(fs *flag.FlagSet) demoOpts {
	return demoOpts{
		demo: fs.Bool("demo", false, "use the secrets of kinrt serve --demo started in this folder ("+config.DemoSecretsFile+" in the folder of DATABASE_URL's sqlite file, ./data by default)"),
		file: fs.String("demo-secrets", "", "the demo's secrets file, when not the default one (implies --demo)"),
	}
}

// on reports whether the demo's secrets are asked for.
func (o demoOpts) on() bool { return *o.demo || *o.file != "" }

// path is the demo's secrets file.
func (o demoOpts) path() string {
	if *o.file != "" {
		return *o.file
	}
	return config.DemoSecretsPath(firstEnv("DATABASE_URL"))
}

// read reads the demo's secrets file.
func (o demoOpts) read() (config.DemoSecrets, error) { return config.ReadDemoSecrets(o.path()) }

// demoPrincipal completes p from the demo user it names (demo-admin when
// it names none): the fields left unset take the demo user's.
func demoPrincipal(p auth.Principal) auth.Principal {
	if p.UserID == "" {
		p.UserID = server.DemoUsers[0].UserID
	}
	for _, u := range server.DemoUsers {
		if u.UserID != p.UserID {
			continue
		}
		if p.Role == "" {
			p.Role = u.Role
		}
		if p.Department == "" && p.Role == u.Role {
			p.Department = u.Department
		}
		if p.Name == "" {
			p.Name = u.Name
		}
		if p.Email == "" {
			p.Email = u.Email
		}
	}
	return p
}

// firstEnv returns the first of the environment variables that is set.
func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// demoCommand is a command line a demo prints at start.
type demoCommand struct{ what, cmd string }

// demoCommands are the token and simulate command lines that work against
// the demo of cfg, run from the folder it was started in.
func demoCommands(cfg config.Config) []demoCommand {
	name := commandName(os.Args[0])
	demo := "--demo"
	if p := config.DemoSecretsPath(cfg.DatabaseURL); p != config.DemoSecretsPath(firstEnv("DATABASE_URL")) {
		demo = "--demo-secrets " + shellQuote(p)
	}
	return []demoCommand{
		{"a session token of a demo user (--user demo-sales-1, …; demo-admin by default)", name + " token " + demo + " --user demo-sales-1"},
		{"more simulated Twilio traffic, signed as the demo expects", name + " simulate " + demo},
	}
}

// commandName is how the user ran kinrt: "go run ./cmd/kinrt" for a
// binary go run built, else argv0 as given.
func commandName(argv0 string) string {
	if strings.Contains(filepath.ToSlash(argv0), "/go-build") {
		return "go run ./cmd/kinrt"
	}
	if argv0 == "" {
		return "kinrt"
	}
	return shellQuote(argv0)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=+,@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
