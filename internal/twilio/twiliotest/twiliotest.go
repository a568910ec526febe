// Package twiliotest is a fake Twilio REST API for tests: package
// twiliofake's fake on local test servers. Non-test code must not import
// it.
package twiliotest

import (
	"net/http/httptest"
	"testing"

	"github.com/kin-comms/kinrt/internal/twilio/twiliofake"
)

// SID returns a well-formed Twilio sid: prefix and 32 hex digits.
func SID(prefix string, n int) string { return twiliofake.SID(prefix, n) }

// Activity is a TaskRouter activity the fake knows.
type Activity = twiliofake.Activity

// Config is the fake account (see twiliofake.Config).
type Config = twiliofake.Config

// Request is a request the fake (or its media storage) received.
type Request = twiliofake.Request

// Server is the fake Twilio on a test server, its media storage on
// another. Every request needs the account's Basic credentials (401,
// error 20003, otherwise, as Twilio answers).
type Server struct {
	*httptest.Server
	*twiliofake.Fake
	Storage *httptest.Server // where the moved recordings are
}

// New starts a fake Twilio for c, closed when the test ends.
func New(t testing.TB, c Config) *Server {
	t.Helper()
	f := twiliofake.New(c)
	s := &Server{Fake: f, Storage: httptest.NewServer(f.StorageHandler())}
	f.StorageURL = s.Storage.URL
	s.Server = httptest.NewServer(f.Handler())
	t.Cleanup(func() {
		s.Server.Close()
		s.Storage.Close()
		f.Close()
	})
	return s
}
