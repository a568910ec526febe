package siotest_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// server starts a Socket.IO server that greets each client with a
// "welcome" event carrying its auth name, acks "ping" with "pong", and
// disconnects the client on "bye".
func server(t *testing.T) string {
	t.Helper()
	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		var auth struct{ Name string }
		_ = json.Unmarshal(s.Handshake().Auth, &auth)
		_ = s.Emit("welcome", auth.Name)
		s.On("ping", func(e *socketio.Event) { _ = e.Ack("pong") })
		s.On("bye", func(*socketio.Event) { s.Disconnect(true) })
	})
	ts := httptest.NewServer(io)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
		ts.Close()
	})
	return ts.URL
}

// TestClient drives a real server through the client's calls, as the
// library's tests (and an application's) do.
func TestClient(t *testing.T) {
	tests := []struct {
		name string
		auth any
		want string
	}{
		{"with auth", map[string]string{"name": "ada"}, "ada"},
		{"without auth", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := siotest.Dial(t, server(t), "", tt.auth, siotest.Timeout(5*time.Second))
			if c.SID() == "" {
				t.Fatal("no socket id in the CONNECT reply")
			}
			c.ExpectEvent("welcome", tt.want)
			c.Send(`421["ping"]`)
			if got, want := c.Next(), `431["pong"]`; got != want {
				t.Fatalf("ack %q, want %q", got, want)
			}
			c.Send(`42["bye"]`)
			frames := c.ExpectClosed()
			if len(frames) == 0 || frames[0] != "41" {
				t.Fatalf("frames before the close %q, want a DISCONNECT (41) first", frames)
			}
		})
	}
}

// fatalTB records a Fatalf instead of ending the test.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper()               {}
func (f *fatalTB) Fatalf(string, ...any) { f.failed = true }

// TestOffsetAndEventually: Offset takes the last argument when it is a
// non-empty string and fails otherwise; Eventually returns once cond
// holds.
func TestOffsetAndEventually(t *testing.T) {
	for _, tt := range []struct {
		args string
		want string
		fail bool
	}{
		{`["a","1-0"]`, "1-0", false},
		{`[1,"17-2"]`, "17-2", false},
		{`["a",1]`, "", true},
		{`["a",""]`, "", true},
		{`[]`, "", true},
	} {
		var args []json.RawMessage
		if err := json.Unmarshal([]byte(tt.args), &args); err != nil {
			t.Fatal(err)
		}
		f := &fatalTB{TB: t}
		if got := siotest.Offset(f, args); got != tt.want || f.failed != tt.fail {
			t.Errorf("Offset(%s) = %q, failed %v; want %q, %v", tt.args, got, f.failed, tt.want, tt.fail)
		}
	}
	n := 0
	siotest.Eventually(t, func() bool { n++; return n == 3 }, "third poll")
	if n != 3 {
		t.Errorf("Eventually returned after %d polls, want 3", n)
	}
}
