package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// DemoSecretsFile is the name of the file, in the demo's data folder
// (DataDir), where `kinrt serve --demo` keeps the secrets it generated, so
// that a restart keeps the sessions and `kinrt token --demo` and `kinrt
// simulate --demo` can find them.
const DemoSecretsFile = "demo-secrets.json"

// DefaultDatabaseURL is the database of a service without DATABASE_URL.
const DefaultDatabaseURL = "sqlite:./data/kin.db"

// DemoSecrets is the content of DemoSecretsFile: the secrets the demo
// generated (never ones it was given) and where it can be reached.
type DemoSecrets struct {
	// Note says what the file is, for whoever opens it.
	Note string `json:"note"`
	// NextAuthSecret signs the demo's sessions (its NEXTAUTH_SECRET).
	NextAuthSecret string `json:"nextauthSecret,omitempty"`
	// TwilioAuthToken signs the demo's webhooks (its TWILIO_AUTH_TOKEN).
	TwilioAuthToken string `json:"twilioAuthToken,omitempty"`
	// PublicURL is the demo's KIN_PUBLIC_URL, which webhook signatures
	// cover.
	PublicURL string `json:"publicUrl"`
	// Target is where the demo listens, as a loopback URL.
	Target string `json:"target,omitempty"`
}

const demoSecretsNote = "kinrt serve --demo's generated secrets, for kinrt token --demo and kinrt simulate --demo; keep private; delete to generate new ones"

// DataDir is the data folder of a database URL: the folder of a sqlite
// file, else ./data.
func DataDir(databaseURL string) string {
	if p, ok := strings.CutPrefix(databaseURL, "sqlite:"); ok && p != "" {
		p, _, _ = strings.Cut(p, "?") // sqlite:PATH?_pragma=…
		return filepath.Dir(strings.TrimPrefix(p, "file:"))
	}
	return "data"
}

// DemoSecretsPath is where the demo of a database URL keeps its secrets:
// DemoSecretsFile in DataDir.
func DemoSecretsPath(databaseURL string) string {
	return filepath.Join(DataDir(databaseURL), DemoSecretsFile)
}

// ReadDemoSecrets reads a DemoSecretsFile.
func ReadDemoSecrets(path string) (DemoSecrets, error) {
	var d DemoSecrets
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, fmt.Errorf("%s: %w: start kinrt serve --demo in this folder first (or name the file with --demo-secrets)", path, fs.ErrNotExist)
	}
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(b, &d); err != nil {
		return d, fmt.Errorf("%s: not the demo's secrets (%v); delete it to start over", path, err)
	}
	return d, nil
}

// KeepDemoSecrets makes a demo's generated secrets last: the ones already
// in the DemoSecretsFile of its data folder replace those Load generated,
// and the generated ones are stored for next time (the file, created with
// permissions 0600, is rewritten atomically with the public URL and
// listen address addr, host:port). Secrets the configuration was given
// are used and never written. Called again, it changes nothing but the
// address. It returns the file's path and whether it was created.
func (c *Config) KeepDemoSecrets(addr string) (path string, created bool, err error) {
	if !c.Demo {
		return "", false, errors.New("demo secrets: not in demo mode")
	}
	path = DemoSecretsPath(c.DatabaseURL)
	d, err := ReadDemoSecrets(path)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		created, d = true, DemoSecrets{}
	default:
		return path, false, err
	}
	if c.SecretGenerated {
		if d.NextAuthSecret != "" {
			c.Secrets[0] = d.NextAuthSecret
		}
		d.NextAuthSecret = c.Secrets[0]
	}
	if c.TwilioTokenGenerated {
		if d.TwilioAuthToken != "" {
			c.TwilioAuthToken = d.TwilioAuthToken
		}
		d.TwilioAuthToken = c.TwilioAuthToken
	}
	d.Note, d.PublicURL, d.Target = demoSecretsNote, c.PublicURL, loopbackURL(c.Scheme(), addr)
	return path, created, writeDemoSecrets(path, d)
}

// loopbackURL is the http URL of a listen address (host:port), its
// unspecified host (all interfaces) replaced by 127.0.0.1.
func loopbackURL(scheme, addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "0" {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// writeDemoSecrets writes d to path through a temporary file of mode 0600
// in the same folder (created 0700 if missing), renamed over it.
func writeDemoSecrets(path string, d DemoSecrets) error {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo secrets: %w", err)
	}
	f, err := os.CreateTemp(dir, ".demo-secrets-*.tmp") // 0600
	if err != nil {
		return fmt.Errorf("demo secrets: %w", err)
	}
	_, werr := f.Write(append(b, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(f.Name(), 0o600)
	}
	if werr == nil {
		werr = os.Rename(f.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("demo secrets: %w", werr)
	}
	return nil
}
