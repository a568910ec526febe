package engineio

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestPollingEcho(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    string
		msgs    []Message
	}{
		{"one text packet", "4hello", "4hello", []Message{{Data: []byte("hello")}}},
		{"empty text packet", "4", "4", []Message{{Data: []byte{}}}},
		{"several text packets", "4a\x1e4b\x1e4c", "4a\x1e4b\x1e4c",
			[]Message{{Data: []byte("a")}, {Data: []byte("b")}, {Data: []byte("c")}}},
		{"binary packet", "bAQIDBA==", "bAQIDBA==", []Message{{Data: []byte{1, 2, 3, 4}, Binary: true}}},
		{"text and binary", "4hello\x1ebAQIDBA==", "4hello\x1ebAQIDBA==",
			[]Message{{Data: []byte("hello")}, {Data: []byte{1, 2, 3, 4}, Binary: true}}},
		{"utf-8", "4héllo €", "4héllo €", []Message{{Data: []byte("héllo €")}}},
		{"noop is ignored", "6\x1e4x", "4x", []Message{{Data: []byte("x")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{echo: true})
			sid := h.openPolling().SID
			h.mustPost(sid, tt.payload)
			h.mustGet(sid, tt.want)
			got := h.rec(sid).messages()
			if len(got) != len(tt.msgs) {
				t.Fatalf("received %d messages %v, want %d", len(got), got, len(tt.msgs))
			}
			for i := range got {
				if string(got[i].Data) != string(tt.msgs[i].Data) || got[i].Binary != tt.msgs[i].Binary {
					t.Errorf("message %d = %+v, want %+v", i, got[i], tt.msgs[i])
				}
			}
		})
	}
}

// A message sent while no GET waits is delivered by the next GET, and a
// GET that waits is answered as soon as something is sent.
func TestPollingServerSend(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	c := h.conn(sid)
	if err := c.Send(Message{Data: []byte("queued")}, Message{Data: []byte{0xff}, Binary: true}); err != nil {
		t.Fatal(err)
	}
	h.mustGet(sid, "4queued\x1eb/w==")

	res := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)
	if err := c.Send(Message{Data: []byte("later")}); err != nil {
		t.Fatal(err)
	}
	r := recv(t, res, "the pending GET")
	if r.err != nil || r.status != http.StatusOK || r.body != "4later" {
		t.Fatalf("pending GET = %d %q %v, want 200 \"4later\"", r.status, r.body, r.err)
	}
}

func TestPollingResponseHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	sid := h.openPolling().SID
	status, body, hdr := h.do(context.Background(), http.MethodPost, pollQuery(sid), strings.NewReader("4x"), nil)
	if status != 200 || body != "ok" {
		t.Fatalf("POST = %d %q", status, body)
	}
	if got := hdr.Get("Cache-Control"); got != "no-store" {
		t.Errorf("POST Cache-Control %q, want no-store", got)
	}
	status, body, hdr = h.do(context.Background(), http.MethodGet, pollQuery(sid), nil, nil)
	if status != 200 || body != "4x" {
		t.Fatalf("GET = %d %q", status, body)
	}
	if got := hdr.Get("Content-Type"); got != "text/plain; charset=UTF-8" {
		t.Errorf("GET Content-Type %q", got)
	}
	if got := hdr.Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET Cache-Control %q, want no-store", got)
	}
}

func TestPollingInvalidPayloadClosesSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		payload  string
		wantMsgs int
	}{
		{"unknown type", "abc", 0},
		{"empty body", "", 0},
		{"bad base64", "b!!!", 0},
		{"trailing separator", "4a\x1e", 1},
		{"open packet from client", "0", 0},
		{"invalid after valid", "4ok\x1ezzz", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{})
			sid := h.openPolling().SID
			status, body := h.post(sid, tt.payload)
			expectError(t, status, body, http.StatusBadRequest, 3)
			h.rec(sid).waitClose(t, ReasonTransportError)
			h.expectUnknownSID(sid)
			if n := len(h.rec(sid).messages()); n != tt.wantMsgs {
				t.Errorf("received %d messages, want %d", n, tt.wantMsgs)
			}
		})
	}
}

func TestPollingOverlappingGET(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	first := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)

	status, body, _ := h.do(context.Background(), http.MethodGet, pollQuery(sid)+"&t=burst", nil, nil)
	expectError(t, status, body, http.StatusBadRequest, 3)

	r := recv(t, first, "the first GET")
	if r.err != nil || r.status != http.StatusOK || r.body != "1" {
		t.Fatalf("first GET = %d %q %v, want 200 \"1\"", r.status, r.body, r.err)
	}
	h.rec(sid).waitClose(t, ReasonTransportError)
	h.expectUnknownSID(sid)
}

func TestPollingCancelledGETClosesSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	ctx, cancel := context.WithCancel(context.Background())
	res := h.asyncGet(ctx, sid)
	h.waitGetPending(sid)
	cancel()
	if r := recv(t, res, "the cancelled GET"); r.err == nil {
		t.Fatalf("cancelled GET answered %d %q", r.status, r.body)
	}
	h.rec(sid).waitClose(t, ReasonTransportClose)
	h.expectUnknownSID(sid)
}

func TestPollingPayloadTooLarge(t *testing.T) {
	t.Parallel()
	const max = 64
	tests := []struct {
		name    string
		chunked bool // unknown Content-Length: the limit applies while reading
	}{
		{"content-length", false},
		{"chunked", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: &Options{MaxPayload: max}, echo: true})
			sid := h.openPolling().SID

			big := "4" + strings.Repeat("x", max) // max+1 bytes
			var body io.Reader = strings.NewReader(big)
			if tt.chunked {
				body = io.MultiReader(strings.NewReader(big)) // hides the length
			}
			// As engine.io: 413 with an empty body (clients check it).
			status, resp, hdr := h.do(context.Background(), http.MethodPost, pollQuery(sid), body, nil)
			if status != http.StatusRequestEntityTooLarge || resp != "" {
				t.Fatalf("POST over MaxPayload = %d %q, want 413 with an empty body", status, resp)
			}
			if ct := hdr.Get("Content-Type"); ct != "" {
				t.Errorf("413 has Content-Type %q, want none (no body)", ct)
			}

			// Exactly max bytes is accepted, and the session still works.
			fits := "4" + strings.Repeat("y", max-1)
			h.mustPost(sid, fits)
			h.mustGet(sid, fits)
			h.mustPost(sid, "4after")
			h.mustGet(sid, "4after")
			if n := h.rec(sid).closeCount(); n != 0 {
				t.Fatalf("session closed %d times", n)
			}
		})
	}
}

// A second POST while one is being read is refused and closes the session,
// as the reference server does.
func TestPollingOverlappingPOST(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{echo: true})
	sid := h.openPolling().SID
	c := h.conn(sid)

	const payload = "4first"
	pr, pw := io.Pipe()
	req, err := http.NewRequest(http.MethodPost, h.url(pollQuery(sid)), pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(payload))
	first := make(chan pollResult, 1)
	go func() {
		resp, err := h.ts.Client().Do(req)
		if err != nil {
			first <- pollResult{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		first <- pollResult{status: resp.StatusCode, body: string(b), err: err}
	}()
	eventually(t, func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.postActive
	}, "the first POST being read")

	status, body := h.post(sid, "4second")
	expectError(t, status, body, http.StatusBadRequest, 3)
	h.rec(sid).waitClose(t, ReasonTransportError)

	if _, err := io.WriteString(pw, payload); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	if r := recv(t, first, "the first POST"); r.err != nil {
		t.Fatalf("first POST: %v", r.err)
	}
	if msgs := h.rec(sid).messages(); len(msgs) != 0 {
		t.Fatalf("messages %v delivered on a closed session", msgs)
	}
	h.expectUnknownSID(sid)
}

func TestPollingSequentialPOSTs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	for _, p := range []string{"4a", "4b\x1e4c", "4d"} {
		h.mustPost(sid, p)
	}
	var got []string
	for _, m := range h.rec(sid).messages() {
		got = append(got, string(m.Data))
	}
	if strings.Join(got, ",") != "a,b,c,d" {
		t.Fatalf("messages %q, want a,b,c,d", got)
	}
}

func TestPollingClientClose(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	pending := h.asyncGet(context.Background(), sid)
	h.waitGetPending(sid)

	h.mustPost(sid, "1")
	r := recv(t, pending, "the pending GET")
	if r.err != nil || r.status != http.StatusOK || r.body != "6" {
		t.Fatalf("pending GET = %d %q %v, want 200 \"6\"", r.status, r.body, r.err)
	}
	h.rec(sid).waitClose(t, ReasonTransportClose)
	h.expectUnknownSID(sid)
	if h.srv.Len() != 0 {
		t.Fatalf("Len() = %d after close", h.srv.Len())
	}
}

func TestPollingWrongMethod(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	sid := h.openPolling().SID
	status, body, _ := h.do(context.Background(), http.MethodPut, pollQuery(sid), strings.NewReader("4x"), nil)
	expectError(t, status, body, http.StatusBadRequest, 3)
	// A wrong method is refused without closing the session.
	h.mustPost(sid, "4still")
	if n := h.rec(sid).closeCount(); n != 0 {
		t.Fatalf("session closed")
	}
}

// The data given to OnMessage belongs to the receiver: appending to it must
// not disturb the packets that follow in the same payload.
func TestPollingReceiverOwnsData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{onMessage: func(r *recorder, data []byte, _ bool) {
		data = append(data, "-scribble"...)
		_ = data
	}})
	sid := h.openPolling().SID
	h.mustPost(sid, "4one\x1e4two\x1e4three")
	var got []string
	for _, m := range h.rec(sid).messages() {
		got = append(got, string(m.Data))
	}
	if strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("messages %q, want one,two,three", got)
	}
}

// TestClientCloseThenRacingGet: a client that closes over polling while
// its next GET is already on the way (the two requests may arrive in either
// order) gets that GET answered with a noop; only later requests see the
// session gone.
func TestClientCloseThenRacingGet(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	defer h.close()
	hs := h.openPolling()
	h.mustPost(hs.SID, "1")
	h.rec(hs.SID).waitClose(t, ReasonTransportClose)
	h.mustGet(hs.SID, "6")
	h.expectUnknownSID(hs.SID)
}
