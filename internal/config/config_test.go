package config

import (
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoad(t *testing.T) {
	t.Parallel()
	ok := map[string]string{"NEXTAUTH_SECRET": "s3cret"}
	c, err := Load(nil, env(ok))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":3000" || c.PublicURL != "http://localhost:3000" || !slices.Equal(c.AllowedOrigins, []string{"http://localhost:3000"}) ||
		c.DatabaseURL != "sqlite:./data/kin.db" || !slices.Equal(c.Secrets, []string{"s3cret"}) {
		t.Fatalf("defaults: %+v", c)
	}

	c, err = Load([]string{"--addr", "127.0.0.1:4000", "--cors-origin", "https://b.example"}, env(map[string]string{
		"AUTH_SECRET": "a", "AUTH_SECRET_1": "old", "SOCKET_IO_CORS_ORIGIN": "https://a.example",
		"KIN_PUBLIC_URL": "https://rt.example/", "KIN_NUMBER_DEPARTMENTS": "+15550001111=sales, +15550002222=support",
		"DATABASE_URL": "postgres://u:p@127.0.0.1/test", "REDIS_URL": "redis://127.0.0.1:6379",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:4000" || !slices.Equal(c.AllowedOrigins, []string{"https://b.example"}) ||
		c.PublicURL != "https://rt.example" || !slices.Equal(c.Secrets, []string{"a", "old"}) ||
		c.NumberDepartments["+15550002222"] != "support" {
		t.Fatalf("overrides: %+v", c)
	}
	red := c.Redacted()
	if strings.Contains(red["database"].(string), "p@") {
		t.Errorf("password in redacted config: %v", red)
	}

	c, err = Load([]string{"--demo"}, env(nil))
	if err != nil || !c.SecretGenerated || len(c.Secrets[0]) != 64 {
		t.Fatalf("demo: %+v %v", c, err)
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"no secret", nil, nil, "NEXTAUTH_SECRET (or AUTH_SECRET) is required"},
		{"bad port", nil, map[string]string{"NEXTAUTH_SECRET": "x", "PORT": "http"}, "PORT"},
		{"bad addr", []string{"--addr", "nohost"}, map[string]string{"NEXTAUTH_SECRET": "x"}, "--addr"},
		{"bad origin", nil, map[string]string{"NEXTAUTH_SECRET": "x", "SOCKET_IO_CORS_ORIGIN": "app.example.com"}, "SOCKET_IO_CORS_ORIGIN"},
		{"origin with path", nil, map[string]string{"NEXTAUTH_SECRET": "x", "SOCKET_IO_CORS_ORIGIN": "https://a.example/app"}, "SOCKET_IO_CORS_ORIGIN"},
		{"bad public url", nil, map[string]string{"NEXTAUTH_SECRET": "x", "KIN_PUBLIC_URL": "ftp://x"}, "KIN_PUBLIC_URL"},
		{"bad database", nil, map[string]string{"NEXTAUTH_SECRET": "x", "DATABASE_URL": "mysql://x"}, "DATABASE_URL"},
		{"empty sqlite", nil, map[string]string{"NEXTAUTH_SECRET": "x", "DATABASE_URL": "sqlite:"}, "DATABASE_URL"},
		{"bad redis", nil, map[string]string{"NEXTAUTH_SECRET": "x", "REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL"},
		{"bad numbers", nil, map[string]string{"NEXTAUTH_SECRET": "x", "KIN_NUMBER_DEPARTMENTS": "+1555"}, "KIN_NUMBER_DEPARTMENTS"},
		{"unknown flag", []string{"--nope"}, map[string]string{"NEXTAUTH_SECRET": "x"}, "flags"},
		{"stray argument", []string{"extra"}, map[string]string{"NEXTAUTH_SECRET": "x"}, "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, env(tt.env))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}
