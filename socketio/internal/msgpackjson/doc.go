// Package msgpackjson converts between the JSON data of Socket.IO packets
// (package parser: binary values as attachment placeholders) and
// MessagePack values as notepack.io writes and reads them, the codec of npm
// socket.io-msgpack-parser and @socket.io/redis-adapter.
//
// JSON to MessagePack: objects become maps (member order kept), arrays
// arrays, strings str, integral numbers the smallest int or uint (as
// notepack writes every integral number), other numbers float64, and each
// placeholder the bin of its attachment.
//
// MessagePack to JSON: str and map keys become strings (a number key its
// decimal text), bin a placeholder with the bytes as an attachment, int
// and uint their exact decimal text, floats their shortest text (NaN and
// infinities null, as JSON.stringify writes them), notepack's undefined
// (fixext 1 of type 0) null in an array and nothing in a map (its member
// is left out), its Date (fixext 8 of type 0) and the timestamp
// extension (type -1) the ISO text Date.toJSON writes, its ArrayBuffer
// (ext of type 0) binary, and any other extension [type, binary], as
// notepack decodes it.
//
// Input is bounded: nesting deeper than MaxDepth is an error, and a
// length is checked against the bytes left before anything is allocated.
package msgpackjson
