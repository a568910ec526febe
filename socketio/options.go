package socketio

import (
	"time"

	"github.com/kin-comms/kinrt/engineio"
)

// Options configures a Server. The zero value of every field selects the
// default its comment gives; a nil *Options selects all defaults.
type Options struct {
	// Engine configures the Engine.IO layer (transports, heartbeat,
	// payload and queue limits, CORS, Origin checks).
	Engine *engineio.Options
	// ConnectTimeout is how long a new Engine.IO connection may wait before
	// it joins a namespace; after that it is closed. Default 45s.
	ConnectTimeout time.Duration
	// AckTimeout is the default wait for a client's ack when EmitWithAck is
	// given a context without a deadline. Default: wait for the context.
	AckTimeout time.Duration
	// MaxAttachments limits the binary attachments of one packet.
	// Default 10.
	MaxAttachments int
	// Recovery, when set, turns on connection state recovery: a client that
	// reconnects within MaxDisconnectionDuration gets its id, rooms and
	// data back, and the broadcasts it missed. Off by default.
	Recovery *RecoveryOptions
	// NewAdapter makes the Adapter of each namespace. Default: the
	// in-memory adapter of a single node.
	NewAdapter func(n *Namespace) Adapter
	// CleanupEmptyChildNamespaces deletes a child namespace of a parent
	// (Server.OfMatch) when its last socket leaves, and closes its
	// adapter, as Node's cleanupEmptyChildNamespaces does; a client that
	// joins it later creates it anew. Default false: children are kept.
	CleanupEmptyChildNamespaces bool
	// OnDeliver, when set, is called after each broadcast with the number
	// of sockets of this node it was queued for (for metrics). It must be
	// fast and safe for concurrent use.
	OnDeliver func(namespace string, sockets int)
	// DeliveryLatency, when set, times broadcasts on their way to the
	// clients: one broadcast in DeliverySample is stamped
	// (engineio.Message.Stamp), and DeliveryLatency is called for each
	// connection of this node it is written to, after the write, with the
	// time since the broadcast began. It begins at BroadcastOperator.Emit
	// (Server.Emit, Namespace.Emit, To(…).Emit…) for a broadcast of this
	// node, the cluster adapter's round trip included when it delivers its
	// own broadcasts as they come back; at the delivery here for one that
	// came from another node (its receipt: the clocks of two machines are
	// not compared). It is engineio.Options.OnStampWritten underneath (one
	// set in Engine is called too), with the same rules: quick, never
	// blocking, on the writing goroutine. Unset, broadcasts read no clock.
	DeliveryLatency func(elapsed time.Duration)
	// DeliverySample is how many broadcasts there are for one timed by
	// DeliveryLatency. Default 8; 1 times every one.
	DeliverySample int
	// Logger receives the server's diagnostics. Default: discard.
	Logger engineio.Logger
	// Parser is the wire format of the packets (Node's parser option);
	// every client must use the same one. Default (nil): the JSON format
	// of npm socket.io-parser, which the unmodified socket.io-client
	// speaks. msgpackparser.Parser{} is that of npm
	// socket.io-msgpack-parser.
	Parser Parser
}

// RecoveryOptions configures connection state recovery (Node's
// connectionStateRecovery, Socket.IO 4.6 and later). Its zero value is
// Node's default: RecoveryOptions{} is connectionStateRecovery: {}.
type RecoveryOptions struct {
	// MaxDisconnectionDuration is how long the state of a disconnected
	// client is kept (Node's maxDisconnectionDuration). Default 2 minutes.
	MaxDisconnectionDuration time.Duration
	// RunMiddlewares runs the namespace middleware again when a client is
	// recovered. Default false: as with Node's default skipMiddlewares:
	// true, a recovered client skips them (it passed them when it first
	// connected). Set it when a middleware must check again what may have
	// changed meanwhile, such as a revoked session. Node's
	// skipMiddlewares: false is RunMiddlewares: true.
	RunMiddlewares bool
	// MaxLogBytes caps the broadcasts kept for recovery, per namespace,
	// besides their age: past it the oldest are dropped before their time,
	// and a client that missed one of them reconnects without recovery
	// (a fresh socket, as after MaxDisconnectionDuration). The memory
	// adapter counts each packet's bytes, rooms and bookkeeping; a cluster
	// adapter says how it counts (package redisadapter: the stream's
	// memory in Redis). Node has no such option. Default 64 MiB;
	// negative: no cap.
	MaxLogBytes int64
}

// defaultMaxLogBytes is RecoveryOptions.MaxLogBytes's default: about
// 7,000 events of 9 KiB or 150,000 of 200 bytes in the log of one
// namespace, while a single node's heap stays bounded under a burst.
const defaultMaxLogBytes = 64 << 20

type nopLogger struct{}

func (nopLogger) Debug(string, ...any) {}
func (nopLogger) Warn(string, ...any)  {}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 45 * time.Second
	}
	if c.MaxAttachments <= 0 {
		c.MaxAttachments = 10
	}
	if c.Recovery != nil {
		r := *c.Recovery
		if r.MaxDisconnectionDuration <= 0 {
			r.MaxDisconnectionDuration = 2 * time.Minute
		}
		if r.MaxLogBytes == 0 {
			r.MaxLogBytes = defaultMaxLogBytes
		}
		c.Recovery = &r
	}
	if c.NewAdapter == nil {
		c.NewAdapter = func(n *Namespace) Adapter { return NewMemoryAdapter(n) }
	}
	if c.Logger == nil {
		c.Logger = nopLogger{}
	}
	if c.DeliverySample <= 0 {
		c.DeliverySample = 8
	}
	if fn := c.DeliveryLatency; fn != nil {
		var e engineio.Options
		if c.Engine != nil {
			e = *c.Engine
		}
		if prev := e.OnStampWritten; prev != nil {
			e.OnStampWritten = func(d time.Duration) { prev(d); fn(d) }
		} else {
			e.OnStampWritten = fn
		}
		c.Engine = &e
	}
	return c
}
