package engineio

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"net/http"
	"testing"
)

// benchJSON is a JSON event of n bytes or so, compressible as real ones
// are.
func benchJSON(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`2["tick",[`)
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, `{"seq":%d,"symbol":"KIN%d","price":"%d.25","agent":"agent-%d"},`, i, i%7, 100+i%13, i%5)
	}
	b.WriteString(`{}]]`)
	return b.Bytes()
}

// BenchmarkWebSocketBatchBuildDeflate measures encoding 8 queued frames on
// a connection that negotiated permessage-deflate: below the threshold
// (as build: no compression), a broadcast's 4 KiB message (compressed
// once, found in the cache by the other connections), and unique 4 KiB
// messages (each compressed).
func BenchmarkWebSocketBatchBuildDeflate(b *testing.B) {
	small := bytes.Repeat([]byte("x"), 100)
	large := benchJSON(4096)
	for _, level := range []int{flate.BestSpeed, flate.DefaultCompression} {
		b.Run(fmt.Sprintf("small8/level=%d", level), func(b *testing.B) {
			frames := repeatFrame(frame{typ: packetMessage, data: small}, 8)
			b.ReportAllocs()
			for b.Loop() {
				bt := getBatch()
				bt.buildDeflate(frames, 1024, level)
				putBatch(bt)
			}
		})
		b.Run(fmt.Sprintf("broadcast8/level=%d", level), func(b *testing.B) {
			frames := repeatFrame(frame{typ: packetMessage, data: large}, 8)
			b.ReportAllocs()
			b.SetBytes(int64(8 * len(large)))
			for b.Loop() {
				bt := getBatch()
				bt.buildDeflate(frames, 1024, level)
				putBatch(bt)
			}
		})
		b.Run(fmt.Sprintf("unique8/level=%d", level), func(b *testing.B) {
			frames := make([]frame, 8)
			for i := range frames {
				frames[i] = frame{typ: packetMessage, data: bytes.Clone(large)}
			}
			b.ReportAllocs()
			b.SetBytes(int64(8 * len(large)))
			var seq uint64
			for b.Loop() {
				for _, f := range frames { // new content: not in the cache
					seq++
					binary.LittleEndian.PutUint64(f.data[2:], seq)
				}
				bt := getBatch()
				bt.buildDeflate(frames, 1024, level)
				putBatch(bt)
			}
		})
	}
}

// BenchmarkInflate measures inflating a client's compressed 4 KiB
// message.
func BenchmarkInflate(b *testing.B) {
	msg := benchJSON(4096)
	z := deflatePayload(frame{data: msg, binary: true}, flate.DefaultCompression)
	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		out, err := inflate(z, 1_000_000)
		if err != nil || len(out) != len(msg) {
			b.Fatalf("inflate: %d bytes, %v", len(out), err)
		}
	}
}

// BenchmarkCompressPoll measures compressing a 4 KiB polling response
// with gzip.
func BenchmarkCompressPoll(b *testing.B) {
	srv := NewServer(nil, nil)
	body := benchJSON(4096)
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Encoding", "gzip, deflate")
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		h := http.Header{}
		if out := srv.compressPoll(h, r, body, true); len(out) >= len(body) {
			b.Fatalf("not compressed: %d bytes", len(out))
		}
	}
}
