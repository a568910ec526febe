package redisadapter

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// TestDeadNodeDoesNotHangRequests: a subscriber that never answers is
// counted by NUMSUB; requests wait RequestsTimeout, no more, and answer
// with what the living nodes sent.
func TestDeadNodeDoesNotHangRequests(t *testing.T) {
	t.Parallel()
	rdb, key := newRedis(t)
	cfg := nodeConfig{opts: &Options{RequestsTimeout: 300 * time.Millisecond}}
	a := startNode(t, key, cfg)
	b := startNode(t, key, cfg)
	dead := rdb.Subscribe(context.Background(), key+"-request#/#")
	defer dead.Close()
	if _, err := dead.Receive(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitNodes(t, rdb, key, "/", 3)
	a1 := siotest.Dial(t, a.ts.URL, "", nil, siotest.AckWith(`["a"]`))
	b1 := siotest.Dial(t, b.ts.URL, "", nil, siotest.AckWith(`["b"]`))

	start := time.Now()
	sockets, err := a.io.Of("/").FetchSockets(context.Background())
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if len(sockets) != 2 {
		t.Fatalf("%d sockets, want a1 and b1", len(sockets))
	}
	if took < 300*time.Millisecond || took > 2*time.Second {
		t.Fatalf("fetchSockets took %v, want about RequestsTimeout", took)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start = time.Now()
	acks, err := a.io.Of("/").Except().Timeout(time.Second).EmitWithAck(ctx, "q")
	if err != nil || len(acks) != 2 {
		t.Fatalf("acks %d, err %v", len(acks), err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("EmitWithAck took %v", took)
	}
	_, _ = a1, b1

	answers, err := a.node.adapterFor(key+"-request#/#").ServerSideEmitWithAck(context.Background(), "x")
	if !errors.Is(err, ErrTimeout) || len(answers) != 0 {
		t.Fatalf("answers %v, err %v; want a timeout (no handler answers)", answers, err)
	}
}

// logRecorder keeps what the adapter logs.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Debug(msg string, args ...any) {}
func (l *logRecorder) Warn(msg string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msgs = append(l.msgs, msg)
}

func (l *logRecorder) has(part string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, m := range l.msgs {
		if strings.Contains(m, part) {
			return true
		}
	}
	return false
}

// TestConnectionKilledHeals kills the node's Redis connections: local
// delivery goes on, the node reports it, reconnects, subscribes again and
// carries broadcasts across nodes again.
func TestConnectionKilledHeals(t *testing.T) {
	t.Parallel()
	rdb, key := newRedis(t)
	opts := redisOptions(t)
	opts.ClientName = "kill-" + key
	victim := redis.NewClient(opts)
	t.Cleanup(func() { _ = victim.Close() })
	logs := &logRecorder{}
	a := startNode(t, key, nodeConfig{client: victim, opts: &Options{Logger: logs, HealthCheckInterval: 200 * time.Millisecond}})
	b := startNode(t, key, nodeConfig{})
	waitNodes(t, rdb, key, "/", 2)
	a1 := siotest.Dial(t, a.ts.URL, "", nil)
	b1 := siotest.Dial(t, b.ts.URL, "", nil)
	eventually(t, a.node.Healthy, "node healthy")

	killed := killClients(t, rdb, opts.ClientName)
	if killed == 0 {
		t.Fatal("no connection killed")
	}
	eventually(t, func() bool { return logs.has("subscriber lost") }, "the loss logged")
	if err := a.io.Emit("local", 1); err != nil { // whatever the state of Redis
		t.Fatal(err)
	}
	a1.ExpectEvent("local", 1)

	eventually(t, a.node.Healthy, "node healthy again")
	waitNodes(t, rdb, key, "/", 2)
	if err := a.node.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := b.io.Emit("across", 2); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("across", 2)
	if err := a.io.Emit("back", 3); err != nil {
		t.Fatal(err)
	}
	// b1 gets its own node's "across", maybe "local" (if a could publish
	// it while cut off), and "back", which must cross.
	for i := 0; ; i++ {
		args, _ := b1.Event()
		if string(args[0]) == `"back"` {
			break
		}
		if i == 2 {
			t.Fatalf("b1 got %s, want back", args)
		}
	}
}

// killClients kills the Redis connections named name and returns how many.
func killClients(t *testing.T, rdb *redis.Client, name string) int {
	t.Helper()
	list, err := rdb.ClientList(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(list, "\n") {
		var id string
		named := false
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if f == "name="+name {
				named = true
			}
		}
		if named && id != "" {
			if err := rdb.Do(context.Background(), "CLIENT", "KILL", "ID", id).Err(); err == nil {
				n++
			}
		}
	}
	return n
}

// TestRedisDown: with no Redis at all, the node starts, broadcasts reach
// its own sockets, it says it is not healthy, and nothing panics.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = down.Close() })
	a := startNode(t, "down-"+t.Name(), nodeConfig{client: down, opts: &Options{RequestsTimeout: 300 * time.Millisecond, HealthCheckInterval: 100 * time.Millisecond}})
	a1 := siotest.Dial(t, a.ts.URL, "join=r", nil, siotest.AckWith(`["ok"]`))
	if err := a.io.To("r").Emit("still", 1); err != nil {
		t.Fatal(err)
	}
	a1.ExpectEvent("still", 1)
	sockets, err := a.io.Of("/").FetchSockets(context.Background())
	if err != nil || len(sockets) != 1 {
		t.Fatalf("sockets %d, err %v", len(sockets), err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if acks, err := a.io.To("r").EmitWithAck(ctx, "q"); err != nil || len(acks) != 1 {
		t.Fatalf("acks %d, err %v", len(acks), err)
	}
	a1.ExpectEvent("q", nil)
	if a.node.Healthy() {
		t.Fatal("healthy without Redis")
	}
	if err := a.node.Ping(context.Background()); err == nil {
		t.Fatal("Ping without Redis succeeded")
	}
}

// TestQuietNodeBecomesHealthy: a node whose last publication failed is
// healthy again once Redis answers, without publishing anything.
func TestQuietNodeBecomesHealthy(t *testing.T) {
	t.Parallel()
	rdb, key := newRedis(t)
	a := startNode(t, key, nodeConfig{opts: &Options{HealthCheckInterval: 50 * time.Millisecond}})
	waitNodes(t, rdb, key, "/", 1)
	eventually(t, a.node.Healthy, "healthy")
	a.node.setPub(false, errors.New("test: publication failed"), 1)
	eventually(t, a.node.Healthy, "healthy again without publishing")
}

// failSets fails the SET and SETNX commands of session keys while on, as
// a Redis too slow for the request timeout would.
type failSets struct{ on atomic.Bool }

func (f *failSets) DialHook(next redis.DialHook) redis.DialHook { return next }
func (f *failSets) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if f.on.Load() && f.fails(cmd) {
			cmd.SetErr(context.DeadlineExceeded)
			return context.DeadlineExceeded
		}
		return next(ctx, cmd)
	}
}
func (f *failSets) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if f.on.Load() {
			for _, cmd := range cmds {
				if f.fails(cmd) {
					cmd.SetErr(context.DeadlineExceeded)
					return context.DeadlineExceeded
				}
			}
		}
		return next(ctx, cmds)
	}
}
func (f *failSets) fails(cmd redis.Cmder) bool {
	name := strings.ToLower(cmd.Name())
	key, _ := cmd.Args()[1].(string)
	return (name == "set" || name == "setnx") && strings.Contains(key, "-session#")
}

// TestKeptSessionWrittenAgain: a connected socket's session whose write
// failed (Redis too slow in a storm of connections) is written again by
// the renewal once Redis answers, marked live on its node, so that the
// socket can still recover elsewhere if its node dies; one persisted
// meanwhile is not overwritten.
func TestKeptSessionWrittenAgain(t *testing.T) {
	t.Parallel()
	rdb, key := newRedis(t)
	flaky := redis.NewClient(redisOptions(t))
	t.Cleanup(func() { _ = flaky.Close() })
	fail := &failSets{}
	flaky.AddHook(fail)
	a := startNode(t, key, nodeConfig{client: flaky, recovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute},
		opts: &Options{Logger: &logRecorder{}}})
	waitNodes(t, rdb, key, "/", 1)
	fail.on.Store(true)
	c := siotest.Dial(t, a.ts.URL, "", nil)
	gone := siotest.Dial(t, a.ts.URL, "", nil)
	ctx := context.Background()
	session := func(pid string) string {
		v, _ := rdb.Get(ctx, key+"-session#/#"+pid).Result()
		return v
	}
	if v := session(c.PID()); v != "" {
		t.Fatalf("session stored while writes fail: %s", v)
	}
	fail.on.Store(false)
	eventually(t, func() bool { return strings.Contains(session(c.PID()), `"live"`) }, "the session written again, live")
	// gone's session was written again too; it disconnects: its persisted
	// session (not live) stays as it is.
	eventually(t, func() bool { return session(gone.PID()) != "" }, "gone's session written again")
	gone.Close()
	eventually(t, func() bool { v := session(gone.PID()); return v != "" && !strings.Contains(v, `"live"`) }, "gone's session persisted")
}
