package engineio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The server reads the client's WebSocket frames itself (RFC 6455, 5):
// masked, possibly fragmented, with control frames in between. A
// connection holds a read buffer only while the client is sending: between
// messages it gives the buffer back to a pool and waits for the socket to
// become readable without one, so an idle connection costs its goroutine
// and little else.

var (
	// errWSProtocol is a frame that breaks RFC 6455.
	errWSProtocol = fmt.Errorf("%w: websocket protocol violation", ErrInvalidPacket)
	// errWSTooLarge is a message over MaxPayload.
	errWSTooLarge = fmt.Errorf("%w: websocket message over MaxPayload", ErrInvalidPacket)
	// errWSClosed is the client's close frame.
	errWSClosed = errors.New("engineio: websocket closed by the client")
)

// WebSocket opcodes of received frames.
const (
	wsOpContinuation = 0x0
	wsOpText         = 0x1
	wsOpBinary       = 0x2
	wsOpClose        = 0x8
	wsOpPing         = 0x9
	wsOpPong         = 0xA
)

// waitReadable blocks until the socket has data (or an error or EOF to
// report) without holding a buffer. Connections that are not plain
// sockets (TLS terminated in process) return at once.
func (ws *wsConn) waitReadable() error {
	if ws.raw == nil {
		return nil
	}
	return ws.raw.Read(peekReady)
}

// waitIdle waits up to Options.idleAfter for data and reports whether none
// came: then the connection can be parked.
func (ws *wsConn) waitIdle() bool {
	if ws.raw == nil || ws.fd < 0 {
		return false
	}
	_ = ws.nc.SetReadDeadline(time.Now().Add(ws.srv.opts.idleAfter))
	rc := readyChecks.Get().(*readyCheck)
	rc.waited = false
	err := ws.raw.Read(rc.fn)
	readyChecks.Put(rc)
	_ = ws.nc.SetReadDeadline(time.Time{})
	ws.ready = err == nil
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// readyCheck is the readiness check of waitIdle: a peek, then, once the
// poller has said the socket is readable, yes without another system call
// (a rare spurious wake-up costs one read that waits, buffer held). The
// checks are pooled, not kept by each connection: a reader uses one only
// while it waits, and an idle connection holds none.
type readyCheck struct {
	waited bool // fn has peeked once
	fn     func(fd uintptr) bool
}

var readyChecks = sync.Pool{New: func() any {
	rc := &readyCheck{}
	rc.fn = func(fd uintptr) bool {
		if rc.waited {
			return true
		}
		rc.waited = true
		return peekReady(fd)
	}
	return rc
}}

// readMessage returns the next data message: its opcode (text or binary)
// and its unmasked payload, which belongs to the caller. It answers pings
// and a close (then returns errWSClosed) on the way.
func (ws *wsConn) readMessage() (op byte, data []byte, err error) {
	if ws.br == nil {
		if !ws.ready { // waitIdle has not just seen data
			if err := ws.waitReadable(); err != nil {
				return 0, nil, err
			}
		}
		ws.ready = false
		ws.br = ws.srv.getReader(ws.nc)
	}
	op, data, err = ws.readFrames(ws.br)
	if err != nil || ws.br.Buffered() == 0 {
		ws.srv.putReader(ws.br)
		ws.br = nil
	}
	return op, data, err
}

// readFrames reads frames until a data message is complete.
func (ws *wsConn) readFrames(br *bufio.Reader) (byte, []byte, error) {
	var (
		msg        []byte
		msgOp      byte
		compressed bool
	)
	for {
		h, err := take(br, 2)
		if err != nil {
			return 0, nil, err
		}
		fin, op, masked := h[0]&0x80 != 0, h[0]&0x0f, h[1]&0x80 != 0
		if rsv := h[0] & 0x70; rsv != 0 || !masked { // clients must mask
			// RSV1 marks the first frame of a compressed message, when
			// permessage-deflate was negotiated; no other bit is used.
			if rsv != wsRSV1 || !masked || !ws.deflate || (op != wsOpText && op != wsOpBinary) {
				return 0, nil, ws.protocolError(websocket.CloseProtocolError)
			}
			compressed = true
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			if h, err = take(br, 2); err != nil {
				return 0, nil, err
			}
			n = uint64(binary.BigEndian.Uint16(h))
		case 127:
			if h, err = take(br, 8); err != nil {
				return 0, nil, err
			}
			n = binary.BigEndian.Uint64(h)
		}
		if h, err = take(br, 4); err != nil {
			return 0, nil, err
		}
		mask := [4]byte(h)
		if op >= wsOpClose {
			if !fin || n > 125 {
				return 0, nil, ws.protocolError(websocket.CloseProtocolError)
			}
			if err := ws.control(br, op, int(n), mask); err != nil {
				return 0, nil, err
			}
			continue
		}
		switch {
		case op == wsOpContinuation && msgOp == 0, op != wsOpContinuation && msgOp != 0:
			return 0, nil, ws.protocolError(websocket.CloseProtocolError)
		case op == wsOpText || op == wsOpBinary:
			msgOp = op
		case op != wsOpContinuation:
			return 0, nil, ws.protocolError(websocket.CloseProtocolError)
		}
		if n > uint64(ws.srv.opts.MaxPayload-len(msg)) {
			return 0, nil, ws.protocolError(websocket.CloseMessageTooBig)
		}
		start := len(msg)
		msg = append(msg, make([]byte, n)...)
		if _, err := io.ReadFull(br, msg[start:]); err != nil {
			return 0, nil, err
		}
		unmask(msg[start:], mask)
		if fin {
			if compressed {
				return ws.inflateMessage(msgOp, msg)
			}
			if msg == nil {
				msg = []byte{}
			}
			return msgOp, msg, nil
		}
	}
}

// inflateMessage returns the decompressed form of a compressed message;
// one that does not inflate, or inflates past MaxPayload, closes the
// connection (1007 or 1009, as Node's ws).
func (ws *wsConn) inflateMessage(op byte, msg []byte) (byte, []byte, error) {
	data, err := inflate(msg, ws.srv.opts.MaxPayload)
	switch {
	case errors.Is(err, errInflateTooLarge):
		return 0, nil, ws.protocolError(websocket.CloseMessageTooBig)
	case err != nil:
		_ = ws.writeControl(wsFinClose, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), controlTimeout)
		return 0, nil, err
	}
	return op, data, nil
}

// take returns the next n bytes (n ≤ 16, the smallest bufio buffer),
// valid until the next read.
func take(br *bufio.Reader, n int) ([]byte, error) {
	b, err := br.Peek(n)
	if err != nil {
		if err == io.EOF && len(b) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	_, _ = br.Discard(n)
	return b, nil
}

// control handles a control frame of n bytes.
func (ws *wsConn) control(br *bufio.Reader, op byte, n int, mask [4]byte) error {
	var b [125]byte
	p := b[:n]
	if _, err := io.ReadFull(br, p); err != nil {
		return err
	}
	unmask(p, mask)
	switch op {
	case wsOpPing:
		_ = ws.writeControl(wsFinPong, p, controlTimeout)
	case wsOpPong:
	case wsOpClose:
		code := websocket.CloseNoStatusReceived
		if n >= 2 {
			code = int(binary.BigEndian.Uint16(p))
		}
		_ = ws.writeControl(wsFinClose, websocket.FormatCloseMessage(code, ""), controlTimeout)
		return errWSClosed
	default:
		return ws.protocolError(websocket.CloseProtocolError)
	}
	return nil
}

// protocolError tells the client why it is being closed and returns the
// error to close with.
func (ws *wsConn) protocolError(code int) error {
	_ = ws.writeControl(wsFinClose, websocket.FormatCloseMessage(code, ""), controlTimeout)
	if code == websocket.CloseMessageTooBig {
		return errWSTooLarge
	}
	return errWSProtocol
}

func unmask(p []byte, mask [4]byte) {
	m := binary.LittleEndian.Uint32(mask[:])
	m64 := uint64(m) | uint64(m)<<32
	for len(p) >= 8 {
		binary.LittleEndian.PutUint64(p, binary.LittleEndian.Uint64(p)^m64)
		p = p[8:]
	}
	for i := range p {
		p[i] ^= mask[i&3]
	}
}

// getReader returns a pooled read buffer over c.
func (s *Server) getReader(c net.Conn) *bufio.Reader {
	br := s.readers.Get().(*bufio.Reader)
	br.Reset(c)
	return br
}

func (s *Server) putReader(br *bufio.Reader) {
	br.Reset(nil)
	s.readers.Put(br)
}
