package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// limSocket is a bare Socket.IO client over WebSocket, for the limit and
// timeout tests: it sees every frame, and can stop answering pings.
type limSocket struct {
	t      *testing.T
	conn   *websocket.Conn
	wmu    sync.Mutex
	frames chan string
	closed chan struct{}
	pings  atomic.Int64 // pings received
}

// limDial opens an Engine.IO WebSocket session. With answerPings false
// the client plays dead: it reads, but never answers a ping.
func limDial(t *testing.T, base string, header http.Header, answerPings bool) (*limSocket, *http.Response, error) {
	t.Helper()
	url := "ws" + strings.TrimPrefix(base, "http") + "/socket.io/?EIO=4&transport=websocket"
	conn, resp, err := websocket.DefaultDialer.Dial(url, header)
	if err != nil {
		return nil, resp, err
	}
	ls := &limSocket{t: t, conn: conn, frames: make(chan string, 64), closed: make(chan struct{})}
	t.Cleanup(func() { _ = conn.Close() })
	go func() {
		defer close(ls.closed)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			if string(msg) == "2" {
				ls.pings.Add(1)
				if answerPings {
					ls.send("3")
				}
				continue
			}
			select {
			case ls.frames <- string(msg):
			default: // a test that does not read them does not care
			}
		}
	}()
	if open := ls.next(); !strings.HasPrefix(open, "0{") {
		t.Fatalf("open packet %q", open)
	}
	return ls, resp, nil
}

func (ls *limSocket) send(frame string) {
	ls.wmu.Lock()
	defer ls.wmu.Unlock()
	_ = ls.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_ = ls.conn.WriteMessage(websocket.TextMessage, []byte(frame))
}

// next returns the next frame other than a ping.
func (ls *limSocket) next() string {
	ls.t.Helper()
	select {
	case f := <-ls.frames:
		return f
	case <-ls.closed:
		select { // frames read before the close come first
		case f := <-ls.frames:
			return f
		default:
		}
		ls.t.Fatal("connection closed while a frame was expected")
	case <-time.After(10 * time.Second):
		ls.t.Fatal("no frame within 10s")
	}
	return ""
}

// connect joins the main namespace with a token: "" and the CONNECT
// payload, or the connect_error message.
func (ls *limSocket) connect(token string) (errMsg string) {
	ls.t.Helper()
	auth, _ := json.Marshal(map[string]string{"token": token})
	ls.send("40" + string(auth))
	f := ls.next()
	switch {
	case strings.HasPrefix(f, "40"):
		return ""
	case strings.HasPrefix(f, "44"):
		var e struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal([]byte(f[2:]), &e); err != nil {
			ls.t.Fatalf("connect_error %q: %v", f, err)
		}
		return e.Message
	}
	ls.t.Fatalf("answer to CONNECT: %q", f)
	return ""
}

func (ls *limSocket) emit(event string, args ...any) {
	b, _ := json.Marshal(append([]any{event}, args...))
	ls.send("42" + string(b))
}

// waitClosed reports whether the server closed the connection within d.
func (ls *limSocket) waitClosed(d time.Duration) bool {
	select {
	case <-ls.closed:
		return true
	case <-time.After(d):
		return false
	}
}

// limGet sends a request and returns its status, body and headers.
func limDo(t *testing.T, method, url string, body io.Reader, header http.Header) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// limEventually waits until cond holds, failing after d.
func limEventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// limRefusal checks a limit's answer: status, JSON body mentioning msg,
// and a Retry-After of at least one second.
func limRefusal(t *testing.T, what string, status int, body string, h http.Header, wantStatus int, msg string) {
	t.Helper()
	if status != wantStatus {
		t.Fatalf("%s: status %d %s, want %d", what, status, body, wantStatus)
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil || !strings.Contains(body, msg) {
		t.Fatalf("%s: body %q, want JSON mentioning %q", what, body, msg)
	}
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("%s: Content-Type %q", what, h.Get("Content-Type"))
	}
	if ra := h.Get("Retry-After"); ra == "" || ra == "0" || strings.HasPrefix(ra, "-") {
		t.Errorf("%s: Retry-After %q", what, ra)
	}
}
