package interop

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
)

// tapListener keeps what the server writes on each connection it accepts.
// Its connections are not sockets to the engine (no syscall.Conn), so the
// engine writes them with Write, where the tap sees it.
type tapListener struct {
	net.Listener
	mu    sync.Mutex
	conns []*tapConn
}

type tapConn struct {
	net.Conn
	mu      sync.Mutex
	written []byte
}

func (l *tapListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	c := &tapConn{Conn: nc}
	l.mu.Lock()
	l.conns = append(l.conns, c)
	l.mu.Unlock()
	return c, nil
}

func (c *tapConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.written = append(c.written, p...)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// wsFrame is a frame the server wrote on a WebSocket.
type wsFrame struct {
	rsv1    bool
	payload []byte
}

// webSockets returns the frames the server wrote on each WebSocket
// connection, and everything it wrote on all connections.
func (l *tapListener) webSockets() (sockets [][]wsFrame, all []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.mu.Lock()
		raw := append([]byte(nil), c.written...)
		c.mu.Unlock()
		all = append(all, raw...)
		if !bytes.HasPrefix(raw, []byte("HTTP/1.1 101 ")) {
			continue
		}
		raw = raw[bytes.Index(raw, []byte("\r\n\r\n"))+4:]
		var frames []wsFrame
		for len(raw) >= 2 {
			n, hl := int(raw[1]&0x7f), 2
			switch n {
			case 126:
				n, hl = int(binary.BigEndian.Uint16(raw[2:])), 4
			case 127:
				n, hl = int(binary.BigEndian.Uint64(raw[2:])), 10
			}
			if len(raw) < hl+n {
				break
			}
			frames = append(frames, wsFrame{rsv1: raw[0]&0x40 != 0, payload: raw[hl : hl+n]})
			raw = raw[hl+n:]
		}
		sockets = append(sockets, frames)
	}
	return sockets, all
}

// pollAnswer is a polling GET's answer: its Content-Encoding and its body
// decoded.
type pollAnswer struct {
	encoding string
	body     string
}

// pollRecorder keeps the answers to polling GETs.
type pollRecorder struct {
	next http.Handler
	mu   sync.Mutex
	gets []pollAnswer
}

// bodyRecorder is the ResponseWriter of a polling GET (never hijacked).
type bodyRecorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (b *bodyRecorder) Write(p []byte) (int, error) {
	b.body.Write(p)
	return b.ResponseWriter.Write(p)
}

func (p *pollRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Query().Get("transport") != "polling" {
		p.next.ServeHTTP(w, r)
		return
	}
	rec := &bodyRecorder{ResponseWriter: w}
	p.next.ServeHTTP(rec, r)
	a := pollAnswer{encoding: w.Header().Get("Content-Encoding"), body: rec.body.String()}
	if a.encoding == "gzip" {
		if zr, err := gzip.NewReader(&rec.body); err == nil {
			b, _ := io.ReadAll(zr)
			a.body = string(b)
		}
	}
	p.mu.Lock()
	p.gets = append(p.gets, a)
	p.mu.Unlock()
}

// answerWith returns the polling answer whose body holds s.
func (p *pollRecorder) answerWith(t *testing.T, s string) pollAnswer {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.gets {
		if strings.Contains(a.body, s) {
			return a
		}
	}
	t.Fatalf("no polling answer holds %q", s)
	return pollAnswer{}
}

// TestCompression runs compression.mjs (the real socket.io-client, on
// Node's ws and fetch) against a server with permessage-deflate on, and
// checks what went on the wire.
func TestCompression(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client"))
	io := socketio.NewServer(&socketio.Options{
		Engine: &engineio.Options{
			// No ping within the run: one would let the response it
			// shares with the Compress(false) event be compressed.
			PingInterval:      time.Minute,
			PingTimeout:       time.Minute,
			PerMessageDeflate: &engineio.PerMessageDeflate{},
		},
	})
	disconnects := make(chan socketio.DisconnectReason, 10)
	bigData := strings.Repeat("0123456789abcdef", 1<<12)
	io.OnConnection(func(s *socketio.Socket) {
		addEcho(s)
		s.On("send-big", func(e *socketio.Event) {
			var marker string
			var compress bool
			if e.Decode(0, &marker) == nil && e.Decode(1, &compress) == nil {
				_ = s.Compress(compress).Emit("big", marker, marker+bigData)
				if e.HasAck() {
					_ = e.Ack()
				}
			}
		})
		s.OnDisconnect(func(r socketio.DisconnectReason) { disconnects <- r })
	})
	polls := &pollRecorder{next: io}
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", polls)
	srv := httptest.NewUnstartedServer(mux)
	tap := &tapListener{Listener: srv.Listener}
	srv.Listener = tap
	srv.Start()
	defer srv.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = io.Shutdown(ctx)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "compression.mjs", srv.URL).CombinedOutput()
	if err != nil {
		t.Fatalf("compression.mjs: %v\n%s", err, out)
	}
	var facts struct {
		WSExtensions       string `json:"wsExtensions"`
		WSEchoIntact       bool   `json:"wsEchoIntact"`
		WSCompressedIntact bool   `json:"wsCompressedIntact"`
		WSPlainIntact      bool   `json:"wsPlainIntact"`
		Bomb               struct {
			Reason string `json:"reason"`
			Code   *int   `json:"code"`
		} `json:"bomb"`
		AfterBomb       string `json:"afterBomb"`
		PollTransport   string `json:"pollTransport"`
		PollEchoIntact  bool   `json:"pollEchoIntact"`
		PollPlainIntact bool   `json:"pollPlainIntact"`
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "facts "); ok {
			if err := json.Unmarshal([]byte(line), &facts); err != nil {
				t.Fatalf("facts: %v\n%s", err, out)
			}
		}
	}
	t.Logf("facts: %+v", facts)

	// What the client saw.
	if !strings.Contains(facts.WSExtensions, "permessage-deflate") {
		t.Errorf("ws negotiated %q, want permessage-deflate", facts.WSExtensions)
	}
	if !facts.WSEchoIntact || !facts.WSCompressedIntact || !facts.WSPlainIntact {
		t.Errorf("over WebSocket: echo intact %v, compressed event %v, uncompressed event %v",
			facts.WSEchoIntact, facts.WSCompressedIntact, facts.WSPlainIntact)
	}
	if facts.Bomb.Reason != "transport close" || facts.Bomb.Code == nil || *facts.Bomb.Code != 1009 {
		t.Errorf("decompression bomb: client saw %q, close code %v; want transport close, 1009", facts.Bomb.Reason, facts.Bomb.Code)
	}
	if facts.AfterBomb != "still serving" {
		t.Errorf("after the bomb, echo %q", facts.AfterBomb)
	}
	if facts.PollTransport != "polling" || !facts.PollEchoIntact || !facts.PollPlainIntact {
		t.Errorf("over polling (%s): echo intact %v, uncompressed event %v", facts.PollTransport, facts.PollEchoIntact, facts.PollPlainIntact)
	}

	// What the server did.
	var reasons []socketio.DisconnectReason
	deadline := time.After(10 * time.Second)
wait:
	for !slices.Contains(reasons, socketio.ReasonTransportError) {
		select {
		case r := <-disconnects:
			reasons = append(reasons, r)
		case <-deadline:
			break wait
		}
	}
	if !slices.Contains(reasons, socketio.ReasonTransportError) {
		t.Errorf("server-side disconnects %v, want a transport error (the bomb)", reasons)
	}

	// What went on the wire.
	sockets, all := tap.webSockets()
	if len(sockets) != 2 {
		t.Fatalf("%d WebSocket connections, want 2", len(sockets))
	}
	var compressed, plain int
	for _, f := range sockets[0] {
		if f.rsv1 {
			compressed++
		}
		if bytes.Contains(f.payload, []byte("M-PLAIN")) {
			plain++
			if f.rsv1 {
				t.Error("the Compress(false) event went compressed (RSV1)")
			}
		}
	}
	if compressed < 2 || plain != 1 {
		t.Errorf("first WebSocket: %d compressed frames (want the echo's ack and the event), %d plain M-PLAIN frames (want 1)", compressed, plain)
	}
	if bytes.Contains(all, []byte("M-COMPRESSED"+bigData[:64])) {
		t.Error("the compressed event's data is on the wire in clear")
	}
	if a := polls.answerWith(t, "big:0123"); a.encoding != "gzip" {
		t.Errorf("polling answer with the echo: Content-Encoding %q, want gzip", a.encoding)
	}
	if a := polls.answerWith(t, "M-PLAIN-POLL"); a.encoding != "" {
		t.Errorf("polling answer with the Compress(false) event: Content-Encoding %q, want none", a.encoding)
	}
}
