package redisadapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
)

// SubscriptionMode is the sharded adapter's subscriptionMode: which
// broadcasts get a channel of their own. Every node of a cluster, Go or
// Node.js, and the emitters must use the same.
type SubscriptionMode string

// The subscription modes of Node's createShardedAdapter.
const (
	// Dynamic: 2 channels per namespace, and one per public room (not a
	// socket's own); a broadcast to one such room goes to its channel,
	// which only the nodes with sockets in it listen to. Node's default.
	Dynamic SubscriptionMode = "dynamic"
	// DynamicPrivate: as Dynamic, the sockets' own rooms included.
	DynamicPrivate SubscriptionMode = "dynamic-private"
	// Static: 2 channels per namespace; every node gets every message.
	Static SubscriptionMode = "static"
)

// ShardedOptions configures a ShardedNode. The zero value of every field
// selects the default its comment gives; a nil *ShardedOptions selects
// all defaults.
type ShardedOptions struct {
	// Key prefixes every channel, as the channelPrefix option of Node's
	// createShardedAdapter. Default "socket.io".
	Key string
	// SubscriptionMode is Node's subscriptionMode. Default Dynamic.
	SubscriptionMode SubscriptionMode
	// RequestsTimeout bounds the wait for the other nodes' answers and
	// every Redis command. Default 5s.
	RequestsTimeout time.Duration
	// PublishQueue is how many messages may wait for Redis; past it,
	// messages to the other nodes are dropped (and logged). Default 8192.
	PublishQueue int
	// HealthCheckInterval is how often a silent subscriber connection is
	// pinged. Default 3s.
	HealthCheckInterval time.Duration
	// OnServerSideEmit receives the events other nodes (Go, Node.js, the
	// emitter) send with serverSideEmit. Default: they are dropped.
	OnServerSideEmit func(e *ServerEvent)
	// Logger receives diagnostics. Default: discard.
	Logger Logger
}

func (o *ShardedOptions) withDefaults() ShardedOptions {
	var c ShardedOptions
	if o != nil {
		c = *o
	}
	if c.Key == "" {
		c.Key = "socket.io"
	}
	if c.SubscriptionMode == "" {
		c.SubscriptionMode = Dynamic
	}
	if c.RequestsTimeout <= 0 {
		c.RequestsTimeout = 5 * time.Second
	}
	if c.PublishQueue <= 0 {
		c.PublishQueue = 8192
	}
	if c.HealthCheckInterval <= 0 {
		c.HealthCheckInterval = 3 * time.Second
	}
	if c.Logger == nil {
		c.Logger = nopLogger{}
	}
	return c
}

// ShardedNode is this server's membership of a cluster on Redis sharded
// pub/sub (Redis 7 SPUBLISH/SSUBSCRIBE, a Redis Cluster or a single
// Redis), in the protocol of Node's createShardedAdapter: the subscriber
// connections (one per shard), a queue of messages to publish, and the
// adapters of its namespaces. Its methods are safe for concurrent use.
type ShardedNode struct {
	client redis.UniversalClient
	opts   ShardedOptions
	uid    string
	subs   *shardSubs

	mu       sync.Mutex
	adapters map[string]*ShardedAdapter // by namespace
	byChan   map[string]*ShardedAdapter // every subscribed channel
	running  bool
	stop     chan struct{}
	done     sync.WaitGroup
	pubQ     chan publication

	pubUp   atomic.Bool
	dropped atomic.Int64 // since the last publication that went through

	// Stats (the subscriber reconnects are counted by subs)
	droppedTotal atomic.Int64
	pubFailed    atomic.Int64
}

// NewShardedNode returns a node on client (a *redis.ClusterClient for a
// Redis Cluster), which the caller keeps open until the node has closed.
// It subscribes when the first adapter is made and stops when the last one
// closes.
func NewShardedNode(client redis.UniversalClient, opts *ShardedOptions) *ShardedNode {
	var b [8]byte
	_, _ = rand.Read(b[:])
	n := &ShardedNode{
		client:   client,
		opts:     opts.withDefaults(),
		uid:      hex.EncodeToString(b[:]), // as socket.io-adapter's randomId
		adapters: make(map[string]*ShardedAdapter),
		byChan:   make(map[string]*ShardedAdapter),
	}
	n.subs = newShardSubs(client, n.opts.HealthCheckInterval, n.opts.Logger)
	n.pubUp.Store(true)
	return n
}

// NewAdapter returns the adapter of namespace nsp; it fits
// socketio.Options.NewAdapter.
func (n *ShardedNode) NewAdapter(nsp *socketio.Namespace) socketio.Adapter {
	a := newShardedAdapter(n, nsp)
	n.register(a)
	return a
}

// UID returns the node's id in the cluster.
func (n *ShardedNode) UID() string { return n.uid }

// Healthy reports whether the subscriber connections are up and the last
// publication went through.
func (n *ShardedNode) Healthy() bool { return n.subs.healthy() && n.pubUp.Load() }

// Ping checks the connection to Redis now (a PING of every master on a
// Redis Cluster), or returns ErrNotConnected while a subscriber is down.
func (n *ShardedNode) Ping(ctx context.Context) error {
	var err error
	if cc, ok := n.client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() })
	} else {
		err = n.client.Ping(ctx).Err()
	}
	if err != nil {
		return err
	}
	if !n.subs.healthy() {
		return ErrNotConnected
	}
	return nil
}

// Close closes every adapter of the node and its connections (not the
// client).
func (n *ShardedNode) Close() error {
	n.mu.Lock()
	list := make([]*ShardedAdapter, 0, len(n.adapters))
	for _, a := range n.adapters {
		list = append(list, a)
	}
	n.mu.Unlock()
	for _, a := range list {
		_ = a.Close()
	}
	return nil
}

func (n *ShardedNode) register(a *ShardedAdapter) {
	n.mu.Lock()
	n.adapters[a.nsp.Name()] = a
	if !n.running {
		n.start()
	}
	n.mu.Unlock()
	n.subscribe(a, a.channel, a.responseChannel)
}

// subscribe adds channels of a; the subscription is recorded even when
// Redis does not answer (it is made again when the connection is back).
func (n *ShardedNode) subscribe(a *ShardedAdapter, channels ...string) {
	n.mu.Lock()
	for _, ch := range channels {
		n.byChan[ch] = a
	}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
	defer cancel()
	if err := n.subs.subscribe(ctx, channels...); err != nil {
		n.opts.Logger.Warn("redisadapter: ssubscribe", "nsp", a.nsp.Name(), "channels", channels, "err", err)
	}
}

func (n *ShardedNode) unsubscribe(channels ...string) {
	n.mu.Lock()
	for _, ch := range channels {
		delete(n.byChan, ch)
	}
	n.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
	defer cancel()
	n.subs.unsubscribe(ctx, channels...)
}

func (n *ShardedNode) unregister(a *ShardedAdapter, channels []string) {
	n.mu.Lock()
	if n.adapters[a.nsp.Name()] != a {
		n.mu.Unlock()
		return
	}
	delete(n.adapters, a.nsp.Name())
	last := len(n.adapters) == 0
	n.mu.Unlock()
	n.unsubscribe(channels...)
	if !last {
		return
	}
	n.mu.Lock()
	stop := n.stop
	n.running = false
	n.mu.Unlock()
	close(stop)
	n.subs.close()
	n.done.Wait()
}

// start starts the goroutines that handle messages and publish; n.mu is
// held.
func (n *ShardedNode) start() {
	n.running = true
	n.stop = make(chan struct{})
	n.pubQ = make(chan publication, n.opts.PublishQueue)
	n.subs.start()
	n.done.Add(4)
	work, answers := make(chan *redis.Message, 4096), make(chan *redis.Message, 1024)
	go n.route(n.subs.out, work, answers, n.stop)
	go n.handle(work, n.stop)
	go n.handle(answers, n.stop)
	go n.publisher(n.pubQ, n.stop)
}

// route sends answers to this node's requests apart from the rest, so
// that a handler that asks the cluster gets its answers.
func (n *ShardedNode) route(in <-chan *redis.Message, work, answers chan *redis.Message, stop chan struct{}) {
	defer n.done.Done()
	for {
		select {
		case m := <-in:
			q := work
			if a := n.adapterFor(m.Channel); a != nil && m.Channel == a.responseChannel {
				q = answers
			}
			select {
			case q <- m:
			case <-stop:
				return
			}
		case <-stop:
			return
		}
	}
}

func (n *ShardedNode) adapterFor(ch string) *ShardedAdapter {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byChan[ch]
}

func (n *ShardedNode) handle(q chan *redis.Message, stop chan struct{}) {
	defer n.done.Done()
	for {
		select {
		case m := <-q:
			n.dispatch(m)
		case <-stop:
			return
		}
	}
}

func (n *ShardedNode) dispatch(m *redis.Message) {
	defer func() {
		if r := recover(); r != nil {
			n.opts.Logger.Warn("redisadapter: message handler panicked", "channel", m.Channel, "panic", r)
		}
	}()
	if a := n.adapterFor(m.Channel); a != nil {
		a.onRaw(m.Channel, []byte(m.Payload))
	}
}

// publish queues a message; it never waits for Redis.
func (n *ShardedNode) publish(channel string, payload []byte) {
	n.mu.Lock()
	q, running := n.pubQ, n.running
	n.mu.Unlock()
	if !running {
		return
	}
	select {
	case q <- publication{channel, payload}:
	default:
		n.droppedTotal.Add(1)
		if n.dropped.Add(1) == 1 {
			n.opts.Logger.Warn("redisadapter: publish queue full; messages to other nodes are dropped", "channel", channel)
		}
	}
}

func (n *ShardedNode) publisher(q chan publication, stop chan struct{}) {
	defer n.done.Done()
	batch := make([]publication, 0, 128)
	for {
		select {
		case p := <-q:
			batch = append(batch[:0], p)
		case <-stop:
			for {
				select {
				case p := <-q:
					n.send([]publication{p})
				default:
					return
				}
			}
		}
	more:
		for len(batch) < cap(batch) {
			select {
			case p := <-q:
				batch = append(batch, p)
			default:
				break more
			}
		}
		n.send(batch)
	}
}

func (n *ShardedNode) send(batch []publication) {
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
	defer cancel()
	var err error
	if len(batch) == 1 {
		err = n.client.SPublish(ctx, batch[0].channel, batch[0].payload).Err()
	} else {
		pipe := n.client.Pipeline()
		for _, p := range batch {
			pipe.SPublish(ctx, p.channel, p.payload)
		}
		_, err = pipe.Exec(ctx)
	}
	if err != nil {
		n.pubFailed.Add(int64(len(batch)))
	}
	if n.pubUp.Swap(err == nil) != (err == nil) {
		if err != nil {
			n.opts.Logger.Warn("redisadapter: spublish failed; messages to other nodes are lost until Redis is back", "uid", n.uid, "err", err, "messages", len(batch))
		} else {
			n.opts.Logger.Warn("redisadapter: publishing again", "uid", n.uid)
		}
	}
	if err == nil {
		n.dropped.Store(0)
	}
}

// serverCount returns the number of nodes subscribed to channel (PUBSUB
// SHARDNUMSUB, summed over the masters as the Node adapter does), this one
// included; 1 when Redis does not answer.
func (n *ShardedNode) serverCount(ctx context.Context, channel string) int {
	ctx, cancel := context.WithTimeout(ctx, n.opts.RequestsTimeout)
	defer cancel()
	var total atomic.Int64
	var err error
	if cc, ok := n.client.(*redis.ClusterClient); ok {
		err = cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			res, err := c.PubSubShardNumSub(ctx, channel).Result()
			total.Add(res[channel])
			return err
		})
	} else {
		var res map[string]int64
		res, err = n.client.PubSubShardNumSub(ctx, channel).Result()
		total.Store(res[channel])
	}
	if err != nil || total.Load() < 1 {
		return 1
	}
	return int(total.Load())
}
