package socketio

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// getGzip polls once accepting gzip and returns the Content-Encoding of
// the answer and its packets.
func (p *pollClient) getGzip() (string, []string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url(), nil)
	if err != nil {
		p.t.Fatal(err)
	}
	req.Header.Set("Accept-Encoding", "gzip") // set: the transport leaves the body as it came
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		p.t.Fatalf("GET: %d, %v", resp.StatusCode, err)
	}
	encoding := resp.Header.Get("Content-Encoding")
	if encoding == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			p.t.Fatal(err)
		}
		if body, err = io.ReadAll(zr); err != nil {
			p.t.Fatal(err)
		}
	}
	return encoding, strings.Split(string(body), "\x1e")
}

// TestCompressFlag checks that every way to emit honours Compress(false)
// (Node's compress(false)): the polling response that carries the event
// is not compressed, while the same emit without the flag is.
func TestCompressFlag(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("z", 2000)
	for _, tc := range []struct {
		name     string
		recovery bool
		volatile bool // dropped unless a GET waits: emitted until one took it
		emit     func(io *Server, s *Socket, compress bool) error
	}{
		{"Socket.Emit", false, false, func(_ *Server, s *Socket, c bool) error { return s.Compress(c).Emit("big", big) }},
		{"Socket.Emit with recovery", true, false, func(_ *Server, s *Socket, c bool) error { return s.Compress(c).Emit("big", big) }},
		{"Socket.EmitVolatile", false, true, func(_ *Server, s *Socket, c bool) error { return s.Compress(c).EmitVolatile("big", big) }},
		{"Socket.EmitWithAck", false, false, func(_ *Server, s *Socket, c bool) error {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			_, err := s.Compress(c).EmitWithAck(ctx, "big", big) // sent, then times out
			if err == ErrAckTimeout {
				err = nil
			}
			return err
		}},
		{"Namespace.Compress", false, false, func(io *Server, _ *Socket, c bool) error { return io.Of("/").Compress(c).Emit("big", big) }},
		{"BroadcastOperator.Compress", true, false, func(io *Server, s *Socket, c bool) error { return io.To(s.ID()).Compress(c).Emit("big", big) }},
		{"BroadcastOperator.EmitWithAck", false, false, func(io *Server, s *Socket, c bool) error {
			_, err := io.To(s.ID()).Compress(c).Timeout(time.Millisecond).EmitWithAck(context.Background(), "big", big)
			if err == ErrAckTimeout {
				err = nil
			}
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := &Options{Engine: quietEngine()}
			if tc.recovery {
				opts.Recovery = &RecoveryOptions{}
			}
			sockets := make(chan *Socket, 1)
			srv := newTestServer(t, opts, func(io *Server) { io.OnConnection(func(s *Socket) { sockets <- s }) })
			p := srv.poll(t)
			p.post("40")
			if got := p.get(); len(got) != 1 || !strings.HasPrefix(got[0], "40{") {
				t.Fatalf("CONNECT answered %q", got)
			}
			s := recv(t, sockets, "the connection")
			for _, compress := range []bool{true, false} {
				type answer struct {
					encoding string
					packets  []string
				}
				got := make(chan answer, 1)
				go func() { e, p := p.getGzip(); got <- answer{e, p} }()
				var a answer
			emitting:
				for deadline := time.Now().Add(waitTimeout); time.Now().Before(deadline); {
					if err := tc.emit(srv.io, s, compress); err != nil {
						t.Error(err)
					}
					if !tc.volatile {
						a = recv(t, got, "the GET's answer")
						break
					}
					select {
					case a = <-got:
						break emitting
					case <-time.After(5 * time.Millisecond):
					}
				}
				encoding, packets := a.encoding, a.packets
				if tc.volatile && len(packets) > 1 {
					packets = packets[:1] // emitted again before the GET took the first
				}
				if want := map[bool]string{true: "gzip", false: ""}[compress]; encoding != want {
					t.Fatalf("Compress(%v): Content-Encoding %q, want %q", compress, encoding, want)
				}
				if len(packets) != 1 || !strings.HasPrefix(packets[0], `42`) || !strings.Contains(packets[0], big) {
					t.Fatalf("Compress(%v): packets %.60q", compress, packets)
				}
			}
		})
	}
}
