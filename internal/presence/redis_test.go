package presence

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// redisClient connects to the test Redis (REDIS_URL or 127.0.0.1:6379).
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	url := os.Getenv("REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = rdb.Close()
		testenv.Missing(t, "redis at %s: %v (scripts/test starts one)", url, err)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// cluster is n trackers ("nodes") sharing one key prefix; every event any
// of them publishes goes to one channel.
type cluster struct {
	pub   published
	nodes []*RedisTracker
}

func newCluster(t *testing.T, n int, opts RedisOptions) *cluster {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	opts.Prefix = "test:presence:" + hex.EncodeToString(b[:])
	opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	c := &cluster{pub: make(published, 100)}
	for i := 0; i < n; i++ {
		tr := NewRedisTracker(redisClient(t), c.pub, opts)
		c.nodes = append(c.nodes, tr)
		t.Cleanup(tr.Close)
	}
	t.Cleanup(func() {
		rdb := redisClient(t)
		keys, _ := rdb.Keys(context.Background(), opts.Prefix+":*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
	return c
}

func TestRedisTabsOnTwoNodesCountOnce(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2, RedisOptions{Grace: 20 * time.Millisecond, TTL: time.Minute})
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
func (t *RedisTracker) graceOverNow(tb testing.TB, user string) {
	tb.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		t.mu.Lock()
		pending := t.grace[user] != nil
		t.mu.Unlock()
		if !pending {
			// The timer's function removed the entry before its check:
			// run a check of our own, which is ordered after it in Redis
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

func TestRedisReloadWithinGraceIsSilent(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2, RedisOptions{Grace: time.Hour, TTL: time.Minute})
	c.nodes[0].Connect(ann)
	c.pub.next(t)
	c.nodes[0].Disconnect("u1")
	c.nodes[1].Connect(ann) // the reload landed on the other node
	c.pub.none(t)
	if l := c.nodes[0].List(nil); l[0].Status != "online" {
		t.Fatalf("after reload: %+v", l)
	}
}

func TestRedisSetStatusAcrossNodes(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 2, RedisOptions{Grace: 10 * time.Millisecond, TTL: time.Minute})
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
func TestRedisDeadNodeUsersGoOffline(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, RedisOptions{Grace: 10 * time.Millisecond, TTL: 600 * time.Millisecond})
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
// them from Redis, as a SIGKILL would.
func (t *RedisTracker) die() {
	t.closed.Do(func() {
		close(t.stop)
		<-t.done
		t.mu.Lock()
		for _, tm := range t.grace {
			tm.Stop()
		}
		t.conns = map[string][]localConn{}
		t.mu.Unlock()
	})
}

// Connections written while Redis was unreachable are written again by
// the refresh once it is back.
func TestRedisOutageHeals(t *testing.T) {
	t.Parallel()
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "test:presence:" + hex.EncodeToString(b[:])
	redisClient(t) // skip or fail without Redis
	broken := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = broken.Close() })
	pub := make(published, 10)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	tr := NewRedisTracker(broken, pub, RedisOptions{Prefix: prefix, TTL: time.Hour, Logger: quiet})
	defer tr.Close()
	tr.Connect(ann) // fails: logged, kept locally
	pub.none(t)
	if l := tr.List(nil); len(l) != 1 || l[0].Status != "online" {
		t.Fatalf("local list during the outage: %+v", l)
	}
	tr.rdb = redisClient(t) // Redis is back
	tr.refresh()
	if e := pub.next(t); e.Status != "online" || e.UserID != "u1" {
		t.Fatalf("after the outage: %+v", e)
	}
	t.Cleanup(func() {
		rdb := redisClient(t)
		keys, _ := rdb.Keys(context.Background(), prefix+":*").Result()
		if len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
	})
}

// Many connections and disconnections at once on three nodes end with
// every user offline and one offline event per user.
func TestRedisConcurrentChurn(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, RedisOptions{Grace: time.Millisecond, TTL: time.Minute})
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
	// Redis decides each change once: per user, versions 1..n each once
	// (the nodes publish concurrently, so the channel's order is not
	// Redis's, but the versions are), alternating online and offline, and
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
		for v := int64(1); v <= n; v++ {
			want := events.PresenceOnline
			if v%2 == 0 {
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

// Three nodes, each batching what it publishes: Redis still decides each
// change once, so across all the nodes' batches every (user, version)
// appears exactly once, and the last is offline; a reload within the grace
// period adds nothing.
func TestRedisBatchedChurnExactlyOnce(t *testing.T) {
	t.Parallel()
	c := newCluster(t, 3, RedisOptions{Grace: time.Millisecond, TTL: time.Minute})
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
	slow := newCluster(t, 2, RedisOptions{Grace: time.Hour, TTL: time.Minute})
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
