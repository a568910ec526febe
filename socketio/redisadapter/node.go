package redisadapter

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
)

// ErrNotConnected is returned by Ping while the node's subscriber
// connection to Redis is down: broadcasts from other nodes do not arrive.
var ErrNotConnected = errors.New("redisadapter: not subscribed to Redis")

// Node is this server's membership of the cluster: the Redis connections
// the adapters of all its namespaces share (one subscriber, a queue of
// messages to publish), and their health. Its methods are safe for
// concurrent use.
type Node struct {
	client redis.UniversalClient
	opts   Options
	uid    string

	mu       sync.Mutex
	adapters map[string]*Adapter // by namespace name
	byChan   map[string]*Adapter // request and response channels, broadcast patterns
	ps       *redis.PubSub
	stop     chan struct{}
	done     sync.WaitGroup
	pubQ     chan publication
	respQ    chan *redis.Message // answers to this node's requests
	workQ    chan *redis.Message // broadcasts and requests, in order

	subUp   atomic.Bool  // the subscriber is connected and subscribed
	subLost atomic.Bool  // the subscriber failed and has not answered since
	pubUp   atomic.Bool  // the last publication went through
	dropped atomic.Int64 // messages dropped since the queue was last full

	// Stats
	droppedTotal atomic.Int64 // messages dropped, the queue full
	pubFailed    atomic.Int64 // messages Redis did not take
	reconnects   atomic.Int64 // the subscriber answered again after failing
}

type publication struct {
	channel string
	payload []byte
}

// New returns a function for socketio.Options.NewAdapter that gives each
// namespace an Adapter on client. It is NewNode(client, opts).NewAdapter;
// use NewNode to keep the Node for its health.
func New(client redis.UniversalClient, opts *Options) func(*socketio.Namespace) socketio.Adapter {
	return NewNode(client, opts).NewAdapter
}

// NewNode returns a node on client, which the caller keeps open until the
// node has closed. The node connects when the first adapter is made and
// disconnects when the last one closes (socketio.Server.Shutdown closes
// them).
func NewNode(client redis.UniversalClient, opts *Options) *Node {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return &Node{
		client:   client,
		opts:     opts.withDefaults(),
		uid:      base64.RawURLEncoding.EncodeToString(b[:]),
		adapters: make(map[string]*Adapter),
		byChan:   make(map[string]*Adapter),
	}
}

// NewAdapter returns the Adapter of namespace n; it fits
// socketio.Options.NewAdapter. A Node serves one socketio.Server: give
// each server of a process a Node of its own.
func (n *Node) NewAdapter(nsp *socketio.Namespace) socketio.Adapter {
	a := newAdapter(n, nsp)
	n.register(a)
	return a
}

// UID returns the node's id in the cluster, the uid of its messages.
func (n *Node) UID() string { return n.uid }

// Healthy reports whether the node is connected to Redis: subscribed, and
// publishing. While it is not, broadcasts reach this node's clients only.
func (n *Node) Healthy() bool { return n.subUp.Load() && n.pubUp.Load() }

// reachable reports whether Redis is not known to be down: no failure
// seen since the last success. A broadcast appends to the recovery stream
// only then, so that it never waits for a Redis that does not answer.
func (n *Node) reachable() bool { return !n.subLost.Load() && n.pubUp.Load() }

// Ping checks the connection to Redis now: it returns the error of a PING,
// or ErrNotConnected while the subscriber is down. Fit for a readiness
// probe.
func (n *Node) Ping(ctx context.Context) error {
	if err := n.client.Ping(ctx).Err(); err != nil {
		return err
	}
	if !n.subUp.Load() {
		return ErrNotConnected
	}
	return nil
}

// Close closes every adapter of the node and its connections (not the
// client).
func (n *Node) Close() error {
	n.mu.Lock()
	list := make([]*Adapter, 0, len(n.adapters))
	for _, a := range n.adapters {
		list = append(list, a)
	}
	n.mu.Unlock()
	for _, a := range list {
		_ = a.Close()
	}
	return nil
}

// register subscribes to the channels of a, starting the node if needed.
func (n *Node) register(a *Adapter) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.adapters[a.nsp.Name()] = a
	c := a.ch
	n.byChan[c.pattern] = a
	n.byChan[c.request] = a
	n.byChan[c.response] = a
	n.byChan[c.specific] = a
	if n.ps == nil {
		n.start()
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
	defer cancel()
	// Recorded even when they fail: the subscriber subscribes again when it
	// reconnects.
	if err := n.ps.PSubscribe(ctx, c.pattern); err != nil {
		n.opts.Logger.Warn("redisadapter: subscribe", "nsp", a.nsp.Name(), "err", err)
	}
	if err := n.ps.Subscribe(ctx, c.request, c.response, c.specific); err != nil {
		n.opts.Logger.Warn("redisadapter: subscribe", "nsp", a.nsp.Name(), "err", err)
	}
}

// unregister unsubscribes a; the last adapter stops the node.
func (n *Node) unregister(a *Adapter) {
	n.mu.Lock()
	if n.adapters[a.nsp.Name()] != a {
		n.mu.Unlock()
		return
	}
	delete(n.adapters, a.nsp.Name())
	c := a.ch
	for _, ch := range []string{c.pattern, c.request, c.response, c.specific} {
		delete(n.byChan, ch)
	}
	ps, last := n.ps, len(n.adapters) == 0
	var stop chan struct{}
	if last {
		n.ps, stop = nil, n.stop
	}
	n.mu.Unlock()
	if ps == nil {
		return
	}
	if !last {
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
		defer cancel()
		_ = ps.PUnsubscribe(ctx, c.pattern)
		_ = ps.Unsubscribe(ctx, c.request, c.response, c.specific)
		return
	}
	close(stop)
	_ = ps.Close()
	n.done.Wait()
	n.subUp.Store(false)
}

// start opens the subscriber and starts the receiving and publishing
// goroutines; n.mu is held.
func (n *Node) start() {
	n.ps = n.client.Subscribe(context.Background())
	n.stop = make(chan struct{})
	n.pubQ = make(chan publication, n.opts.PublishQueue)
	n.respQ = make(chan *redis.Message, 1024)
	n.workQ = make(chan *redis.Message, 4096)
	n.pubUp.Store(true)
	n.done.Add(4)
	go n.receive(n.ps, n.workQ, n.respQ, n.stop)
	go n.handle(n.workQ, n.stop)
	go n.handle(n.respQ, n.stop)
	go n.publisher(n.pubQ, n.stop)
}

// handle handles the messages of q in order until stop. Broadcasts and
// requests have one goroutine, answers another, and neither reads Redis:
// a handler that runs there (a disconnect handler, when another node
// disconnects a socket) and asks the other nodes something gets its
// answers.
func (n *Node) handle(q chan *redis.Message, stop chan struct{}) {
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

// isAnswer reports whether ch is a response channel of an adapter.
func (n *Node) isAnswer(ch string) bool {
	a := n.adapterFor(ch)
	return a != nil && ch != a.ch.request
}

// adapterFor returns the adapter that owns a channel or pattern.
func (n *Node) adapterFor(ch string) *Adapter {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.byChan[ch]
}

// receive reads the subscriber until stop: messages go to their adapter,
// silence is answered with a ping, errors mark the node down until the
// subscriber (which go-redis reconnects and subscribes again) answers.
func (n *Node) receive(ps *redis.PubSub, work, answers chan *redis.Message, stop chan struct{}) {
	defer n.done.Done()
	ctx := context.Background()
	backoff := 50 * time.Millisecond
	for {
		msg, err := receiveOne(ctx, ps, n.opts.HealthCheckInterval)
		select {
		case <-stop:
			return
		default:
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				pctx, cancel := context.WithTimeout(ctx, n.opts.RequestsTimeout)
				err = ps.Ping(pctx)
				cancel()
				if err == nil {
					continue
				}
			}
			n.setSub(false, err)
			select {
			case <-stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		n.setSub(true, nil)
		if !n.pubUp.Load() {
			n.probePub(ctx) // a quiet node has no publication to tell it
		}
		m, ok := msg.(*redis.Message)
		if !ok {
			continue
		}
		q := work
		if m.Pattern == "" && n.isAnswer(m.Channel) {
			q = answers
		}
		select {
		case q <- m:
		case <-stop:
			return
		}
	}
}

// receiveOne is ps.ReceiveTimeout, with a panic in the client (on a reply
// it did not expect) turned into an error.
func receiveOne(ctx context.Context, ps *redis.PubSub, d time.Duration) (msg any, err error) {
	defer func() {
		if r := recover(); r != nil {
			msg, err = nil, fmt.Errorf("redisadapter: receive: %v", r)
		}
	}()
	return ps.ReceiveTimeout(ctx, d)
}

func (n *Node) setSub(up bool, err error) {
	if n.subLost.Swap(!up) && up {
		n.reconnects.Add(1)
	}
	if n.subUp.Swap(up) != up {
		if up {
			n.opts.Logger.Warn("redisadapter: subscriber connected", "uid", n.uid)
		} else {
			n.opts.Logger.Warn("redisadapter: subscriber lost its connection; broadcasts stay local until it is back", "uid", n.uid, "err", err)
		}
	}
}

// dispatch hands a message to the adapter of its channel. A handler never
// panics the node: a bad message is logged and dropped.
func (n *Node) dispatch(m *redis.Message) {
	defer func() {
		if r := recover(); r != nil {
			n.opts.Logger.Warn("redisadapter: message handler panicked", "channel", m.Channel, "panic", r)
		}
	}()
	key := m.Channel
	if m.Pattern != "" {
		key = m.Pattern
	}
	a := n.adapterFor(key)
	if a == nil {
		return
	}
	a.onMessage(m.Channel, m.Pattern != "", []byte(m.Payload))
}

// publish queues a message; it never waits for Redis.
func (n *Node) publish(channel string, payload []byte) {
	n.mu.Lock()
	q := n.pubQ
	running := n.ps != nil
	n.mu.Unlock()
	if !running {
		return
	}
	select {
	case q <- publication{channel, payload}:
		if d := n.dropped.Load(); d > 0 && n.dropped.CompareAndSwap(d, 0) {
			n.opts.Logger.Warn("redisadapter: publish queue has room again", "dropped", d)
		}
	default:
		n.droppedTotal.Add(1)
		if n.dropped.Add(1) == 1 {
			n.opts.Logger.Warn("redisadapter: publish queue full; messages to other nodes are dropped", "channel", channel)
		}
	}
}

// publisher sends queued messages in pipelines, in order, until stop;
// then it sends what is left, within RequestsTimeout.
func (n *Node) publisher(q chan publication, stop chan struct{}) {
	defer n.done.Done()
	batch := make([]publication, 0, 128)
	for {
		select {
		case p := <-q:
			batch = append(batch[:0], p)
		case <-stop:
			n.flush(q)
			return
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

func (n *Node) flush(q chan publication) {
	var batch []publication
	for {
		select {
		case p := <-q:
			batch = append(batch, p)
		default:
			if len(batch) > 0 {
				n.send(batch)
			}
			return
		}
	}
}

func (n *Node) send(batch []publication) {
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
	defer cancel()
	var err error
	if len(batch) == 1 {
		err = n.client.Publish(ctx, batch[0].channel, batch[0].payload).Err()
	} else {
		pipe := n.client.Pipeline()
		for _, p := range batch {
			pipe.Publish(ctx, p.channel, p.payload)
		}
		_, err = pipe.Exec(ctx)
	}
	if err != nil {
		n.pubFailed.Add(int64(len(batch)))
	}
	n.setPub(err == nil, err, len(batch))
}

// probePub checks with a PING that commands go through again.
func (n *Node) probePub(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, n.opts.RequestsTimeout)
	defer cancel()
	err := n.client.Ping(ctx).Err()
	n.setPub(err == nil, err, 0)
}

// setPub records whether Redis took the node's last command.
func (n *Node) setPub(up bool, err error, messages int) {
	if n.pubUp.Swap(up) != up {
		if up {
			n.opts.Logger.Warn("redisadapter: publishing again", "uid", n.uid)
		} else {
			n.opts.Logger.Warn("redisadapter: publish failed; messages to other nodes are lost until Redis is back", "uid", n.uid, "err", err, "messages", messages)
		}
	}
}

// serverCount returns the number of nodes subscribed to a request channel
// (PUBSUB NUMSUB), this one included; 1 when Redis does not answer. On a
// Redis Cluster, each subscriber is counted by the server it is connected
// to: the counts of all are summed, as the Node adapter does.
func (n *Node) serverCount(ctx context.Context, channel string) int {
	ctx, cancel := context.WithTimeout(ctx, n.opts.RequestsTimeout)
	defer cancel()
	var total atomic.Int64
	var err error
	if cc, ok := n.client.(*redis.ClusterClient); ok {
		err = cc.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
			res, err := c.PubSubNumSub(ctx, channel).Result()
			total.Add(res[channel])
			return err
		})
	} else {
		var res map[string]int64
		res, err = n.client.PubSubNumSub(ctx, channel).Result()
		total.Store(res[channel])
	}
	if err != nil || total.Load() < 1 {
		return 1
	}
	return int(total.Load())
}

func newRequestID() string {
	var b [9]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
