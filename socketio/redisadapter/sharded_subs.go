package redisadapter

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// shardSubs holds the SSUBSCRIBE connections of a ShardedNode: one per
// master of a Redis Cluster (a shard channel can be subscribed only on
// the shard that owns its slot), one in all on a single Redis. Each has a
// reader (forward) that pings it when silent; go-redis reconnects a
// failed one and subscribes again, and the reader counts it back
// (reconnects). Their messages meet in out.
type shardSubs struct {
	reconnects atomic.Int64 // connections that answered again after failing

	client   redis.UniversalClient
	health   time.Duration
	log      Logger
	out      chan *redis.Message
	mu       sync.Mutex
	conns    map[string]*shardConn // by master address ("" on a single Redis)
	channels map[string]string     // channel -> address of its conn
	wg       sync.WaitGroup
	stop     chan struct{}
}

type shardConn struct {
	ps *redis.PubSub
	n  int // channels subscribed
}

func newShardSubs(client redis.UniversalClient, health time.Duration, log Logger) *shardSubs {
	return &shardSubs{client: client, health: health, log: log, out: make(chan *redis.Message, 1024),
		conns: make(map[string]*shardConn), channels: make(map[string]string)}
}

func (s *shardSubs) start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop = make(chan struct{})
}

// addrOf returns the address of the master that owns channel's slot.
func (s *shardSubs) addrOf(ctx context.Context, channel string) (string, error) {
	cc, ok := s.client.(*redis.ClusterClient)
	if !ok {
		return "", nil
	}
	m, err := cc.MasterForKey(ctx, channel)
	if err != nil {
		return "", err
	}
	return m.Options().Addr, nil
}

// subscribe adds channels, on the connection of their shard.
func (s *shardSubs) subscribe(ctx context.Context, channels ...string) error {
	var first error
	for _, ch := range channels {
		if err := s.subscribeOne(ctx, ch); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (s *shardSubs) subscribeOne(ctx context.Context, ch string) error {
	addr, err := s.addrOf(ctx, ch)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.channels[ch]; ok {
		return nil
	}
	s.channels[ch] = addr
	if c := s.conns[addr]; c != nil {
		c.n++
		return c.ps.SSubscribe(ctx, ch)
	}
	// The first channel connects: SSubscribe of a ClusterClient connects to
	// the master of its slot (and, reconnecting, of one of its channels').
	// Reading starts after, lest it connect first, to any node.
	c := &shardConn{ps: s.client.SSubscribe(ctx, ch), n: 1}
	s.conns[addr] = c
	s.wg.Add(1)
	go s.forward(c.ps, s.stop)
	return nil
}

// unsubscribe removes channels; a connection left with none is closed.
func (s *shardSubs) unsubscribe(ctx context.Context, channels ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range channels {
		addr, ok := s.channels[ch]
		if !ok {
			continue
		}
		delete(s.channels, ch)
		c := s.conns[addr]
		c.n--
		if c.n == 0 {
			_ = c.ps.Close()
			delete(s.conns, addr)
			continue
		}
		_ = c.ps.SUnsubscribe(ctx, ch)
	}
}

// forward reads a subscriber connection until it is closed (or stop):
// its messages go to out, silence is answered with a ping, and a failure
// is waited out with backoff while go-redis reconnects; the first answer
// after a failure counts a reconnect.
func (s *shardSubs) forward(ps *redis.PubSub, stop chan struct{}) {
	defer s.wg.Done()
	ctx := context.Background()
	backoff, lost := 50*time.Millisecond, false
	for {
		msg, err := receiveOne(ctx, ps, s.health)
		select {
		case <-stop:
			return
		default:
		}
		if err != nil {
			if errors.Is(err, redis.ErrClosed) { // unsubscribed from its last channel
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				pctx, cancel := context.WithTimeout(ctx, s.health)
				err = ps.Ping(pctx)
				cancel()
				if err == nil {
					continue
				}
			}
			if !lost {
				s.log.Warn("redisadapter: a shard subscriber lost its connection; its broadcasts stay local until it is back", "err", err)
			}
			lost = true
			select {
			case <-stop:
				return
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
		if lost {
			lost = false
			s.reconnects.Add(1)
			s.log.Warn("redisadapter: shard subscriber connected again")
		}
		m, ok := msg.(*redis.Message)
		if !ok {
			continue
		}
		select {
		case s.out <- m:
		case <-stop:
			return
		}
	}
}

// healthy reports whether every connection answers (go-redis reconnects
// them; a connection that does not answer its pings shows here).
func (s *shardSubs) healthy() bool {
	s.mu.Lock()
	conns := make([]*redis.PubSub, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c.ps)
	}
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for _, ps := range conns {
		if err := ps.Ping(ctx); err != nil {
			return false
		}
	}
	return true
}

// close closes every connection and waits for their forwarders.
func (s *shardSubs) close() {
	s.mu.Lock()
	for addr, c := range s.conns {
		_ = c.ps.Close()
		delete(s.conns, addr)
	}
	clear(s.channels)
	stop := s.stop
	s.mu.Unlock()
	if stop != nil {
		close(stop)
	}
	s.wg.Wait()
}
