package engineio

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
)

// The codes of refused requests, as Node's engine.io numbers them
// (Server.errors): the "code" of the JSON body of a refusal and
// ConnectionError.Code.
const (
	CodeUnknownTransport           = 0 // "Transport unknown"
	CodeUnknownSID                 = 1 // "Session ID unknown"
	CodeBadHandshakeMethod         = 2 // "Bad handshake method"
	CodeBadRequest                 = 3 // "Bad request"
	CodeForbidden                  = 4 // "Forbidden"
	CodeUnsupportedProtocolVersion = 5 // "Unsupported protocol version"
)

// codeMessages are Node's messages of the codes (Server.errorMessages).
var codeMessages = [...]string{
	CodeUnknownTransport:           "Transport unknown",
	CodeUnknownSID:                 "Session ID unknown",
	CodeBadHandshakeMethod:         "Bad handshake method",
	CodeBadRequest:                 "Bad request",
	CodeForbidden:                  "Forbidden",
	CodeUnsupportedProtocolVersion: "Unsupported protocol version",
}

// ConnectionError is a request the server refused before it reached a
// session: what Node's engine.io emits as "connection_error".
// Options.OnConnectionError receives it.
type ConnectionError struct {
	// Request is the refused request. Its body has not been read.
	Request *http.Request
	// Code is one of the Code constants, as Node's err.code.
	Code int
	// Message is the code's message, as Node's err.message ("Session ID
	// unknown"); the text the client got may be more precise (an
	// AllowRequest error's, under Context["message"]).
	Message string
	// Context holds the details, under the keys of Node's err.context:
	// "transport" (code 0); "sid" (code 1); "method" (code 2); "name"
	// ("TRANSPORT_MISMATCH" with "transport" and "previousTransport",
	// "TRANSPORT_HANDSHAKE_ERROR", "ID_GENERATION_ERROR" with "error", and,
	// Go only, "AT_CAPACITY" and "SHUTTING_DOWN") for code 3; "message"
	// (AllowRequest's error), or, Go only, "name" "ORIGIN_NOT_ALLOWED"
	// with "origin" (CheckOrigin said no) for code 4; "protocol" (the EIO
	// query parameter: an int when it is a number, else the string) for
	// code 5.
	Context map[string]any
}

// Error returns the message with its code.
func (e *ConnectionError) Error() string {
	return fmt.Sprintf("engineio: connection error %d: %s", e.Code, e.Message)
}

// refuse answers r with e, after reporting it to OnConnectionError with
// the details in ctx.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, e requestError, ctx map[string]any) {
	s.report(r, e, ctx)
	e.write(w)
}

// report tells OnConnectionError that r is refused with e.
func (s *Server) report(r *http.Request, e requestError, ctx map[string]any) {
	if fn := s.opts.OnConnectionError; fn != nil {
		msg := ""
		if e.code >= 0 && e.code < len(codeMessages) {
			msg = codeMessages[e.code]
		}
		fn(&ConnectionError{Request: r, Code: e.code, Message: msg, Context: ctx})
	}
}

// protocolContext is the "protocol" of a code 5 refusal: the EIO
// parameter, as a number when it is one.
func protocolContext(eio string) map[string]any {
	if n, err := strconv.Atoi(eio); err == nil {
		return map[string]any{"protocol": n}
	}
	return map[string]any{"protocol": eio}
}

// RequestReceiver is a Receiver that also wants the HTTP request that
// carried each message: the polling POST it came in (whose headers may
// differ from the handshake's, a refreshed cookie say), or the request
// that opened the WebSocket it came on (the handshake of a session born
// on WebSocket, else the upgrade). When the Receiver a Handler returns
// implements it, the server calls OnRequestMessage instead of OnMessage.
// The request's body has been read; read the request during the call
// (its context ends when a POST is answered).
type RequestReceiver interface {
	Receiver
	// OnRequestMessage is OnMessage with the request that carried the
	// message.
	OnRequestMessage(data []byte, binary bool, r *http.Request)
}

// errIDInUse is a GenerateID answer that names an open session.
var errIDInUse = errors.New("engineio: generated session id is in use")

// sessionID returns the id of a new session: Options.GenerateID's, when
// set, which must be 1 to 128 printable ASCII characters other than space
// and not the id of an open session; else 20 random URL-safe characters.
func (s *Server) sessionID(r *http.Request) (string, error) {
	if s.opts.GenerateID == nil {
		return newID(), nil
	}
	id, err := s.opts.GenerateID(r)
	if err != nil {
		return "", err
	}
	if len(id) == 0 || len(id) > 128 {
		return "", fmt.Errorf("engineio: generated session id of %d bytes (want 1 to 128)", len(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return "", fmt.Errorf("engineio: generated session id has byte %#x (want printable ASCII, no space)", id[i])
		}
	}
	if s.Conn(id) != nil {
		return "", errIDInUse
	}
	return id, nil
}

// hookHeaders adds what the hooks add to the headers of a successful
// response to r (a polling answer or the WebSocket 101): on a handshake
// (r has no sid), the cookie (when sid is known: polling) and
// InitialHeaders first; then Headers, on every one.
func (s *Server) hookHeaders(h http.Header, r *http.Request, sid string) {
	o := &s.opts
	if (o.Cookie != nil || o.InitialHeaders != nil) && !r.URL.Query().Has("sid") {
		if o.Cookie != nil && sid != "" {
			h.Add("Set-Cookie", o.Cookie.header(sid))
		}
		if o.InitialHeaders != nil {
			o.InitialHeaders(h, r)
		}
	}
	if o.Headers != nil {
		o.Headers(h, r)
	}
}

// hasHeaderHooks reports whether a WebSocket 101 gets headers from hooks.
func (o *Options) hasHeaderHooks() bool {
	return o.InitialHeaders != nil || o.Headers != nil
}

// Protocol returns the Engine.IO protocol revision the client speaks: 4,
// or 3 for a client accepted by Options.AllowEIO3 (socket.io-client 2).
func (c *Conn) Protocol() int {
	if c.eio3 {
		return 3
	}
	return 4
}
