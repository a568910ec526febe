package engineio

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"sync"
	"sync/atomic"
)

// Compression of WebSocket messages (permessage-deflate, RFC 7692), with
// compress/flate. Every message is compressed on its own (no context
// takeover), so that no connection keeps a compressor (hundreds of KiB)
// between messages, and a message's compressed bytes are the same for
// every connection: a broadcast is compressed once (deflateCache), not
// once per client.

// defaultThreshold returns t, or Node's threshold (1024 bytes) when t is
// not set.
func defaultThreshold(t int) int {
	if t <= 0 {
		return 1024
	}
	return t
}

// compressionLevel returns level when compress/flate has it, else the
// default level, flate.BestSpeed (see PerMessageDeflate.Level).
func compressionLevel(level int) int {
	if level == 0 || level < flate.HuffmanOnly || level > flate.BestCompression {
		return flate.BestSpeed
	}
	return level
}

// deflateTail is what RFC 7692 (7.2.1) strips from the end of a
// compressed message: the empty stored block a flush ends with.
var deflateTail = []byte{0x00, 0x00, 0xff, 0xff}

// deflater is a pooled compressor and its output buffer.
type deflater struct {
	w    *flate.Writer
	out  sliceWriter
	typ  [1]byte
	init bool
}

// sliceWriter appends what is written to b.
type sliceWriter struct{ b []byte }

func (s *sliceWriter) Write(p []byte) (int, error) {
	s.b = append(s.b, p...)
	return len(p), nil
}

// deflaters holds one pool per level (flate.HuffmanOnly, -2, to 9).
var deflaters [flate.BestCompression + 3]sync.Pool

// maxPooledDeflateBuf is the largest output buffer a pooled deflater
// keeps.
const maxPooledDeflateBuf = 64 << 10

// deflatePayload returns the compressed WebSocket payload of f (a text
// frame's packet type then its data, a binary frame's data), without the
// tail RFC 7692 strips. The result is never modified afterwards.
func deflatePayload(f frame, level int) []byte {
	cacheable := len(f.data) <= maxCachedDeflate
	var sum uint64
	if cacheable {
		sum = maphash.Bytes(deflateSeed, f.data)
		if z := deflateCache.get(sum, f); z != nil {
			return z
		}
	}
	pool := &deflaters[level+2]
	d, _ := pool.Get().(*deflater)
	if d == nil {
		d = new(deflater)
		d.w, _ = flate.NewWriter(&d.out, level) // level is valid (compressionLevel)
	}
	d.out.b = d.out.b[:0]
	d.w.Reset(&d.out)
	if !f.binary {
		d.typ[0] = byte(f.typ)
		_, _ = d.w.Write(d.typ[:])
	}
	_, _ = d.w.Write(f.data)
	_ = d.w.Flush()
	z := bytes.Clone(bytes.TrimSuffix(d.out.b, deflateTail))
	if cap(d.out.b) > maxPooledDeflateBuf {
		d.out.b = nil
	}
	pool.Put(d)
	if cacheable {
		deflateCache.put(&deflated{sum: sum, n: len(f.data), typ: f.typ, binary: f.binary, z: z})
	}
	return z
}

// deflateCache keeps the compressed form of the last messages compressed,
// by content: the connections a broadcast reaches find it compressed by
// the first of them. Entries are found by a keyed hash of the data (the
// key is random, so that no client can make two messages collide) with
// the length and the frame type; any level's output is valid for every
// connection.
var deflateCache deflatedSet

// deflateSeed keys the hash of deflateCache.
var deflateSeed = maphash.MakeSeed()

// maxCachedDeflate is the largest message deflateCache keeps: the cache
// holds at most deflateSlots compressed messages of this size.
const maxCachedDeflate = 64 << 10

// deflateSlots is the number of messages deflateCache holds.
const deflateSlots = 64

// deflated is one compressed message of deflateCache.
type deflated struct {
	sum    uint64
	n      int
	typ    packetType
	binary bool
	z      []byte
}

// deflatedSet is a direct-mapped cache of compressed messages, safe for
// concurrent use without locks.
type deflatedSet [deflateSlots]atomic.Pointer[deflated]

func (s *deflatedSet) get(sum uint64, f frame) []byte {
	e := s[sum%deflateSlots].Load()
	if e == nil || e.sum != sum || e.n != len(f.data) || e.binary != f.binary || (!f.binary && e.typ != f.typ) {
		return nil
	}
	return e.z
}

func (s *deflatedSet) put(e *deflated) { s[e.sum%deflateSlots].Store(e) }

// Errors of compressed messages from the client.
var (
	// errWSBadDeflate is a compressed message that does not inflate.
	errWSBadDeflate = fmt.Errorf("%w: websocket message badly compressed", ErrInvalidPacket)
	// errInflateTooLarge is a message that inflates past MaxPayload.
	errInflateTooLarge = errors.New("engineio: inflated message over MaxPayload")
)

// inflateEnd follows a compressed message before it is inflated: the
// tail RFC 7692 stripped, then an empty final block, so that the
// decompressor ends cleanly.
var inflateEnd = []byte{0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff}

// inflater is a pooled decompressor and the reader of its input.
type inflater struct {
	r  io.ReadCloser // flate's, a flate.Resetter
	in msgReader
}

var inflaters sync.Pool

// msgReader reads a compressed message, then inflateEnd. It is an
// io.ByteReader, so that the decompressor reads it without a buffer.
type msgReader struct {
	p   []byte
	end int // bytes of inflateEnd read
}

func (m *msgReader) Read(b []byte) (int, error) {
	if len(m.p) > 0 {
		n := copy(b, m.p)
		m.p = m.p[n:]
		return n, nil
	}
	if m.end == len(inflateEnd) {
		return 0, io.EOF
	}
	n := copy(b, inflateEnd[m.end:])
	m.end += n
	return n, nil
}

func (m *msgReader) ReadByte() (byte, error) {
	if len(m.p) > 0 {
		c := m.p[0]
		m.p = m.p[1:]
		return c, nil
	}
	if m.end == len(inflateEnd) {
		return 0, io.EOF
	}
	c := inflateEnd[m.end]
	m.end++
	return c, nil
}

// inflate returns the decompressed form of a compressed message (its
// frames' payloads joined), at most limit bytes: a larger one is
// errInflateTooLarge, however small it was compressed (a decompression
// bomb costs the server limit bytes at most).
func inflate(p []byte, limit int) ([]byte, error) {
	in, _ := inflaters.Get().(*inflater)
	if in == nil {
		in = new(inflater)
		in.r = flate.NewReader(&in.in)
	}
	in.in = msgReader{p: p}
	if err := in.r.(flate.Resetter).Reset(&in.in, nil); err != nil {
		return nil, errWSBadDeflate
	}
	defer func() {
		in.in = msgReader{}
		inflaters.Put(in)
	}()
	out := make([]byte, 0, min(limit+1, max(512, 4*len(p))))
	for {
		if len(out) == cap(out) { // grow, to limit+1 at most
			out = append(out, 0)[:len(out)]
			out = out[:len(out):min(cap(out), limit+1)]
		}
		n, err := in.r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if len(out) > limit {
			return nil, errInflateTooLarge
		}
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, errWSBadDeflate
		}
	}
}
