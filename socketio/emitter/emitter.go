package emitter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"
)

// UID is the uid of the emitter's messages, as Node's emitter sets it:
// nodes know by it that no node sent them.
const UID = "emitter"

// ErrReservedEvent is returned by Emit for an event name that Socket.IO
// reserves (connect, disconnect, ...).
var ErrReservedEvent = errors.New("emitter: reserved event name")

// Client is what the emitter needs of Redis; *redis.Client,
// *redis.ClusterClient and redis.UniversalClient implement it.
type Client interface {
	Publish(ctx context.Context, channel string, message any) *redis.IntCmd
	SPublish(ctx context.Context, channel string, message any) *redis.IntCmd
}

// SubscriptionMode is the sharded adapter's subscriptionMode: which
// broadcasts go to a room's channel of their own.
type SubscriptionMode string

// The subscription modes of Node's createShardedAdapter.
const (
	// Dynamic: a broadcast to one public room (not a socket id) goes to
	// the room's channel. Node's default.
	Dynamic SubscriptionMode = "dynamic"
	// DynamicPrivate: a broadcast to one room, a socket's own included,
	// goes to the room's channel.
	DynamicPrivate SubscriptionMode = "dynamic-private"
	// Static: every message goes to the namespace's channel.
	Static SubscriptionMode = "static"
)

// Options configures an Emitter. The zero value of every field selects the
// default its comment gives; a nil *Options selects all defaults.
type Options struct {
	// Key prefixes every channel, as the key option of Node's adapter and
	// emitter (channelPrefix of the sharded adapter). Default "socket.io".
	Key string
	// Sharded selects the sharded adapter's protocol (SPUBLISH, Redis 7
	// and Redis Cluster). Default false: classic pub/sub.
	Sharded bool
	// SubscriptionMode is the sharded adapter's mode, which the emitter
	// must share to pick the channels it listens on. Default Dynamic.
	// Ignored unless Sharded.
	SubscriptionMode SubscriptionMode
}

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.Key == "" {
		c.Key = "socket.io"
	}
	if c.SubscriptionMode == "" {
		c.SubscriptionMode = Dynamic
	}
	return c
}

// Emitter publishes to one namespace of a cluster ("/" from New, others
// from Of). Its broadcasts reach every socket of the namespace; To, In,
// Except and Volatile return an Operator that narrows them.
type Emitter struct {
	client Client
	opts   Options
	nsp    string
}

// New returns an emitter of namespace "/" that publishes with client,
// which the caller keeps open while it is used.
func New(client Client, opts *Options) *Emitter {
	return &Emitter{client: client, opts: opts.withDefaults(), nsp: "/"}
}

// Of returns an emitter of namespace nsp ("/" is added in front when it is
// missing, as in Node).
func (e *Emitter) Of(nsp string) *Emitter {
	if !strings.HasPrefix(nsp, "/") {
		nsp = "/" + nsp
	}
	return &Emitter{client: e.client, opts: e.opts, nsp: nsp}
}

// Namespace returns the emitter's namespace.
func (e *Emitter) Namespace() string { return e.nsp }

func (e *Emitter) op() *Operator { return &Operator{e: e} }

// To selects the sockets in any of rooms.
func (e *Emitter) To(rooms ...string) *Operator { return e.op().To(rooms...) }

// In is To.
func (e *Emitter) In(rooms ...string) *Operator { return e.op().To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (e *Emitter) Except(rooms ...string) *Operator { return e.op().Except(rooms...) }

// Volatile marks broadcasts that a client not ready for them may miss.
func (e *Emitter) Volatile() *Operator { return e.op().Volatile() }

// Emit broadcasts an event to every socket of the namespace.
func (e *Emitter) Emit(ctx context.Context, event string, args ...any) error {
	return e.op().Emit(ctx, event, args...)
}

// SocketsJoin makes every socket of the namespace join rooms.
func (e *Emitter) SocketsJoin(ctx context.Context, rooms ...string) error {
	return e.op().SocketsJoin(ctx, rooms...)
}

// SocketsLeave makes every socket of the namespace leave rooms.
func (e *Emitter) SocketsLeave(ctx context.Context, rooms ...string) error {
	return e.op().SocketsLeave(ctx, rooms...)
}

// DisconnectSockets disconnects every socket of the namespace; close also
// closes their underlying connections.
func (e *Emitter) DisconnectSockets(ctx context.Context, close bool) error {
	return e.op().DisconnectSockets(ctx, close)
}

// ServerSideEmit sends an event to the servers of the cluster (on Go
// nodes, redisadapter.Options.OnServerSideEmit gets it; on Node.js nodes,
// the namespace's listeners). No server can acknowledge it, as in Node.
// Arguments travel as JSON.
func (e *Emitter) ServerSideEmit(ctx context.Context, event string, args ...any) error {
	msg, err := e.encodeServerSideEmit(event, args)
	if err != nil {
		return err
	}
	return e.publish(ctx, e.requestChannel(), msg)
}

// Operator is a selection of sockets: the rooms they are in, those they
// must not be in, and the flags of a broadcast. Its methods return a new
// Operator; the receiver never changes.
type Operator struct {
	e        *Emitter
	rooms    []string
	except   []string
	volatile bool
}

func (o *Operator) clone() *Operator {
	c := *o
	c.rooms = slices.Clone(o.rooms)
	c.except = slices.Clone(o.except)
	return &c
}

// To adds rooms to those selected: a socket in any of them is selected.
func (o *Operator) To(rooms ...string) *Operator {
	c := o.clone()
	c.rooms = addUnique(c.rooms, rooms)
	return c
}

// In is To.
func (o *Operator) In(rooms ...string) *Operator { return o.To(rooms...) }

// Except leaves out the sockets in any of rooms.
func (o *Operator) Except(rooms ...string) *Operator {
	c := o.clone()
	c.except = addUnique(c.except, rooms)
	return c
}

// Volatile marks broadcasts that a client not ready for them may miss.
func (o *Operator) Volatile() *Operator {
	c := o.clone()
	c.volatile = true
	return c
}

// addUnique appends the names of add not in list yet, as a JavaScript Set
// does.
func addUnique(list, add []string) []string {
	for _, r := range add {
		if !slices.Contains(list, r) {
			list = append(list, r)
		}
	}
	return list
}

// Emit broadcasts an event to the selected sockets of every node.
func (o *Operator) Emit(ctx context.Context, event string, args ...any) error {
	if reserved[event] {
		return fmt.Errorf("%w: %q", ErrReservedEvent, event)
	}
	data, err := eventData(event, args)
	if err != nil {
		return err
	}
	msg, err := o.encodeBroadcast(data)
	if err != nil {
		return err
	}
	return o.e.publish(ctx, o.broadcastChannel(), msg)
}

// SocketsJoin makes the selected sockets join rooms.
func (o *Operator) SocketsJoin(ctx context.Context, rooms ...string) error {
	return o.request(ctx, reqJoin, rooms, false)
}

// SocketsLeave makes the selected sockets leave rooms.
func (o *Operator) SocketsLeave(ctx context.Context, rooms ...string) error {
	return o.request(ctx, reqLeave, rooms, false)
}

// DisconnectSockets disconnects the selected sockets; close also closes
// their underlying connections.
func (o *Operator) DisconnectSockets(ctx context.Context, close bool) error {
	return o.request(ctx, reqDisconnect, nil, close)
}

func (o *Operator) request(ctx context.Context, kind requestKind, rooms []string, close bool) error {
	if rooms == nil {
		rooms = []string{}
	}
	msg, err := o.encodeRequest(kind, rooms, close)
	if err != nil {
		return err
	}
	return o.e.publish(ctx, o.e.requestChannel(), msg)
}

// broadcastChannel is where a broadcast goes: a room's own channel when it
// selects one room (classic: always; sharded: per SubscriptionMode), the
// namespace's otherwise.
func (o *Operator) broadcastChannel() string {
	base := o.e.opts.Key + "#" + o.e.nsp + "#"
	if len(o.rooms) != 1 {
		return base
	}
	room := o.rooms[0]
	if o.e.opts.Sharded {
		switch o.e.opts.SubscriptionMode {
		case Static:
			return base
		case Dynamic:
			if len(room) == 20 { // looks like a socket id: no channel of its own
				return base
			}
		}
	}
	return base + room + "#"
}

// requestChannel is where the other requests go: "<key>-request#<nsp>#"
// (classic), the namespace's channel (sharded).
func (e *Emitter) requestChannel() string {
	if e.opts.Sharded {
		return e.opts.Key + "#" + e.nsp + "#"
	}
	return e.opts.Key + "-request#" + e.nsp + "#"
}

func (e *Emitter) publish(ctx context.Context, channel string, msg []byte) error {
	var err error
	if e.opts.Sharded {
		err = e.client.SPublish(ctx, channel, msg).Err()
	} else {
		err = e.client.Publish(ctx, channel, msg).Err()
	}
	if err != nil {
		return fmt.Errorf("emitter: publish to %s: %w", channel, err)
	}
	return nil
}

// reserved are the event names Socket.IO keeps for itself (RESERVED_EVENTS
// of the Node emitter).
var reserved = map[string]bool{
	"connect": true, "connect_error": true, "disconnect": true,
	"disconnecting": true, "newListener": true, "removeListener": true,
}
