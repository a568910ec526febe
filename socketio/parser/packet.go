package parser

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Type is the type of a Socket.IO packet, sent as one decimal digit.
type Type byte

// The packet types of protocol version 5.
const (
	Connect      Type = iota // CONNECT: join a namespace (client), or accept the join (server)
	Disconnect               // DISCONNECT: leave a namespace
	Event                    // EVENT: an event with JSON arguments
	Ack                      // ACK: the answer to an event that carried an ack id
	ConnectError             // CONNECT_ERROR: the server refused to join a namespace
	BinaryEvent              // BINARY_EVENT: an EVENT with binary attachments
	BinaryAck                // BINARY_ACK: an ACK with binary attachments
)

var typeNames = [...]string{
	Connect:      "CONNECT",
	Disconnect:   "DISCONNECT",
	Event:        "EVENT",
	Ack:          "ACK",
	ConnectError: "CONNECT_ERROR",
	BinaryEvent:  "BINARY_EVENT",
	BinaryAck:    "BINARY_ACK",
}

// String returns the protocol name of t, such as "BINARY_EVENT", or
// "Type(N)" for an unknown type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// IsBinary reports whether packets of type t carry binary attachments,
// that is whether t is BinaryEvent or BinaryAck.
func (t Type) IsBinary() bool { return t == BinaryEvent || t == BinaryAck }

// rootNamespace is the namespace of packets that name none.
const rootNamespace = "/"

// Packet is one Socket.IO packet.
type Packet struct {
	// Type is the packet type.
	Type Type
	// Namespace is the namespace, "/" when the packet names none. When
	// encoding, "" means "/" too; any other value must start with '/' and
	// contain no ','.
	Namespace string
	// ID is the ack id; it is meaningful only when HasID is true.
	ID uint64
	// HasID tells whether the packet carries an ack id. It must be true
	// for Ack and BinaryAck.
	HasID bool
	// Data is the JSON data exactly as on the wire (for binary packets
	// with the attachment placeholders in place), nil when absent.
	Data json.RawMessage
	// Attachments are the binary attachments of a BinaryEvent or
	// BinaryAck, in order; the placeholder {"_placeholder":true,"num":N}
	// in Data stands for Attachments[N]. Other types have none.
	Attachments [][]byte
}

// ErrInvalidPacket is wrapped by every error that reports malformed input:
// all errors of [Decoder.Decode] and of [SplitArgs]. Test for it with
// errors.Is; the error message tells what is wrong.
var ErrInvalidPacket = errors.New("socketio/parser: invalid packet")

// errorf returns an error that wraps ErrInvalidPacket.
func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalidPacket}, args...)...)
}
