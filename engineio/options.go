package engineio

import (
	"net/http"
	"time"
)

// Transport names a way of carrying packets between client and server.
type Transport string

// The transports of Engine.IO v4.
const (
	Polling   Transport = "polling"
	WebSocket Transport = "websocket"
)

// Options configures a Server. The zero value of every field selects the
// default that its comment gives; a nil *Options selects all defaults.
// NewServer copies the options, so changing them afterwards has no effect.
type Options struct {
	// PingInterval is the time between two pings sent by the server.
	// Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long the server waits for the pong after sending a
	// ping before it closes the connection. Default 20s.
	PingTimeout time.Duration
	// UpgradeTimeout bounds the upgrade from polling to WebSocket: a probe
	// that does not complete in time is closed and polling goes on.
	// Default 10s.
	UpgradeTimeout time.Duration
	// MaxPayload is the largest HTTP POST body and the largest WebSocket
	// message accepted, in bytes; it is announced to clients in the
	// handshake. A larger POST is answered 413 with an empty body, as
	// Node's engine.io does (the session goes on); a larger WebSocket
	// message closes the connection. Default 1,000,000 (Node's maxHttpBufferSize).
	MaxPayload int
	// MaxBufferedBytes caps the bytes queued for one connection and not yet
	// written. A connection whose queue would grow past it is closed with
	// ReasonSlowConsumer; volatile messages are dropped instead.
	// Default 4 MiB.
	MaxBufferedBytes int
	// MaxConnections caps the sessions open at once, counting handshakes
	// in progress. A handshake beyond it is answered 503
	// {"code":3,"message":"Server at capacity, try again later"} with
	// Retry-After: 5, before any upgrade, and counted by
	// Server.CapacityRefusals. Default 0: no cap.
	MaxConnections int
	// WriteTimeout bounds one write to a connection's transport.
	// Default 10s.
	WriteTimeout time.Duration
	// Transports lists the transports accepted. Default: polling and
	// websocket.
	Transports []Transport
	// DisableUpgrades stops polling sessions from upgrading to WebSocket
	// (the handshake then announces no upgrades).
	DisableUpgrades bool
	// CORS, when set, answers cross-origin polling requests. Nil sends no
	// CORS headers.
	CORS *CORS
	// CheckOrigin reports whether a request's Origin is acceptable. It runs
	// on every request (handshake, polling and WebSocket upgrade); a false
	// answer gets 403. Default: a request without Origin is accepted, one
	// with Origin is accepted when it is an http or https origin whose
	// host (and port) equals the request's Host, or when CORS allows it.
	// The default cannot tell a DNS-rebinding page (whose Origin and Host
	// name the attacker's domain) from the server's own: a server that
	// knows its public origin should check for it here.
	CheckOrigin func(r *http.Request) bool
	// AllowRequest runs on a handshake (a request without sid) before the
	// session is created: the place to check cookies or headers. A non-nil
	// error is answered 403 with the error's text as the message.
	AllowRequest func(r *http.Request) error
	// GenerateID, when set, returns the id of a new session (Node's
	// engine.generateId), from its handshake request: 1 to 128 printable
	// ASCII characters, no space, unique among the open sessions (a
	// client proves its session by its id alone: make it unguessable). An
	// error, or an id that breaks these rules, refuses the handshake as
	// Node does when generateId throws: 400 {"code":3,"message":"Bad
	// request"}, reported to OnConnectionError with Context["name"]
	// "ID_GENERATION_ERROR". Default: 20 random URL-safe characters.
	GenerateID func(r *http.Request) (string, error)
	// InitialHeaders, when set, adds headers to the answer to a handshake
	// (Node's "initial_headers" event): the first polling answer, or the
	// WebSocket's 101. It runs after the server has set its own headers
	// and before Headers. h is the response's header; r the request.
	InitialHeaders func(h http.Header, r *http.Request)
	// Headers, when set, adds headers to every successful answer (Node's
	// "headers" event): polling GETs and POSTs, and the 101 of every
	// WebSocket, handshake and upgrade alike. Refusals (4xx, 5xx) get
	// none, as with Node.
	Headers func(h http.Header, r *http.Request)
	// OnConnectionError, when set, is told of each request refused before
	// it reached a session (Node's "connection_error" event): unknown
	// transport or session, bad handshake method, bad request, Origin or
	// AllowRequest refusals, unsupported protocol version, and, Go only,
	// the refusals at MaxConnections and during Shutdown. It runs before
	// the refusal is written, on the request's goroutine: keep it short.
	OnConnectionError func(err *ConnectionError)
	// OnStampWritten, when set, is told how long messages sent with a
	// Stamp (Message.Stamp) took to reach their clients: once for each
	// stamped message and connection, after the write that carried it
	// (a WebSocket write, the rest of it included when the socket was
	// full; a polling answer) has ended, with the time since the stamp.
	// It runs on the writing goroutine, often a flusher that writes many
	// connections in turn: it must be quick and must not block (a
	// histogram's Observe). Messages without a stamp cost nothing, and a
	// nil OnStampWritten reads no clock.
	OnStampWritten func(elapsed time.Duration)
	// Cookie, when set, sends the session id in a cookie on the answer to
	// a polling handshake, for sticky sessions (Node's cookie option).
	// Default nil: no cookie, as Node's default.
	Cookie *Cookie
	// AllowEIO3 accepts clients of Engine.IO protocol 3 (Node's
	// allowEIO3): socket.io-client 2, whose server side package socketio
	// speaks too. Default false: such a handshake is refused with 400
	// {"code":5,"message":"Unsupported protocol version"}.
	AllowEIO3 bool
	// WebSocketBufferSize is the size of the buffer a WebSocket connection
	// reads with. It is pooled: a connection holds one only while the
	// client's data is arriving, not while it is idle. Default 4096.
	WebSocketBufferSize int
	// Logger receives the server's diagnostics. Default: discard.
	Logger Logger
	// PerMessageDeflate, when set, lets WebSocket connections negotiate
	// the permessage-deflate extension (RFC 7692) with clients that offer
	// it: messages of PerMessageDeflate.Threshold bytes or more are sent
	// compressed, unless sent with Message.Uncompressed, and compressed
	// messages from the client are accepted (inflated to at most
	// MaxPayload bytes). Nil: not negotiated, Node's default
	// (perMessageDeflate: false).
	PerMessageDeflate *PerMessageDeflate
	// HTTPCompression configures the compression of polling responses
	// (gzip or deflate, as the request's Accept-Encoding allows). Nil:
	// on, with Node's defaults (httpCompression: {threshold: 1024}).
	HTTPCompression *HTTPCompression

	// upgradeHold is how long a GET with nothing to carry waits during an
	// upgrade before it is released with a noop (the reference server
	// releases it at its next 100 ms check; tests lengthen it). Default 50ms.
	upgradeHold time.Duration
	// idleAfter is how long a WebSocket connection waits for data with its
	// reader goroutine before it is parked without one (tests shorten it).
	// Default 1s.
	idleAfter time.Duration
}

// CORS configures answers to cross-origin requests on the polling
// transport. WebSocket requests are not covered by CORS; CheckOrigin guards
// them.
type CORS struct {
	// AllowedOrigins lists the origins (scheme://host[:port]) allowed; "*"
	// allows any origin. With AllowCredentials the request's own origin is
	// echoed instead of "*".
	AllowedOrigins []string
	// AllowCredentials lets browsers send cookies on cross-origin polling
	// requests (Access-Control-Allow-Credentials: true).
	AllowCredentials bool
	// AllowedHeaders lists the request headers a preflight may ask for.
	// Default: the headers the preflight asks for are echoed.
	AllowedHeaders []string
	// MaxAge is how long a browser may cache a preflight answer.
	// Default: not sent.
	MaxAge time.Duration
}

// PerMessageDeflate configures the WebSocket permessage-deflate extension.
// The server always compresses each message on its own (it answers with
// server_no_context_takeover and client_no_context_takeover): no
// connection holds a compressor between messages, and a broadcast's
// compressed bytes are shared by the connections it reaches.
type PerMessageDeflate struct {
	// Threshold is the size, in bytes of the WebSocket payload, from which
	// a message is compressed; smaller ones are sent as they are.
	// Default 1024, Node's.
	Threshold int
	// Level is the compress/flate level, from flate.BestSpeed (1) to
	// flate.BestCompression (9), flate.DefaultCompression (6) or
	// flate.HuffmanOnly. Default (0): flate.BestSpeed. Node's zlib
	// defaults to 6; with compress/flate, levels 2 to 9 clear 640 KiB of
	// tables for every message, which made 4 KiB JSON messages 4 times
	// as slow to compress as level 1, for 2% of their size
	// (BenchmarkWebSocketBatchBuildDeflate).
	Level int
}

// HTTPCompression configures the compression of polling responses. A
// response is compressed when it is Threshold bytes or more, the client
// accepts gzip or deflate (Accept-Encoding), and one of the messages it
// carries allows compression (Message.Uncompressed not set).
type HTTPCompression struct {
	// Disable sends every polling response uncompressed (Node's
	// httpCompression: false).
	Disable bool
	// Threshold is the size, in bytes of the response body, from which
	// it is compressed. Default 1024, Node's.
	Threshold int
	// Level is the compression level, as PerMessageDeflate.Level.
	// Default (0): flate.BestSpeed, for the same reason.
	Level int
}

// Logger is the subset of *slog.Logger the server uses.
type Logger interface {
	Debug(msg string, args ...any)
	Warn(msg string, args ...any)
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Warn(string, ...any)  {}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.PingInterval <= 0 {
		c.PingInterval = 25 * time.Second
	}
	if c.PingTimeout <= 0 {
		c.PingTimeout = 20 * time.Second
	}
	if c.UpgradeTimeout <= 0 {
		c.UpgradeTimeout = 10 * time.Second
	}
	if c.MaxPayload <= 0 {
		c.MaxPayload = 1_000_000
	}
	if c.MaxBufferedBytes <= 0 {
		c.MaxBufferedBytes = 4 << 20
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if len(c.Transports) == 0 {
		c.Transports = []Transport{Polling, WebSocket}
	} else {
		c.Transports = append([]Transport(nil), c.Transports...)
	}
	if c.WebSocketBufferSize <= 0 {
		c.WebSocketBufferSize = 4096
	}
	if c.CORS != nil {
		cors := *c.CORS
		c.CORS = &cors
	}
	if c.Cookie != nil {
		cookie := *c.Cookie
		c.Cookie = &cookie
	}
	if c.Logger == nil {
		c.Logger = nopLogger{}
	}
	if c.PerMessageDeflate != nil {
		d := *c.PerMessageDeflate
		d.Threshold = defaultThreshold(d.Threshold)
		d.Level = compressionLevel(d.Level)
		c.PerMessageDeflate = &d
	}
	hc := HTTPCompression{}
	if c.HTTPCompression != nil {
		hc = *c.HTTPCompression
	}
	hc.Threshold = defaultThreshold(hc.Threshold)
	hc.Level = compressionLevel(hc.Level)
	c.HTTPCompression = &hc
	if c.upgradeHold <= 0 {
		c.upgradeHold = 50 * time.Millisecond
	}
	if c.idleAfter <= 0 {
		c.idleAfter = time.Second
	}
	return c
}

func (o *Options) allows(t Transport) bool {
	for _, x := range o.Transports {
		if x == t {
			return true
		}
	}
	return false
}
