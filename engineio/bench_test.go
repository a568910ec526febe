package engineio

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

func BenchmarkAppendPayloadFrame(b *testing.B) {
	text := frame{typ: packetMessage, data: []byte(`42["chat",{"user":"ada","text":"hello, world"}]`)}
	bin := frame{typ: packetMessage, data: bytes.Repeat([]byte{0xab}, 256), binary: true}
	for _, bc := range []struct {
		name string
		f    frame
	}{{"text", text}, {"binary256", bin}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(8 * int64(len(bc.f.data)))
			buf := make([]byte, 0, 4096)
			for b.Loop() {
				buf = buf[:0]
				for range 8 {
					buf = appendPayloadFrame(buf, bc.f)
				}
			}
		})
	}
}

func BenchmarkDecodePayload(b *testing.B) {
	var text, mixed []string
	for i := range 16 {
		text = append(text, fmt.Sprintf(`442["chat",{"n":%d,"text":"hello, world"}]`, i))
		if i%4 == 0 {
			mixed = append(mixed, "bAQIDBA==")
		} else {
			mixed = append(mixed, text[i])
		}
	}
	for _, bc := range []struct {
		name string
		body []byte
	}{
		{"text16", []byte(strings.Join(text, "\x1e"))},
		{"mixed16", []byte(strings.Join(mixed, "\x1e"))},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bc.body)))
			n := 0
			count := func(packet) error { n++; return nil }
			for b.Loop() {
				if err := decodePayload(bc.body, count); err != nil {
					b.Fatal(err)
				}
			}
			if n == 0 {
				b.Fatal("no packets decoded")
			}
		})
	}
}

// BenchmarkWebSocketEcho measures one message's round trip through a real
// loopback WebSocket to an echo Receiver.
func BenchmarkWebSocketEcho(b *testing.B) {
	h := newHarness(b, harnessConfig{echo: true})
	ws, _ := h.openWS()
	msg := []byte(`442["chat",{"user":"ada","text":"hello, world"}]`)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if err := ws.conn.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		_, got, err := ws.conn.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		if len(got) != len(msg) {
			b.Fatalf("echo %q", got)
		}
	}
}

// BenchmarkSendToManyConns measures the enqueue cost of sending one shared
// Message to 1,000 connections: the work a broadcast does on the sender's
// goroutine. The polling clients never poll (their queues are emptied with
// the timer stopped); the WebSocket clients read in the background.
func BenchmarkSendToManyConns(b *testing.B) {
	const n = 1000
	msg := Message{Data: []byte(`42["tick",{"seq":12345,"price":"101.25"}]`)}

	b.Run("polling", func(b *testing.B) {
		h := newHarness(b, harnessConfig{opts: &Options{MaxBufferedBytes: 64 << 20}})
		conns := make([]*Conn, n)
		for i := range conns {
			conns[i] = h.conn(h.openPolling().SID)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			for _, c := range conns {
				if err := c.Send(msg); err != nil {
					b.Fatal(err)
				}
			}
			if i++; i%1024 == 0 {
				b.StopTimer()
				for _, c := range conns {
					c.mu.Lock()
					recycleQueue(c.takeLocked())
					c.mu.Unlock()
				}
				b.StartTimer()
			}
		}
	})

	b.Run("websocket", func(b *testing.B) {
		h := newHarness(b, harnessConfig{opts: &Options{MaxBufferedBytes: 256 << 20}})
		var wg sync.WaitGroup
		conns := make([]*Conn, n)
		for i := range conns {
			ws, hd := h.openWS()
			conns[i] = h.conn(hd.SID)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, _, err := ws.conn.NextReader(); err != nil {
						return
					}
				}
			}()
		}
		b.ReportAllocs()
		for b.Loop() {
			for _, c := range conns {
				if err := c.Send(msg); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		h.close()
		wg.Wait()
	})
}
