package parser

import "strconv"

// AppendText appends the text message of p to dst and returns the extended
// buffer. For BinaryEvent and BinaryAck the attachment count written is
// len(p.Attachments); for other types p.Attachments is ignored.
//
// AppendText writes the fields as they are and does not validate them: p
// must be a packet that [Decoder.Decode] would accept (a known type, a
// namespace without ',', an ack id on Ack and BinaryAck, Data of the right
// shape). Every packet returned by Decode encodes back to an equal packet.
func AppendText(dst []byte, p *Packet) []byte {
	if p.Type < 10 {
		dst = append(dst, '0'+byte(p.Type))
	} else {
		dst = strconv.AppendUint(dst, uint64(p.Type), 10)
	}
	if p.Type.IsBinary() {
		dst = strconv.AppendUint(dst, uint64(len(p.Attachments)), 10)
		dst = append(dst, '-')
	}
	if p.Namespace != "" && p.Namespace != rootNamespace {
		dst = append(dst, p.Namespace...)
		dst = append(dst, ',')
	}
	if p.HasID {
		dst = strconv.AppendUint(dst, p.ID, 10)
	}
	return append(dst, p.Data...)
}

// Encode returns the messages that carry p: the text message, and for
// BinaryEvent and BinaryAck the attachments to send after it as binary
// messages, in order (that slice is p.Attachments itself, not a copy). For
// the other types attachments is nil. See [AppendText] for what p must
// satisfy.
func Encode(p *Packet) (text []byte, attachments [][]byte) {
	// type, count and '-', namespace and ',', id, data.
	n := 1 + 21 + len(p.Namespace) + 1 + 20 + len(p.Data)
	text = AppendText(make([]byte, 0, n), p)
	if p.Type.IsBinary() {
		attachments = p.Attachments
	}
	return text, attachments
}
