package socketio

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kin-comms/kinrt/engineio"
)

func TestServerOf(t *testing.T) {
	t.Parallel()
	io := NewServer(nil)
	defer (&inproc{tb: t, io: io}).shutdown()
	for _, name := range []string{"", "/"} {
		if n := io.Of(name); n.Name() != "/" || n != io.Of("/") {
			t.Errorf("Of(%q) = %q", name, n.Name())
		}
	}
	if n := io.Of("chat"); n.Name() != "/chat" || n != io.Of("/chat") {
		t.Errorf("Of(chat) = %q", n.Name())
	}
	n := io.Of("/chat")
	if n.Server() != io || n.Adapter() == nil || n.Len() != 0 || n.Socket("nope") != nil {
		t.Errorf("namespace %q: server %p adapter %v", n.Name(), n.Server(), n.Adapter())
	}
	if io.Engine() == nil || io.Engine().Len() != 0 {
		t.Error("Engine()")
	}
	if err := n.Adapter().ServerSideEmit("x", nil); err != nil {
		t.Errorf("ServerSideEmit = %v", err)
	}
	if e := (&ConnectError{Message: "m"}); e.Error() != "m" {
		t.Errorf("ConnectError.Error() = %q", e.Error())
	}
}

func TestNewArgs(t *testing.T) {
	t.Parallel()
	a := NewArgs([]json.RawMessage{json.RawMessage(`{"b":{"_placeholder":true,"num":0}}`), json.RawMessage(`3`)}, [][]byte{{7}})
	if a.Len() != 2 || len(a.Attachments()) != 1 {
		t.Fatalf("Len %d, attachments %d", a.Len(), len(a.Attachments()))
	}
	var v struct{ B []byte }
	if err := a.Decode(0, &v); err != nil || len(v.B) != 1 || v.B[0] != 7 {
		t.Fatalf("Decode = %v, %v", v, err)
	}
	var n int
	if err := a.Decode(1, &n); err != nil || n != 3 {
		t.Fatalf("Decode = %v, %v", n, err)
	}
	if err := a.Decode(-1, &n); err == nil {
		t.Fatal("Decode(-1): no error")
	}
	// A placeholder past the attachments (which the decoder never lets
	// through) is not replaced.
	b := NewArgs([]json.RawMessage{json.RawMessage(`{"_placeholder":true,"num":3}`)}, [][]byte{{1}})
	if _, isBytes := b.Values()[0].([]byte); isBytes {
		t.Fatalf("Values() = %#v", b.Values())
	}
}

type testLogger struct {
	mu   sync.Mutex
	msgs []string
}

func (l *testLogger) Debug(msg string, args ...any) { l.log("debug", msg, args) }
func (l *testLogger) Warn(msg string, args ...any)  { l.log("warn", msg, args) }

func (l *testLogger) log(level, msg string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, level+" "+msg+" "+fmt.Sprint(args...))
}

func (l *testLogger) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.msgs, "\n")
}

func TestLoggerAndConn(t *testing.T) {
	t.Parallel()
	log := &testLogger{}
	srv := newTestServer(t, &Options{Engine: quietEngine(), Logger: log}, nil)
	c, sock := srv.dialConnected(t, dialConfig{})
	if sock.Conn() == nil || sock.Conn().ID() != c.engineSID() || sock.Conn().Transport() != engineio.WebSocket {
		t.Fatalf("Conn() = %v", sock.Conn())
	}
	dis := disconnects(sock)
	c.send("4abc")
	recv(t, dis, "OnDisconnect")
	if !strings.Contains(log.String(), "socketio: closing connection") {
		t.Errorf("log:\n%s", log)
	}
}

func TestAckEncodeError(t *testing.T) {
	t.Parallel()
	errs := make(chan error, 1)
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.On("x", func(e *Event) { errs <- e.Ack(func() {}) })
		})
	})
	c, _ := srv.dialConnected(t, dialConfig{})
	c.send(`421["x"]`)
	if err := recv(t, errs, "Ack"); err == nil {
		t.Fatal("Ack of a func: no error")
	}
}

// A panicking handler closes its own connection; the server and the other
// clients carry on.
func TestHandlerPanicClosesOnlyItsConnection(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) {
			s.On("boom", func(*Event) { panic("handler bug") })
			s.On("ping", func(e *Event) { _ = e.Ack("pong") })
		})
	})
	bad, badSock := srv.dialConnected(t, dialConfig{})
	good, _ := srv.dialConnected(t, dialConfig{})
	gone := disconnects(badSock)
	bad.send(`42["boom"]`)
	expectReason(t, gone, ReasonTransportError)
	bad.expectClosed()
	good.send(`421["ping"]`)
	good.expect(`431["pong"]`)
}
