package load

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
)

// maxFrame is the longest frame a client accepts: a message of maxMessage
// bytes behind the longest header.
const maxFrame = maxMessage + 14

var errClosed = errors.New("load: closed by the server")

// message returns the next text or binary message in c.in[c.r:c.w],
// answering pings and skipping pongs. When c.in holds no complete message,
// ok is false and the partial frame has been moved to the start of c.in,
// which has grown if the frame does not fit. The bytes are valid until the
// next call.
func (c *Client) message() (msg []byte, ok bool, err error) {
	for {
		b := c.in[c.r:c.w]
		if len(b) < 2 {
			return c.need(2)
		}
		fin, op := b[0]&0x80 != 0, b[0]&0x0f
		if b[0]&0x70 != 0 {
			return nil, false, errors.New("load: websocket frame with RSV bits")
		}
		if b[1]&0x80 != 0 {
			return nil, false, errors.New("load: masked server frame")
		}
		n, hl := uint64(b[1]&0x7f), 2
		switch n {
		case 126:
			if hl = 4; len(b) < hl {
				return c.need(hl)
			}
			n = uint64(binary.BigEndian.Uint16(b[2:]))
		case 127:
			if hl = 10; len(b) < hl {
				return c.need(hl)
			}
			n = binary.BigEndian.Uint64(b[2:])
		}
		if n > maxMessage || (op >= opClose && (n > 125 || !fin)) {
			return nil, false, fmt.Errorf("load: websocket frame of %d bytes, opcode %d", n, op)
		}
		total := hl + int(n)
		if len(b) < total {
			return c.need(total)
		}
		c.r += total
		if msg, ok, err := c.frame(fin, op, b[hl:total]); ok || err != nil {
			return msg, ok, err
		}
	}
}

// frame takes one whole frame with payload p: ok when it completes a
// message.
func (c *Client) frame(fin bool, op byte, p []byte) (msg []byte, ok bool, err error) {
	switch op {
	case opText, opBinary:
		if c.inFrag {
			return nil, false, errors.New("load: websocket data frame inside a fragmented message")
		}
		if fin {
			return p, true, nil
		}
		c.frag = append(c.frag[:0], p...)
		c.inFrag = true
	case opContinuation:
		if !c.inFrag {
			return nil, false, errors.New("load: websocket continuation without a start")
		}
		c.frag = append(c.frag, p...)
		if fin {
			c.inFrag = false
			return c.frag, true, nil
		}
	case opPing:
		return nil, false, c.writeFrame(opPong, p)
	case opPong:
	case opClose:
		return nil, false, errClosed
	default:
		return nil, false, fmt.Errorf("load: websocket opcode %d", op)
	}
	return nil, false, nil
}

// need makes room at the start of c.in for a frame of total bytes, moving
// the unread bytes there: there is no whole message yet.
func (c *Client) need(total int) (msg []byte, ok bool, err error) {
	if c.r == 0 && total <= len(c.in) {
		return nil, false, nil
	}
	in := c.in
	if total > len(in) {
		in = make([]byte, max(total, min(2*len(in), maxFrame)))
	}
	c.w = copy(in, c.in[c.r:c.w])
	c.r, c.in = 0, in
	return nil, false, nil
}

// shrinkAbove is the read buffer size above which an emptied buffer goes
// back to readBufferSize: one long message (a presence batch of a storm)
// must not cost every client of a large run its length for good.
const shrinkAbove = 64 << 10

// dispatch hands every complete message in c.in to handle.
func (c *Client) dispatch() error {
	for {
		msg, ok, err := c.message()
		if !ok {
			if c.r == c.w && len(c.in) > shrinkAbove {
				c.in, c.r, c.w = make([]byte, readBufferSize), 0, 0
			}
			return err
		}
		c.handle(msg)
	}
}

// next returns the next message, reading from the blocking connection as
// needed. The bytes are valid until the next call.
func (c *Client) next() ([]byte, error) {
	for {
		msg, ok, err := c.message()
		if ok || err != nil {
			return msg, err
		}
		n, err := c.sock.Read(c.in[c.w:])
		c.w += n
		if err != nil {
			return nil, err
		}
	}
}

// ended returns nil when err ends the client normally (Close, or a close
// frame from the server), else err.
func (c *Client) ended(err error) error {
	if err == nil || c.closed.Load() || errors.Is(err, errClosed) || errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}
