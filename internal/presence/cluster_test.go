package presence

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// backend is a store the cluster's trackers share.
type backend struct {
	name string
	// stores returns a constructor of the stores of one cluster's nodes
	// (each node its own connection), on a presence of the test's own.
	stores func(t *testing.T, ttl time.Duration) func() clusterStore
	// unreachable returns a store whose server does not answer.
	unreachable func(t *testing.T, ttl time.Duration) clusterStore
}

// backends are the stores every cluster test runs on.
var backends = []backend{
	{
		name: "redis",
		stores: func(t *testing.T, ttl time.Duration) func() clusterStore {
			prefix := "test:presence:" + testenv.RandomID()
			t.Cleanup(func() {
				rdb := redisClient(t)
				keys, _ := rdb.Keys(context.Background(), prefix+":*").Result()
				if len(keys) > 0 {
					rdb.Del(context.Background(), keys...)
				}
			})
			return func() clusterStore { return &redisStore{rdb: redisClient(t), prefix: prefix, ttl: ttl} }
		},
		unreachable: func(t *testing.T, ttl time.Duration) clusterStore {
			redisClient(t) // skip or fail without Redis
			broken := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
			t.Cleanup(func() { _ = broken.Close() })
			return &redisStore{rdb: broken, prefix: "test:presence:" + testenv.RandomID(), ttl: ttl}
		},
	},
	{
		name: "postgres",
		stores: func(t *testing.T, ttl time.Duration) func() clusterStore {
			url := testenv.PostgresSchema(t) // a schema of the test's own
			setup := pgPool(t, url)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for range 2 { // idempotent
				if err := PreparePostgres(ctx, setup); err != nil {
					t.Fatal(err)
				}
			}
			return func() clusterStore { return &postgresStore{pool: pgPool(t, url), ttl: ttl} }
		},
		unreachable: func(t *testing.T, ttl time.Duration) clusterStore {
			testenv.Postgres(t) // skip or fail without PostgreSQL
			return &postgresStore{pool: pgPool(t, "postgres://postgres@127.0.0.1:1/test?connect_timeout=1"), ttl: ttl}
		},
	},
}

// pgPool returns a pool on url, closed at the end of the test.
func pgPool(t *testing.T, url string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// eachBackend runs test on every backend, in parallel.
func eachBackend(t *testing.T, test func(t *testing.T, b backend)) {
	t.Parallel()
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

// redisClient connects to the test Redis (REDIS_URL or 127.0.0.1:6379).
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// cluster is n trackers ("nodes") sharing one presence; every event any
// of them publishes goes to one channel.
type cluster struct {
	pub   published
	nodes []*ClusterTracker
}

// clusterOpts are the trackers' durations.
type clusterOpts struct{ grace, ttl time.Duration }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newCluster(t *testing.T, b backend, n int, opts clusterOpts) *cluster {
	t.Helper()
	stores := b.stores(t, opts.ttl)
	// Room for every event of the churn tests (a change per connection
	// and disconnection at most), which read them only at their end.
	c := &cluster{pub: make(published, 1000)}
	for i := 0; i < n; i++ {
		tr := newClusterTracker(stores(), c.pub, opts.ttl, opts.grace, quiet)
		c.nodes = append(c.nodes, tr)
		t.Cleanup(tr.Close)
	}
	return c
}

func TestClusterTabsOnTwoNodesCountOnce(t *testing.T) { eachBackend(t, testTabsOnTwoNodesCountOnce) }

func testTabsOnTwoNodesCountOnce(t *testing.T, be backend) {
	c := newCluster(t, be, 2, clusterOpts{grace: 20 * time.Millisecond, ttl: time.Minute})
	a, b := c.nodes[0], c.nodes[1]
	a.Connect(ann)
	if e := c.pub.next(t); e.Status != "online" || e.UserID != "u1" || e.Name != "Ann" || e.Department != "sales" {
		t.Fatalf("first tab: %+v", e)
	}
	b.Connect(ann) // a second tab, on another node
	a.Disconnect("u1")
	a.graceOverNow(t, "u1")
	c.pub.none(t)
	for _, n := range c.nodes {
		if l := n.List(nil); len(l) != 1 || l[0].Status != "online" {
			t.Fatalf("list with one tab left: %+v", l)
		}
	}
	b.Disconnect("u1")
	if e := c.pub.next(t); e.Status != "offline" || e.LastSeenAt.IsZero() {
		t.Fatalf("last tab gone: %+v", e)
	}
	c.pub.none(t)
	if l := a.List(nil); len(l) != 1 || l[0].Status != "offline" {
		t.Fatalf("list after: %+v", l)
	}
}

// graceOverNow waits until the node's grace timer for user has fired and
// its check is done.
func (t *ClusterTracker) graceOverNow(tb testing.TB, user string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		t.mu.Lock()
		pending := t.pending[user] != nil
		t.mu.Unlock()
		if !pending {
			// The timer's function removed the entry before its check:
			// run a check of our own, which is ordered after it in the store
			// only if it ran; a second check is harmless either way.
			t.check(user)
			return
		}
		if time.Now().After(deadline) {
			tb.Fatal("grace period never ended")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestClusterReloadWithinGraceIsSilent(t *testing.T) {
	eachBackend(t, testReloadWithinGraceIsSilent)
}

func testReloadWithinGraceIsSilent(t *testing.T, be backend) {
	c := newCluster(t, be, 2, clusterOpts{grace: time.Hour, ttl: time.Minute})
	c.nodes[0].Connect(ann)
	c.pub.next(t)
	c.nodes[0].Disconnect("u1")
	c.nodes[1].Connect(ann) // the reload landed on the other node
	c.pub.none(t)
	if l := c.nodes[0].List(nil); l[0].Status != "online" {
		t.Fatalf("after reload: %+v", l)
	}
}

func TestClusterSetStatusAcrossNodes(t *testing.T) { eachBackend(t, testSetStatusAcrossNodes) }

func testSetStatusAcrossNodes(t *testing.T, be backend) {
	c := newCluster(t, be, 2, clusterOpts{grace: 10 * time.Millisecond, ttl: time.Minute})
	if _, err := c.nodes[0].SetStatus(ann, "offline"); err != ErrStatus {
		t.Fatalf("SetStatus(offline) = %v", err)
	}
	if e, err := c.nodes[0].SetStatus(ann, "busy"); err != nil || e.Status != "offline" {
		t.Fatalf("status while offline: %+v %v", e, err)
	}
	c.pub.none(t)
	c.nodes[1].Connect(ann)
	if e := c.pub.next(t); e.Status != "busy" {
		t.Fatalf("connect with a chosen status: %+v", e)
	}
	if e, _ := c.nodes[0].SetStatus(ann, "away"); e.Status != "away" {
		t.Fatalf("away: %+v", e)
	}
	if e := c.pub.next(t); e.Status != "away" {
		t.Fatalf("away event: %+v", e)
	}
	c.nodes[1].SetStatus(ann, "away")
	c.pub.none(t)
}

// A node that dies without saying goodbye: its connections expire and
// exactly one of the surviving nodes takes the user offline.
func TestClusterDeadNodeUsersGoOffline(t *testing.T) { eachBackend(t, testDeadNodeUsersGoOffline) }

func testDeadNodeUsersGoOffline(t *testing.T, be backend) {
	c := newCluster(t, be, 3, clusterOpts{grace: 10 * time.Millisecond, ttl: 600 * time.Millisecond})
	dead := c.nodes[0]
	dead.Connect(ann)
	bob := auth.Principal{UserID: "u2", Name: "Bob", Role: "agent", Department: "support"}
	dead.Connect(bob)
	c.nodes[1].Connect(bob) // Bob has a tab on a living node too
	for i := 0; i < 2; i++ {
		if e := c.pub.next(t); e.Status != "online" {
			t.Fatalf("online: %+v", e)
		}
	}
	dead.die()
	if e := c.pub.next(t); e.UserID != "u1" || e.Status != "offline" {
		t.Fatalf("after the node died: %+v", e)
	}
	// Each living node sweeps several times more; nothing else is said.
	for _, n := range c.nodes[1:] {
		n.sweep()
		n.sweep()
	}
	c.pub.none(t)
	l := c.nodes[2].List(nil)
	if len(l) != 2 || l[0].UserID != "u1" || l[0].Status != "offline" || l[1].Status != "online" {
		t.Fatalf("list: %+v", l)
	}
}

// die stops the node's loop and forgets its connections without removing
// them from the store, as a SIGKILL would.
func (t *ClusterTracker) die() {
	t.closed.Do(func() {
		close(t.stop)
		<-t.done
		t.mu.Lock()
		for _, tm := range t.pending {
			tm.Stop()
		}
		t.conns = map[string][]localConn{}
		t.mu.Unlock()
	})
}

// Connections written while the store was unreachable are written again
// by the refresh once it is back.
func TestClusterOutageHeals(t *testing.T) { eachBackend(t, testOutageHeals) }

func testOutageHeals(t *testing.T, be backend) {
	pub := make(published, 10)
	tr := newClusterTracker(be.unreachable(t, time.Hour), pub, time.Hour, 0, quiet)
	defer tr.Close()
	tr.Connect(ann) // fails: logged, kept locally
	pub.none(t)
	if l := tr.List(nil); len(l) != 1 || l[0].Status != "online" {
		t.Fatalf("local list during the outage: %+v", l)
	}
	tr.store = be.stores(t, time.Hour)() // the store is back
	tr.refresh()
	e := pub.next(t)
	if e.Status != "online" || e.UserID != "u1" {
		t.Fatalf("after the outage: %+v", e)
	}
	tr.refresh() // written: nothing more to say
	pub.none(t)
	if l := tr.List(nil); len(l) != 1 || l[0].Status != "online" || l[0].Version != e.Version {
		t.Fatalf("list after the outage: %+v, want version %d", l, e.Version)
	}
}

// Many connections and disconnections at once on three nodes end with
// every user offline and one offline event per user.
func TestClusterConcurrentChurn(t *testing.T) { eachBackend(t, testConcurrentChurn) }

func testConcurrentChurn(t *testing.T, be backend) {
	c := newCluster(t, be, 3, clusterOpts{grace: time.Millisecond, ttl: time.Minute})
	users := []auth.Principal{ann, {UserID: "u2", Role: "agent"}, {UserID: "u3", Role: "agent"}}
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 20; round++ {
				p := users[(i+round)%len(users)]
				n.Connect(p)
				n.Disconnect(p.UserID)
			}
		}()
	}
	wg.Wait()
	for _, n := range c.nodes {
		for _, p := range users {
			n.graceOverNow(t, p.UserID)
		}
	}
	// The store decides each change once: per user, n versions in a row
	// from an odd one (1 on Redis), each once
	// (the nodes publish concurrently, so the channel's order is not
	// the store's, but the versions are), alternating online and offline, and
	// the highest is offline.
	byVersion := map[string]map[int64]string{}
	for len(c.pub) > 0 {
		e := <-c.pub
		if byVersion[e.UserID] == nil {
			byVersion[e.UserID] = map[int64]string{}
		}
		if _, dup := byVersion[e.UserID][e.Version]; dup {
			t.Fatalf("%s: version %d published twice", e.UserID, e.Version)
		}
		byVersion[e.UserID][e.Version] = e.Status
	}
	for _, p := range users {
		vs := byVersion[p.UserID]
		n := int64(len(vs))
		first := int64(1) << 62
		for v := range vs {
			first = min(first, v)
		}
		if first%2 != 1 {
			t.Errorf("%s: first version %d is even", p.UserID, first)
		}
		for v := first; v < first+n; v++ {
			want := events.PresenceOnline
			if (v-first)%2 == 1 {
				want = events.PresenceOffline
			}
			if vs[v] != want {
				t.Errorf("%s: version %d is %q, want %q (versions %v)", p.UserID, v, vs[v], want, vs)
			}
		}
		if n == 0 || n%2 != 0 {
			t.Errorf("%s: %d changes, want an even number ending offline", p.UserID, n)
		}
	}
	for _, e := range c.nodes[0].List(nil) {
		if e.Status != events.PresenceOffline {
			t.Errorf("%s ended %q", e.UserID, e.Status)
		}
	}
}

// Three nodes, each batching what it publishes: the store still decides each
// change once, so across all the nodes' batches every (user, version)
// appears exactly once, and the last is offline; a reload within the grace
// period adds nothing.
func TestClusterBatchedChurnExactlyOnce(t *testing.T) { eachBackend(t, testBatchedChurnExactlyOnce) }

func testBatchedChurnExactlyOnce(t *testing.T, be backend) {
	c := newCluster(t, be, 3, clusterOpts{grace: time.Millisecond, ttl: time.Minute})
	batchers := make([]*Batcher, len(c.nodes))
	for i, n := range c.nodes {
		batchers[i] = NewBatcher(c.pub, 5*time.Millisecond)
		n.pub = batchers[i]
	}
	var users []auth.Principal
	for i := range 8 {
		users = append(users, auth.Principal{UserID: "u" + string(rune('a'+i)), Role: "agent", Department: []string{"sales", "support"}[i%2]})
	}
	var wg sync.WaitGroup
	for i, n := range c.nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for round := 0; round < 30; round++ {
				p := users[(i+round)%len(users)]
				n.Connect(p)
				n.Disconnect(p.UserID)
			}
		}()
	}
	wg.Wait()
	for _, n := range c.nodes {
		for _, p := range users {
			n.graceOverNow(t, p.UserID)
		}
	}
	for _, b := range batchers {
		b.Close()
	}
	dept := map[string]string{}
	for _, p := range users {
		dept[p.UserID] = p.Department
	}
	seen := map[string]map[int64]string{}
	for len(c.pub) > 0 {
		e := <-c.pub
		if err := e.Validate(); err != nil {
			t.Fatalf("event %+v: %v", e, err)
		}
		for _, ch := range usersOf(e) {
			if dept[ch.UserID] != e.Department {
				t.Fatalf("%s of %s in a batch of %s", ch.UserID, dept[ch.UserID], e.Department)
			}
			if seen[ch.UserID] == nil {
				seen[ch.UserID] = map[int64]string{}
			}
			if _, dup := seen[ch.UserID][ch.Version]; dup {
				t.Fatalf("%s: version %d published twice", ch.UserID, ch.Version)
			}
			seen[ch.UserID][ch.Version] = ch.Status
		}
	}
	for _, p := range users {
		var top int64
		for v := range seen[p.UserID] {
			top = max(top, v)
		}
		if top == 0 || seen[p.UserID][top] != events.PresenceOffline {
			t.Errorf("%s: last change %d is %q, want offline (%v)", p.UserID, top, seen[p.UserID][top], seen[p.UserID])
		}
		// Coalescing may skip versions, never repeat or invent them.
		for v, s := range seen[p.UserID] {
			if want := map[bool]string{true: events.PresenceOnline, false: events.PresenceOffline}[v%2 == 1]; s != want {
				t.Errorf("%s: version %d is %q, want %q", p.UserID, v, s, want)
			}
		}
	}

	// A reload within the grace period, batched: silent.
	slow := newCluster(t, be, 2, clusterOpts{grace: time.Hour, ttl: time.Minute})
	for _, n := range slow.nodes {
		n.pub = NewBatcher(slow.pub, time.Hour)
	}
	slow.nodes[0].Connect(ann)
	slow.pub.next(t)
	slow.nodes[0].Disconnect("u1")
	slow.nodes[1].Connect(ann)
	for _, n := range slow.nodes {
		n.pub.(*Batcher).Flush()
	}
	slow.pub.none(t)
}

func TestClusterSweepChecksOnlyTheExpired(t *testing.T) {
	eachBackend(t, testSweepChecksOnlyTheExpired)
}

// testSweepChecksOnlyTheExpired: a sweep's candidates are the users whose
// connections may have expired (a dead node's, a closed node's), not the
// users that live nodes hold: a sweep costs what died, not every user.
// A closed node's users go offline at the others' next sweep.
func testSweepChecksOnlyTheExpired(t *testing.T, be backend) {
	c := newCluster(t, be, 3, clusterOpts{grace: 10 * time.Millisecond, ttl: 600 * time.Millisecond})
	dead, closed, live := c.nodes[0], c.nodes[1], c.nodes[2]
	users := make([]auth.Principal, 6)
	for i := range users {
		users[i] = auth.Principal{UserID: "s" + strconv.Itoa(i), Name: "S" + strconv.Itoa(i), Role: "agent", Department: "sales"}
	}
	dead.Connect(users[0])
	closed.Connect(users[1])
	for _, u := range users[2:] {
		live.Connect(u)
	}
	live.Connect(users[1]) // users[1] has a tab on the live node too
	for range 6 {
		if e := c.pub.next(t); e.Status != "online" {
			t.Fatalf("online: %+v", e)
		}
	}
	dead.die()
	if e := c.pub.next(t); e.UserID != "s0" || e.Status != "offline" {
		t.Fatalf("after the node died: %+v", e)
	}
	// The candidates are at most the dead and the closed node's users,
	// never those live nodes hold, and none once the dead node is
	// forgotten (its lease over for another TTL) and the users settled.
	ctx := context.Background()
	heldOnly := func(when string, cands []string) {
		t.Helper()
		for _, u := range cands {
			if u != "s0" && u != "s1" {
				t.Errorf("%s: %s, held by a live node, is a candidate (%v)", when, u, cands)
			}
		}
	}
	cands, err := live.store.candidates(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	heldOnly("after the death", cands)
	closed.Close()
	live.sweep() // users[1] is still on the live node: nothing is said
	c.pub.none(t)
	cands, err = live.store.candidates(ctx, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	heldOnly("after the close", cands)
	deadline := time.Now().Add(10 * time.Second)
	for len(cands) > 0 && time.Now().Before(deadline) {
		<-time.After(50 * time.Millisecond) // the dead node's lease runs out
		cands, err = live.store.candidates(ctx, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		heldOnly("later", cands)
	}
	if len(cands) > 0 {
		t.Errorf("still candidates 10 s after: %v", cands)
	}
	c.pub.none(t)
	if l := live.Lookup([]string{"s1", "nobody", "s0"}); len(l) != 2 || l[0].UserID != "s1" || l[0].Status != "online" || l[1].UserID != "s0" || l[1].Status != "offline" {
		t.Errorf("Lookup: %+v", l)
	}
}

// flakyStore fails connect while failing is set, as a store too slow for
// the request timeout in a storm would.
type flakyStore struct {
	clusterStore
	failing atomic.Bool
}

func (f *flakyStore) connect(ctx context.Context, node string, c localConn, now time.Time, touch bool) (outcome, error) {
	if f.failing.Load() {
		return outcome{}, context.DeadlineExceeded
	}
	return f.clusterStore.connect(ctx, node, c, now, touch)
}

func TestClusterFailedConnectWrittenAgain(t *testing.T) {
	eachBackend(t, testFailedConnectWrittenAgain)
}

// testFailedConnectWrittenAgain: a connection whose write failed is
// written by the node's next refresh, though its lease was never lost:
// the user comes online then, once.
func testFailedConnectWrittenAgain(t *testing.T, be backend) {
	pub := make(published, 10)
	flaky := &flakyStore{clusterStore: be.stores(t, time.Hour)()}
	tr := newClusterTracker(flaky, pub, time.Hour, 10*time.Millisecond, quiet)
	t.Cleanup(tr.Close)
	flaky.failing.Store(true)
	tr.Connect(ann)
	pub.none(t)
	tr.refresh() // still failing: nothing
	pub.none(t)
	flaky.failing.Store(false)
	tr.refresh()
	if e := pub.next(t); e.UserID != ann.UserID || e.Status != "online" {
		t.Fatalf("after the refresh: %+v", e)
	}
	tr.refresh()
	pub.none(t)
	if l := tr.Lookup([]string{ann.UserID}); len(l) != 1 || l[0].Status != "online" {
		t.Errorf("Lookup: %+v", l)
	}
}
