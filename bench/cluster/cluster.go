package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/bench/internal/load"
)

// Config is one run of the cluster benchmark (see the package comment).
type Config struct {
	Clients, Nodes, PerGenerator, Departments int
	// Webhooks before the kill, from the kill on, and after every client
	// is back; Rate a second.
	Webhooks, DownWebhooks, AfterWebhooks int
	Rate                                  float64
	NoKill                                bool
	// NoFile is the file limit of the nodes and the generators.
	NoFile uint64
	// Kinrt is the binary (empty: built into Out).
	Kinrt string
	// Redis and Postgres are the servers' URLs.
	Redis, Postgres string
	// Out is the folder of the logs.
	Out string
	// PresenceInterval is the nodes' KIN_PRESENCE_INTERVAL (empty: default).
	PresenceInterval string
	// Nice is the niceness of the nodes and the generators (0: none): on
	// one machine they must not starve Redis and PostgreSQL, which a
	// deployment runs on machines of their own.
	Nice int
	// PresenceScope is the nodes' KIN_PRESENCE_SCOPE (empty: default).
	PresenceScope string
	// Watch is how many colleagues each client watches (presence:watch).
	Watch int
	// Settle: the storm has settled once no event came for this long.
	Settle time.Duration
	// Generator is the command of a load generator process (run with
	// KIN_CLUSTER_GENERATOR=1: load.RunGenerator).
	Generator []string
}

// NodeResult is one node's connections and memory once the storm settled.
type NodeResult struct {
	Type       string  `json:"type"` // "node"
	Node       int     `json:"node"`
	Addr       string  `json:"addr"`
	PID        int     `json:"pid"`
	Conns      int     `json:"conns"`
	BaseRSSKiB int64   `json:"base_rss_kib"`
	RSSKiB     int64   `json:"rss_kib"`
	PerConnKiB float64 `json:"per_conn_kib"`       // RSS / connections
	DeltaKiB   float64 `json:"delta_per_conn_kib"` // (RSS - RSS before the clients) / connections
}

// WebhookResult is one webhook's delivery to its department.
type WebhookResult struct {
	Type  string `json:"type"` // "webhook"
	W     int    `json:"w"`
	Phase string `json:"phase"` // before, down (sent from the kill on), after
	Dept  int    `json:"dept"`
	Node  int    `json:"node"` // the node it was posted to
	// Status is the HTTP answer (0: no answer).
	Status int `json:"status"`
	// Expected deliveries (two events to each client of the department),
	// those that arrived, never arrived, and the extra copies.
	Expected   uint64 `json:"expected"`
	Delivered  uint64 `json:"delivered"`
	Missing    uint64 `json:"missing"`
	Duplicates uint64 `json:"duplicates,omitempty"`
	// From the webhook's sending to each delivery.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// KillResult is what the SIGKILL of one node measured.
type KillResult struct {
	Type    string `json:"type"` // "kill"
	Node    int    `json:"node"`
	Clients int    `json:"clients"` // its clients at the kill
	// Dropped clients (connection ended), and of them those back with their
	// session (Recovered), with a new one (Fresh), or not back (Failed).
	Dropped   int64 `json:"dropped"`
	Recovered int64 `json:"recovered"`
	Fresh     int64 `json:"fresh"`
	Failed    int64 `json:"failed"`
	// From the kill until the last dropped client was back; p50 and p99
	// of the clients' times.
	BackSecs  float64 `json:"back_secs"`
	BackP50ms float64 `json:"back_p50_ms"`
	BackP99ms float64 `json:"back_p99_ms"`
	// OnNode: clients connected to each node once all were back.
	OnNode []int `json:"on_node"`
}

// Result is a whole run.
type Result struct {
	Type        string `json:"type"` // "summary"
	Clients     int    `json:"clients"`
	Connected   int    `json:"connected"`
	Nodes       int    `json:"nodes"`
	Generators  int    `json:"generators"`
	Departments int    `json:"departments"`
	NoFile      uint64 `json:"nofile"`
	Nice        int    `json:"nice"`
	// PresenceScope and Watch: the nodes' KIN_PRESENCE_SCOPE, and how
	// many colleagues each client watched.
	PresenceScope string   `json:"presence_scope"`
	Watch         int      `json:"watch"`
	Sources       []string `json:"sources"`
	// ConnectSecs: until every generator's clients were connected (each
	// generator's own time, the longest). SettleSecs: from then until the
	// presence events stopped.
	ConnectSecs float64 `json:"connect_secs"`
	SettleSecs  float64 `json:"settle_secs"`
	// Events every client received during the storm (presence), and
	// their bytes (the events' data).
	StormEvents uint64  `json:"storm_events"`
	StormMB     float64 `json:"storm_mb"`
	// RSS per connection over the nodes (min, max).
	PerConnKiBMin float64 `json:"per_conn_kib_min"`
	PerConnKiBMax float64 `json:"per_conn_kib_max"`
	// CPU seconds of the nodes and of the generators (summed) from the
	// start of the storm until it settled, and of the nodes while the
	// webhooks before the kill were sent and delivered, per delivery.
	StormNodeCPUSecs float64 `json:"storm_node_cpu_secs"`
	StormGenCPUSecs  float64 `json:"storm_generator_cpu_secs"`
	WebhookNodeCPUus float64 `json:"webhook_node_cpu_us_per_delivery"`
	// IdleNodeCPU: the nodes' CPU seconds a second with every client
	// connected and nothing sent (pings, presence and session renewals),
	// over 5 s after the sessions were all in Redis; it is taken out of
	// WebhookNodeCPUus.
	IdleNodeCPU float64 `json:"idle_node_cpu"`
	// WebhookNodeCPUms: the same per webhook (all nodes).
	WebhookNodeCPUms float64 `json:"webhook_node_cpu_ms_per_webhook"`
	// GeneratorRSSKiB: the load generators' RSS, summed.
	GeneratorRSSKiB int64 `json:"generator_rss_kib"`
	// Redis (the whole server, which other work may share): its memory
	// growth and CPU seconds and commands from the start of the storm
	// until it settled; the sessions kept there and one's MEMORY USAGE.
	RedisMemMiB   float64 `json:"redis_mem_mib"`
	RedisCPUSecs  float64 `json:"redis_cpu_secs"`
	RedisCommands int64   `json:"redis_commands"`
	Sessions      int     `json:"sessions"`
	SessionBytes  int64   `json:"session_bytes"`
	// And from the first webhook to the end (the kill included).
	RedisCPUSecsWebhooks  float64 `json:"redis_cpu_secs_webhooks"`
	RedisCommandsWebhooks int64   `json:"redis_commands_webhooks"`
	// Webhooks and their deliveries, all phases.
	Webhooks       int    `json:"webhooks"`
	FailedWebhooks int    `json:"failed_webhooks"`
	Expected       uint64 `json:"expected"`
	Missing        uint64 `json:"missing"`
	Duplicates     uint64 `json:"duplicates"`
	Leaked         uint64 `json:"leaked"`
	// The webhooks before the kill: the largest and the median of their
	// p99s; all webhooks' deliveries together (p99 of all).
	BeforeP99MaxMs    float64 `json:"before_p99_max_ms"`
	BeforeP99MedianMs float64 `json:"before_p99_median_ms"`
	BeforeAllP99Ms    float64 `json:"before_all_p99_ms"`
	// The webhooks from the kill on, and after.
	DownP99MaxMs  float64     `json:"down_p99_max_ms"`
	AfterP99MaxMs float64     `json:"after_p99_max_ms"`
	Kill          *KillResult `json:"kill,omitempty"`
	// Load average (1, 5, 15 min) at the start and the end: the machine
	// may be shared.
	LoadStart string  `json:"loadavg_start"`
	LoadEnd   string  `json:"loadavg_end"`
	Start     string  `json:"start"`
	Secs      float64 `json:"secs"`
	// Err is why the run stopped short (empty: it did not).
	Err string `json:"error,omitempty"`

	NodeResults    []NodeResult    `json:"-"`
	WebhookResults []WebhookResult `json:"-"`
}

// OK reports whether every client connected, and every webhook reached
// every client of its department once and no other, and after the kill
// every dropped client recovered its session.
func (r *Result) OK() bool {
	ok := r.Err == "" && r.Expected > 0 && r.Connected == r.Clients && r.FailedWebhooks == 0 && r.Missing == 0 && r.Duplicates == 0 && r.Leaked == 0
	if k := r.Kill; k != nil {
		ok = ok && k.Failed == 0 && k.Fresh == 0 && k.Recovered == k.Dropped && k.Dropped == int64(k.Clients)
	}
	return ok
}

// Summary is the run for a human.
func (r *Result) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n== bench/cluster, %s: %d clients on %d kinrt nodes (file limit %d), %d load generators from %s, %d departments\n",
		r.Start, r.Clients, r.Nodes, r.NoFile, r.Generators, strings.Join(r.Sources, ","), r.Departments)
	scope := r.PresenceScope
	if scope == "" {
		scope = "department (default)"
	}
	fmt.Fprintf(&b, "presence scope %s, each client watching %d colleagues; nodes and generators at nice %d\n", scope, r.Watch, r.Nice)
	fmt.Fprintf(&b, "load average at the start %s, at the end %s (the machine may be shared)\n", r.LoadStart, r.LoadEnd)
	fmt.Fprintf(&b, "connected %d of %d in %.1f s; presence storm settled %.1f s later (%d events, %.0f MB received)\n",
		r.Connected, r.Clients, r.ConnectSecs, r.SettleSecs, r.StormEvents, r.StormMB)
	for _, n := range r.NodeResults {
		fmt.Fprintf(&b, "  node %d (%s): %d connections, RSS %.1f MiB, %.1f KiB per connection (%.1f above its RSS before the clients)\n",
			n.Node, n.Addr, n.Conns, float64(n.RSSKiB)/1024, n.PerConnKiB, n.DeltaKiB)
	}
	fmt.Fprintf(&b, "load generators' RSS %.1f MiB in all; CPU during the storm: nodes %.1f s, generators %.1f s; nodes idle afterwards %.2f CPU\n",
		float64(r.GeneratorRSSKiB)/1024, r.StormNodeCPUSecs, r.StormGenCPUSecs, r.IdleNodeCPU)
	fmt.Fprintf(&b, "Redis during the storm: +%.1f MiB, %.1f CPU s, %d commands; %d sessions kept (%d bytes each); during the webhooks and the kill %.1f CPU s, %d commands\n",
		r.RedisMemMiB, r.RedisCPUSecs, r.RedisCommands, r.Sessions, r.SessionBytes, r.RedisCPUSecsWebhooks, r.RedisCommandsWebhooks)
	fmt.Fprintf(&b, "webhooks: %d sent (%d failed), %d deliveries expected, %d missing, %d duplicated, %d leaked to another department\n",
		r.Webhooks, r.FailedWebhooks, r.Expected, r.Missing, r.Duplicates, r.Leaked)
	fmt.Fprintf(&b, "  before the kill: p99 per webhook at most %.0f ms (median %.0f ms), p99 of all deliveries %.0f ms; nodes' CPU %.1f µs per delivery, %.0f ms per webhook (above idle)\n",
		r.BeforeP99MaxMs, r.BeforeP99MedianMs, r.BeforeAllP99Ms, r.WebhookNodeCPUus, r.WebhookNodeCPUms)
	if k := r.Kill; k != nil {
		fmt.Fprintf(&b, "kill: node %d SIGKILLed with %d clients: %d dropped, %d recovered their session, %d fresh, %d not back; all back %.2f s after the kill (p50 %.0f ms, p99 %.0f ms)\n",
			k.Node, k.Clients, k.Dropped, k.Recovered, k.Fresh, k.Failed, k.BackSecs, k.BackP50ms, k.BackP99ms)
		fmt.Fprintf(&b, "  clients per node after: %v\n", k.OnNode)
		fmt.Fprintf(&b, "  webhooks from the kill on: p99 per webhook at most %.0f ms (recovered ones included); after: %.0f ms\n",
			r.DownP99MaxMs, r.AfterP99MaxMs)
	}
	verdict := "OK: every event reached every client of its department exactly once, none leaked"
	switch {
	case r.Err != "":
		verdict = "FAILED: " + r.Err
	case !r.OK():
		verdict = "FAILED"
	}
	fmt.Fprintf(&b, "%s (%.0f s)\n", verdict, r.Secs)
	return b.String()
}

type node struct {
	addr string
	cmd  *exec.Cmd
	done chan struct{}
	log  *os.File
}

type generator struct {
	cmd  *exec.Cmd
	in   io.WriteCloser
	sc   *bufio.Scanner
	log  *os.File
	from int
	to   int
}

// call sends one command and decodes the answer into ans.
func (g *generator) call(cmd any, ans any) error {
	b, err := json.Marshal(cmd)
	if err != nil {
		return err
	}
	if _, err := g.in.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("generator %d..%d: %w", g.from, g.to, err)
	}
	return g.read(ans)
}

func (g *generator) read(ans any) error {
	if !g.sc.Scan() {
		err := g.sc.Err()
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("generator %d..%d ended (see %s): %w", g.from, g.to, g.log.Name(), err)
	}
	var e struct{ Error string }
	if json.Unmarshal(g.sc.Bytes(), &e) == nil && e.Error != "" {
		return fmt.Errorf("generator %d..%d: %s", g.from, g.to, e.Error)
	}
	return json.Unmarshal(g.sc.Bytes(), ans)
}

type run struct {
	cfg      Config
	out      io.Writer
	logw     io.Writer
	res      *Result
	prefix   string
	nodes    []*node
	gens     []*generator
	depts    []string
	numbers  []string
	secret   string
	token    string
	public   string
	http     *http.Client
	sent     []int64 // by webhook: Unix ns (0: not sent)
	cleanups []func()
	whs      []WebhookResult
	deptSize []int
	dead     int // the killed node, -1: none
}

// Run runs the benchmark, writing JSON lines to out and progress to logw.
// The result is returned with the error when the run got far enough.
func Run(ctx context.Context, cfg Config, out, logw io.Writer) (*Result, error) {
	if cfg.Clients <= 0 || cfg.Departments <= 0 || cfg.PerGenerator <= 0 || cfg.Rate <= 0 {
		return nil, errors.New("cluster: -clients, -departments, -per-generator and -rate must be positive")
	}
	if cfg.Departments > 9 {
		return nil, errors.New("cluster: at most 9 departments")
	}
	if cfg.Webhooks < 0 || cfg.DownWebhooks < 0 || cfg.AfterWebhooks < 0 {
		return nil, errors.New("cluster: negative webhook counts")
	}
	if cfg.NoFile == 0 {
		cfg.NoFile = 20_000
	}
	if cfg.Nodes <= 0 {
		// With one node killed the others must hold every client, with
		// room left (the nodes' own files, webhooks, Redis, PostgreSQL).
		room := int(float64(cfg.NoFile) * 0.85)
		cfg.Nodes = max(6, (cfg.Clients+room-1)/room+1)
	}
	if cfg.Nodes < 2 && !cfg.NoKill {
		return nil, errors.New("cluster: killing a node needs 2 nodes at least")
	}
	if cfg.Settle <= 0 {
		// A batch of presence changes waits for the end of its interval.
		cfg.Settle = 3 * time.Second
		if d, err := time.ParseDuration(cfg.PresenceInterval); err == nil && d+2*time.Second > cfg.Settle {
			cfg.Settle = d + 2*time.Second
		}
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, out: out, logw: logw, dead: -1}
	gens := (cfg.Clients + cfg.PerGenerator - 1) / cfg.PerGenerator
	r.res = &Result{
		Type: "summary", Clients: cfg.Clients, Nodes: cfg.Nodes, Generators: gens, Departments: cfg.Departments,
		LoadStart: loadavg(), Start: time.Now().UTC().Format(time.RFC3339),
	}
	t0 := time.Now()
	if err := r.setLimit(); err != nil {
		return nil, err
	}
	r.res.NoFile, r.res.Nice, r.res.PresenceScope, r.res.Watch = cfg.NoFile, cfg.Nice, cfg.PresenceScope, cfg.Watch
	err := r.run(ctx)
	r.res.LoadEnd = loadavg()
	// The nodes and generators stop first, then their schema and keys go.
	err = errors.Join(err, r.stop())
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.res.Secs = time.Since(t0).Seconds()
	if err != nil {
		r.res.Err = err.Error()
		return r.res, err
	}
	r.emit(r.res)
	return r.res, nil
}

func (r *run) logf(format string, args ...any) {
	fmt.Fprintf(r.logw, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, args...)...)
}

func (r *run) emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(r.out, "%s\n", b)
}

// setLimit sets this process's file limit, which the nodes and generators
// inherit.
func (r *run) setLimit() error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	if r.cfg.NoFile > lim.Max {
		return fmt.Errorf("cluster: file limit %d above the hard limit %d", r.cfg.NoFile, lim.Max)
	}
	lim.Cur = r.cfg.NoFile
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
}

func (r *run) run(ctx context.Context) error {
	cfg := r.cfg
	r.prefix = "kin-cluster-" + randomID()
	r.secret = "cluster-" + randomID() + randomID()
	r.token = "cluster-" + randomID()
	for d := range cfg.Departments {
		r.depts = append(r.depts, "dept-"+strconv.Itoa(d))
		r.numbers = append(r.numbers, fmt.Sprintf("+155500000%02d", d+1))
		r.deptSize = append(r.deptSize, (cfg.Clients-d+cfg.Departments-1)/cfg.Departments)
	}
	if cfg.Kinrt == "" {
		bin := filepath.Join(cfg.Out, "kinrt")
		r.logf("building kinrt into %s", bin)
		b := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/kin-comms/kinrt/cmd/kinrt")
		b.Stdout, b.Stderr = r.logw, r.logw
		if err := b.Run(); err != nil {
			return fmt.Errorf("cluster: building kinrt: %w", err)
		}
		r.cfg.Kinrt, cfg.Kinrt = bin, bin
	}
	dsn, dropSchema, err := r.schema(ctx)
	if err != nil {
		return err
	}
	r.cleanups = append(r.cleanups, dropSchema, r.cleanRedis)

	if err := r.startNodes(ctx, dsn); err != nil {
		return err
	}
	base := make([]int64, len(r.nodes))
	for k, n := range r.nodes {
		base[k], _ = load.RSS(n.cmd.Process.Pid)
	}
	r.emit(map[string]any{
		"type": "start", "clients": cfg.Clients, "nodes": cfg.Nodes, "generators": r.res.Generators,
		"departments": cfg.Departments, "nofile": cfg.NoFile, "loadavg": r.res.LoadStart, "redis_prefix": r.prefix,
	})

	rdb, err := r.redisClient()
	if err != nil {
		return err
	}
	defer rdb.Close()
	info0 := redisInfo(ctx, rdb)
	nodeCPU0 := r.nodesCPU()

	// The storm: every generator connects its clients at once.
	r.logf("connecting %d clients from %d generators to %d nodes", cfg.Clients, r.res.Generators, cfg.Nodes)
	if err := r.startGenerators(ctx); err != nil {
		return err
	}

	connected, perNode := 0, make([]int, cfg.Nodes)
	var errs []error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, g := range r.gens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var c load.GenConnected
			err := g.read(&c)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			connected += c.Clients
			for k, n := range c.PerNode {
				perNode[k] += n
			}
			r.res.ConnectSecs = max(r.res.ConnectSecs, c.ConnectSecs)
		}()
	}
	wg.Wait()
	r.res.Connected = connected
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.logf("connected %d in %.1f s; waiting for the presence storm to settle", connected, r.res.ConnectSecs)
	r.emit(map[string]any{"type": "connected", "clients": connected, "connect_secs": r.res.ConnectSecs, "per_node": perNode})

	// Settled: no event for cfg.Settle (at most 10 minutes).
	t1 := time.Now()
	var last uint64
	lastChange := time.Now()
	for time.Since(t1) < 10*time.Minute {
		sts, err := r.statuses()
		if err != nil {
			return err
		}
		var ev, bytes uint64
		for _, s := range sts {
			ev += s.Events
			bytes += s.Bytes
		}
		r.res.StormMB = float64(bytes) / 1e6
		if ev != last {
			last, lastChange = ev, time.Now()
		} else if time.Since(lastChange) >= cfg.Settle {
			break
		}
		if err := sleep(ctx, 250*time.Millisecond); err != nil {
			return err
		}
	}
	r.res.SettleSecs = lastChange.Sub(t1).Seconds()
	r.res.StormEvents = last
	r.logf("settled %.1f s after the last connection (%d events)", r.res.SettleSecs, last)

	r.res.PerConnKiBMin = math.Inf(1)
	for k, n := range r.nodes {
		rss, err := load.RSS(n.cmd.Process.Pid)
		if err != nil {
			return fmt.Errorf("node %d: %w", k, err)
		}
		nr := NodeResult{Type: "node", Node: k, Addr: n.addr, PID: n.cmd.Process.Pid, Conns: perNode[k], BaseRSSKiB: base[k], RSSKiB: rss}
		if perNode[k] > 0 {
			nr.PerConnKiB = float64(rss) / float64(perNode[k])
			nr.DeltaKiB = float64(rss-base[k]) / float64(perNode[k])
		}
		r.res.PerConnKiBMin = min(r.res.PerConnKiBMin, nr.PerConnKiB)
		r.res.PerConnKiBMax = max(r.res.PerConnKiBMax, nr.PerConnKiB)
		r.res.NodeResults = append(r.res.NodeResults, nr)
		r.emit(nr)
	}
	if math.IsInf(r.res.PerConnKiBMin, 1) {
		r.res.PerConnKiBMin = 0
	}
	for _, g := range r.gens {
		if rss, err := load.RSS(g.cmd.Process.Pid); err == nil {
			r.res.GeneratorRSSKiB += rss
		}
	}
	info1 := redisInfo(ctx, rdb)
	nodeCPU1, genCPU1 := r.nodesCPU(), r.gensCPU()
	r.res.StormNodeCPUSecs = (nodeCPU1 - nodeCPU0).Seconds()
	r.res.StormGenCPUSecs = genCPU1.Seconds() // minting the tokens included
	r.res.RedisMemMiB = (info1.mem - info0.mem) / (1 << 20)
	r.res.RedisCPUSecs = info1.cpu - info0.cpu
	r.res.RedisCommands = info1.commands - info0.commands
	// Every socket's session is kept in Redis once its connection handlers
	// have run: a client whose session is not there yet cannot recover.
	n, err := r.waitSessions(ctx, rdb, 2*time.Minute)
	if err != nil {
		r.logf("sessions in Redis: %d of %d: %v", n, cfg.Clients, err)
	}
	r.res.Sessions = n
	idleFrom, idleCPU := time.Now(), r.nodesCPU()
	if err := sleep(ctx, 5*time.Second); err != nil {
		return err
	}
	r.res.IdleNodeCPU = (r.nodesCPU() - idleCPU).Seconds() / time.Since(idleFrom).Seconds()
	r.emit(map[string]any{
		"type": "redis", "mem_mib": r.res.RedisMemMiB, "cpu_secs": r.res.RedisCPUSecs, "commands": r.res.RedisCommands,
		"sessions": n, "session_bytes": r.res.SessionBytes,
	})

	// The webhooks before the kill.
	total := cfg.Webhooks + cfg.DownWebhooks + cfg.AfterWebhooks
	r.sent = make([]int64, total)
	r.whs = make([]WebhookResult, total)
	r.http = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 16, IdleConnTimeout: time.Minute}}
	defer r.http.CloseIdleConnections()
	r.logf("sending %d webhooks at %.0f/s", cfg.Webhooks, cfg.Rate)
	whFrom, whCPU := time.Now(), r.nodesCPU()
	r.send(ctx, 0, cfg.Webhooks, "before")
	if err := r.waitDelivered(ctx, cfg.Webhooks, time.Minute); err != nil {
		r.logf("%v", err)
	}
	if n := r.expected(cfg.Webhooks); n > 0 {
		busy := (r.nodesCPU() - whCPU).Seconds() - r.res.IdleNodeCPU*time.Since(whFrom).Seconds()
		r.res.WebhookNodeCPUus = max(0, busy) * 1e6 / float64(n)
		r.res.WebhookNodeCPUms = max(0, busy) * 1e3 / float64(cfg.Webhooks)
	}

	if !cfg.NoKill {
		if err := r.kill(ctx); err != nil {
			return err
		}
	} else {
		r.send(ctx, cfg.Webhooks, total, "after")
	}
	if err := r.waitDelivered(ctx, total, 2*time.Minute); err != nil {
		r.logf("%v", err)
	}
	info2 := redisInfo(ctx, rdb)
	r.res.RedisCPUSecsWebhooks = info2.cpu - info1.cpu
	r.res.RedisCommandsWebhooks = info2.commands - info1.commands
	return r.check()
}

// kill SIGKILLs one node while webhooks are sent, and waits until its
// clients are back on the others, then sends the last webhooks.
func (r *run) kill(ctx context.Context) error {
	cfg := r.cfg
	k := 1 % cfg.Nodes
	before, err := r.statuses()
	if err != nil {
		return err
	}
	clients := 0
	var dropped0 int64
	for _, s := range before {
		clients += s.OnNode[k]
		dropped0 += s.Dropped
	}
	at := time.Now()
	for _, g := range r.gens {
		var s load.GenStatus
		if err := g.call(map[string]any{"cmd": "down", "node": k, "at": at.UnixNano()}, &s); err != nil {
			return err
		}
	}
	r.logf("SIGKILL node %d (%d clients)", k, clients)
	if err := r.nodes[k].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return err
	}
	r.dead = k
	<-r.nodes[k].done
	from, to := cfg.Webhooks, cfg.Webhooks+cfg.DownWebhooks
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		r.send(ctx, from, to, "down")
	}()
	kr := &KillResult{Type: "kill", Node: k, Clients: clients}
	logged := false
	deadline := time.Now().Add(3 * time.Minute)
	for {
		sts, err := r.statuses()
		if err != nil {
			return err
		}
		kr.Dropped, kr.Recovered, kr.Fresh, kr.Failed = -dropped0, 0, 0, 0
		var lastBack int64
		kr.OnNode = make([]int, cfg.Nodes)
		for _, s := range sts {
			if s.FirstError != "" && !logged {
				r.logf("a client could not reconnect: %s", s.FirstError)
				logged = true
			}
			kr.Dropped += s.Dropped
			kr.Recovered += s.Recovered
			kr.Fresh += s.Fresh
			kr.Failed += s.Failed
			lastBack = max(lastBack, s.LastBack)
			for n, c := range s.OnNode {
				kr.OnNode[n] += c
			}
		}
		kr.BackSecs = time.Duration(lastBack - at.UnixNano()).Seconds()
		if kr.Dropped >= int64(clients) && kr.Recovered+kr.Fresh+kr.Failed >= kr.Dropped {
			break
		}
		if time.Now().After(deadline) {
			r.logf("not every client back after 3 minutes: %+v", kr)
			break
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
	<-sent
	r.logf("all back %.2f s after the kill: %d recovered, %d fresh, %d failed", kr.BackSecs, kr.Recovered, kr.Fresh, kr.Failed)
	r.send(ctx, to, len(r.sent), "after")
	r.res.Kill = kr
	return nil
}

// check asks every generator what its clients got, and merges it.
func (r *run) check() error {
	cfg := r.cfg
	hists := make([]load.Hist, len(r.sent))
	var back load.Hist
	missing := make([]uint64, len(r.sent))
	dups := make([]uint64, len(r.sent))
	var examples []string
	for _, g := range r.gens {
		var c load.GenCheck
		if err := g.call(map[string]any{"cmd": "check", "sent": r.sent}, &c); err != nil {
			return err
		}
		r.res.Expected += c.Expected
		r.res.Missing += c.Missing
		r.res.Duplicates += c.Duplicates
		r.res.Leaked += c.Leaked
		for w := range r.sent {
			if w < len(c.Latency) {
				hists[w].AddBuckets(c.Latency[w])
			}
			if w < len(c.MissingBy) && w < len(c.DuplicatesBy) {
				missing[w] += c.MissingBy[w]
				dups[w] += c.DuplicatesBy[w]
			}
		}
		back.AddBuckets(c.Back)
		examples = append(examples, c.Examples...)
	}
	var beforeP99 []float64
	r.res.Webhooks = len(r.sent)
	for w := range r.whs {
		wr := &r.whs[w]
		wr.Type, wr.W = "webhook", w
		if r.sent[w] == 0 {
			continue
		}
		if wr.Status/100 != 2 {
			r.res.FailedWebhooks++
		}
		h := &hists[w]
		wr.Expected = 2 * uint64(r.deptSize[wr.Dept])
		wr.Delivered = h.Count()
		wr.Missing = missing[w]
		wr.Duplicates = dups[w]
		wr.P50ms, wr.P99ms, wr.MaxMs = ms(h.Quantile(0.5)), ms(h.Quantile(0.99)), ms(h.Quantile(1))
		switch wr.Phase {
		case "before":
			beforeP99 = append(beforeP99, wr.P99ms)
			r.res.BeforeP99MaxMs = max(r.res.BeforeP99MaxMs, wr.P99ms)
		case "down":
			r.res.DownP99MaxMs = max(r.res.DownP99MaxMs, wr.P99ms)
		case "after":
			r.res.AfterP99MaxMs = max(r.res.AfterP99MaxMs, wr.P99ms)
		}
		r.emit(wr)
	}
	var before load.Hist
	for w := 0; w < cfg.Webhooks && w < len(hists); w++ {
		before.AddBuckets(hists[w].Buckets())
	}
	r.res.BeforeAllP99Ms = ms(before.Quantile(0.99))
	if len(beforeP99) > 0 {
		sort.Float64s(beforeP99)
		r.res.BeforeP99MedianMs = beforeP99[len(beforeP99)/2]
	}
	if k := r.res.Kill; k != nil {
		k.BackP50ms, k.BackP99ms = ms(back.Quantile(0.5)), ms(back.Quantile(0.99))
		r.emit(k)
	}
	r.res.WebhookResults = r.whs
	if len(examples) > 0 {
		r.logf("missing, for example: %s", strings.Join(examples[:min(len(examples), 10)], "; "))
	}
	return nil
}

// send sends webhooks from..to-1 at cfg.Rate, each to department w%D, on
// the living nodes round robin, and waits for their answers.
func (r *run) send(ctx context.Context, from, to int, phase string) {
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := from; w < to; w++ {
		next := t0.Add(time.Duration(float64(w-from) / r.cfg.Rate * float64(time.Second)))
		if sleep(ctx, time.Until(next)) != nil {
			break
		}
		var living []int
		for k := range r.nodes {
			if k != r.dead {
				living = append(living, k)
			}
		}
		d := w % r.cfg.Departments
		n := living[w%len(living)]
		wr := &r.whs[w]
		wr.Phase, wr.Dept, wr.Node = phase, d, n
		// One customer per department and webhook number modulo 1,000:
		// conversations are reused, never across departments.
		from := fmt.Sprintf("+1666%d%06d", d, w%1000)
		req, err := load.SMSWebhook(ctx, r.nodes[n].addr, r.public, r.token, w, from, r.numbers[d])
		if err != nil {
			continue
		}
		r.sent[w] = time.Now().UnixNano()
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := r.http.Do(req)
			if err != nil {
				r.logf("webhook %d: %v", w, err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			wr.Status = resp.StatusCode
		}()
	}
	wg.Wait()
}

// expected returns the deliveries of webhooks 0..upto-1.
func (r *run) expected(upto int) uint64 {
	var n uint64
	for w := 0; w < upto; w++ {
		if r.sent[w] != 0 {
			n += 2 * uint64(r.deptSize[w%r.cfg.Departments])
		}
	}
	return n
}

// nodesCPU returns the CPU time the living nodes have used.
func (r *run) nodesCPU() time.Duration {
	var d time.Duration
	for k, n := range r.nodes {
		if k != r.dead {
			d += load.ProcCPU(n.cmd.Process.Pid)
		}
	}
	return d
}

// gensCPU returns the CPU time the generators have used.
func (r *run) gensCPU() time.Duration {
	var d time.Duration
	for _, g := range r.gens {
		d += load.ProcCPU(g.cmd.Process.Pid)
	}
	return d
}

// waitDelivered waits until the generators have matched every event of
// webhooks 0..upto-1.
func (r *run) waitDelivered(ctx context.Context, upto int, d time.Duration) error {
	expected := r.expected(upto)
	deadline := time.Now().Add(d)
	for {
		sts, err := r.statuses()
		if err != nil {
			return err
		}
		var got uint64
		for _, s := range sts {
			got += s.Matched
		}
		if got >= expected {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cluster: %d of %d deliveries after %s", got, expected, d)
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

func (r *run) redisClient() (*redis.Client, error) {
	opts, err := redis.ParseURL(r.cfg.Redis)
	if err != nil {
		return nil, err
	}
	return redis.NewClient(opts), nil
}

type redisFigures struct {
	mem, cpu float64 // used_memory bytes, used_cpu_sys + used_cpu_user
	commands int64   // total_commands_processed
}

// redisInfo reads the server's memory, CPU and commands from INFO (zero
// when it cannot).
func redisInfo(ctx context.Context, rdb *redis.Client) redisFigures {
	var f redisFigures
	s, err := rdb.Info(ctx, "memory", "cpu", "stats").Result()
	if err != nil {
		return f
	}
	for _, line := range strings.Split(s, "\r\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		x, _ := strconv.ParseFloat(v, 64)
		switch k {
		case "used_memory":
			f.mem = x
		case "used_cpu_sys", "used_cpu_user":
			f.cpu += x
		case "total_commands_processed":
			f.commands = int64(x)
		}
	}
	return f
}

// waitSessions waits until every client's session is in Redis, and notes
// the size of one.
func (r *run) waitSessions(ctx context.Context, rdb *redis.Client, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for {
		n := 0
		iter := rdb.Scan(ctx, 0, r.prefix+"-session#/#*", 10_000).Iterator()
		for iter.Next(ctx) {
			if n == 0 {
				r.res.SessionBytes, _ = rdb.MemoryUsage(ctx, iter.Val()).Result()
			}
			n++
		}
		if err := iter.Err(); err != nil {
			return n, err
		}
		if n >= r.cfg.Clients {
			return n, nil
		}
		if time.Now().After(deadline) {
			return n, errors.New("not every session")
		}
		// Not oftener: each count SCANs every key of Redis (~0.4 s of its
		// CPU at 100,000 clients), which would slow what is measured.
		if err := sleep(ctx, 3*time.Second); err != nil {
			return n, err
		}
	}
}

func (r *run) statuses() ([]load.GenStatus, error) {
	out := make([]load.GenStatus, len(r.gens))
	for i, g := range r.gens {
		if err := g.call(map[string]string{"cmd": "status"}, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// schema creates the run's PostgreSQL schema and returns the URL that uses
// it, and a function that drops it.
func (r *run) schema(ctx context.Context) (string, func(), error) {
	db, err := sql.Open("pgx", r.cfg.Postgres)
	if err != nil {
		return "", nil, err
	}
	name := "kin_cluster_" + randomID()
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("cluster: PostgreSQL at %s: %w", r.cfg.Postgres, err)
	}
	drop := func() {
		if _, err := db.Exec("DROP SCHEMA " + name + " CASCADE"); err != nil {
			r.logf("dropping schema %s: %v", name, err)
		}
		db.Close()
	}
	u, err := url.Parse(r.cfg.Postgres)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// cleanRedis deletes the run's keys.
func (r *run) cleanRedis() {
	opts, err := redis.ParseURL(r.cfg.Redis)
	if err != nil {
		return
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	iter := rdb.Scan(ctx, 0, "*"+r.prefix+"*", 10_000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
		if len(keys) == 1000 {
			rdb.Del(ctx, keys...)
			keys = keys[:0]
		}
	}
	if len(keys) > 0 {
		rdb.Del(ctx, keys...)
	}
}

// startNodes starts the kinrt nodes, one after the other, each once it
// answers /readyz.
func (r *run) startNodes(ctx context.Context, dsn string) error {
	cfg := r.cfg
	addrs := make([]string, cfg.Nodes)
	for k := range addrs {
		addr, err := freePort()
		if err != nil {
			return err
		}
		addrs[k] = addr
	}
	r.public = "http://" + addrs[0]
	var numbers []string
	for d := range r.depts {
		numbers = append(numbers, r.numbers[d]+"="+r.depts[d])
	}
	env := append(os.Environ(),
		"REDIS_URL="+cfg.Redis, "KIN_REDIS_PREFIX="+r.prefix, "DATABASE_URL="+dsn,
		"NEXTAUTH_SECRET="+r.secret, "TWILIO_AUTH_TOKEN="+r.token, "KIN_PUBLIC_URL="+r.public,
		"KIN_NUMBER_DEPARTMENTS="+strings.Join(numbers, ","),
		"KIN_ADMIN_ADDR=127.0.0.1:0", "KIN_LOG_LEVEL=warn",
		"KIN_CONNECT_RATE=off", "KIN_MAX_CONNECTIONS=0", "KIN_API_RATE=off", "KIN_WEBHOOK_RATE=off",
	)
	if cfg.PresenceInterval != "" {
		env = append(env, "KIN_PRESENCE_INTERVAL="+cfg.PresenceInterval)
	}
	if cfg.PresenceScope != "" {
		env = append(env, "KIN_PRESENCE_SCOPE="+cfg.PresenceScope)
	}
	for k, addr := range addrs {
		lf, err := os.Create(filepath.Join(cfg.Out, fmt.Sprintf("node-%d.log", k)))
		if err != nil {
			return err
		}
		cmd := niced(cfg.Nice, cfg.Kinrt, "serve", "-addr", addr)
		cmd.Env, cmd.Stdout, cmd.Stderr = env, lf, lf
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			lf.Close()
			return err
		}
		n := &node{addr: addr, cmd: cmd, done: make(chan struct{}), log: lf}
		go func() { _ = cmd.Wait(); close(n.done) }()
		r.nodes = append(r.nodes, n)
		if err := waitReady(ctx, n, 60*time.Second); err != nil {
			return fmt.Errorf("node %d (%s): %w (see %s)", k, addr, err, lf.Name())
		}
	}
	r.logf("%d nodes ready: %s", len(addrs), strings.Join(addrs, " "))
	return nil
}

func waitReady(ctx context.Context, n *node, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		select {
		case <-n.done:
			return errors.New("exited")
		default:
		}
		resp, err := http.Get("http://" + n.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errors.New("not ready")
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return err
		}
	}
}

// startGenerators starts the load generator processes and sends each its
// configuration: generator g has clients g*P..(g+1)*P-1 and connects from
// 127.0.0.<g+2>.
func (r *run) startGenerators(ctx context.Context) error {
	cfg := r.cfg
	var addrs []string
	for _, n := range r.nodes {
		addrs = append(addrs, n.addr)
	}
	for g := 0; g*cfg.PerGenerator < cfg.Clients; g++ {
		from, to := g*cfg.PerGenerator, min((g+1)*cfg.PerGenerator, cfg.Clients)
		src := fmt.Sprintf("127.0.0.%d", g+2)
		r.res.Sources = append(r.res.Sources, src)
		lf, err := os.Create(filepath.Join(cfg.Out, fmt.Sprintf("generator-%d.log", g)))
		if err != nil {
			return err
		}
		cmd := niced(cfg.Nice, cfg.Generator[0], cfg.Generator[1:]...)
		cmd.Env = append(os.Environ(), generatorEnv+"=1")
		cmd.Stderr = lf
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		in, err := cmd.StdinPipe()
		if err != nil {
			return err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 256<<20)
		gen := &generator{cmd: cmd, in: in, sc: sc, log: lf, from: from, to: to}
		r.gens = append(r.gens, gen)
		gc := load.GenConfig{
			From: from, To: to, Nodes: addrs, Sources: []string{src}, Departments: r.depts, Secret: r.secret,
			Webhooks: cfg.Webhooks + cfg.DownWebhooks + cfg.AfterWebhooks, Watch: cfg.Watch,
		}
		b, _ := json.Marshal(gc)
		if _, err := in.Write(append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// stop closes the generators and stops the nodes. A generator that
// failed, or exited with an error (a race the detector found in a test's
// generator), is an error.
func (r *run) stop() error {
	var errs []error
	for _, g := range r.gens {
		var ans map[string]any
		if err := g.call(map[string]string{"cmd": "close"}, &ans); err != nil {
			errs = append(errs, err)
		}
		g.in.Close()
		done := make(chan error, 1)
		go func() { done <- g.cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				errs = append(errs, fmt.Errorf("generator %d..%d (see %s): %w", g.from, g.to, g.log.Name(), err))
			}
		case <-time.After(30 * time.Second):
			_ = g.cmd.Process.Kill()
			<-done
			errs = append(errs, fmt.Errorf("generator %d..%d did not stop", g.from, g.to))
		}
		g.log.Close()
	}
	for _, n := range r.nodes {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, n := range r.nodes {
		select {
		case <-n.done:
		case <-time.After(30 * time.Second):
			_ = n.cmd.Process.Kill()
			<-n.done
		}
		n.log.Close()
	}
	return errors.Join(errs...)
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func randomID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// niced returns the command of name with args, run at niceness nice (by
// nice(1), which execs it: the process keeps its pid).
func niced(nice int, name string, args ...string) *exec.Cmd {
	if nice == 0 {
		return exec.Command(name, args...)
	}
	return exec.Command("nice", append([]string{"-n", strconv.Itoa(nice), name}, args...)...)
}
