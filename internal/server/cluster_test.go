package server_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// clusterNode is one node of a test cluster.
type clusterNode struct {
	srv *server.Server
	hs  *httptest.Server
}

// clusterBackend is a link the cluster tests run on.
type clusterBackend struct {
	name string
	// join returns the settings of a cluster of the test's own: mutate for
	// nodes in this process, env for kinrt processes; sessions lists the
	// sessions the link keeps for recovery on another node (nil: none).
	join func(t *testing.T) (mutate func(*config.Config), env []string, sessions func() ([]string, error))
	// recoversAcrossNodes: a client recovers its session on another node
	// than its own (the Redis adapter keeps sessions and a stream in
	// Redis; the PostgreSQL adapter a log and sessions in tables).
	recoversAcrossNodes bool
}

// clusterBackends are the links every cluster test runs on.
var clusterBackends = []clusterBackend{redisBackend, postgresBackend}

var redisBackend = clusterBackend{
	name: "redis",
	join: func(t *testing.T) (func(*config.Config), []string, func() ([]string, error)) {
		redisURL, prefix := testenv.RedisURL(t), "kin-test-"+testenv.RandomID()
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opts)
		t.Cleanup(func() { _ = rdb.Close() })
		return func(c *config.Config) {
				c.RedisURL = redisURL
				c.RedisPrefix = prefix
			}, []string{"REDIS_URL=" + redisURL, "KIN_REDIS_PREFIX=" + prefix}, func() ([]string, error) {
				return rdb.Keys(context.Background(), prefix+"-session#/#*").Result()
			}
	},
	recoversAcrossNodes: true,
}

var postgresBackend = clusterBackend{
	name: "postgres",
	join: func(t *testing.T) (func(*config.Config), []string, func() ([]string, error)) {
		prefix := "kin-test-" + testenv.RandomID() // NOTIFY channels are the database's, not a schema's
		db := testenv.Postgres(t)
		return func(c *config.Config) {
				c.Cluster = config.ClusterPostgres
				c.PostgresPrefix = prefix
			}, []string{"KIN_CLUSTER=postgres", "KIN_POSTGRES_PREFIX=" + prefix, "REDIS_URL="}, // no REDIS_URL from the test's environment
			func() ([]string, error) { return postgresSessions(db, prefix+"#/") }
	},
	recoversAcrossNodes: true,
}

// postgresSessions lists the pids of the sessions that the PostgreSQL
// adapter keeps for channel, in whichever schema the cluster's tables are
// (a test's own: the channel's random prefix tells its rows apart).
func postgresSessions(db *sql.DB, channel string) ([]string, error) {
	var tables []string
	rows, err := db.Query(`SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
		WHERE table_name = 'socket_io_attachments_sessions'`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			_ = rows.Close()
			return nil, err
		}
		tables = append(tables, name)
	}
	_ = rows.Close()
	var pids []string
	for _, table := range tables {
		rows, err := db.Query(`SELECT pid FROM `+table+` WHERE channel = $1`, channel)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var pid string
			if err := rows.Scan(&pid); err != nil {
				_ = rows.Close()
				return nil, err
			}
			pids = append(pids, pid)
		}
		_ = rows.Close()
	}
	return pids, nil
}

// eachClusterBackend runs test on every link.
func eachClusterBackend(t *testing.T, test func(t *testing.T, b clusterBackend)) {
	for _, b := range clusterBackends {
		t.Run(b.name, func(t *testing.T) { test(t, b) })
	}
}

// startCluster runs n nodes of the service in this process, sharing one
// PostgreSQL schema and one Redis under a prefix of the test's own.
func startCluster(t *testing.T, n int, mutate func(*config.Config)) []clusterNode {
	t.Helper()
	return startClusterOn(t, redisBackend, n, mutate)
}

// startClusterOn runs n nodes of the service in this process, sharing one
// PostgreSQL schema and the link of backend b.
func startClusterOn(t *testing.T, b clusterBackend, n int, mutate func(*config.Config)) []clusterNode {
	t.Helper()
	db := testenv.PostgresSchema(t)
	link, _, _ := b.join(t)
	nodes := make([]clusterNode, n)
	for i := range nodes {
		srv, hs := startServer(t, func(c *config.Config) {
			c.DatabaseURL = db
			link(c)
			if mutate != nil {
				mutate(c)
			}
		})
		nodes[i] = clusterNode{srv, hs}
	}
	for _, n := range nodes {
		waitReady(t, n.hs.URL, http.StatusOK) // the adapter subscribes in the background
	}
	return nodes
}

// TestClusterRoutingRandomized is the randomized routing test on three
// nodes: sockets spread over them (a user's two tabs on two nodes), events
// published on random nodes, every socket receives exactly what the policy
// allows it, once each.
func TestClusterRoutingRandomized(t *testing.T) { eachClusterBackend(t, testClusterRoutingRandomized) }

func testClusterRoutingRandomized(t *testing.T, b clusterBackend) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	nodes := startClusterOn(t, b, 3, nil)
	urls := []string{nodes[0].hs.URL, nodes[1].hs.URL, nodes[2].hs.URL}

	users := randomUsers(rng, 18)
	specs, owner := clientsFor(t, nodes[0].srv.Verifier(), users, urls)
	nc, results := startClientsN(t, urls[0], specs, len(nodes))
	for name, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s did not connect: %s", name, r)
		}
	}
	var published []events.Event
	for i := 0; i < 200; i++ {
		published = append(published, publishRandom(t, rng, nodes, users, i))
	}
	total := endAndCheck(t, nodes, nc, specs, owner, published)
	t.Logf("%d sockets on 3 nodes, %d events published, %d deliveries checked", len(specs), len(published), total)
}

// TestClusterPresence: two tabs of one user on two nodes count once, on
// every node; the user goes offline once, when both are gone.
func TestClusterPresence(t *testing.T) { eachClusterBackend(t, testClusterPresence) }

func testClusterPresence(t *testing.T, b clusterBackend) {
	nodes := startClusterOn(t, b, 2, nil)
	admin := auth.Principal{UserID: "ada", Name: "Ada", Role: "admin", Expires: time.Now().Add(time.Hour)}
	ann := auth.Principal{UserID: "ann", Name: "Ann", Role: "agent", Department: "sales", Expires: time.Now().Add(time.Hour)}
	adminTok, _ := nodes[0].srv.Verifier().Mint(admin, time.Hour)
	annTok, _ := nodes[0].srv.Verifier().Mint(ann, time.Hour)

	watcher := dialRaw(t, nodes[0].hs.URL, nil)
	if _, ok := watcher.connect(map[string]string{"token": adminTok}); !ok {
		t.Fatal("admin refused")
	}
	presenceOf := func(want string) {
		t.Helper()
		for {
			name, payload, _ := watcher.event()
			if name != "user_presence_updated" {
				continue
			}
			c, ok := presenceChangeOf(payload, "ann")
			if !ok {
				continue
			}
			if c.Status != want {
				t.Fatalf("ann is %q, want %q", c.Status, want)
			}
			return
		}
	}
	tab1 := dialRaw(t, nodes[0].hs.URL, nil)
	if _, ok := tab1.connect(map[string]string{"token": annTok}); !ok {
		t.Fatal("ann refused on node 0")
	}
	presenceOf("online")
	tab2 := dialRaw(t, nodes[1].hs.URL, nil)
	if _, ok := tab2.connect(map[string]string{"token": annTok}); !ok {
		t.Fatal("ann refused on node 1")
	}
	for _, n := range nodes {
		list := presenceList(t, n.hs.URL, adminTok)
		count := 0
		for _, e := range list {
			if e.UserID == "ann" {
				count++
				if e.Status != "online" {
					t.Fatalf("ann on %s: %+v", n.hs.URL, e)
				}
			}
		}
		if count != 1 {
			t.Fatalf("ann listed %d times on %s", count, n.hs.URL)
		}
	}
	tab1.close()
	tab2.close()
	presenceOf("offline")
	// An event after it from the other node, then nothing about ann in
	// between: one offline event only.
	note := events.SystemNotification{Level: "info", Message: "after", Target: events.Target{Kind: events.TargetUser, Value: "ada"}}
	if err := nodes[1].srv.Broadcaster().BroadcastSystemNotification(context.Background(), note); err != nil {
		t.Fatal(err)
	}
	for {
		name, payload, _ := watcher.event()
		var p struct{ Message string }
		_ = json.Unmarshal(payload, &p)
		if _, ok := presenceChangeOf(payload, "ann"); ok && name == "user_presence_updated" {
			t.Fatalf("a second presence event for ann: %s", payload)
		}
		if name == "system_notification" && p.Message == "after" {
			break
		}
	}
}

func presenceList(t *testing.T, base, token string) []struct{ UserID, Status string } {
	t.Helper()
	req, _ := http.NewRequest("GET", base+"/api/presence", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Items []struct{ UserID, Status string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /api/presence: %d %v", resp.StatusCode, err)
	}
	return body.Items
}

// TestClusterRoutingUnderReconnects is the randomized routing test on
// three nodes while the network between clients and nodes fails twice:
// every client reconnects, recovers, and has received exactly what the
// policy allows it, once each. Events are published back to back, each on
// a random node: every node must deliver them in the stream's order, or a
// client's last offset would not say what it missed. Each client comes
// back to its own node, so this holds on PostgreSQL too.
func TestClusterRoutingUnderReconnects(t *testing.T) {
	eachClusterBackend(t, testClusterRoutingUnderReconnects)
}

func testClusterRoutingUnderReconnects(t *testing.T, b clusterBackend) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 13))
	nodes := startClusterOn(t, b, 3, nil)
	proxies := make([]*tcpProxy, len(nodes))
	urls := make([]string, len(nodes))
	for i, n := range nodes {
		proxies[i] = startProxy(t, n.hs.URL)
		urls[i] = proxies[i].URL()
	}
	users := randomUsers(rng, 15)
	specs, owner := clientsFor(t, nodes[0].srv.Verifier(), users, urls)
	for i := range specs {
		specs[i].Reconnect, specs[i].WaitUpgrade = true, true
	}
	nc, results := startClientsN(t, urls[0], specs, len(nodes))
	for name, r := range results {
		if string(r) != `"ok"` {
			t.Fatalf("%s did not connect: %s", name, r)
		}
	}
	behind := make([]int, len(proxies)) // sockets connected through each proxy
	for _, sp := range specs {
		behind[slices.Index(urls, sp.URL)]++
	}
	// drop cuts the proxies' connections and waits until every socket
	// behind them has reconnected and asked to recover: two separate
	// failures, not one that catches clients halfway through their
	// reconnection.
	drop := func(which ...int) {
		// What was published has reached the clients' sockets first (on
		// PostgreSQL a publish returns once queued): a client recovers
		// from the offset of the last broadcast it got, and one that got
		// none reconnects without recovery.
		for _, n := range nodes {
			if err := n.srv.FlushBroadcasts(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		before, want := recoveries(nodes), int64(0)
		for _, i := range which {
			proxies[i].drop()
			want += int64(behind[i])
		}
		deadline := time.Now().Add(20 * time.Second)
		for recoveries(nodes) < before+want {
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d sockets came back after the drop", recoveries(nodes)-before, want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	var published []events.Event
	for i := 0; i < 300; i++ {
		switch i {
		case 100:
			drop(0)
		case 200:
			drop(1, 2)
		}
		published = append(published, publishRandom(t, rng, nodes, users, i))
	}
	total := endAndCheck(t, nodes, nc, specs, owner, published)
	recovered := 0
	for name, r := range nc.reconnects {
		if r.Fresh != 0 {
			t.Errorf("%s reconnected without recovery %d times", name, r.Fresh)
		}
		recovered += r.Recovered
	}
	if recovered < len(specs) {
		t.Errorf("%d recoveries for %d sockets: the drops did not cut every client", recovered, len(specs))
	}
	t.Logf("%d sockets, %d recoveries, %d events published, %d deliveries checked", len(specs), recovered, len(published), total)
}

// publishRandom publishes random event i on a random node.
func publishRandom(t *testing.T, rng *rand.Rand, nodes []clusterNode, users []auth.Principal, i int) events.Event {
	t.Helper()
	e := randomEvent(rng, users, i)
	if err := nodes[rng.IntN(len(nodes))].srv.Broadcaster().Publish(context.Background(), e); err != nil {
		t.Fatalf("publish %s: %v", e.EventName(), err)
	}
	return e
}

// endAndCheck has each node send an end marker after its events (a node's
// messages keep their order; the clients stop after the last one), then
// checks what every client received against the routing policy, and
// returns the deliveries checked.
func endAndCheck(t *testing.T, nodes []clusterNode, nc *nodeClients, specs []clientSpec, owner map[string]auth.Principal, published []events.Event) int {
	t.Helper()
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	for _, n := range nodes {
		if err := n.srv.Broadcaster().BroadcastSystemNotification(context.Background(), end); err != nil {
			t.Fatal(err)
		}
	}
	return checkRouting(t, specs, owner, published, nc.received(), false)
}

// recoveries counts the CONNECTs that asked to recover a session on the
// nodes, recovered or not.
func recoveries(nodes []clusterNode) int64 {
	var n int64
	for _, node := range nodes {
		rec, ref := node.srv.Realtime().Recoveries()
		n += rec + ref
	}
	return n
}

// TestClusterDrain: a node drains (SIGTERM) while events go on; it stops
// being ready and refuses new sessions, and its clients, disconnected in
// batches, reconnect through the load balancer to the other node and
// recover there: every event reaches every client once, on each link.
func TestClusterDrain(t *testing.T) {
	eachClusterBackend(t, func(t *testing.T, link clusterBackend) {
		nodes := startClusterOn(t, link, 2, nil)
		a, b := nodes[0], nodes[1]
		lb := startProxy(t, a.hs.URL)
		users := randomUsers(rand.New(rand.NewPCG(1, 2)), 30)
		specs, owner := clientsFor(t, a.srv.Verifier(), users, []string{lb.URL()})
		for i := range specs {
			specs[i].Reconnect = true
			// On WebSocket before the drain: the proxy sends every new TCP
			// connection to the current target, so a client still polling
			// when it switches would never collect its close packet from the
			// draining node, which would wait WriteTimeout (10 s, the drain's
			// own deadline) for that poll.
			specs[i].WaitUpgrade = true
		}
		nc, results := startClientsN(t, lb.URL(), specs, 1)
		for name, r := range results {
			if string(r) != `"ok"` {
				t.Fatalf("%s did not connect: %s", name, r)
			}
		}
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		var published []events.Event
		publish := func(n clusterNode, count int) {
			for i := 0; i < count; i++ {
				e := randomEvent(rng, users, len(published))
				if err := n.srv.Broadcaster().Publish(ctx, e); err != nil {
					t.Fatal(err)
				}
				published = append(published, e)
			}
		}
		publish(a, 50)
		lb.setTarget(b.hs.URL) // the load balancer follows /readyz
		drained := make(chan error, 1)
		go func() {
			dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			drained <- a.srv.Drain(dctx)
		}()
		waitReady(t, a.hs.URL, http.StatusServiceUnavailable)
		if resp, err := http.Get(a.hs.URL + "/socket.io/?EIO=4&transport=polling"); err != nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("a new session on the draining node: %v %v", resp.StatusCode, err)
		} else {
			resp.Body.Close()
		}
		publish(b, 50)
		if err := <-drained; err != nil {
			t.Fatalf("Drain: %v", err)
		}
		publish(b, 50)
		endAndCheck(t, []clusterNode{b}, nc, specs, owner, published)
		for name, r := range nc.reconnects {
			if r.Recovered != 1 || r.Fresh != 0 {
				t.Errorf("%s: %+v, want one recovery", name, r)
			}
		}
		if n := a.srv.Realtime().Engine().Len(); n != 0 {
			t.Errorf("%d connections left on the drained node", n)
		}
	})
}

// presenceChangeOf returns the change of userID that a
// user_presence_updated payload carries, batched or not.
func presenceChangeOf(payload []byte, userID string) (events.PresenceChange, bool) {
	var p events.UserPresenceUpdated
	if json.Unmarshal(payload, &p) != nil {
		return events.PresenceChange{}, false
	}
	for _, c := range p.Changes() {
		if c.UserID == userID {
			return c, true
		}
	}
	return events.PresenceChange{}, false
}
