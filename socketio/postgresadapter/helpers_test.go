package postgresadapter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait of the tests.
const waitTimeout = 10 * time.Second

// defaultPostgres is the test PostgreSQL (scripts/test starts it);
// KIN_TEST_POSTGRES names another.
const defaultPostgres = "postgres://127.0.0.1:5432/test?sslmode=disable"

func postgresURL() string {
	if v := os.Getenv("KIN_TEST_POSTGRES"); v != "" {
		return v
	}
	return defaultPostgres
}

// missing fails the test in CI (CI set) and skips it elsewhere.
func missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf(format, args...)
	}
	t.Skipf(format, args...)
}

// newPool returns a pool on the test PostgreSQL, closed when the test
// ends; unreachable, the test fails in CI and skips elsewhere.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), postgresURL())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		missing(t, "PostgreSQL at %s: %v (scripts/test starts it)", postgresURL(), err)
	}
	t.Cleanup(pool.Close)
	return pool
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// names returns a channel prefix and a table of the test's own; the
// table is dropped when the test ends.
func names(t testing.TB, pool *pgxpool.Pool) (prefix, table string) {
	id := randomID()
	prefix, table = "kintest-"+id, "kintest_att_"+id
	t.Cleanup(func() { _, _ = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+table) })
	return prefix, table
}

// eventually polls cond until it holds, failing the test after siotest.WaitTimeout.
var eventually = siotest.Eventually

// testNode is a socketio server on the adapter, behind an httptest server.
// Clients join the rooms of their "join" query parameter (comma-separated)
// and get {who: <"who" parameter>} as data.
type testNode struct {
	io   *socketio.Server
	node *Node
	ts   *httptest.Server
	url  string
	once sync.Once
}

// startNode starts a node on pool with opts (Channel and TableName
// given), and connection state recovery when rec is given; setup runs
// before it serves.
func startNode(t testing.TB, pool *pgxpool.Pool, opts Options, setup func(io *socketio.Server), rec ...*socketio.RecoveryOptions) *testNode {
	t.Helper()
	if opts.RequestsTimeout == 0 {
		opts.RequestsTimeout = 3 * time.Second
	}
	node, err := NewNode(context.Background(), pool, &opts)
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{node: node}
	so := &socketio.Options{NewAdapter: node.NewAdapter}
	if len(rec) > 0 {
		so.Recovery = rec[0]
	}
	n.io = socketio.NewServer(so)
	n.io.Use(func(s *socketio.Socket) error { // before the CONNECT reply
		if j := s.Handshake().Query.Get("join"); j != "" {
			s.Join(strings.Split(j, ",")...)
		}
		s.SetData(map[string]any{"who": s.Handshake().Query.Get("who")})
		return nil
	})
	if setup != nil {
		setup(n.io)
	}
	n.ts = httptest.NewServer(n.io)
	n.url = n.ts.URL
	t.Cleanup(n.stop)
	return n
}

// stop shuts the server down (its adapters say they leave) and closes the
// node.
func (n *testNode) stop() {
	n.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.io.Shutdown(ctx)
		n.ts.Close()
		_ = n.node.Close()
	})
}

// adapter returns the node's adapter of "/".
func (n *testNode) adapter() *Adapter { return n.io.Of("/").Adapter().(*Adapter) }

// startCluster starts n nodes of one cluster and waits until each knows all.
func startCluster(t *testing.T, n int, opts Options, setup func(io *socketio.Server)) ([]*testNode, *pgxpool.Pool) {
	t.Helper()
	pool := newPool(t)
	opts.Channel, opts.TableName = names(t, pool)
	nodes := make([]*testNode, n)
	for i := range nodes {
		nodes[i] = startNode(t, pool, opts, setup)
	}
	waitCount(t, n, nodes...)
	return nodes, pool
}

// waitCount waits until each node counts want nodes in the cluster.
func waitCount(t testing.TB, want int, nodes ...*testNode) {
	t.Helper()
	for i, n := range nodes {
		eventually(t, func() bool { return n.adapter().ServerCount() == want }, "node %d counts %d nodes, want %d", i, n.adapter().ServerCount(), want)
	}
}
