package server

import (
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"

	"github.com/kin-comms/kinrt/internal/config"
)

// origins are the browser origins the service trusts, each as a browser
// writes it in an Origin header: scheme://host[:port], lower case, the
// scheme's default port left out.
type origins struct {
	// trusted may use the service with a session: its public URL's
	// origin and SOCKET_IO_CORS_ORIGIN's.
	trusted map[string]bool
	// cors are SOCKET_IO_CORS_ORIGIN's: pages of another origin that may
	// read the REST API's answers.
	cors map[string]bool
}

// newOrigins reads the trusted origins of cfg (config.Load has checked
// that they parse).
func newOrigins(cfg config.Config) origins {
	o := origins{trusted: map[string]bool{}, cors: map[string]bool{}}
	if u, err := url.Parse(cfg.PublicURL); err == nil {
		if c := canonicalOrigin(u.Scheme + "://" + u.Host); c != "" {
			o.trusted[c] = true
		}
	}
	for _, a := range cfg.AllowedOrigins {
		if c := canonicalOrigin(a); c != "" {
			o.trusted[c] = true
			o.cors[c] = true
		}
	}
	return o
}

// canonicalOrigin returns origin as a browser writes it, or "" when it is
// not an http(s) origin: another scheme, "null", a path, a query, user
// information.
func canonicalOrigin(origin string) string {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil ||
		u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return ""
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if port == defaultPort(u.Scheme) {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// has reports whether origin is one of set, as sent (no allocation) or
// once made canonical.
func has(set map[string]bool, origin string) bool {
	if set[origin] {
		return true
	}
	c := canonicalOrigin(origin)
	return c != "" && set[c]
}

// checkOrigin accepts requests without Origin (non-browser clients, which
// must then authenticate with a token), the trusted origins (the public
// URL's and SOCKET_IO_CORS_ORIGIN's: scheme, host and port compared), and
// a page of the very loopback address and port the request came to (the
// dashboard opened at http://127.0.0.1:PORT when the public URL says
// localhost). It guards WebSocket upgrades against cross-site hijacking,
// where CORS does not apply, and the API's state changes. An Origin is
// never compared with the Host header alone: under DNS rebinding both
// name the attacker's host.
func (s *Server) checkOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	return s.origins.trusted[origin] || loopbackSameOrigin(origin, r) || has(s.origins.trusted, origin)
}

// corsOrigin reports whether origin is one of SOCKET_IO_CORS_ORIGIN's,
// whose pages may read the API's answers.
func (s *Server) corsOrigin(origin string) bool { return has(s.origins.cors, origin) }

// loopbackSameOrigin reports whether origin is the scheme, loopback host
// and port that r was sent to: only a page served by this listener has
// it (a rebinding page's origin names the attacker's host, never a
// loopback address).
func loopbackSameOrigin(origin string, r *http.Request) bool {
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	hostport, ok := strings.CutPrefix(origin, scheme)
	if !ok || hostport == "" || strings.ContainsAny(hostport, "/?#@\\") || !strings.EqualFold(hostport, r.Host) {
		return false
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
