package engineio

import (
	"net"
	"sync"
)

// The server writes WebSocket frames itself (gorilla/websocket still reads
// them): what a connection has queued goes out in one write, frame headers
// and small payloads copied into one buffer, large payloads referenced
// where they are (a broadcast's bytes are shared by every connection), the
// pieces sent with one writev. Writing k queued frames costs about what one
// costs, so a busy connection gets cheaper per message, not dearer.

// WebSocket opcodes (RFC 6455, 5.2) with the FIN bit.
const (
	wsFinText   = 0x80 | 0x1
	wsFinBinary = 0x80 | 0x2
	wsFinClose  = 0x80 | 0x8
	wsFinPong   = 0x80 | 0xA
)

// inlineMax is the largest payload copied into a batch's buffer; larger
// ones are written from where they are.
const inlineMax = 1024

// maxPooledBatch is the largest buffer a batch keeps when it goes back to
// the pool: a rare huge flush does not pin its memory.
const maxPooledBatch = 64 << 10

// wsBatch is the encoded form of some queued frames, ready for one write.
type wsBatch struct {
	buf  []byte      // headers and inlined payloads
	iov  net.Buffers // runs of buf and large payloads, in order
	out  net.Buffers // the copy of iov that writev consumes
	n    int         // bytes in iov
	vecs []syscallIovec
	msg  syscallMsghdr // sendmsg(2)'s, pointing at vecs
	z    [][]byte      // buildDeflate: each frame's compressed payload, or nil
}

var batches = sync.Pool{New: func() any { return new(wsBatch) }}

func getBatch() *wsBatch { return batches.Get().(*wsBatch) }

func putBatch(b *wsBatch) {
	clear(b.iov)
	clear(b.vecs)
	clear(b.z)
	b.iov, b.out, b.vecs, b.z, b.n = b.iov[:0], nil, b.vecs[:0], b.z[:0], 0
	if cap(b.buf) > maxPooledBatch {
		b.buf = nil
	}
	batches.Put(b)
}

// appendFrameHeader appends the header of an unmasked frame (server to
// client) of n payload bytes.
func appendFrameHeader(dst []byte, op byte, n int) []byte {
	switch {
	case n < 126:
		return append(dst, op, byte(n))
	case n <= 0xffff:
		return append(dst, op, 126, byte(n>>8), byte(n))
	default:
		return append(dst, op, 127,
			byte(uint64(n)>>56), byte(uint64(n)>>48), byte(uint64(n)>>40), byte(uint64(n)>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// build encodes frames: a text frame carries the packet type then its
// data, a binary frame its data alone.
func (b *wsBatch) build(frames []frame) {
	size := 0
	for _, f := range frames {
		size += 11
		if len(f.data) <= inlineMax {
			size += len(f.data)
		}
	}
	if cap(b.buf) < size {
		// Sized once: the slices of buf in iov must not move.
		b.buf = make([]byte, 0, max(size, 512))
	}
	buf, run := b.buf[:0], 0
	for _, f := range frames {
		if f.binary {
			buf = appendFrameHeader(buf, wsFinBinary, len(f.data))
		} else {
			buf = appendFrameHeader(buf, wsFinText, len(f.data)+1)
			buf = append(buf, byte(f.typ))
		}
		if len(f.data) <= inlineMax {
			buf = append(buf, f.data...)
			continue
		}
		b.iov = append(b.iov, buf[run:], f.data)
		run = len(buf)
	}
	if len(buf) > run || len(b.iov) == 0 {
		b.iov = append(b.iov, buf[run:])
	}
	b.buf = buf
	b.n = 0
	for _, p := range b.iov {
		b.n += len(p)
	}
}

// size returns the bytes of the batch.
func (b *wsBatch) size() int { return b.n }

// writeTo writes the batch: one write, or one writev when large payloads
// are referenced.
func (b *wsBatch) writeTo(c net.Conn) error {
	if len(b.iov) == 1 {
		_, err := c.Write(b.iov[0])
		return err
	}
	b.out = b.iov
	_, err := b.out.WriteTo(c)
	return err
}
