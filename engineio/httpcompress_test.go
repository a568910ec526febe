package engineio

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestPollingCompression checks which polling responses are compressed:
// by Accept-Encoding, size, the messages' Uncompressed and the options.
func TestPollingCompression(t *testing.T) {
	t.Parallel()
	large := strings.Repeat("polling ", 200)
	for _, tc := range []struct {
		name     string
		opts     *Options
		accept   string
		msgs     []Message
		encoding string
	}{
		{"gzip", nil, "gzip, deflate", []Message{{Data: []byte(large)}}, "gzip"},
		{"deflate", nil, "deflate", []Message{{Data: []byte(large)}}, "deflate"},
		{"deflate preferred", nil, "gzip;q=0.5, deflate", []Message{{Data: []byte(large)}}, "deflate"},
		{"identity", nil, "identity", []Message{{Data: []byte(large)}}, ""},
		{"below the threshold", nil, "gzip", []Message{{Data: []byte("small")}}, ""},
		{"all uncompressed", nil, "gzip", []Message{{Data: []byte(large), Uncompressed: true}, {Data: []byte("x"), Uncompressed: true}}, ""},
		{"one compressible", nil, "gzip", []Message{{Data: []byte(large), Uncompressed: true}, {Data: []byte("x")}}, "gzip"},
		{"disabled", &Options{HTTPCompression: &HTTPCompression{Disable: true}}, "gzip", []Message{{Data: []byte(large)}}, ""},
		{"threshold 5000", &Options{HTTPCompression: &HTTPCompression{Threshold: 5000}}, "gzip", []Message{{Data: []byte(large)}}, ""},
		{"level 9", &Options{HTTPCompression: &HTTPCompression{Level: 9}}, "gzip", []Message{{Data: []byte(large), Binary: true}}, "gzip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{opts: tc.opts})
			sid := h.openPolling().SID
			if err := h.conn(sid).Send(tc.msgs...); err != nil {
				t.Fatal(err)
			}
			status, body, hdr := h.do(context.Background(), http.MethodGet, pollQuery(sid), nil, http.Header{"Accept-Encoding": {tc.accept}})
			if status != http.StatusOK {
				t.Fatalf("GET = %d %q", status, body)
			}
			if got := hdr.Get("Content-Encoding"); got != tc.encoding {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			var want []byte
			for _, m := range tc.msgs {
				want = appendPayloadFrame(want, frame{typ: packetMessage, data: m.Data, binary: m.Binary})
			}
			got := decodeBody(t, tc.encoding, []byte(body))
			if !bytes.Equal(got, want) {
				t.Fatalf("body of %d bytes, want %d", len(got), len(want))
			}
			if tc.encoding != "" && len(body) >= len(want)/2 {
				t.Fatalf("%d bytes compressed to %d", len(want), len(body))
			}
		})
	}
}

// decodeBody undoes a Content-Encoding.
func decodeBody(t *testing.T, encoding string, body []byte) []byte {
	t.Helper()
	var r io.Reader
	var err error
	switch encoding {
	case "":
		return body
	case "gzip":
		r, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		r, err = zlib.NewReader(bytes.NewReader(body))
	}
	if err != nil {
		t.Fatalf("%s body: %v", encoding, err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s body: %v", encoding, err)
	}
	return out
}

func TestAcceptedEncoding(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		header []string
		want   string
	}{
		{nil, ""},
		{[]string{""}, ""},
		{[]string{"identity"}, ""},
		{[]string{"gzip"}, "gzip"},
		{[]string{"GZIP"}, "gzip"},
		{[]string{"deflate"}, "deflate"},
		{[]string{"gzip, deflate, br"}, "gzip"},
		{[]string{"deflate, gzip"}, "deflate"}, // equal q: the header's order
		{[]string{"br, deflate", "gzip"}, "deflate"},
		{[]string{"gzip;q=0.5, deflate;q=0.8"}, "deflate"},
		{[]string{"gzip;q=0, deflate;q=0"}, ""},
		{[]string{"*"}, "gzip"},
		{[]string{"*;q=0.5, deflate;q=0.6"}, "deflate"},
		{[]string{"*, gzip;q=0"}, "deflate"}, // exact beats *
		{[]string{"gzip;q=x"}, ""},
		{[]string{"gzip ; q=0.9 , deflate;q=1"}, "deflate"},
		{[]string{" , ;, gzip"}, "gzip"},
		{[]string{"gz ip"}, ""},
	} {
		if got := acceptedEncoding(tc.header); got != tc.want {
			t.Errorf("acceptedEncoding(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}
