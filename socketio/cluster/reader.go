package cluster

import (
	"bytes"
	"encoding/json"
	"errors"

	"github.com/vmihailenco/msgpack/v5"

	"github.com/kin-comms/kinrt/socketio/internal/msgpackjson"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Reader reads the MessagePack values that the messages of Node's
// adapters share (socket.io-adapter's, and @socket.io/redis-adapter's
// classic protocol, whose envelopes differ): maps, strings, event
// packets, broadcast options, and JSON values whose binary is bin. Any
// input is safe: what is malformed is an error.
type Reader struct{ r reader }

// NewReader returns a Reader of b.
func NewReader(b []byte) *Reader {
	mr := msgpackjson.NewReader(b)
	return &Reader{reader{Reader: mr, d: mr.Decoder()}}
}

// Decoder returns the decoder under r, for the values r has no method
// for.
func (r *Reader) Decoder() *msgpack.Decoder { return r.r.d }

// Members reads a map, calling member with each key; member reads the
// value that follows it (or skips it with Decoder().Skip).
func (r *Reader) Members(member func(key string) error) error { return r.r.members(member) }

// Text reads a string; a number is its decimal text, anything else "".
func (r *Reader) Text() (string, error) { return r.r.anyString() }

// Int reads a number (integer or float) as an int64; anything else is 0.
func (r *Reader) Int() (int64, error) { return r.r.int() }

// Packet reads {type, data, nsp}, an EVENT or BINARY_EVENT.
func (r *Reader) Packet() (*parser.Packet, error) { return r.r.packet() }

// Opts reads {rooms, except, flags[, offset]}; a value that is not a map
// is skipped, as empty options.
func (r *Reader) Opts() (*Opts, error) { return r.r.opts() }

// JSON reads any value as JSON, its binary values as attachments behind
// socketio's placeholders.
func (r *Reader) JSON() (json.RawMessage, [][]byte, error) { return r.r.ReadJSON() }

// EncodePacketMsgpack writes p, an event, to e as {type: 2, data, nsp}
// (its binary values as bin), as the messages of Node's adapters carry a
// packet; w is e's buffer.
func EncodePacketMsgpack(e *msgpack.Encoder, w *bytes.Buffer, p *parser.Packet) error {
	if p == nil || len(p.Data) == 0 {
		return errors.New("cluster: broadcast without packet")
	}
	_ = e.EncodeMapLen(3)
	_ = e.EncodeString("type")
	_ = e.EncodeInt(int64(parser.Event)) // binary travels as bin: the receiver finds it
	_ = e.EncodeString("data")
	if err := msgpackjson.WriteJSON(e, w, p.Data, p.Attachments); err != nil {
		return err
	}
	_ = e.EncodeString("nsp")
	return e.EncodeString(nspOf(p))
}

// MarshalJSON writes o as the JSON messages of Node's adapters carry
// options: {rooms, except, flags[, offset]}.
func (o *Opts) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	err := writeJSONValue(&b, o)
	return b.Bytes(), err
}

// UnmarshalJSON reads options as MarshalJSON writes them, or as Node
// does; a room that is a number becomes its decimal text.
func (o *Opts) UnmarshalJSON(b []byte) error {
	var j jsonOpts
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*o = *j.opts()
	return nil
}
