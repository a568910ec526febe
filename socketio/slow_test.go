package socketio

import (
	"strings"
	"testing"
)

// A client that does not read is disconnected with ReasonSlowConsumer once
// its queue passes MaxBufferedBytes; the others keep receiving.
func TestSlowConsumer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		polling  bool
		payload  int
		maxBytes int
		maxIter  int
	}{
		// A polling client that sends no GET: the queue grows at once.
		{"polling", true, 8 << 10, 32 << 10, 64},
		// A WebSocket client that does not read: the queue grows once the
		// kernel's socket buffers are full.
		{"websocket", false, 64 << 10, 256 << 10, 4000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			eng := quietEngine()
			eng.MaxBufferedBytes = tt.maxBytes
			srv := newTestServer(t, &Options{Engine: eng}, nil)
			fast, _ := srv.dialConnected(t, dialConfig{})
			var slowSock *Socket
			if tt.polling {
				p := srv.poll(t)
				p.post("40")
				slowSock = srv.io.Of("/").Socket(connectReplySID(t, "/", p.get()[0]))
			} else {
				c := srv.dial(t, dialConfig{noRead: true})
				c.send("40")
				// Read the CONNECT reply by hand: the client has no reader.
				_, msg, err := c.conn.ReadMessage()
				if err != nil {
					t.Fatal(err)
				}
				slowSock = srv.io.Of("/").Socket(connectReplySID(t, "/", string(msg)))
			}
			dis := disconnects(slowSock)
			payload := strings.Repeat("s", tt.payload)
			want := `42["big","` + payload + `"]`
			for i := 0; ; i++ {
				if i == tt.maxIter {
					t.Fatalf("no slow consumer after %d broadcasts", i)
				}
				if err := srv.io.Emit("big", payload); err != nil {
					t.Fatal(err)
				}
				// The fast client takes each broadcast before the next.
				fast.expect(want)
				select {
				case r := <-dis:
					if r != ReasonSlowConsumer {
						t.Fatalf("slow socket disconnected with %q", r)
					}
					if !r.Recoverable() {
						t.Error("ReasonSlowConsumer is not recoverable")
					}
					if err := srv.io.Emit("after", 1); err != nil {
						t.Fatal(err)
					}
					fast.expect(`42["after",1]`)
					if srv.io.Of("/").Len() != 1 {
						t.Fatalf("Len() = %d, want 1", srv.io.Of("/").Len())
					}
					return
				default:
				}
			}
		})
	}
}

func TestSlowConsumerDirectEmit(t *testing.T) {
	t.Parallel()
	eng := quietEngine()
	eng.MaxBufferedBytes = 16 << 10
	srv := newTestServer(t, &Options{Engine: eng}, nil)
	p := srv.poll(t)
	p.post("40")
	sock := srv.io.Of("/").Socket(connectReplySID(t, "/", p.get()[0]))
	dis := disconnects(sock)
	payload := strings.Repeat("d", 4<<10)
	var err error
	for i := 0; i < 16 && err == nil; i++ {
		err = sock.Emit("big", payload)
	}
	if err == nil {
		t.Fatal("Emit past MaxBufferedBytes: no error")
	}
	expectReason(t, dis, ReasonSlowConsumer)
}
