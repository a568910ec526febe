package config

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// AdminUI configures the Socket.IO admin UI's namespace, /admin (npm
// @socket.io/admin-ui, docs/operations.md). Off by default.
type AdminUI struct {
	// Enabled (KIN_ADMIN_UI=on, --admin-ui) serves the namespace.
	Enabled bool
	// Username and PasswordHash (KIN_ADMIN_UI_USERNAME,
	// KIN_ADMIN_UI_PASSWORD_HASH) are the UI's credentials: the password
	// as a bcrypt hash, as the npm package's docs have one made
	// (bcryptjs, htpasswd -bnBC 10). Required when Enabled, unless
	// NoAuth.
	Username, PasswordHash string
	// NoAuth (KIN_ADMIN_UI_AUTH=off) serves the namespace without
	// credentials: only behind a network that lets no one else reach it.
	NoAuth bool
	// Origins (KIN_ADMIN_UI_ORIGIN, comma-separated) are the origins of
	// the UI's pages, allowed (CORS, Origin checks) to open an Engine.IO
	// session for the admin namespace, and for nothing else. Default
	// DefaultAdminUIOrigin.
	Origins []string
	// Production (KIN_ADMIN_UI_MODE=production) sends the UI the server
	// stats only; development (the default) also every socket, room and
	// event.
	Production bool
}

// DefaultAdminUIOrigin is the hosted admin UI's origin.
const DefaultAdminUIOrigin = "https://admin.socket.io"

// adminUIFlags defines the flags of AdminUI on fs, with the environment as
// their defaults, and returns what checks and stores them once fs is
// parsed.
func adminUIFlags(fs *flag.FlagSet, getenv func(string) string) func(*Config) error {
	on := fs.String("admin-ui", firstNonEmpty(getenv("KIN_ADMIN_UI"), "off"), "serve the Socket.IO admin UI's namespace /admin: on or off (KIN_ADMIN_UI)")
	user := fs.String("admin-ui-username", getenv("KIN_ADMIN_UI_USERNAME"), "the admin UI's username (KIN_ADMIN_UI_USERNAME)")
	hash := fs.String("admin-ui-password-hash", getenv("KIN_ADMIN_UI_PASSWORD_HASH"), "the admin UI's password, a bcrypt hash (KIN_ADMIN_UI_PASSWORD_HASH)")
	auth := fs.String("admin-ui-auth", firstNonEmpty(getenv("KIN_ADMIN_UI_AUTH"), "on"), "off serves the admin UI without credentials (KIN_ADMIN_UI_AUTH)")
	origins := fs.String("admin-ui-origin", firstNonEmpty(getenv("KIN_ADMIN_UI_ORIGIN"), DefaultAdminUIOrigin), "origins of the admin UI's pages, comma-separated (KIN_ADMIN_UI_ORIGIN)")
	mode := fs.String("admin-ui-mode", firstNonEmpty(getenv("KIN_ADMIN_UI_MODE"), "development"), "development (sockets, rooms, events) or production (stats only) (KIN_ADMIN_UI_MODE)")
	return func(c *Config) error {
		a := &c.AdminUI
		switch strings.ToLower(*on) {
		case "on":
			a.Enabled = true
		case "off":
		default:
			return fmt.Errorf("KIN_ADMIN_UI: %q is neither on nor off", *on)
		}
		switch strings.ToLower(*auth) {
		case "on":
		case "off":
			a.NoAuth = true
		default:
			return fmt.Errorf("KIN_ADMIN_UI_AUTH: %q is neither on nor off", *auth)
		}
		switch strings.ToLower(*mode) {
		case "development":
		case "production":
			a.Production = true
		default:
			return fmt.Errorf("KIN_ADMIN_UI_MODE: %q is neither development nor production", *mode)
		}
		if !a.Enabled {
			return nil
		}
		for _, o := range strings.Split(*origins, ",") {
			o = strings.TrimRight(strings.TrimSpace(o), "/")
			if o == "" {
				continue
			}
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
				return fmt.Errorf("KIN_ADMIN_UI_ORIGIN: %q is not an origin like %s", o, DefaultAdminUIOrigin)
			}
			a.Origins = append(a.Origins, o)
		}
		if len(a.Origins) == 0 {
			return errors.New("KIN_ADMIN_UI_ORIGIN: no origin given")
		}
		if a.NoAuth {
			return nil
		}
		a.Username, a.PasswordHash = *user, *hash
		if a.Username == "" || a.PasswordHash == "" {
			return errors.New("KIN_ADMIN_UI=on needs KIN_ADMIN_UI_USERNAME and KIN_ADMIN_UI_PASSWORD_HASH (a bcrypt hash), or KIN_ADMIN_UI_AUTH=off to serve the admin UI without credentials")
		}
		if _, err := bcrypt.Cost([]byte(a.PasswordHash)); err != nil {
			return fmt.Errorf("KIN_ADMIN_UI_PASSWORD_HASH: not a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters): %v", err)
		}
		return nil
	}
}
