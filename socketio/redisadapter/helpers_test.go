package redisadapter

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter/redistest"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) {
	redis.SetLogger(quietRedis{}) // the tests that cut Redis off would fill the output with dial errors
	goleak.VerifyTestMain(m)
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// waitTimeout bounds every wait of the tests.
const waitTimeout = 10 * time.Second

// newRedis returns a client of the test Redis (redistest.URL: skipped,
// or failed in CI, when there is none) and a key prefix of the test's own.
func newRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	rdb := redis.NewClient(redisOptions(t))
	t.Cleanup(func() { _ = rdb.Close() })
	key := "kintest-" + redistest.RandomID()
	t.Cleanup(func() { deleteKeys(rdb, key) }) // after the nodes stopped
	return rdb, key
}

// deleteKeys deletes the keys (sessions, streams) of cluster key.
func deleteKeys(rdb *redis.Client, key string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, key+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func redisOptions(t testing.TB) *redis.Options {
	t.Helper()
	o, err := redis.ParseURL(redistest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// eventually polls cond until it holds, failing the test after siotest.WaitTimeout.
var eventually = siotest.Eventually

// testNode is a socketio server on the adapter, behind an httptest server.
type testNode struct {
	io   *socketio.Server
	node *Node
	ts   *httptest.Server
	once sync.Once
}

type nodeConfig struct {
	opts     *Options
	recovery *socketio.RecoveryOptions
	engine   *engineio.Options
	setup    func(io *socketio.Server)
	client   *redis.Client // default: a client of its own
}

// startNode starts a node of the cluster named key.
func startNode(t testing.TB, key string, cfg nodeConfig) *testNode {
	t.Helper()
	var o Options
	if cfg.opts != nil {
		o = *cfg.opts
	}
	o.Key = key
	if o.RequestsTimeout == 0 {
		o.RequestsTimeout = 3 * time.Second
	}
	rdb := cfg.client
	if rdb == nil {
		rdb = redis.NewClient(redisOptions(t))
		t.Cleanup(func() { _ = rdb.Close() })
	}
	n := &testNode{node: NewNode(rdb, &o)}
	n.io = socketio.NewServer(&socketio.Options{NewAdapter: n.node.NewAdapter, Recovery: cfg.recovery, Engine: cfg.engine})
	n.io.Use(func(s *socketio.Socket) error { // before the CONNECT reply
		for _, r := range s.Handshake().Query["join"] {
			s.Join(strings.Split(r, ",")...)
		}
		return nil
	})
	if cfg.setup != nil {
		cfg.setup(n.io)
	}
	n.ts = httptest.NewServer(n.io)
	t.Cleanup(n.stop)
	return n
}

func (n *testNode) stop() {
	n.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.io.Shutdown(ctx)
		n.ts.Close()
	})
}

// waitNodes waits until n nodes listen on the request channel of nsp.
func waitNodes(t testing.TB, rdb *redis.Client, key, nsp string, n int64) {
	t.Helper()
	ch := key + "-request#" + nsp + "#"
	eventually(t, func() bool {
		res, err := rdb.PubSubNumSub(context.Background(), ch).Result()
		return err == nil && res[ch] == n
	}, "%d nodes subscribed to %s", n, ch)
}
