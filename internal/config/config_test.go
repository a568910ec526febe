package config

import (
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
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

// TestPresenceInterval: KIN_PRESENCE_INTERVAL: 250ms unless set; 0 turns batching off.
func TestPresenceInterval(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		env  string
		want time.Duration
	}{
		{"default", nil, "", 250 * time.Millisecond},
		{"environment", nil, "1s", time.Second},
		{"off", nil, "0", 0},
		{"flag over environment", []string{"--presence-interval", "500ms"}, "1s", 500 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(map[string]string{"NEXTAUTH_SECRET": "x", "KIN_PRESENCE_INTERVAL": tt.env}))
			if err != nil {
				t.Fatal(err)
			}
			if c.PresenceInterval != tt.want {
				t.Errorf("PresenceInterval %v, want %v", c.PresenceInterval, tt.want)
			}
		})
	}
}

// TestPresenceScope: department unless KIN_PRESENCE_SCOPE or the flag says watched.
func TestPresenceScope(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"default", nil, "", PresenceDepartment},
		{"environment", nil, "watched", PresenceWatched},
		{"flag over environment", []string{"--presence-scope", "department"}, "watched", PresenceDepartment},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, env(map[string]string{"NEXTAUTH_SECRET": "x", "KIN_PRESENCE_SCOPE": tt.env}))
			if err != nil {
				t.Fatal(err)
			}
			if c.PresenceScope != tt.want {
				t.Errorf("PresenceScope %q, want %q", c.PresenceScope, tt.want)
			}
		})
	}
}

// TestAdminAddr: the admin listener (/metrics) is on loopback unless
// KIN_ADMIN_ADDR or --admin-addr says otherwise; "off" turns it off.
func TestAdminAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"default", nil, nil, "127.0.0.1:9464"},
		{"environment", nil, map[string]string{"KIN_ADMIN_ADDR": "127.0.0.1:0"}, "127.0.0.1:0"},
		{"flag over environment", []string{"--admin-addr", "[::1]:9500"}, map[string]string{"KIN_ADMIN_ADDR": "127.0.0.1:0"}, "[::1]:9500"},
		{"off", nil, map[string]string{"KIN_ADMIN_ADDR": "off"}, ""},
		{"flag off", []string{"--admin-addr", "OFF"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{"NEXTAUTH_SECRET": "x"}
			for k, v := range tt.env {
				e[k] = v
			}
			c, err := Load(tt.args, env(e))
			if err != nil {
				t.Fatal(err)
			}
			if c.AdminAddr != tt.want {
				t.Errorf("AdminAddr %q, want %q", c.AdminAddr, tt.want)
			}
			if c.Redacted()["adminAddr"] != tt.want {
				t.Errorf("redacted adminAddr %v", c.Redacted()["adminAddr"])
			}
		})
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
		{"bad admin addr", nil, map[string]string{"NEXTAUTH_SECRET": "x", "KIN_ADMIN_ADDR": "9464"}, "KIN_ADMIN_ADDR"},
		{"bad admin flag", []string{"--admin-addr", "loopback"}, map[string]string{"NEXTAUTH_SECRET": "x"}, "KIN_ADMIN_ADDR"},
		{"bad presence interval", nil, map[string]string{"NEXTAUTH_SECRET": "x", "KIN_PRESENCE_INTERVAL": "fast"}, "KIN_PRESENCE_INTERVAL"},
		{"negative presence interval", nil, map[string]string{"NEXTAUTH_SECRET": "x", "KIN_PRESENCE_INTERVAL": "-1s"}, "KIN_PRESENCE_INTERVAL"},
		{"bad presence scope", nil, map[string]string{"NEXTAUTH_SECRET": "x", "KIN_PRESENCE_SCOPE": "team"}, "KIN_PRESENCE_SCOPE"},
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

func TestLoadLimits(t *testing.T) {
	t.Parallel()
	c, err := Load(nil, env(map[string]string{"NEXTAUTH_SECRET": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Limits, DefaultLimits) || c.Timeouts != DefaultTimeouts {
		t.Fatalf("defaults: %+v %+v", c.Limits, c.Timeouts)
	}
	c, err = Load([]string{"--max-connections", "7", "--event-rate", "off", "--write-timeout", "2m"}, env(map[string]string{
		"NEXTAUTH_SECRET": "x", "KIN_MAX_CONNECTIONS": "9", "KIN_MAX_CONNECTIONS_PER_USER": "3",
		"KIN_CONNECT_RATE": "5/s:10", "KIN_API_RATE": "600/m", "KIN_WEBHOOK_RATE": "50/s", "KIN_WEBHOOK_REJECT_RATE": "off",
		"KIN_TRUSTED_PROXIES": "10.0.0.0/8,127.0.0.1", "KIN_PING_INTERVAL": "1s", "KIN_PING_TIMEOUT": "2s",
		"KIN_HTTP_READ_HEADER_TIMEOUT": "3s", "KIN_HTTP_READ_TIMEOUT": "4s", "KIN_HTTP_IDLE_TIMEOUT": "5s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxConnections != 7 || c.MaxConnectionsPerUser != 3 || c.ConnectRate.String() != "5/s:10" ||
		!c.EventRate.Unlimited() || c.APIRate.String() != "10/s:600" || c.WebhookRate.String() != "50/s:50" ||
		!c.WebhookRejectRate.Unlimited() || c.TrustedProxies.Len() != 2 {
		t.Fatalf("limits: %+v", c.Limits)
	}
	if c.Timeouts != (Timeouts{PingInterval: time.Second, PingTimeout: 2 * time.Second, ReadHeaderTimeout: 3 * time.Second,
		ReadTimeout: 4 * time.Second, WriteTimeout: 2 * time.Minute, IdleTimeout: 5 * time.Second}) {
		t.Fatalf("timeouts: %+v", c.Timeouts)
	}
	if red := c.Redacted()["limits"].(map[string]any); red["maxConnections"] != 7 || red["eventRate"] != "off" {
		t.Errorf("redacted limits: %v", red)
	}

	for _, tt := range []struct{ env, value, want string }{
		{"KIN_MAX_CONNECTIONS", "-1", "KIN_MAX_CONNECTIONS"},
		{"KIN_MAX_CONNECTIONS_PER_USER", "many", "KIN_MAX_CONNECTIONS_PER_USER"},
		{"KIN_CONNECT_RATE", "10", "KIN_CONNECT_RATE"},
		{"KIN_EVENT_RATE", "10/fortnight", "KIN_EVENT_RATE"},
		{"KIN_API_RATE", "10/s:0", "KIN_API_RATE"},
		{"KIN_WEBHOOK_RATE", "fast", "KIN_WEBHOOK_RATE"},
		{"KIN_WEBHOOK_REJECT_RATE", "-2/s", "KIN_WEBHOOK_REJECT_RATE"},
		{"KIN_TRUSTED_PROXIES", "proxy.internal", "KIN_TRUSTED_PROXIES"},
		{"KIN_PING_INTERVAL", "25", "KIN_PING_INTERVAL"},
		{"KIN_HTTP_READ_HEADER_TIMEOUT", "0s", "KIN_HTTP_READ_HEADER_TIMEOUT"},
		{"KIN_HTTP_READ_TIMEOUT", "30s", "must exceed KIN_PING_INTERVAL + KIN_PING_TIMEOUT"},
		{"KIN_HTTP_WRITE_TIMEOUT", "45s", "KIN_HTTP_WRITE_TIMEOUT"},
	} {
		_, err := Load(nil, env(map[string]string{"NEXTAUTH_SECRET": "x", tt.env: tt.value}))
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s=%q: err = %v, want one line containing %q", tt.env, tt.value, err, tt.want)
		}
	}
}

func TestLoadHelp(t *testing.T) {
	t.Parallel()
	_, err := Load([]string{"-h"}, env(nil))
	if err == nil {
		t.Fatal("-h: no error")
	}
	for _, want := range []string{"usage: kinrt serve", "-max-connections", `(KIN_CONNECT_RATE) (default "20/s:100")`, "-read-header-timeout", "KIN_TRUSTED_PROXIES"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, err)
		}
	}
}

// TestLogSettings: --log-format and --log-level (KIN_LOG_FORMAT,
// KIN_LOG_LEVEL), flags over the environment, and one-line errors naming
// the variable for anything else.
func TestLogSettings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantFormat string
		wantLevel  slog.Level
		wantErr    string
	}{
		{name: "defaults", wantFormat: LogText, wantLevel: slog.LevelInfo},
		{name: "environment", env: map[string]string{"KIN_LOG_FORMAT": "json", "KIN_LOG_LEVEL": "debug"}, wantFormat: LogJSON, wantLevel: slog.LevelDebug},
		{name: "any case", env: map[string]string{"KIN_LOG_FORMAT": "JSON", "KIN_LOG_LEVEL": "Warn"}, wantFormat: LogJSON, wantLevel: slog.LevelWarn},
		{name: "flags over environment", args: []string{"--log-format", "text", "--log-level", "error"},
			env: map[string]string{"KIN_LOG_FORMAT": "json", "KIN_LOG_LEVEL": "debug"}, wantFormat: LogText, wantLevel: slog.LevelError},
		{name: "info", args: []string{"--log-level=info"}, wantFormat: LogText, wantLevel: slog.LevelInfo},
		{name: "bad format", env: map[string]string{"KIN_LOG_FORMAT": "logfmt"}, wantErr: `KIN_LOG_FORMAT: "logfmt" is neither text nor json`},
		{name: "bad format flag", args: []string{"--log-format", ""}, wantErr: "KIN_LOG_FORMAT"},
		{name: "bad level", env: map[string]string{"KIN_LOG_LEVEL": "verbose"}, wantErr: `KIN_LOG_LEVEL: "verbose" is not one of debug, info, warn, error`},
		{name: "numeric level", args: []string{"--log-level", "-4"}, wantErr: "KIN_LOG_LEVEL"},
		{name: "warning is not a level", env: map[string]string{"KIN_LOG_LEVEL": "warning"}, wantErr: "KIN_LOG_LEVEL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := map[string]string{"NEXTAUTH_SECRET": "x"}
			for k, v := range tt.env {
				e[k] = v
			}
			c, err := Load(tt.args, env(e))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("err = %v, want one line containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.LogFormat != tt.wantFormat || c.LogLevel != tt.wantLevel {
				t.Errorf("format %q level %v, want %q %v", c.LogFormat, c.LogLevel, tt.wantFormat, tt.wantLevel)
			}
			if red := c.Redacted(); red["logFormat"] != tt.wantFormat || red["logLevel"] != tt.wantLevel.String() {
				t.Errorf("redacted: %v %v", red["logFormat"], red["logLevel"])
			}
		})
	}
}
