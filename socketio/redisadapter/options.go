package redisadapter

import "time"

// Options configures a Node. The zero value of every field selects the
// default its comment gives; a nil *Options selects all defaults.
type Options struct {
	// Key prefixes every channel and key of the cluster, as the Node
	// adapter's and emitter's key option. Default "socket.io".
	Key string
	// RequestsTimeout bounds the wait for the other nodes' answers
	// (FetchSockets, the client counts of a broadcast with acks,
	// ServerSideEmitWithAck) and every Redis command the adapter sends.
	// Default 5s.
	RequestsTimeout time.Duration
	// HealthCheckInterval is how long the subscriber connection may stay
	// silent before it is pinged; a failed ping marks the node unhealthy
	// and reconnects. Default 3s.
	HealthCheckInterval time.Duration
	// PublishQueue is how many messages may wait for Redis; past it,
	// messages to the other nodes are dropped (and logged), never waited
	// for. Default 8192.
	PublishQueue int
	// StreamMaxLen, when set, caps the recovery stream of each namespace at
	// that many broadcasts; by default it keeps those of the last
	// MaxDisconnectionDuration. socketio.RecoveryOptions.MaxLogBytes
	// bounds it too, by the bytes of its entries.
	StreamMaxLen int64
	// OnServerSideEmit receives every event other nodes send with
	// ServerSideEmit (Go or Node.js, and the Node emitter), of every
	// namespace, before the namespace's listeners of its name
	// (socketio.Namespace.OnServerSideEmit, the usual way to receive them,
	// as Node's io.on(event)). Default: none.
	OnServerSideEmit func(e *ServerEvent)
	// Logger receives diagnostics: lost and regained connections, dropped
	// and malformed messages. A *slog.Logger fits. Default: discard.
	Logger Logger
}

// Logger is what the adapter logs to; *slog.Logger implements it.
type Logger interface {
	Debug(msg string, args ...any)
	Warn(msg string, args ...any)
}

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Warn(string, ...any)  {}

// withDefaults returns a copy of o with the defaults filled in.
func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Key == "" {
		c.Key = "socket.io"
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.HealthCheckInterval <= 0 {
		c.HealthCheckInterval = 3 * time.Second
	}
	if c.PublishQueue <= 0 {
		c.PublishQueue = 8192
	}
	if c.Logger == nil {
		c.Logger = nopLogger{}
	}
	return c
}
