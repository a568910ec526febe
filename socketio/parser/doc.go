// Package parser encodes and decodes Socket.IO packets (protocol version 5,
// the format of the JavaScript socket.io-parser 4.x).
//
// # Wire format
//
// A packet is one text message, followed for the binary types by its
// attachments, each sent as a separate binary message. The text message is
//
//	<type>[<attachments>-][<namespace>,][<ack id>][<JSON data>]
//
// where
//   - type is one decimal digit: 0 CONNECT, 1 DISCONNECT, 2 EVENT, 3 ACK,
//     4 CONNECT_ERROR, 5 BINARY_EVENT, 6 BINARY_ACK;
//   - attachments, the number of binary attachments followed by '-', is
//     present for BINARY_EVENT and BINARY_ACK only (and required there);
//   - namespace is present only when it is not "/": it starts with '/' and
//     runs up to the first ',' (which is consumed) or the end of the message;
//   - ack id is a run of decimal digits (an unsigned 64-bit number): allowed on
//     EVENT and BINARY_EVENT, required on ACK and BINARY_ACK;
//   - data is the rest of the message, a JSON value whose shape depends on
//     the type: CONNECT an optional object, DISCONNECT none, CONNECT_ERROR a
//     string or an object, EVENT and BINARY_EVENT an array whose first
//     element is the event name (a string that is not a reserved name such
//     as "connect") or a number, ACK and BINARY_ACK an array. Only CONNECT
//     and DISCONNECT may go without data.
//
// In the JSON data of a binary packet each binary value is replaced by a
// placeholder object {"_placeholder":true,"num":N}, N being the index of
// the attachment that holds its bytes. This package leaves placeholders in
// place (see [IsPlaceholder] and [AppendPlaceholder]); the decoder checks
// that every placeholder is well formed and refers to an existing attachment.
//
// Examples of text messages:
//
//	0                             CONNECT to "/"
//	0/admin,{"token":"123"}       CONNECT to "/admin" with a payload
//	2["hello",1]                  EVENT "hello" with the argument 1
//	2/admin,12["hello"]           EVENT on "/admin" with ack id 12
//	312[1,"2"]                    ACK for id 12
//	51-["up",{"_placeholder":true,"num":0}]   BINARY_EVENT, 1 attachment
//
// # Usage
//
// [AppendText] and [Encode] produce the messages for a [Packet]; a
// [Decoder], one per connection, turns the incoming messages back into
// packets. [SplitArgs] and [AppendArgs] split and join the JSON array of an
// EVENT or ACK without re-encoding its elements.
//
// # Concurrency
//
// A [Decoder] keeps the state of one connection and must not be used by
// several goroutines at once. The functions of the package are safe for
// concurrent use.
package parser
