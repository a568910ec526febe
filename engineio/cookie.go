package engineio

import (
	"net/http"
	"net/url"
	"time"
)

// Cookie configures the cookie that carries the session id on the answer
// to a polling handshake, for load balancers that route a session to one
// node by it (Node's cookie option). Its zero value is Node's
// cookie: true: {name: "io", path: "/", httpOnly: true, sameSite: "lax"}.
// As Node's, it is set only on a polling handshake's answer: a session
// opened on WebSocket is one connection, with nothing to route.
type Cookie struct {
	// Name is the cookie's name. Default "io".
	Name string
	// Path is the cookie's Path. Default "/".
	Path string
	// Domain is the cookie's Domain. Default: none (the request's host).
	Domain string
	// MaxAge, when positive, is the cookie's Max-Age (whole seconds).
	// Default: a session cookie.
	MaxAge time.Duration
	// Expires, when set, is the cookie's Expires.
	Expires time.Time
	// Secure sends the cookie only over HTTPS.
	Secure bool
	// SameSite is the cookie's SameSite. Default http.SameSiteLaxMode, as
	// Node's; http.SameSiteDefaultMode sends none.
	SameSite http.SameSite
	// DisableHTTPOnly lets scripts read the cookie (Node's httpOnly:
	// false): inverted so that the zero value is Node's default.
	DisableHTTPOnly bool
	// Partitioned sets the Partitioned attribute (CHIPS).
	Partitioned bool
}

// header returns the Set-Cookie value carrying sid (escaped as Node's
// encodeURIComponent would: the characters a custom id may hold that a
// cookie value may not).
func (c *Cookie) header(sid string) string {
	hc := http.Cookie{
		Name:        c.Name,
		Value:       url.QueryEscape(sid),
		Path:        c.Path,
		Domain:      c.Domain,
		Expires:     c.Expires,
		Secure:      c.Secure,
		HttpOnly:    !c.DisableHTTPOnly,
		SameSite:    c.SameSite,
		Partitioned: c.Partitioned,
	}
	if hc.Name == "" {
		hc.Name = "io"
	}
	if hc.Path == "" {
		hc.Path = "/"
	}
	if hc.SameSite == 0 {
		hc.SameSite = http.SameSiteLaxMode
	}
	if c.MaxAge > 0 {
		hc.MaxAge = int(c.MaxAge / time.Second)
		if hc.MaxAge == 0 {
			hc.MaxAge = 1
		}
	}
	return hc.String()
}
