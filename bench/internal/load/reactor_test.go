package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testDeadline = 10 * time.Second

// wsServer is a test server's side of one client's connection, written
// frame by frame.
type wsServer struct {
	conn net.Conn
	br   *bufio.Reader
}

func (s *wsServer) write(b []byte) error {
	_, err := s.conn.Write(b)
	return err
}

// read returns the next frame the client sent, as "op:payload".
func (s *wsServer) read() (string, error) {
	_ = s.conn.SetReadDeadline(time.Now().Add(testDeadline))
	h := make([]byte, 2)
	if _, err := io.ReadFull(s.br, h); err != nil {
		return "", err
	}
	n, ext := int(h[1]&0x7f), []byte(nil)
	switch n {
	case 126:
		ext = make([]byte, 2)
	case 127:
		ext = make([]byte, 8)
	}
	if _, err := io.ReadFull(s.br, ext); err != nil {
		return "", err
	}
	switch len(ext) {
	case 2:
		n = int(binary.BigEndian.Uint16(ext))
	case 8:
		n = int(binary.BigEndian.Uint64(ext))
	}
	body := make([]byte, 4+n)
	if _, err := io.ReadFull(s.br, body); err != nil {
		return "", err
	}
	op, p, _, err := clientFrame(cat(h, ext, body))
	return strconv.Itoa(int(op)) + ":" + string(p), err
}

// expect reads the client's next frame and checks it.
func (s *wsServer) expect(want string) error {
	got, err := s.read()
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("client sent %q, want %q", got, want)
	}
	return nil
}

// handshake answers the upgrade, sends the Engine.IO open, reads the
// CONNECT and answers it, afterConnect in the same write.
func (s *wsServer) handshake(afterConnect []byte) error {
	req, err := http.ReadRequest(s.br)
	if err != nil {
		return err
	}
	sum := sha1.Sum([]byte(req.Header.Get("Sec-WebSocket-Key") + acceptGUID))
	head := "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
	open := text(`0{"sid":"s","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)
	if err := s.write(append([]byte(head), open...)); err != nil {
		return err
	}
	if err := s.expect("1:40"); err != nil {
		return err
	}
	return s.write(cat(text(`40{"sid":"n"}`), afterConnect))
}

// serveOne accepts one client on a random port and runs serve after the
// handshake; served gets serve's result. The server then reads until the
// client goes and closes the connection.
func serveOne(t *testing.T, afterConnect []byte, serve func(s *wsServer) error) (addr string, served <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	res := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		conn, err := ln.Accept()
		ln.Close()
		if err != nil {
			res <- err
			return
		}
		defer conn.Close()
		s := &wsServer{conn: conn, br: bufio.NewReader(conn)}
		if err := s.handshake(afterConnect); err != nil {
			res <- fmt.Errorf("handshake: %w", err)
			return
		}
		res <- serve(s)
		_ = conn.SetReadDeadline(time.Now().Add(testDeadline))
		_, _ = io.Copy(io.Discard, s.br)
	}()
	t.Cleanup(func() {
		ln.Close()
		<-finished
	})
	return ln.Addr().String(), res
}

// connectOne connects one client to addr, its events and acks sent to got
// as "event data" and "ack id data"; an ack is answered from the callback
// with 42["acked",id]. The pool closes at the end of the test, or when
// the returned function is called. spin is Target.Spin.
func connectOne(t *testing.T, addr string, got chan<- string, spin time.Duration) (*pool, func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	p, err := connect(ctx, Target{Addr: addr, Spin: spin}, 1, nil, func(_ int, c *Client) {
		c.OnEvent = func(data []byte) {
			select {
			case got <- "event " + string(data):
			default:
			}
		}
		c.OnAck = func(id uint64, data []byte) {
			got <- "ack " + strconv.FormatUint(id, 10) + " " + string(data)
			_ = c.WriteText([]byte(`42["acked",` + strconv.FormatUint(id, 10) + `]`))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	closePool := sync.OnceFunc(p.close)
	t.Cleanup(closePool)
	assertServed(t, p.clients[0])
	return p, closePool
}

// within waits for ch, failing the test after testDeadline.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testDeadline):
		t.Fatalf("no %s within %v", what, testDeadline)
		var zero T
		return zero
	}
}

// finished returns a channel closed when every client of p has ended.
func finished(p *pool) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(done)
	}()
	return done
}

func TestReactorFrames(t *testing.T) {
	t.Parallel()
	long := `42["long","` + strings.Repeat("l", 300) + `"]`
	huge := `42["huge","` + strings.Repeat("h", 70_000) + `"]`
	for _, tc := range []struct {
		name         string
		afterConnect []byte // sent in the same write as the CONNECT answer
		serve        func(s *wsServer) error
		want         []string // what OnEvent and OnAck saw, in order
		ends         bool     // the client ends by itself
		lost         int64
	}{
		{name: "several frames in one write",
			serve: func(s *wsServer) error { return s.write(cat(text(`42["a"]`), text(`42["b"]`), text(`42["c"]`))) },
			want:  []string{`event ["a"]`, `event ["b"]`, `event ["c"]`}},
		{name: "split byte by byte",
			serve: func(s *wsServer) error {
				for _, b := range cat(text(long), text(`42["b"]`)) {
					if err := s.write([]byte{b}); err != nil {
						return err
					}
				}
				return nil
			},
			want: []string{"event " + long[2:], `event ["b"]`}},
		{name: "larger than the buffer",
			serve: func(s *wsServer) error { return s.write(cat(text(huge), text(`42["after"]`))) },
			want:  []string{"event " + huge[2:], `event ["after"]`}},
		{name: "fragmented",
			serve: func(s *wsServer) error {
				err := s.write(cat(serverFrame(false, opText, []byte(`42["f",`)), serverFrame(true, opPing, []byte("p")),
					serverFrame(false, opContinuation, []byte(`"x`)), serverFrame(true, opContinuation, []byte(`y"]`))))
				if err != nil {
					return err
				}
				return s.expect("10:p")
			},
			want: []string{`event ["f","xy"]`}},
		{name: "ping",
			serve: func(s *wsServer) error {
				if err := s.write(serverFrame(true, opPing, []byte("hi"))); err != nil {
					return err
				}
				return s.expect("10:hi")
			}},
		{name: "engine.io ping",
			serve: func(s *wsServer) error {
				if err := s.write(text("2")); err != nil {
					return err
				}
				return s.expect("1:3")
			}},
		{name: "bytes read with the handshake", afterConnect: text(`42["early"]`),
			serve: func(*wsServer) error { return nil },
			want:  []string{`event ["early"]`}},
		{name: "write from the callback",
			serve: func(s *wsServer) error {
				if err := s.write(text(`437["r"]`)); err != nil {
					return err
				}
				return s.expect(`1:42["acked",7]`)
			},
			want: []string{`ack 7 ["r"]`}},
		{name: "close frame",
			serve: func(s *wsServer) error {
				if err := s.write(cat(text(`42["a"]`), serverFrame(true, opClose, nil))); err != nil {
					return err
				}
				// The client must close its side.
				_ = s.conn.SetReadDeadline(time.Now().Add(testDeadline))
				_, err := io.Copy(io.Discard, s.br)
				return err
			},
			want: []string{`event ["a"]`}, ends: true},
		{name: "abrupt disconnect",
			serve: func(s *wsServer) error {
				if err := s.write(text(`42["a"]`)); err != nil {
					return err
				}
				return s.conn.Close()
			},
			want: []string{`event ["a"]`}, ends: true, lost: 1},
		{name: "protocol error",
			serve: func(s *wsServer) error { return s.write([]byte{0xc1, 0}) },
			ends:  true, lost: 1},
	} {
		for _, spin := range []time.Duration{0, time.Millisecond} {
			t.Run(fmt.Sprintf("%s/spin=%v", tc.name, spin), func(t *testing.T) {
				t.Parallel()
				addr, served := serveOne(t, tc.afterConnect, tc.serve)
				got := make(chan string, 16)
				p, closePool := connectOne(t, addr, got, spin)
				for _, want := range tc.want {
					if g := within(t, got, want); g != want {
						t.Fatalf("got %.80q, want %.80q", g, want)
					}
				}
				if err := within(t, served, "end of serve"); err != nil {
					t.Fatalf("server: %v", err)
				}
				if tc.ends {
					within(t, finished(p), "end of the client")
				}
				closePool()
				if lost := p.lost.Load(); lost != tc.lost {
					t.Fatalf("lost %d, want %d", lost, tc.lost)
				}
				select {
				case g := <-got:
					t.Fatalf("unexpected %.80q", g)
				default:
				}
			})
		}
	}
}

// TestReactorCloseWhileFlowing closes a client from another goroutine
// while the server writes to it as fast as it can.
func TestReactorCloseWhileFlowing(t *testing.T) {
	t.Parallel()
	batch := bytes.Repeat(text(`42["flow",{"p":1,"t":2}]`), 50)
	addr, served := serveOne(t, nil, func(s *wsServer) error {
		_ = s.conn.SetWriteDeadline(time.Now().Add(testDeadline))
		for {
			if err := s.write(batch); err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) {
					return err
				}
				return nil // the client went
			}
		}
	})
	got := make(chan string, 1000)
	p, closePool := connectOne(t, addr, got, 0)
	for range cap(got) {
		within(t, got, "event")
	}
	closed := make(chan struct{})
	go func() {
		closePool()
		close(closed)
	}()
	within(t, closed, "end of Close")
	n := len(got)
	if err := within(t, served, "end of serve"); err != nil {
		t.Fatalf("server: %v", err)
	}
	if lost := p.lost.Load(); lost != 0 {
		t.Fatalf("lost %d after Close", lost)
	}
	if len(got) != n {
		t.Fatalf("%d events after Close returned", len(got)-n)
	}
}
