package socketio

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// inproc drives a server in-process over HTTP long-polling, calling
// ServeHTTP with httptest recorders: no network and no goroutines, so
// connections are cheap (benchmarks) and everything a request triggers has
// happened when it returns (fuzzing).
type inproc struct {
	tb testing.TB
	io *Server
}

const inprocPath = "/socket.io/?EIO=4&transport=polling"

// handshake opens an Engine.IO session and returns its id.
func (p *inproc) handshake() string {
	p.tb.Helper()
	rec := httptest.NewRecorder()
	p.io.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, inprocPath, nil))
	body := rec.Body.Bytes()
	if rec.Code != http.StatusOK || len(body) < 2 || body[0] != '0' {
		p.tb.Fatalf("handshake: %d %q", rec.Code, body)
	}
	var o struct{ SID string }
	if err := json.Unmarshal(body[1:], &o); err != nil {
		p.tb.Fatalf("handshake: %v", err)
	}
	return o.SID
}

// post sends a payload and returns the status.
func (p *inproc) post(sid string, payload []byte) int {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, inprocPath+"&sid="+sid, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	p.io.ServeHTTP(rec, req)
	return rec.Code
}

// get polls once. Call it only when something is queued for sid (or the
// session has closed): a GET with nothing to answer waits, and a cancelled
// one closes the session.
func (p *inproc) get(sid string) (int, string) {
	rec := httptest.NewRecorder()
	p.io.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, inprocPath+"&sid="+sid, nil))
	return rec.Code, rec.Body.String()
}

// getCtx polls with a context, for a GET that may have nothing to answer.
func (p *inproc) getCtx(ctx context.Context, sid string) (int, string) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, inprocPath+"&sid="+sid, nil).WithContext(ctx)
	p.io.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// connect opens a session, joins "/" and returns the engine session id
// and the socket.
func (p *inproc) connect() (string, *Socket) {
	p.tb.Helper()
	sid := p.handshake()
	if code := p.post(sid, []byte("40")); code != http.StatusOK {
		p.tb.Fatalf("POST 40: %d", code)
	}
	code, body := p.get(sid)
	if code != http.StatusOK || !strings.HasPrefix(body, `40{"sid":"`) {
		p.tb.Fatalf("CONNECT reply: %d %q", code, body)
	}
	var r struct{ SID string }
	if err := json.Unmarshal([]byte(body[2:]), &r); err != nil {
		p.tb.Fatal(err)
	}
	s := p.io.Of("/").Socket(r.SID)
	if s == nil {
		p.tb.Fatalf("no socket %q", r.SID)
	}
	return sid, s
}

// shutdown closes the server at once.
func (p *inproc) shutdown() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = p.io.Shutdown(ctx)
}
