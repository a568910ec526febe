package emitter_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
	"github.com/kin-comms/kinrt/socketio/redisadapter/redistest"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait of the tests.
const waitTimeout = 10 * time.Second

// recorder is a Client that keeps what is published, for the tests of the
// wire format.
type recorder struct {
	mu   sync.Mutex
	msgs []published
}

type published struct {
	sharded bool
	channel string
	payload []byte
}

func (r *recorder) add(sharded bool, channel string, message any) *redis.IntCmd {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, published{sharded, channel, message.([]byte)})
	cmd := redis.NewIntCmd(context.Background())
	cmd.SetVal(1)
	return cmd
}

func (r *recorder) Publish(_ context.Context, channel string, message any) *redis.IntCmd {
	return r.add(false, channel, message)
}

func (r *recorder) SPublish(_ context.Context, channel string, message any) *redis.IntCmd {
	return r.add(true, channel, message)
}

func (r *recorder) last(t *testing.T) published {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.msgs) == 0 {
		t.Fatal("nothing published")
	}
	return r.msgs[len(r.msgs)-1]
}

// newRedis returns a client of the test Redis and a key prefix of the
// test's own.
func newRedis(t *testing.T) (*redis.Client, string) {
	t.Helper()
	o, err := redis.ParseURL(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(o)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb, "kinemit-" + redistest.RandomID()
}

// goNode is a Go server of the cluster: socketio on redisadapter.
type goNode struct {
	io  *socketio.Server
	url string
	sse chan *redisadapter.ServerEvent // what the adapter's OnServerSideEmit option gets
	nsp chan *socketio.ServerEvent     // what the namespace's listener of "hello" gets
}

// startGoNode starts a node of cluster key on the classic adapter.
func startGoNode(t *testing.T, rdb *redis.Client, key string) *goNode {
	t.Helper()
	n := newGoNode()
	node := redisadapter.NewNode(rdb, &redisadapter.Options{Key: key, RequestsTimeout: 3 * time.Second,
		OnServerSideEmit: func(e *redisadapter.ServerEvent) { n.sse <- e }})
	n.serve(t, node.NewAdapter)
	return n
}

// startShardedGoNode starts a node of cluster key on sharded pub/sub.
func startShardedGoNode(t *testing.T, rdb redis.UniversalClient, key string) *goNode {
	t.Helper()
	n := newGoNode()
	node := redisadapter.NewShardedNode(rdb, &redisadapter.ShardedOptions{Key: key, RequestsTimeout: 3 * time.Second,
		OnServerSideEmit: func(e *redisadapter.ServerEvent) { n.sse <- e }})
	n.serve(t, node.NewAdapter)
	return n
}

func newGoNode() *goNode {
	return &goNode{sse: make(chan *redisadapter.ServerEvent, 8), nsp: make(chan *socketio.ServerEvent, 8)}
}

// serve starts the node's server on newAdapter: its clients join the rooms
// of their "join" query parameter, and its namespace's listener of the
// server-side event "hello" sends it to n.nsp.
func (n *goNode) serve(t *testing.T, newAdapter func(*socketio.Namespace) socketio.Adapter) {
	t.Helper()
	n.io = socketio.NewServer(&socketio.Options{NewAdapter: newAdapter})
	n.io.Use(func(s *socketio.Socket) error {
		if j := s.Handshake().Query.Get("join"); j != "" {
			s.Join(strings.Split(j, ",")...)
		}
		return nil
	})
	n.io.Of("/").OnServerSideEmit("hello", func(e *socketio.ServerEvent) { n.nsp <- e })
	ts := httptest.NewServer(n.io)
	n.url = ts.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.io.Shutdown(ctx)
		ts.Close()
	})
}

// waitSubscribed waits until n nodes listen on channel.
func waitSubscribed(t *testing.T, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		res, err := rdb.PubSubNumSub(context.Background(), channel).Result()
		if err == nil && res[channel] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d nodes on %s, want %d", res[channel], channel, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func dial(t *testing.T, url, query string) *siotest.Client {
	t.Helper()
	return siotest.Dial(t, url, query, nil, siotest.Timeout(waitTimeout))
}

// waitShardSubscribed waits until n clients listen on a shard channel.
func waitShardSubscribed(t *testing.T, rdb *redis.Client, channel string, n int64) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		res, err := rdb.PubSubShardNumSub(context.Background(), channel).Result()
		if err == nil && res[channel] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d nodes on %s, want %d", res[channel], channel, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
