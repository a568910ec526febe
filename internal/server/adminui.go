package server

import (
	"fmt"
	"net/http"
	"os"

	"golang.org/x/crypto/bcrypt"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/admin"
)

// adminUINamespace is where the Socket.IO admin UI connects.
const adminUINamespace = "/admin"

// errAdminOrigin refuses a socket of the main namespace opened from the
// admin UI's page: that origin may reach /admin only.
var errAdminOrigin = &socketio.ConnectError{Message: "forbidden origin"}

// startAdminUI serves the Socket.IO admin UI's protocol on /admin of io
// when the configuration turns it on (config.AdminUI): behind its own
// credentials (a bcrypt hash), never a session's; the same connect-attempt
// limit as the main namespace; its pages' origin allowed to reach /admin
// only (adminUIOrigin, refuseAdminOrigin). It returns nil when off.
func (s *Server) startAdminUI(io *socketio.Server) (*admin.Admin, error) {
	c := s.cfg.AdminUI
	if !c.Enabled {
		return nil, nil
	}
	host, _ := os.Hostname()
	opts := admin.Options{
		Namespace: adminUINamespace,
		ServerID:  fmt.Sprintf("%s#%d", host, os.Getpid()), // several nodes may share a host
		NoAuth:    c.NoAuth,
		Username:  c.Username,
	}
	if c.Production {
		opts.Mode = admin.Production
	}
	if !c.NoAuth {
		hash := []byte(c.PasswordHash)
		opts.CheckPassword = func(password string) bool {
			ok := bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil
			if !ok {
				s.metrics.authFailures.WithLabelValues("admin-ui").Inc()
			}
			return ok
		}
	}
	// Before the admin's own middleware: a session that keeps guessing
	// passwords is refused before the cost of a bcrypt comparison.
	io.Of(adminUINamespace).Use(s.limitConnectAttempts)
	a, err := admin.Instrument(io, opts)
	if err != nil {
		return nil, err
	}
	if c.NoAuth {
		s.log.Warn("admin UI without credentials (KIN_ADMIN_UI_AUTH=off): anyone who reaches the service may use it", "namespace", adminUINamespace)
	} else {
		s.log.Info("admin UI on", "namespace", adminUINamespace, "origins", c.Origins, "production", c.Production)
	}
	return a, nil
}

// adminUIOrigin reports whether origin is one of the admin UI's pages'
// (and not an origin the service trusts anyway).
func (s *Server) adminUIOrigin(origin string) bool {
	if !s.cfg.AdminUI.Enabled || origin == "" {
		return false
	}
	c := canonicalOrigin(origin)
	for _, o := range s.cfg.AdminUI.Origins {
		if c != "" && canonicalOrigin(o) == c {
			return true
		}
	}
	return false
}

// checkEngineOrigin is the Engine.IO server's Origin check: the service's
// (checkOrigin), and the admin UI's pages, whose sockets refuseAdminOrigin
// keeps to /admin.
func (s *Server) checkEngineOrigin(r *http.Request) bool {
	return s.checkOrigin(r) || s.adminUIOrigin(r.Header.Get("Origin"))
}

// engineCORSOrigins are the origins whose pages may read the Engine.IO
// answers: SOCKET_IO_CORS_ORIGIN's and, when on, the admin UI's.
func (s *Server) engineCORSOrigins() []string {
	if !s.cfg.AdminUI.Enabled {
		return s.cfg.AllowedOrigins
	}
	return append(append([]string(nil), s.cfg.AllowedOrigins...), s.cfg.AdminUI.Origins...)
}

// refuseAdminOrigin is the main namespace's first middleware: a socket
// opened from the admin UI's page (an origin trusted for nothing else)
// gets no KIN session, whatever credentials it brings.
func (s *Server) refuseAdminOrigin(sock *socketio.Socket) error {
	r := sock.Handshake().Request
	origin := sock.Handshake().Header.Get("Origin")
	if s.adminUIOrigin(origin) && !s.checkOrigin(r) {
		s.log.Debug("socket refused: the admin UI's origin on the main namespace", "origin", origin, "addr", sock.Handshake().Address)
		return errAdminOrigin
	}
	return nil
}
