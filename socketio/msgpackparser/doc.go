// Package msgpackparser is the MessagePack wire format of npm
// socket.io-msgpack-parser (3.x) for package socketio: a server with
// Options.Parser set to Parser{} talks to socket.io-client configured with
// that parser, and to no other client.
//
//	io := socketio.NewServer(&socketio.Options{Parser: msgpackparser.Parser{}})
//
//	// the client, in JavaScript:
//	// import customParser from "socket.io-msgpack-parser";
//	// const socket = io(url, { parser: customParser });
//
// # Wire format
//
// Every packet is one binary Engine.IO message: the MessagePack map
// {type, data, nsp, id} that notepack.io writes for the packet object, id
// only when the packet has an ack id. type is 0 CONNECT, 1 DISCONNECT,
// 2 EVENT, 3 ACK or 4 CONNECT_ERROR: binary values travel inside data as
// bin, so there are no BINARY_EVENT and BINARY_ACK packets and no
// attachments on the wire.
//
// The decoder checks each packet as the npm parser does: type an integer
// from 0 to 4, nsp a string, id absent or an integer, and data absent or an
// object (CONNECT), absent (DISCONNECT), a string or an object
// (CONNECT_ERROR), an array (EVENT, ACK). Beyond that, as the server's JSON
// parser does, an EVENT must have a name (a string that is not a reserved
// name such as "connect", or a number), an id must not be negative, and a
// packet may hold at most socketio.Options.MaxAttachments binary values. A
// text message (a client with the default parser) is an error too: the
// server closes that connection, and its client sees the transport close.
// Every error wraps parser.ErrInvalidPacket; no input makes the decoder
// panic.
//
// # Values
//
// Handlers written for the JSON parser work unchanged: the server keeps
// packets in the JSON form of package parser, and this package converts
// between that and MessagePack (package comment of
// socketio/internal/msgpackjson, the converter it shares with the Redis
// adapter's wire format). Incoming arguments are JSON to Event.Decode as
// usual, bin values are []byte (as binary attachments are with the JSON
// parser), and Args.Raw is the JSON of the decoded value rather than bytes
// as sent. The differences:
//   - integers are exact to 64 bits; a float decodes as its shortest text;
//     NaN and infinities are null;
//   - JavaScript's undefined is null in an array and leaves its member
//     out of an object; a Date is its ISO text ("2024-01-02T03:04:05.000Z");
//     an ArrayBuffer is []byte; a map key that is a number is its text;
//   - binary values in the CONNECT payload stay placeholders in
//     Handshake.Auth, which is JSON, without their bytes.
//
// Outgoing values are encoded as with the JSON parser (encoding/json, so
// struct tags and MarshalJSON apply; []byte as an argument or inside
// map[string]any and []any is binary, inside a struct base64 text), then
// converted: an integral number becomes a MessagePack integer, as
// notepack writes every integral JavaScript number, and binary a bin, which
// the Node client reads as a Buffer and the browser client as an
// ArrayBuffer. A json.RawMessage that is not valid JSON makes the emit
// fail (a broadcast logs it), where the JSON parser sends it as it is.
//
// Broadcasts are encoded once, whatever the number of sockets they reach,
// as with the JSON parser.
package msgpackparser
