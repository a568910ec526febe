package parser

import (
	"bytes"
	"fmt"
)

// equalPackets reports whether a and b are the same packet (nil and empty
// Data or Attachments are equal).
func equalPackets(a, b *Packet) bool {
	if a == nil || b == nil {
		return a == b
	}
	na, nb := a.Namespace, b.Namespace
	if na == "" {
		na = "/"
	}
	if nb == "" {
		nb = "/"
	}
	if a.Type != b.Type || na != nb || a.HasID != b.HasID || (a.HasID && a.ID != b.ID) ||
		!bytes.Equal(a.Data, b.Data) || len(a.Attachments) != len(b.Attachments) {
		return false
	}
	for i := range a.Attachments {
		if !bytes.Equal(a.Attachments[i], b.Attachments[i]) {
			return false
		}
	}
	return true
}

func describe(p *Packet) string {
	if p == nil {
		return "<nil>"
	}
	s := fmt.Sprintf("{%v ns=%q", p.Type, p.Namespace)
	if p.HasID {
		s += fmt.Sprintf(" id=%d", p.ID)
	}
	if p.Data != nil {
		s += fmt.Sprintf(" data=%s", p.Data)
	}
	if len(p.Attachments) > 0 {
		s += fmt.Sprintf(" att=%q", p.Attachments)
	}
	return s + "}"
}

// decodeAll feeds text then bins to a fresh decoder and returns the packet.
// It fails if a packet comes out before the last message.
func decodeAll(d *Decoder, text []byte, bins [][]byte) (*Packet, error) {
	p, err := d.Decode(text, false)
	for _, b := range bins {
		if err != nil {
			return nil, err
		}
		if p != nil {
			return nil, fmt.Errorf("packet %s before all attachments", describe(p))
		}
		p, err = d.Decode(b, true)
	}
	if err == nil && p == nil {
		return nil, fmt.Errorf("no packet after %d attachments", len(bins))
	}
	return p, err
}
