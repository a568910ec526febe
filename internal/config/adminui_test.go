package config

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestAdminUI: off by default; on needs a username and a bcrypt hash
// unless KIN_ADMIN_UI_AUTH=off; the UI's origin defaults to the hosted
// UI's.
func TestAdminUI(t *testing.T) {
	t.Parallel()
	h, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	hash := string(h)
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    AdminUI
		wantErr string
	}{
		{name: "off by default", env: map[string]string{}, want: AdminUI{}},
		{name: "off ignores the rest", env: map[string]string{"KIN_ADMIN_UI_USERNAME": "admin"}, want: AdminUI{}},
		{
			name: "on with credentials",
			env:  map[string]string{"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_USERNAME": "admin", "KIN_ADMIN_UI_PASSWORD_HASH": hash},
			want: AdminUI{Enabled: true, Username: "admin", PasswordHash: hash, Origins: []string{DefaultAdminUIOrigin}},
		},
		{
			name: "flags, origins, production",
			args: []string{"--admin-ui", "on", "--admin-ui-username", "ops", "--admin-ui-password-hash", hash, "--admin-ui-mode", "production"},
			env:  map[string]string{"KIN_ADMIN_UI_ORIGIN": "http://127.0.0.1:8080/, https://admin.example"},
			want: AdminUI{Enabled: true, Username: "ops", PasswordHash: hash, Origins: []string{"http://127.0.0.1:8080", "https://admin.example"}, Production: true},
		},
		{
			name: "on without credentials, auth off",
			env:  map[string]string{"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_AUTH": "off"},
			want: AdminUI{Enabled: true, NoAuth: true, Origins: []string{DefaultAdminUIOrigin}},
		},
		{name: "on without credentials", env: map[string]string{"KIN_ADMIN_UI": "on"}, wantErr: "needs KIN_ADMIN_UI_USERNAME and KIN_ADMIN_UI_PASSWORD_HASH"},
		{name: "on without hash", env: map[string]string{"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_USERNAME": "admin"}, wantErr: "needs KIN_ADMIN_UI_USERNAME"},
		{name: "a password, not a hash", env: map[string]string{"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_USERNAME": "admin", "KIN_ADMIN_UI_PASSWORD_HASH": "secret"}, wantErr: "KIN_ADMIN_UI_PASSWORD_HASH: not a bcrypt hash"},
		{name: "bad switch", env: map[string]string{"KIN_ADMIN_UI": "yes"}, wantErr: `KIN_ADMIN_UI: "yes" is neither on nor off`},
		{name: "bad auth", env: map[string]string{"KIN_ADMIN_UI_AUTH": "none"}, wantErr: "KIN_ADMIN_UI_AUTH"},
		{name: "bad mode", env: map[string]string{"KIN_ADMIN_UI_MODE": "debug"}, wantErr: "KIN_ADMIN_UI_MODE"},
		{name: "bad origin", env: map[string]string{"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_AUTH": "off", "KIN_ADMIN_UI_ORIGIN": "admin.socket.io"}, wantErr: "KIN_ADMIN_UI_ORIGIN"},
		{name: "origin with a path", env: map[string]string{"KIN_ADMIN_UI": "on", "KIN_ADMIN_UI_AUTH": "off", "KIN_ADMIN_UI_ORIGIN": "https://admin.socket.io/ui"}, wantErr: "KIN_ADMIN_UI_ORIGIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := map[string]string{"NEXTAUTH_SECRET": "s3cret"}
			for k, v := range tt.env {
				e[k] = v
			}
			c, err := Load(tt.args, env(e))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := c.AdminUI
			if got.Enabled != tt.want.Enabled || got.Username != tt.want.Username || got.PasswordHash != tt.want.PasswordHash ||
				got.NoAuth != tt.want.NoAuth || got.Production != tt.want.Production || !slices.Equal(got.Origins, tt.want.Origins) {
				t.Fatalf("AdminUI = %+v, want %+v", got, tt.want)
			}
			if strings.Contains(fmt.Sprint(c.Redacted()), hash) {
				t.Fatal("the password hash is in the redacted config")
			}
		})
	}
}
