package engineio

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// wireFrame is one frame the server wrote, as a client sees it on the
// wire.
type wireFrame struct {
	rsv1    bool
	op      byte
	payload []byte
}

// tapConn records what the client reads from the server.
type tapConn struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.got = append(c.got, p[:n]...)
	c.mu.Unlock()
	return n, err
}

// frames parses what the server sent after its 101 response.
func (c *tapConn) frames(t testing.TB) []wireFrame {
	t.Helper()
	c.mu.Lock()
	raw := append([]byte(nil), c.got...)
	c.mu.Unlock()
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		t.Fatalf("no HTTP response in %q", raw)
	}
	raw = raw[i+4:]
	var out []wireFrame
	for len(raw) >= 2 {
		f := wireFrame{rsv1: raw[0]&wsRSV1 != 0, op: raw[0] & 0x0f}
		n, hl := int(raw[1]&0x7f), 2
		switch n {
		case 126:
			n, hl = int(binary.BigEndian.Uint16(raw[2:])), 4
		case 127:
			n, hl = int(binary.BigEndian.Uint64(raw[2:])), 10
		}
		if len(raw) < hl+n {
			break // the rest is still on its way
		}
		f.payload = raw[hl : hl+n]
		out = append(out, f)
		raw = raw[hl+n:]
	}
	return out
}

// dialDeflate opens a WebSocket session with a client that offers
// permessage-deflate (gorilla's) and records what the server sends.
func (h *harness) dialDeflate() (*wsClient, *http.Response, *tapConn) {
	h.t.Helper()
	var tap *tapConn
	d := websocket.Dialer{
		EnableCompression: true,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			nc, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tap = &tapConn{Conn: nc}
			return tap, nil
		},
	}
	conn, resp, err := d.Dial(h.wsURL("EIO=4&transport=websocket"), nil)
	if err != nil {
		h.t.Fatalf("dial: %v", err)
	}
	resp.Body.Close()
	h.t.Cleanup(func() { conn.Close() })
	return &wsClient{t: h.t, conn: conn}, resp, tap
}

// TestWebSocketDeflate checks permessage-deflate against gorilla's client:
// negotiated only when the server offers it; messages over the threshold
// go compressed (RSV1) and arrive intact, smaller ones and those sent
// Uncompressed go as they are; the client's compressed messages are
// inflated.
func TestWebSocketDeflate(t *testing.T) {
	t.Parallel()
	large := strings.Repeat("compress me, ", 200) // 2,600 bytes
	for _, tc := range []struct {
		name       string
		opts       *Options
		negotiated bool
	}{
		{"off by default", nil, false},
		{"on", &Options{PerMessageDeflate: &PerMessageDeflate{}}, true},
		{"on, level 1", &Options{PerMessageDeflate: &PerMessageDeflate{Level: flate.BestSpeed}}, true},
		{"on, threshold 3000", &Options{PerMessageDeflate: &PerMessageDeflate{Threshold: 3000}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: tc.opts})
			ws, resp, tap := h.dialDeflate()
			hd := parseOpen(t, ws.readText())
			ext := resp.Header.Get("Sec-WebSocket-Extensions")
			if got := strings.HasPrefix(ext, "permessage-deflate"); got != tc.negotiated {
				t.Fatalf("Sec-WebSocket-Extensions %q: negotiated %v, want %v", ext, got, tc.negotiated)
			}
			c := h.conn(hd.SID)
			msgs := []Message{
				{Data: []byte("small")},
				{Data: []byte(large)},
				{Data: []byte(large), Binary: true},
				{Data: []byte(large), Uncompressed: true},
				{Data: bytes.Repeat([]byte{7}, 70_000), Binary: true}, // over the cache's size
			}
			if err := c.Send(msgs...); err != nil {
				t.Fatal(err)
			}
			for i, m := range msgs {
				mt, b, err := ws.read()
				want := append([]byte{'4'}, m.Data...)
				if m.Binary {
					want = m.Data
				}
				if err != nil || !bytes.Equal(b, want) || (mt == websocket.BinaryMessage) != m.Binary {
					t.Fatalf("message %d: type %d, %d bytes, %v; want %d bytes", i, mt, len(b), err, len(want))
				}
			}
			frames := tap.frames(t)[1:] // after the open packet
			if len(frames) != len(msgs) {
				t.Fatalf("%d frames on the wire, want %d", len(frames), len(msgs))
			}
			threshold := 1024
			if tc.opts != nil && tc.opts.PerMessageDeflate.Threshold > 0 {
				threshold = tc.opts.PerMessageDeflate.Threshold
			}
			for i, m := range msgs {
				size := len(m.Data)
				if !m.Binary {
					size++
				}
				want := tc.negotiated && !m.Uncompressed && size >= threshold
				if frames[i].rsv1 != want {
					t.Errorf("message %d (%d bytes, uncompressed %v): RSV1 %v, want %v", i, size, m.Uncompressed, frames[i].rsv1, want)
				}
				if want && len(frames[i].payload) >= size/4 {
					t.Errorf("message %d: %d bytes compressed to %d", i, size, len(frames[i].payload))
				}
			}

			// The client compresses its messages when it negotiated.
			ws.conn.EnableWriteCompression(true)
			ws.writeText("4" + large)
			ws.writeText("4tiny")
			r := h.rec(hd.SID)
			eventually(t, func() bool { return len(r.messages()) == 2 }, "2 messages received")
			if got := r.messages(); string(got[0].Data) != large || string(got[1].Data) != "tiny" {
				t.Fatalf("received %d and %q bytes", len(got[0].Data), got[1].Data)
			}
		})
	}
}

// TestWebSocketDeflateBomb sends a message that inflates past MaxPayload:
// the server closes with 1009, without inflating it all, and the
// connection closes as a transport error.
func TestWebSocketDeflateBomb(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{PerMessageDeflate: &PerMessageDeflate{}, MaxPayload: 100_000}})
	ws, _, _ := h.dialDeflate()
	hd := parseOpen(t, ws.readText())
	ws.conn.EnableWriteCompression(true)
	ws.writeText("4" + strings.Repeat("0", 10_000_000)) // about 10 KB compressed
	err := ws.expectClosed()
	if !websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
		t.Fatalf("read error %v, want close 1009", err)
	}
	h.rec(hd.SID).waitClose(t, ReasonTransportError)
}

// compressedFrame returns a masked client frame of msg compressed, RSV1
// set.
func compressedFrame(t testing.TB, op byte, msg []byte) []byte {
	t.Helper()
	z := deflatePayload(frame{data: msg, binary: true}, flate.DefaultCompression)
	f := maskedFrame(op, z, [4]byte{1, 2, 3, 4})
	f[0] |= wsRSV1
	return f
}

// TestReadDeflateFrames reads client frames on a connection that
// negotiated permessage-deflate (and on one that did not).
func TestReadDeflateFrames(t *testing.T) {
	t.Parallel()
	mask := [4]byte{5, 6, 7, 8}
	text := []byte("4" + strings.Repeat("hello ", 100))
	z := deflatePayload(frame{data: text, binary: true}, flate.BestSpeed)
	first := maskedFrame(wsOpText, z[:10], mask)
	first[0] = wsOpText | wsRSV1 // not final
	fragmented := append(first, maskedFrame(wsOpContinuation, z[10:], mask)...)
	rsvOnContinuation := bytes.Clone(fragmented)
	rsvOnContinuation[len(first)] |= wsRSV1
	rsv2 := maskedFrame(wsOpText, text, mask)
	rsv2[0] |= 0x20
	ping := compressedFrame(t, wsOpPing, []byte("p"))
	garbage := maskedFrame(wsOpText, []byte{0xff, 0xff, 0xff, 0xff, 0xff}, mask)
	garbage[0] |= wsRSV1
	for _, tc := range []struct {
		name    string
		deflate bool
		in      []byte
		op      byte
		want    []byte
		err     error
	}{
		{"text", true, compressedFrame(t, wsOpText, text), wsOpText, text, nil},
		{"binary", true, compressedFrame(t, wsOpBinary, []byte{0, 1, 2}), wsOpBinary, []byte{0, 1, 2}, nil},
		{"empty", true, compressedFrame(t, wsOpBinary, nil), wsOpBinary, []byte{}, nil},
		{"fragmented", true, fragmented, wsOpText, text, nil},
		{"uncompressed", true, maskedFrame(wsOpText, text, mask), wsOpText, text, nil},
		{"not negotiated", false, compressedFrame(t, wsOpText, text), 0, nil, errWSProtocol},
		{"RSV1 on a continuation", true, rsvOnContinuation, 0, nil, errWSProtocol},
		{"RSV1 on a control frame", true, ping, 0, nil, errWSProtocol},
		{"RSV2", true, rsv2, 0, nil, errWSProtocol},
		{"over MaxPayload inflated", true, compressedFrame(t, wsOpText, bytes.Repeat([]byte("a"), 5000)), 0, nil, errWSTooLarge},
		{"not deflate", true, garbage, 0, nil, errWSBadDeflate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			nc := &closeRecorder{}
			ws := &wsConn{srv: NewServer(nil, &Options{MaxPayload: 4096}), nc: nc, fd: -1, deflate: tc.deflate}
			op, data, err := ws.readFrames(bufio.NewReader(bytes.NewReader(tc.in)))
			if !errors.Is(err, tc.err) || op != tc.op || !bytes.Equal(data, tc.want) {
				t.Fatalf("readFrames = %d, %d bytes, %v; want %d, %d bytes, %v", op, len(data), err, tc.op, len(tc.want), tc.err)
			}
			wantCode := map[error]int{errWSProtocol: 1002, errWSTooLarge: 1009, errWSBadDeflate: 1007}[tc.err]
			if got := nc.closeCode(); got != wantCode {
				t.Fatalf("close code %d, want %d", got, wantCode)
			}
		})
	}
}

// closeRecorder is a net.Conn that keeps the code of the close frame
// written to it.
type closeRecorder struct {
	discardConn
	mu   sync.Mutex
	code int
}

func (c *closeRecorder) Write(p []byte) (int, error) {
	if len(p) >= 4 && p[0] == wsFinClose {
		c.mu.Lock()
		c.code = int(binary.BigEndian.Uint16(p[2:]))
		c.mu.Unlock()
	}
	return len(p), nil
}

func (c *closeRecorder) closeCode() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code
}

// TestDeflateCache checks that a message is compressed once for every
// connection, and that messages that differ only in their frame type are
// not confused.
func TestDeflateCache(t *testing.T) {
	t.Parallel()
	data := []byte(fmt.Sprintf("%s %p", strings.Repeat("cache ", 300), t)) // unique to this test
	a := deflatePayload(frame{typ: packetMessage, data: data}, flate.DefaultCompression)
	b := deflatePayload(frame{typ: packetMessage, data: bytes.Clone(data)}, flate.DefaultCompression)
	if &a[0] != &b[0] {
		t.Error("the same message was compressed twice")
	}
	for _, f := range []frame{{typ: packetPing, data: data}, {data: data, binary: true}} {
		z := deflatePayload(f, flate.DefaultCompression)
		got, err := inflate(z, 1<<20)
		want := data
		if !f.binary {
			want = append([]byte{byte(f.typ)}, data...)
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("frame %q binary %v: inflated %d bytes, %v; want %d", f.typ, f.binary, len(got), err, len(want))
		}
	}
}

// FuzzInflate inflates arbitrary bytes with a small limit: never a panic,
// only the two errors, never more than the limit; and what deflatePayload
// compresses inflates back.
func FuzzInflate(f *testing.F) {
	f.Add([]byte("hello"), []byte(nil))
	f.Add(bytes.Repeat([]byte("ab"), 600), []byte{0xff, 0x00})
	f.Add([]byte{}, deflatePayload(frame{data: bytes.Repeat([]byte("z"), 5000), binary: true}, 6))
	const limit = 1024
	f.Fuzz(func(t *testing.T, plain, compressed []byte) {
		out, err := inflate(compressed, limit)
		if err != nil && !errors.Is(err, errWSBadDeflate) && !errors.Is(err, errInflateTooLarge) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(out) > limit {
			t.Fatalf("%d bytes inflated, over the limit %d", len(out), limit)
		}
		z := deflatePayload(frame{data: plain, binary: true}, flate.BestSpeed)
		got, err := inflate(z, len(plain))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", len(plain), len(got), err)
		}
		if len(plain) > 0 {
			if _, err := inflate(z, len(plain)-1); !errors.Is(err, errInflateTooLarge) {
				t.Fatalf("inflating %d bytes with limit %d: %v, want errInflateTooLarge", len(plain), len(plain)-1, err)
			}
		}
	})
}

// FuzzWebSocketDeflateFrames reads arbitrary bytes as the client frames of
// a connection that negotiated permessage-deflate: as FuzzWebSocketFrames,
// with compressed messages, which must inflate within MaxPayload.
func FuzzWebSocketDeflateFrames(f *testing.F) {
	mask := [4]byte{9, 8, 7, 6}
	f.Add(compressedFrame(f, wsOpText, []byte("4hello")))
	f.Add(compressedFrame(f, wsOpBinary, bytes.Repeat([]byte{1}, 1000)))
	f.Add(append(compressedFrame(f, wsOpText, []byte("4a")), maskedFrame(wsOpText, []byte("4b"), mask)...))
	const max = 256
	srv := NewServer(nil, &Options{MaxPayload: max})
	f.Fuzz(func(t *testing.T, data []byte) {
		ws := &wsConn{srv: srv, nc: discardConn{}, fd: -1, deflate: true}
		br := bufio.NewReaderSize(bytes.NewReader(data), 64)
		for {
			op, msg, err := ws.readFrames(br)
			if err != nil {
				if !errors.Is(err, ErrInvalidPacket) && !errors.Is(err, errWSClosed) &&
					!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			if op != wsOpText && op != wsOpBinary {
				t.Fatalf("opcode %d returned", op)
			}
			if len(msg) > max {
				t.Fatalf("message of %d bytes over MaxPayload %d", len(msg), max)
			}
		}
	})
}

// TestDeflateOffers checks which offers of permessage-deflate the server
// accepts: any, unless it asks for a window the server cannot use.
func TestDeflateOffers(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{opts: &Options{PerMessageDeflate: &PerMessageDeflate{}}})
	for _, tc := range []struct {
		offer    string
		accepted bool
	}{
		{"permessage-deflate", true},
		{"permessage-deflate; client_max_window_bits", true},
		{"permessage-deflate; server_no_context_takeover; client_no_context_takeover", true},
		{"permessage-deflate; server_max_window_bits=15", true},
		{`permessage-deflate; server_max_window_bits="15"`, true},
		{"permessage-deflate; server_max_window_bits=10", false},
		{"permessage-deflate; server_max_window_bits=10, permessage-deflate", false},
		{"x-webkit-deflate-frame", false},
		{"", false},
	} {
		// By hand: gorilla's client sends its own offer only.
		nc, err := net.Dial("tcp", h.ts.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		req := "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		if tc.offer != "" {
			req += "Sec-WebSocket-Extensions: " + tc.offer + "\r\n"
		}
		if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		nc.Close()
		if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("offer %q: %v %v", tc.offer, resp, err)
		}
		got := resp.Header.Get("Sec-WebSocket-Extensions")
		if strings.HasPrefix(got, "permessage-deflate") != tc.accepted {
			t.Errorf("offer %q answered %q, want accepted %v", tc.offer, got, tc.accepted)
		}
	}
}
