package engineio

import (
	"bytes"
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestWebSocketFullSocket: the client does not read until the server has
// queued far more than the sockets buffer, so the flusher's non-blocking
// writes stop short and the connection's own writer finishes them; then
// the client reads everything, intact and in order, small and large
// (referenced, not copied) payloads mixed, while it pings the server,
// whose pongs are written between the batches.
func TestWebSocketFullSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{MaxBufferedBytes: 256 << 20}})
	ws, hd := h.openWS()
	c := h.conn(hd.SID)
	const n = 3000
	payload := func(i int) []byte {
		size := 100
		if i%5 == 0 {
			size = 64 << 10 // over inlineMax: written from where it is
		}
		b := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		binary.BigEndian.PutUint32(b, uint32(i))
		return b
	}
	total := 0
	for i := range n {
		p := payload(i)
		total += len(p)
		if err := c.Send(Message{Data: p, Binary: true}); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if total < 32<<20 {
		t.Fatalf("only %d bytes sent: not enough to fill the sockets", total)
	}
	var pongs sync.WaitGroup
	pongs.Add(3)
	ws.conn.SetPongHandler(func(string) error { pongs.Done(); return nil })
	for i := range n {
		if i%1000 == 0 {
			if err := ws.conn.WriteControl(websocket.PingMessage, []byte("p"), time.Now().Add(waitTimeout)); err != nil {
				t.Fatal(err)
			}
		}
		mt, b, err := ws.read()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if mt != websocket.BinaryMessage || !bytes.Equal(b, payload(i)) {
			t.Fatalf("message %d: type %d, %d bytes starting %x; want message %d", i, mt, len(b), b[:min(8, len(b))], i)
		}
	}
	// The pongs come before the next data message is read; one more
	// message makes the reader process the last ones.
	if err := c.Send(Message{Data: []byte("end")}); err != nil {
		t.Fatal(err)
	}
	if got := ws.readText(); got != "4end" {
		t.Fatalf("last message %q, want 4end", got)
	}
	pongs.Wait()
}

// TestWebSocketManyWriters: many connections written by few flushers at
// once, each gets its own messages, in order.
func TestWebSocketManyWriters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	const clients, each = 50, 200
	var wg sync.WaitGroup
	for range clients {
		ws, hd := h.openWS()
		c := h.conn(hd.SID)
		wg.Add(2)
		go func() {
			defer wg.Done()
			for i := range each {
				if err := c.Send(Message{Data: binary.BigEndian.AppendUint32([]byte(hd.SID), uint32(i)), Binary: true}); err != nil {
					t.Errorf("Send: %v", err)
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			for i := range each {
				_, b, err := ws.read()
				if err != nil {
					t.Errorf("%s: message %d: %v", hd.SID, i, err)
					return
				}
				if want := binary.BigEndian.AppendUint32([]byte(hd.SID), uint32(i)); !bytes.Equal(b, want) {
					t.Errorf("%s: message %d is %q, want %q", hd.SID, i, b, want)
					return
				}
			}
		}()
	}
	wg.Wait()
	// Every frame was counted (each session's open packet too), in
	// fewer writes than frames or as many, never more.
	writes, frames := h.srv.WebSocketWrites()
	if frames != clients*(each+1) || writes < clients || writes > frames {
		t.Errorf("WebSocketWrites() = %d writes, %d frames; want %d frames in %d to %d writes",
			writes, frames, clients*(each+1), clients, frames)
	}
}

func TestSkipBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int
		want string
	}{
		{0, "abc|de|f"}, {1, "bc|de|f"}, {3, "de|f"}, {4, "e|f"}, {5, "f"}, {6, ""},
	}
	for _, tt := range tests {
		got := skipBytes(net.Buffers{[]byte("abc"), []byte("de"), []byte("f")}, tt.n)
		if s := string(bytes.Join(got, []byte("|"))); s != tt.want {
			t.Errorf("skipBytes(%d) = %q, want %q", tt.n, s, tt.want)
		}
	}
}
