package engineio

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func TestDecodePayload3(t *testing.T) {
	t.Parallel()
	msg := func(s string) packet { return packet{typ: packetMessage, data: []byte(s)} }
	tests := []struct {
		name    string
		body    string
		binary  bool
		want    []packet
		wantErr bool
	}{
		{"one message", "6:4hello", false, []packet{msg("hello")}, false},
		{"several", "2:4a1:21:3", false, []packet{msg("a"), {typ: packetPing, data: []byte{}}, {typ: packetPong, data: []byte{}}}, false},
		{"length in UTF-16 units: é is one", "3:4éa", false, []packet{msg("éa")}, false},
		{"length in UTF-16 units: 😀 is two", "3:4😀", false, []packet{msg("😀")}, false},
		{"empty records are skipped", "0:6:4hello", false, []packet{msg("hello")}, false},
		{"base64 binary", "6:b4AQID", false, []packet{{typ: packetMessage, data: []byte{1, 2, 3}, binary: true}}, false},
		{"binary form", "\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", true,
			[]packet{msg("hello"), {typ: packetMessage, data: []byte{1, 2, 3}, binary: true}}, false},
		{"empty", "", false, nil, true},
		{"no length", ":4a", false, nil, true},
		{"not a number", "x:4a", false, nil, true},
		{"negative", "-1:4", false, nil, true},
		{"longer than the body", "5:4a", false, nil, true},
		{"splits a surrogate pair", "2:4😀", false, nil, true},
		{"unknown type", "1:9", false, nil, true},
		{"base64 of a ping", "3:b2A", false, nil, true},
		{"bad base64", "3:b4!", false, nil, true},
		{"no colon", "12", false, nil, true},
		{"binary: bad kind", "\x02\x01\xff4", true, nil, true},
		{"binary: no 255", "\x00\x01", true, nil, true},
		{"binary: digit over 9", "\x00\x0a\xff4", true, nil, true},
		{"binary: too short", "\x00\x09\xff4", true, nil, true},
		{"binary: no type byte", "\x01\x01\xff\x02", true, nil, true},
	}
	for _, tt := range tests {
		var got []packet
		err := decodePayload3([]byte(tt.body), tt.binary, func(p packet) error {
			got = append(got, p)
			return nil
		})
		if tt.wantErr {
			if !errors.Is(err, ErrInvalidPacket) {
				t.Errorf("%s: err %v, want ErrInvalidPacket", tt.name, err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.name, got, err, tt.want)
		}
	}
}

func TestPayload3(t *testing.T) {
	t.Parallel()
	bin := frame{typ: packetMessage, data: []byte{eio3Message, 1, 2, 3}, binary: true}
	text := frame{typ: packetMessage, data: []byte("é😀")}
	tests := []struct {
		name   string
		frames []frame
		b64    bool
		want   string
	}{
		{"text: lengths in UTF-16 units", []frame{text, {typ: packetPing}}, false, "4:4é😀1:2"},
		{"binary, client takes binary", []frame{text, bin}, false, "\x00\x07\xff4é😀\x01\x04\xff\x04\x01\x02\x03"},
		{"binary, client takes base64", []frame{text, bin}, true, "4:4é😀6:b4AQID"},
		{"no binary", []frame{{typ: packetNoop}}, false, "1:6"},
	}
	for _, tt := range tests {
		if got := string(payload3(tt.frames, tt.b64)); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// FuzzDecodePayload3 checks that no payload panics the decoder, and that
// what decodes encodes back (text form) to what decodes the same.
func FuzzDecodePayload3(f *testing.F) {
	for _, seed := range []string{"6:4hello", "3:4😀", "6:b4AQID2:4a", "0:", "\x00\x06\xff4hello\x01\x04\xff\x04\x01\x02\x03", "1:9"} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, binary bool) {
		var frames []frame
		err := decodePayload3(body, binary, func(p packet) error {
			data := p.data
			if p.binary {
				data = append([]byte{eio3Message}, data...)
			}
			frames = append(frames, frame{typ: p.typ, data: data, binary: p.binary})
			return nil
		})
		if err != nil {
			return
		}
		for _, b64 := range []bool{true, false} {
			again := payload3(frames, b64)
			var n int
			err := decodePayload3(again, isBinaryPayload3(again), func(p packet) error {
				f := frames[n]
				if p.typ != f.typ || p.binary != f.binary || (p.binary && !bytes.Equal(p.data, f.data[1:])) ||
					(!p.binary && !bytes.Equal(p.data, f.data)) {
					t.Fatalf("packet %d: %+v, want %+v", n, p, f)
				}
				n++
				return nil
			})
			if err != nil && len(frames) > 0 {
				t.Fatalf("re-encoded %q (from %q): %v", again, body, err)
			}
		}
	})
}

// eio3Query is the query of a protocol 3 request.
func eio3Query(transport, sid string) string {
	q := "EIO=3&transport=" + transport
	if sid != "" {
		q += "&sid=" + sid
	}
	return q
}

func TestEIO3Polling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{AllowEIO3: true}})
	ctx := context.Background()
	handshake := func(query string) string {
		t.Helper()
		status, body, _ := h.do(ctx, "GET", query, nil, nil)
		n, open, ok := strings.Cut(body, ":")
		if status != 200 || !ok || n != strconv.Itoa(utf16Len([]byte(open))) {
			t.Fatalf("handshake: %d %q", status, body)
		}
		return parseOpen(t, open).SID
	}
	exchange := func(sid, ctype, payload string) (string, string) {
		t.Helper()
		status, body, _ := h.do(ctx, "POST", eio3Query("polling", sid), strings.NewReader(payload), http.Header{"Content-Type": {ctype}})
		if status != 200 || body != "ok" {
			t.Fatalf("POST %q: %d %q", payload, status, body)
		}
		status, body, hdr := h.do(ctx, "GET", eio3Query("polling", sid), nil, nil)
		if status != 200 {
			t.Fatalf("GET: %d %q", status, body)
		}
		return body, hdr.Get("Content-Type")
	}

	sid := handshake(eio3Query("polling", ""))
	tests := []struct {
		name, ctype, payload, want, wantType string
	}{
		{"client ping, server pong", "text/plain;charset=UTF-8", "1:2", "1:3", "text/plain; charset=UTF-8"},
		{"text echo in UTF-16 lengths", "text/plain;charset=UTF-8", "3:4😀6:4hello", "3:4😀6:4hello", "text/plain; charset=UTF-8"},
		{"base64 in, binary payload out", "text/plain;charset=UTF-8", "6:b4AQID", "\x01\x04\xff\x04\x01\x02\x03", "application/octet-stream"},
		{"binary payload both ways", "application/octet-stream", "\x00\x03\xff4hi\x01\x03\xff\x04\x09\x08",
			"\x00\x03\xff4hi\x01\x03\xff\x04\x09\x08", "application/octet-stream"},
	}
	for _, tt := range tests {
		got, ctype := exchange(sid, tt.ctype, tt.payload)
		if got != tt.want || ctype != tt.wantType {
			t.Errorf("%s: GET %q (%s), want %q (%s)", tt.name, got, ctype, tt.want, tt.wantType)
		}
	}

	// A client without binary support (b64) gets base64.
	sid = handshake(eio3Query("polling", "") + "&b64=1")
	if got, _ := exchange(sid, "text/plain;charset=UTF-8", "6:b4AQID"); got != "6:b4AQID" {
		t.Errorf("b64 client: GET %q, want 6:b4AQID", got)
	}
	// A close packet: the session ends.
	h.mustPostQuery(eio3Query("polling", sid), "1:1")
	h.rec(sid).waitClose(t, ReasonTransportClose)
}

// mustPostQuery posts payload with the raw query.
func (h *harness) mustPostQuery(query, payload string) {
	h.t.Helper()
	status, body, _ := h.do(context.Background(), "POST", query, strings.NewReader(payload), nil)
	if status != 200 || body != "ok" {
		h.t.Fatalf("POST %q: %d %q", payload, status, body)
	}
}

func TestEIO3WebSocket(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{AllowEIO3: true}})
	ws := h.mustDial(eio3Query("websocket", ""))
	parseOpen(t, ws.readText())
	// Binary messages carry the type byte 4, both ways; base64 text is
	// answered in binary.
	for _, in := range []struct {
		typ  int
		data string
	}{{websocket.BinaryMessage, "\x04\x01\x02\x03"}, {websocket.TextMessage, "b4AQID"}} {
		if err := ws.conn.WriteMessage(in.typ, []byte(in.data)); err != nil {
			t.Fatal(err)
		}
		mt, b, err := ws.read()
		if err != nil || mt != websocket.BinaryMessage || string(b) != "\x04\x01\x02\x03" {
			t.Fatalf("echo of %q: %d %q %v, want binary \\x04\\x01\\x02\\x03", in.data, mt, b, err)
		}
	}
	ws.writeText("2")
	ws.expectText("3")
	ws.writeText("4text")
	ws.expectText("4text")
	// A binary message without the type byte breaks the protocol.
	if err := ws.conn.WriteMessage(websocket.BinaryMessage, []byte{1, 2}); err != nil {
		t.Fatal(err)
	}
	ws.expectClosed()
}

func TestEIO3Upgrade(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true, opts: &Options{AllowEIO3: true}})
	_, body, _ := h.do(context.Background(), "GET", eio3Query("polling", ""), nil, nil)
	_, open, _ := strings.Cut(body, ":")
	sid := parseOpen(t, open).SID
	ws := h.mustDial(eio3Query("websocket", sid))
	ws.writeText("2probe")
	ws.expectText("3probe")
	h.mustGet3(sid, "1:6") // the waiting GET is released with a noop
	ws.writeText("5")
	if err := ws.conn.WriteMessage(websocket.BinaryMessage, []byte{4, 7}); err != nil {
		t.Fatal(err)
	}
	if mt, b, err := ws.read(); err != nil || mt != websocket.BinaryMessage || !bytes.Equal(b, []byte{4, 7}) {
		t.Fatalf("after upgrade: %d %q %v", mt, b, err)
	}
}

// mustGet3 expects a protocol 3 polling GET answered want.
func (h *harness) mustGet3(sid, want string) {
	h.t.Helper()
	status, body, _ := h.do(context.Background(), "GET", eio3Query("polling", sid), nil, nil)
	if status != 200 || body != want {
		h.t.Fatalf("GET = %d %q, want 200 %q", status, body, want)
	}
}

// The protocol 3 heartbeat: the server never pings; a client that pings
// is answered and stays; one silent for PingInterval + PingTimeout is
// closed.
func TestEIO3Heartbeat(t *testing.T) {
	t.Parallel()
	// Long enough that a loaded machine's pause between two pings of the
	// pinger (its handshake and the silent one's dial included) stays
	// under PingInterval + PingTimeout.
	opts := &Options{AllowEIO3: true, PingInterval: 400 * time.Millisecond, PingTimeout: 400 * time.Millisecond}
	h := newHarness(t, harnessConfig{opts: opts})

	pinger := h.mustDial(eio3Query("websocket", ""))
	pingerSID := parseOpen(t, pinger.readText()).SID
	pinger.writeText("2")
	pinger.expectText("3")
	start := time.Now() // before the silent one's handshake
	silent := h.mustDial(eio3Query("websocket", ""))
	silentSID := parseOpen(t, silent.readText()).SID

	// The pinger answers every pong with a ping, with no pause, until the
	// silent one is closed (which takes PingInterval + PingTimeout):
	// meanwhile the server must never ping it and must keep it open.
	closed := h.rec(silentSID).closed
	for {
		select {
		case reason := <-closed:
			if reason != ReasonPingTimeout {
				t.Fatalf("silent client closed with %q, want %q", reason, ReasonPingTimeout)
			}
			if time.Since(start) < opts.PingInterval+opts.PingTimeout {
				t.Fatalf("silent client closed after %v, before PingInterval + PingTimeout", time.Since(start))
			}
			if h.srv.Conn(pingerSID) == nil {
				t.Fatal("the pinging client was closed")
			}
			silent.expectClosed()
			return
		default:
		}
		pinger.writeText("2")
		pinger.expectText("3")
	}
}
