package load

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
	"testing"
)

// serverFrame returns one unmasked frame, as a server sends it.
func serverFrame(fin bool, op byte, p []byte) []byte {
	b := []byte{op, 0}
	if fin {
		b[0] |= 0x80
	}
	switch n := len(p); {
	case n < 126:
		b[1] = byte(n)
	case n <= 0xffff:
		b[1] = 126
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b[1] = 127
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, p...)
}

func text(s string) []byte { return serverFrame(true, opText, []byte(s)) }

// clientFrame parses one frame a client sent from b: it must be masked.
func clientFrame(b []byte) (op byte, p, rest []byte, err error) {
	if len(b) < 2 || b[1]&0x80 == 0 {
		return 0, nil, nil, errors.New("not a masked frame")
	}
	n, hl := int(b[1]&0x7f), 2
	switch n {
	case 126:
		n, hl = int(binary.BigEndian.Uint16(b[2:])), 4
	case 127:
		n, hl = int(binary.BigEndian.Uint64(b[2:])), 10
	}
	if len(b) < hl+4+n {
		return 0, nil, nil, errors.New("short frame")
	}
	key := b[hl : hl+4]
	p = bytes.Clone(b[hl+4 : hl+4+n])
	for i := range p {
		p[i] ^= key[i&3]
	}
	return b[0] & 0x0f, p, b[hl+4+n:], nil
}

// sink is a connection that keeps what the client writes.
type sink struct{ bytes.Buffer }

func (s *sink) Close() error { return nil }

func cat(frames ...[]byte) []byte { return bytes.Join(frames, nil) }

func TestMessage(t *testing.T) {
	t.Parallel()
	big := `42["big","` + strings.Repeat("b", 10_000) + `"]`
	huge := `42["huge","` + strings.Repeat("h", 70_000) + `"]`
	oversized := binary.BigEndian.AppendUint64([]byte{0x81, 127}, maxMessage+1)
	for _, tc := range []struct {
		name   string
		stream []byte
		want   []string // what OnEvent and OnAck saw, in order
		sent   []string // the frames the client wrote, as "op:payload"
		err    string   // the error that ends the client
	}{
		{name: "several frames", stream: cat(text(`42["a",1]`), text(`42["b",2]`), text(`42["c",3]`)),
			want: []string{`event ["a",1]`, `event ["b",2]`, `event ["c",3]`}},
		{name: "16-bit length", stream: text(`42["m","` + strings.Repeat("x", 300) + `"]`),
			want: []string{`event ["m","` + strings.Repeat("x", 300) + `"]`}},
		{name: "larger than the buffer", stream: cat(text(big), text(huge), text(`42["after"]`)),
			want: []string{"event " + big[2:], "event " + huge[2:], `event ["after"]`}},
		{name: "fragmented", stream: cat(serverFrame(false, opText, []byte(`42["f",`)),
			serverFrame(true, opPing, []byte("p")), serverFrame(false, opContinuation, []byte(`"x`)),
			serverFrame(true, opContinuation, []byte(`y"]`)), text(`42["g"]`)),
			want: []string{`event ["f","xy"]`, `event ["g"]`}, sent: []string{"10:p"}},
		{name: "ping", stream: cat(serverFrame(true, opPing, []byte("hi")), text(`42["a"]`)),
			want: []string{`event ["a"]`}, sent: []string{"10:hi"}},
		{name: "pong skipped", stream: cat(serverFrame(true, opPong, []byte("x")), text(`42["a"]`)),
			want: []string{`event ["a"]`}},
		{name: "engine.io ping", stream: text("2"), sent: []string{"1:3"}},
		{name: "ack", stream: text(`4317[{"ok":true}]`), want: []string{`ack 17 [{"ok":true}]`}},
		{name: "binary", stream: serverFrame(true, opBinary, []byte(`42["bin"]`)), want: []string{`event ["bin"]`}},
		{name: "close", stream: cat(text(`42["a"]`), serverFrame(true, opClose, nil), text(`42["b"]`)),
			want: []string{`event ["a"]`}, err: errClosed.Error()},
		{name: "rsv bits", stream: []byte{0xc1, 0}, err: "RSV"},
		{name: "masked", stream: []byte{0x81, 0x80, 1, 2, 3, 4}, err: "masked"},
		{name: "oversized", stream: oversized, err: "16777217 bytes"},
		{name: "long control frame", stream: serverFrame(true, opPing, make([]byte, 126)), err: "opcode 9"},
		{name: "fragmented control frame", stream: serverFrame(false, opPing, nil), err: "opcode 9"},
		{name: "continuation without a start", stream: serverFrame(true, opContinuation, []byte("x")), err: "without a start"},
		{name: "data inside a fragmented message", stream: cat(serverFrame(false, opText, []byte("4")), text("2")), err: "inside"},
		{name: "unknown opcode", stream: serverFrame(true, 0x3, nil), err: "opcode 3"},
	} {
		for _, chunk := range []int{1, 2, 3, 7, 4096, len(tc.stream)} {
			t.Run(tc.name+"/"+strconv.Itoa(chunk), func(t *testing.T) {
				t.Parallel()
				var got []string
				c := testClient(&got)
				err := feed(t, c, tc.stream, chunk)
				if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Fatalf("got %q\nwant %q", got, tc.want)
				}
				if sent := sentFrames(t, c); strings.Join(sent, "\n") != strings.Join(tc.sent, "\n") {
					t.Fatalf("client sent %q, want %q", sent, tc.sent)
				}
			})
		}
	}
}

// testClient returns a client on a sink that records its events and acks
// in got.
func testClient(got *[]string) *Client {
	c := &Client{sock: &sink{}, in: make([]byte, readBufferSize)}
	c.OnEvent = func(data []byte) { *got = append(*got, "event "+string(data)) }
	c.OnAck = func(id uint64, data []byte) {
		*got = append(*got, "ack "+strconv.FormatUint(id, 10)+" "+string(data))
	}
	return c
}

// feed hands stream to c chunk bytes at a time, as reads would, and
// dispatches after each.
func feed(t *testing.T, c *Client, stream []byte, chunk int) error {
	t.Helper()
	for len(stream) > 0 {
		n := copy(c.in[c.w:], stream[:min(chunk, len(stream))])
		if n == 0 {
			t.Fatalf("no room left in a buffer of %d bytes", len(c.in))
		}
		c.w += n
		stream = stream[n:]
		if err := c.dispatch(); err != nil {
			return err
		}
	}
	return nil
}

func sentFrames(t *testing.T, c *Client) []string {
	t.Helper()
	var sent []string
	for b := c.sock.(*sink).Bytes(); len(b) > 0; {
		op, p, rest, err := clientFrame(b)
		if err != nil {
			t.Fatalf("client wrote %q: %v", b, err)
		}
		sent = append(sent, strconv.Itoa(int(op))+":"+string(p))
		b = rest
	}
	return sent
}

func TestDispatchAllocs(t *testing.T) {
	stream := cat(text(`42["a",{"p":1,"t":2}]`), text(`431["b"]`), text(`42["c"]`))
	var got []string
	c := testClient(&got)
	c.OnEvent = func([]byte) {}
	c.OnAck = func(uint64, []byte) {}
	allocs := testing.AllocsPerRun(100, func() {
		c.w = copy(c.in, stream)
		if err := c.dispatch(); err != nil || c.w != 0 {
			t.Fatalf("dispatch: %v, %d bytes left", err, c.w)
		}
	})
	if allocs != 0 {
		t.Fatalf("dispatch allocates %v times", allocs)
	}
}
