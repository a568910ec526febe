package engineio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
)

// tcpPair returns the two ends of a TCP connection on 127.0.0.1, closed
// when the test ends.
func tcpPair(tb testing.TB) (client, server net.Conn) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		client.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		server.Close()
		client.Close()
	})
	return client, server
}

// loopback returns the server end of a TCP connection on 127.0.0.1; the
// client end is drained in the background.
func loopback(b *testing.B) net.Conn {
	b.Helper()
	client, server := tcpPair(b)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, client)
	}()
	b.Cleanup(func() {
		server.Close() // ends the drain (tcpPair closes both ends again)
		<-done
	})
	return server
}

// BenchmarkWebSocketWrite measures writing k queued frames of a broadcast
// (~100 bytes, shared) to a real loopback socket: as k frames of one batch
// (one write), and frame by frame (k writes, what the engine did before
// batching). The metric that matters is ns/frame.
func BenchmarkWebSocketWrite(b *testing.B) {
	srv := NewServer(nil, nil) // counts the writes
	data := []byte(`2["bench:msg",{"p":3,"t":123456789012,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]`)
	for _, k := range []int{1, 8, 64} {
		frames := make([]frame, k)
		for i := range frames {
			frames[i] = frame{typ: packetMessage, data: data}
		}
		b.Run(fmt.Sprintf("batched/frames=%d", k), func(b *testing.B) {
			ws := &wsConn{srv: srv, nc: loopback(b)}
			b.ReportAllocs()
			for b.Loop() {
				if err := ws.writeFrames(frames, waitTimeout); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/frame")
		})
		b.Run(fmt.Sprintf("one-by-one/frames=%d", k), func(b *testing.B) {
			ws := &wsConn{srv: srv, nc: loopback(b)}
			b.ReportAllocs()
			for b.Loop() {
				for i := range frames {
					if err := ws.writeFrames(frames[i:i+1], waitTimeout); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*k), "ns/frame")
		})
	}
}

// BenchmarkWebSocketBatchBuild measures encoding k queued frames into one
// batch, without the write: headers, copies and the pooled buffers.
func BenchmarkWebSocketBatchBuild(b *testing.B) {
	small := bytes.Repeat([]byte("x"), 100)
	large := bytes.Repeat([]byte("y"), 4096)
	for _, bc := range []struct {
		name   string
		frames []frame
	}{
		{"small8", repeatFrame(frame{typ: packetMessage, data: small}, 8)},
		{"large8", repeatFrame(frame{typ: packetMessage, data: large}, 8)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				bt := getBatch()
				bt.build(bc.frames)
				putBatch(bt)
			}
		})
	}
}

func repeatFrame(f frame, n int) []frame {
	out := make([]frame, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// BenchmarkWebSocketReadMessage measures reading one masked client frame
// of ~100 bytes: header, unmasking and the message's own buffer.
func BenchmarkWebSocketReadMessage(b *testing.B) {
	payload := []byte(`421["bench:echo",{"p":1,"t":123456789012,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}]`)
	frameBytes := maskedFrame(wsOpText, payload, [4]byte{1, 2, 3, 4})
	const perRound = 64
	stream := bytes.Repeat(frameBytes, perRound)
	ws := &wsConn{srv: NewServer(nil, nil)}
	rd := bytes.NewReader(stream)
	br := bufio.NewReaderSize(rd, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(len(payload)))
	i := 0
	for b.Loop() {
		if i%perRound == 0 {
			rd.Reset(stream)
			br.Reset(rd)
		}
		i++
		op, data, err := ws.readFrames(br)
		if err != nil || op != wsOpText || len(data) != len(payload) {
			b.Fatalf("read: %d %q %v", op, data, err)
		}
	}
}

// maskedFrame encodes a client frame (masked, FIN set).
func maskedFrame(op byte, payload []byte, mask [4]byte) []byte {
	out := appendFrameHeader(nil, 0x80|op, len(payload))
	out[1] |= 0x80
	out = append(out, mask[:]...)
	start := len(out)
	out = append(out, payload...)
	unmask(out[start:], mask)
	return out
}
