package postgresadapter

import (
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/kin-comms/kinrt/socketio"
)

// Options configures a Node; the names are those of Node's
// createAdapter options. The zero value of every field selects the
// default its comment gives; a nil *Options selects all defaults. Every
// node of a cluster, Go or Node.js, and the emitters must agree on
// Channel, TableName and PayloadThreshold.
type Options struct {
	// Channel prefixes the notification channel of each namespace,
	// "<Channel>#<namespace>" (Node's channelPrefix), which PostgreSQL
	// limits to 63 bytes. Default "socket.io".
	Channel string
	// TableName is the table of the messages too large for a
	// notification or holding binary data (Node's tableName); NewNode
	// creates it when it does not exist. A name, or schema.name, of
	// letters, digits and underscores. Default "socket_io_attachments".
	// With connection state recovery on, "<TableName>_log",
	// "<TableName>_sessions" and "<TableName>_nodes" are created beside it
	// (doc.go).
	TableName string
	// PayloadThreshold is the size in bytes from which a message goes
	// through the table, its notification carrying only its id (Node's
	// payloadThreshold). PostgreSQL refuses a notification of 8000 bytes
	// or more: a larger value counts as 8000. Default 8000.
	PayloadThreshold int
	// HeartbeatInterval is how long a namespace's adapter may stay silent
	// before it sends a heartbeat. Default 5s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long another node may stay silent before it
	// is taken for gone. Default 10s.
	HeartbeatTimeout time.Duration
	// CleanupInterval is the time between two deletions of the table's
	// rows older than it. Default 30s.
	CleanupInterval time.Duration
	// RequestsTimeout bounds the wait for the other nodes' answers and
	// every query the node sends. Default 5s.
	RequestsTimeout time.Duration
	// PublishQueue is how many messages may wait to be sent; past it,
	// messages to the other nodes are dropped (and logged), never waited
	// for. Default 8192.
	PublishQueue int
	// OnServerSideEmit receives every event other nodes send with
	// ServerSideEmit, of every namespace, before the namespace's
	// listeners of its name (socketio.Namespace.OnServerSideEmit, the
	// usual way to receive them). Default: none.
	OnServerSideEmit func(e *socketio.ServerEvent)
	// Logger receives diagnostics: lost and regained connections, dropped
	// and malformed messages. Default: discard.
	Logger *slog.Logger
}

var tableName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$`)

// withDefaults returns a copy of o with the defaults filled in, or an
// error for a value that cannot work.
func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Channel == "" {
		c.Channel = "socket.io"
	}
	if c.TableName == "" {
		c.TableName = "socket_io_attachments"
	}
	if !tableName.MatchString(c.TableName) {
		return c, fmt.Errorf("postgresadapter: table name %q: want letters, digits and underscores (schema.name allowed)", c.TableName)
	}
	if c.PayloadThreshold <= 0 || c.PayloadThreshold > 8000 {
		c.PayloadThreshold = 8000
	}
	if c.HeartbeatInterval <= 0 {
		c.HeartbeatInterval = 5 * time.Second
	}
	if c.HeartbeatTimeout <= 0 {
		c.HeartbeatTimeout = 10 * time.Second
	}
	if c.CleanupInterval <= 0 {
		c.CleanupInterval = 30 * time.Second
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.PublishQueue <= 0 {
		c.PublishQueue = 8192
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
