package engineio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"runtime"
	"testing"
)

// tryWrite writes the batch to the socket itself, in one call.
func TestTryWriteWritesTheSocket(t *testing.T) {
	client, server := tcpPair(t)
	ws := NewServer(nil, nil).newWSConn(server)
	if ws.fd < 0 {
		t.Fatal("no descriptor for a TCP connection")
	}
	b := getBatch()
	defer putBatch(b)
	b.build([]frame{{typ: packetMessage, data: []byte("hello")}, {typ: packetMessage, data: bytes.Repeat([]byte("x"), 2000)}})
	ws.wmu.Lock()
	n, err := ws.tryWrite(b)
	ws.wmu.Unlock()
	if err != nil || n != b.size() {
		t.Fatalf("tryWrite = %d, %v; want %d, nil", n, err, b.size())
	}
	got := make([]byte, n)
	if _, err := io.ReadFull(client, got); err != nil {
		t.Fatal(err)
	}
	want := append([]byte{wsFinText, 6, '4'}, "hello"...)
	want = append(want, wsFinText, 126, 2001>>8, 2001&0xff, '4')
	want = append(want, bytes.Repeat([]byte("x"), 2000)...)
	if !bytes.Equal(got, want) {
		t.Fatalf("client read %q…, want %q…", got[:12], want[:12])
	}
}

// close waits for a write in progress before closing the descriptor, and
// tryWrite writes nothing once close began: its number could by then be
// another connection's.
func TestCloseWaitsForTryWrite(t *testing.T) {
	client, server := tcpPair(t)
	ws := NewServer(nil, nil).newWSConn(server)
	ws.fdUse.Store(fdWriting) // a tryWrite in its system call
	done := make(chan struct{})
	go func() {
		ws.close()
		close(done)
	}()
	for ws.fdUse.Load()&fdClosing == 0 {
		runtime.Gosched()
	}
	// close is waiting: the socket must still be open.
	for range 100 {
		runtime.Gosched()
		select {
		case <-done:
			t.Fatal("close returned while a write was in progress")
		default:
		}
	}
	if _, err := server.Write([]byte("still open")); err != nil {
		t.Fatalf("write while close waits: %v", err)
	}
	ws.fdUse.Add(-fdWriting) // the write returns
	<-done
	if _, err := server.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write after close = %v, want net.ErrClosed", err)
	}

	b := getBatch()
	defer putBatch(b)
	b.build([]frame{{typ: packetMessage, data: []byte("late")}})
	if n, err := ws.tryWrite(b); n != 0 || !errors.Is(err, net.ErrClosed) {
		t.Fatalf("tryWrite after close = %d, %v; want 0, net.ErrClosed", n, err)
	}
	got, _ := io.ReadAll(client)
	if string(got) != "still open" {
		t.Fatalf("client read %q, want %q", got, "still open")
	}
}

// The descriptor's number is reused at once by the next socket: a writer
// that outlived close must not write there.
func TestTryWriteAfterCloseNeverReachesAReusedDescriptor(t *testing.T) {
	for range 20 {
		_, server := tcpPair(t)
		ws := NewServer(nil, nil).newWSConn(server)
		ws.close()
		client2, server2 := tcpPair(t) // likely given ws.fd's number
		b := getBatch()
		b.build([]frame{{typ: packetMessage, data: []byte("stray")}})
		if _, err := ws.tryWrite(b); !errors.Is(err, net.ErrClosed) {
			t.Fatalf("tryWrite after close = %v, want net.ErrClosed", err)
		}
		putBatch(b)
		server2.Close()
		if got, _ := io.ReadAll(client2); len(got) != 0 {
			t.Fatalf("the next connection received %q", got)
		}
	}
}
