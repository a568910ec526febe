package parser

import (
	"bytes"
	"math"
)

// DefaultMaxAttachments is the attachment limit of a [Decoder] whose
// MaxAttachments is 0.
const DefaultMaxAttachments = 10

// Decoder turns the messages of one connection back into packets,
// collecting the attachments of binary packets. Its zero value is ready to
// use. A Decoder must not be used by several goroutines at once.
type Decoder struct {
	// MaxAttachments is the largest attachment count accepted in a binary
	// packet; 0 (or less) means DefaultMaxAttachments.
	MaxAttachments int

	pending *Packet // binary packet waiting for attachments
	want    int     // attachment count of pending
	ns      string  // last namespace decoded, reused to save allocations
}

// Decode takes the next message of the connection: data is its content,
// binary tells whether it is a binary message. It returns a complete
// packet; or nil and a nil error when the message was the text of a binary
// packet or one of its attachments but not the last; or an error, after
// which the connection should be closed (the decoder drops any partial
// packet and can be reused).
//
// Decode takes ownership of data: the returned packet's Data and
// Attachments refer to the slices passed in, which must not be modified
// afterwards.
func (d *Decoder) Decode(data []byte, binary bool) (*Packet, error) {
	if binary {
		p := d.pending
		if p == nil {
			return nil, errorf("unexpected binary message")
		}
		p.Attachments = append(p.Attachments, data)
		if len(p.Attachments) < d.want {
			return nil, nil
		}
		d.pending, d.want = nil, 0
		return p, nil
	}
	if d.pending != nil {
		missing := d.want - len(d.pending.Attachments)
		d.Reset()
		return nil, errorf("text message while %d binary attachment(s) are missing", missing)
	}
	p, n, err := d.decodeText(data)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		p.Attachments = make([][]byte, 0, n)
		d.pending, d.want = p, n
		return nil, nil
	}
	return p, nil
}

// Reset drops the partial packet the decoder may hold, as after an error.
func (d *Decoder) Reset() {
	d.pending, d.want = nil, 0
}

func (d *Decoder) maxAttachments() int {
	if d.MaxAttachments <= 0 {
		return DefaultMaxAttachments
	}
	return d.MaxAttachments
}

// decodeText decodes and validates a text message. It returns the packet
// and its attachment count.
func (d *Decoder) decodeText(b []byte) (*Packet, int, error) {
	if len(b) == 0 {
		return nil, 0, errorf("empty message")
	}
	if b[0] < '0' || b[0] > '0'+byte(BinaryAck) {
		return nil, 0, errorf("unknown packet type %q", b[0])
	}
	t := Type(b[0] - '0')
	i := 1

	n := 0
	if t.IsBinary() {
		limit := d.maxAttachments()
		start := i
		for ; i < len(b) && isDigit(b[i]); i++ {
			n = n*10 + int(b[i]-'0')
			if n > limit {
				return nil, 0, errorf("more than %d attachments", limit)
			}
		}
		if i == start {
			return nil, 0, errorf("%v without attachment count", t)
		}
		if i == len(b) || b[i] != '-' {
			return nil, 0, errorf("no '-' after the attachment count")
		}
		i++
	}

	ns := rootNamespace
	if i < len(b) && b[i] == '/' {
		var nsb []byte
		if j := bytes.IndexByte(b[i:], ','); j >= 0 {
			nsb, i = b[i:i+j], i+j+1
		} else {
			nsb, i = b[i:], len(b)
		}
		ns = d.namespace(nsb)
	}

	var id uint64
	hasID := false
	for ; i < len(b) && isDigit(b[i]); i++ {
		digit := uint64(b[i] - '0')
		if id > (math.MaxUint64-digit)/10 {
			return nil, 0, errorf("ack id overflows 64 bits")
		}
		id = id*10 + digit
		hasID = true
	}

	var data []byte
	if i < len(b) {
		data = b[i:]
	}
	if err := validate(t, hasID, data, n); err != nil {
		return nil, 0, err
	}
	return &Packet{Type: t, Namespace: ns, ID: id, HasID: hasID, Data: data}, n, nil
}

// namespace returns b as a string, reusing the previous namespace when it
// is the same: a connection mostly uses the same few.
func (d *Decoder) namespace(b []byte) string {
	if string(b) == rootNamespace {
		return rootNamespace
	}
	if string(b) != d.ns {
		d.ns = string(b)
	}
	return d.ns
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
