package config

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestTLS: --tls-cert and --tls-key (KIN_TLS_CERT, KIN_TLS_KEY) come in
// pairs, flags over the environment, and with them the default public URL
// and origin are https://.
func TestTLS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		args            []string
		env             map[string]string
		cert, key, err  string
		public, origins string
	}{
		{name: "off", public: "http://localhost:3000", origins: "http://localhost:3000"},
		{name: "environment", env: map[string]string{"KIN_TLS_CERT": "/etc/kinrt/cert.pem", "KIN_TLS_KEY": "/etc/kinrt/key.pem"},
			cert: "/etc/kinrt/cert.pem", key: "/etc/kinrt/key.pem", public: "https://localhost:3000", origins: "https://localhost:3000"},
		{name: "flags over environment", args: []string{"--tls-cert", "c.pem", "--tls-key", "k.pem", "--addr", "127.0.0.1:8443"},
			env:  map[string]string{"KIN_TLS_CERT": "/etc/kinrt/cert.pem", "KIN_TLS_KEY": "/etc/kinrt/key.pem"},
			cert: "c.pem", key: "k.pem", public: "https://127.0.0.1:8443", origins: "https://127.0.0.1:8443"},
		{name: "public URL kept", env: map[string]string{"KIN_TLS_CERT": "c", "KIN_TLS_KEY": "k", "KIN_PUBLIC_URL": "https://rt.example"},
			cert: "c", key: "k", public: "https://rt.example", origins: "https://rt.example"},
		{name: "certificate alone", env: map[string]string{"KIN_TLS_CERT": "c"}, err: "KIN_TLS_KEY"},
		{name: "key alone", args: []string{"--tls-key", "k"}, err: "KIN_TLS_CERT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := map[string]string{"NEXTAUTH_SECRET": "x"}
			for k, v := range tt.env {
				e[k] = v
			}
			c, err := Load(tt.args, env(e))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Load = %v, want an error about %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.TLSCert != tt.cert || c.TLSKey != tt.key || c.PublicURL != tt.public || !slices.Equal(c.AllowedOrigins, []string{tt.origins}) {
				t.Errorf("cert %q key %q public %q origins %q; want %q %q %q %q", c.TLSCert, c.TLSKey, c.PublicURL, c.AllowedOrigins, tt.cert, tt.key, tt.public, tt.origins)
			}
			if got := c.Redacted()["tls"]; got != (tt.cert != "") {
				t.Errorf("Redacted tls = %v", got)
			}
		})
	}
}

// TestDemoSecretsOverTLS: a demo serving HTTPS writes its https:// address
// in the secrets file, where `kinrt simulate --demo` reads its target.
func TestDemoSecretsOverTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Load([]string{"--demo", "--addr", ":3443", "--tls-cert", "c.pem", "--tls-key", "k.pem",
		"--database-url", "sqlite:" + filepath.Join(dir, "kin.db")}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	path, _, err := c.KeepDemoSecrets(c.Addr)
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadDemoSecrets(path)
	if err != nil {
		t.Fatal(err)
	}
	if d.Target != "https://127.0.0.1:3443" || d.PublicURL != "https://localhost:3443" {
		t.Errorf("target %q, public URL %q; want https://127.0.0.1:3443, https://localhost:3443", d.Target, d.PublicURL)
	}
}
