package engineio

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// discardConn is a net.Conn whose writes succeed and go nowhere.
type discardConn struct{ net.Conn }

func (discardConn) Write(p []byte) (int, error)      { return len(p), nil }
func (discardConn) SetWriteDeadline(time.Time) error { return nil }
func (discardConn) Close() error                     { return nil }

// FuzzWebSocketFrames reads arbitrary bytes as client frames: it must never
// panic, fail only with a protocol error, the client's close or the end of
// the input, and return messages within MaxPayload that match what a
// well-formed stream carried.
func FuzzWebSocketFrames(f *testing.F) {
	mask := [4]byte{9, 8, 7, 6}
	f.Add(maskedFrame(wsOpText, []byte("4hello"), mask))
	f.Add(append(maskedFrame(wsOpPing, []byte("p"), mask), maskedFrame(wsOpBinary, []byte{1, 2, 3}, mask)...))
	frag := maskedFrame(wsOpText, []byte("4he"), mask)
	frag[0] &^= 0x80 // not final
	f.Add(append(frag, maskedFrame(wsOpContinuation, []byte("llo"), mask)...))
	f.Add(maskedFrame(wsOpClose, []byte{3, 232}, mask))
	f.Add(appendFrameHeader(nil, wsFinText, 3)) // unmasked
	f.Add(maskedFrame(wsOpText, bytes.Repeat([]byte("x"), 300), mask))
	const max = 256
	srv := NewServer(nil, &Options{MaxPayload: max})
	f.Fuzz(func(t *testing.T, data []byte) {
		ws := &wsConn{srv: srv, nc: discardConn{}, fd: -1}
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
