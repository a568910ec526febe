package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
)

// GenConfig is one load generator process of bench/cluster: the clients
// From..To-1 of a cluster's clients, authenticated users ("u<i>",
// agents of Departments[i%len(Departments)]), client i at home on
// Nodes[i%len(Nodes)], connecting from Sources round robin.
//
// Webhook w of the run (0 ≤ w < Webhooks) goes to department w%len(Departments)
// (the coordinator sends it so): a client counts, for each webhook, its
// message_received and conversation_updated (webhookEvent), and any event of
// another department's webhook as a leak. A client whose connection ends with
// an error reconnects at once, to its node unless that node was reported down
// (then to a living one, spread by i), sending its private session id and last
// offset (connection state recovery): the server's answer says whether it
// recovered the session.
type GenConfig struct {
	From        int      `json:"from"`
	To          int      `json:"to"`
	Nodes       []string `json:"nodes"`
	Sources     []string `json:"sources"`
	Departments []string `json:"departments"`
	Secret      string   `json:"secret"`
	Webhooks    int      `json:"webhooks"`
	// Dials is how many handshakes run at once (connect and reconnect).
	// Default 64.
	Dials int `json:"dials"`
	// Watch is how many colleagues (users of its department) each client
	// watches with presence:watch once connected (and again after every
	// reconnection): u(i-D), u(i-2D), … (or u(i+D), … near the start),
	// for D departments. 0: none.
	Watch int `json:"watch,omitempty"`
}

// The coordinator's commands, one JSON object a line on the generator's
// standard input; each is answered with one line on its standard output.
type genCommand struct {
	Cmd string `json:"cmd"` // status, down, check, close
	// down: the node going down, and when (Unix ns).
	Node int   `json:"node"`
	At   int64 `json:"at"`
	// check: each webhook's sending time (Unix ns; 0: not sent).
	Sent []int64 `json:"sent"`
}

// GenConnected is a generator's first answer: its clients are connected.
type GenConnected struct {
	Clients     int     `json:"clients"`
	ConnectSecs float64 `json:"connect_secs"`
	// PerNode counts the clients connected to each node.
	PerNode []int `json:"per_node"`
}

// GenStatus is the answer to status and down.
type GenStatus struct {
	Events  uint64 `json:"events"`  // every event received, presence included
	Bytes   uint64 `json:"bytes"`   // their data's bytes
	Matched uint64 `json:"matched"` // webhook events of the client's department
	Leaked  uint64 `json:"leaked"`
	// Dropped clients (connection ended with an error), and of them those
	// back: Recovered (the same session) or Fresh (a new one); Failed
	// could not reconnect.
	Dropped   int64 `json:"dropped"`
	Recovered int64 `json:"recovered"`
	Fresh     int64 `json:"fresh"`
	Failed    int64 `json:"failed"`
	// OnNode is how many clients are connected to each node now.
	OnNode []int `json:"on_node"`
	// LastBack is when the last dropped client was back (Unix ns, 0: none).
	LastBack int64 `json:"last_back"`
	// FirstError is why the first client that could not reconnect could not.
	FirstError string `json:"first_error,omitempty"`
}

// GenCheck is the answer to check: what each client got of the webhooks
// of its department.
type GenCheck struct {
	GenStatus
	// Expected (client, event) pairs, those never received, and the extra
	// copies of those received more than once.
	Expected   uint64 `json:"expected"`
	Missing    uint64 `json:"missing"`
	Duplicates uint64 `json:"duplicates"`
	// MissingBy and DuplicatesBy count them by webhook.
	MissingBy    []uint64 `json:"missing_by"`
	DuplicatesBy []uint64 `json:"duplicates_by"`
	// Latency by webhook: from its sending to each event's first arrival
	// at each client of its department (Hist.Buckets).
	Latency [][][2]uint64 `json:"latency"`
	// Back: for each client dropped after a down command, from that
	// command to its CONNECT answered again (Hist.Buckets).
	Back [][2]uint64 `json:"back"`
	// Examples of missing events, "client <i> webhook <w> event <k>".
	Examples []string `json:"examples,omitempty"`
}

type genClient struct {
	i, dept int
	token   string
	watch   []byte // the presence:watch event it sends once connected, or nil
	c       *Client
	node    int
	pid     string
	offset  [40]byte // the last offset received, offset[:olen]
	olen    int
	ended   int64 // when the connection ended with an error (Unix ns)
}

type generator struct {
	cfg   GenConfig
	slots int // 2 per webhook
	t     Target
	p     *pool
	cl    []*genClient
	// By client, by slot (2*webhook+kind): the first arrival (Unix ns) and
	// the number of copies received.
	arrivals []atomic.Int64
	counts   []atomic.Uint32

	events, bytes, matched    atomic.Uint64
	leaked                    atomic.Uint64
	dropped, recovered, fresh atomic.Int64
	failed, lastBack          atomic.Int64
	downAt                    atomic.Int64
	mu                        sync.Mutex // down, closing, p.clients on reconnect
	down                      []bool
	closing                   bool
	redial                    chan *genClient
	workers                   sync.WaitGroup
	ctx                       context.Context
	cancel                    context.CancelFunc
	backHist                  Hist
	nodeMu                    sync.Mutex
	onNode                    []int
	firstErrMu                sync.Mutex
	firstErr                  error
}

// RunGenerator runs one load generator of bench/cluster: it reads its
// GenConfig as the first line of in, connects its clients, answers with a
// GenConnected line on out, then answers the commands of the following lines
// until close (or the end of in).
func RunGenerator(ctx context.Context, in io.Reader, out io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), 64<<20)
	enc := json.NewEncoder(out)
	fail := func(err error) error {
		_ = enc.Encode(map[string]string{"error": err.Error()})
		return err
	}
	if !sc.Scan() {
		return fail(fmt.Errorf("load: generator: no config: %v", sc.Err()))
	}
	var cfg GenConfig
	if err := json.Unmarshal(sc.Bytes(), &cfg); err != nil {
		return fail(fmt.Errorf("load: generator config: %w", err))
	}
	g, err := newGenerator(ctx, cfg)
	if err != nil {
		return fail(err)
	}
	defer g.close()
	conn, err := g.connect()
	if err != nil {
		return fail(err)
	}
	if err := enc.Encode(conn); err != nil {
		return err
	}
	for sc.Scan() {
		var cmd genCommand
		if err := json.Unmarshal(sc.Bytes(), &cmd); err != nil {
			return fail(fmt.Errorf("load: generator command: %w", err))
		}
		var ans any
		switch cmd.Cmd {
		case "status":
			ans = g.status()
		case "down":
			if cmd.Node < 0 || cmd.Node >= len(cfg.Nodes) {
				return fail(fmt.Errorf("load: generator: no node %d", cmd.Node))
			}
			g.mu.Lock()
			g.down[cmd.Node] = true
			g.mu.Unlock()
			g.downAt.Store(cmd.At)
			ans = g.status()
		case "check":
			ans = g.check(cmd.Sent)
		case "close":
			g.close()
			return enc.Encode(map[string]any{"closed": true, "lost": g.p.lost.Load()})
		default:
			return fail(fmt.Errorf("load: generator: unknown command %q", cmd.Cmd))
		}
		if err := enc.Encode(ans); err != nil {
			return err
		}
	}
	return sc.Err()
}

func newGenerator(ctx context.Context, cfg GenConfig) (*generator, error) {
	n := cfg.To - cfg.From
	switch {
	case n <= 0 || cfg.From < 0:
		return nil, fmt.Errorf("load: generator: clients %d..%d", cfg.From, cfg.To)
	case len(cfg.Nodes) == 0 || len(cfg.Departments) == 0:
		return nil, errors.New("load: generator: no nodes or no departments")
	case cfg.Webhooks < 0:
		return nil, fmt.Errorf("load: generator: %d webhooks", cfg.Webhooks)
	}
	if cfg.Dials <= 0 {
		cfg.Dials = 64
	}
	g := &generator{
		cfg: cfg, slots: 2 * cfg.Webhooks, cl: make([]*genClient, n),
		down: make([]bool, len(cfg.Nodes)), onNode: make([]int, len(cfg.Nodes)),
		redial: make(chan *genClient, n),
	}
	g.arrivals = make([]atomic.Int64, n*g.slots)
	g.counts = make([]atomic.Uint32, n*g.slots)
	g.ctx, g.cancel = context.WithCancel(ctx)
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{cfg.Secret}})
	if err != nil {
		return nil, err
	}
	rot := cfg.From % len(cfg.Nodes)
	g.t = Target{Addrs: append(append([]string{}, cfg.Nodes[rot:]...), cfg.Nodes[:rot]...), Sources: cfg.Sources}
	for k := range g.cl {
		i := cfg.From + k
		d := i % len(cfg.Departments)
		tok, err := v.Mint(auth.Principal{
			// Short: every presence change goes to the whole department
			// (N²/2D entries in a storm), each entry carries both.
			UserID: "u" + strconv.Itoa(i), Name: "U" + strconv.Itoa(i), Role: "agent", Department: cfg.Departments[d],
		}, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		g.cl[k] = &genClient{i: i, dept: d, token: tok, node: i % len(cfg.Nodes), watch: watchEvent(i, len(cfg.Departments), cfg.Watch)}
	}
	return g, nil
}

// connect connects every client to its home node, noting its progress on
// standard error every 10 s.
func (g *generator) connect() (*GenConnected, error) {
	t0 := time.Now()
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(10 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				st := g.status()
				n := 0
				for _, c := range st.OnNode {
					n += c
				}
				fmt.Fprintf(os.Stderr, "%s clients %d..%d: %d connected, %d events (%.0f MB) received\n",
					time.Now().UTC().Format("15:04:05"), g.cfg.From, g.cfg.To, n, st.Events, float64(st.Bytes)/1e6)
			}
		}
	}()
	p, err := connect(g.ctx, g.t, len(g.cl), func(k int) string { return `{"token":"` + g.cl[k].token + `"}` },
		func(k int, c *Client) { g.attach(g.cl[k], c) })
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	g.p = p
	g.mu.Unlock()
	// Reconnectors from now on: a client dropped meanwhile waits in
	// g.redial.
	for range g.cfg.Dials {
		g.workers.Add(1)
		go g.reconnector()
	}
	res := &GenConnected{Clients: len(g.cl), ConnectSecs: time.Since(t0).Seconds(), PerNode: make([]int, len(g.cfg.Nodes))}
	for _, gc := range g.cl {
		res.PerNode[gc.node]++
	}
	return res, nil
}

// watchEvent returns the presence:watch message of client i (n
// colleagues of its department, one of d), or nil for none.
func watchEvent(i, d, n int) []byte {
	if n <= 0 {
		return nil
	}
	b := []byte(`42["presence:watch",{"userIds":[`)
	for j := 1; j <= n; j++ {
		u := i - j*d
		if u < 0 {
			u = i + j*d
		}
		if j > 1 {
			b = append(b, ',')
		}
		b = append(b, `"u`...)
		b = strconv.AppendInt(b, int64(u), 10)
		b = append(b, '"')
	}
	return append(b, "]}]"...)
}

// attach makes c the connection of gc (before its read loop starts), and
// sends its presence:watch.
func (g *generator) attach(gc *genClient, c *Client) {
	gc.c, gc.pid = c, c.PID
	c.OnEvent = func(data []byte) { g.onEvent(gc, data) }
	c.OnEnd = func(err error) { g.onEnd(gc, err) }
	if gc.watch != nil {
		_ = c.WriteText(gc.watch) // a failed write ends the connection: OnEnd reconnects it
	}
	g.nodeMu.Lock()
	g.onNode[gc.node]++
	g.nodeMu.Unlock()
}

func (g *generator) onEvent(gc *genClient, data []byte) {
	g.events.Add(1)
	g.bytes.Add(uint64(len(data)))
	if off, ok := lastStringArg(data); ok && len(off) <= len(gc.offset) {
		gc.olen = copy(gc.offset[:], off)
	}
	w, kind, ok := webhookEvent(data)
	if !ok {
		return
	}
	if w >= uint64(g.cfg.Webhooks) || int(w%uint64(len(g.cfg.Departments))) != gc.dept {
		g.leaked.Add(1)
		return
	}
	s := (gc.i-g.cfg.From)*g.slots + 2*int(w) + kind
	g.arrivals[s].CompareAndSwap(0, time.Now().UnixNano())
	g.counts[s].Add(1)
	g.matched.Add(1)
}

// onEnd runs on the reactor when gc's connection ended: one that ended
// with an error is redialed (by a reconnector, not to block the reactor).
func (g *generator) onEnd(gc *genClient, err error) {
	g.nodeMu.Lock()
	g.onNode[gc.node]--
	g.nodeMu.Unlock()
	if err == nil {
		return
	}
	gc.ended = time.Now().UnixNano()
	g.dropped.Add(1)
	g.redial <- gc // room for every client
}

// reconnector redials dropped clients until the generator closes.
func (g *generator) reconnector() {
	defer g.workers.Done()
	for {
		select {
		case <-g.ctx.Done():
			return
		case gc := <-g.redial:
			g.reconnect(gc)
		}
	}
}

// reconnect dials gc again, with its session id and last offset, to its
// node if that is up, else to a living node chosen by its number.
func (g *generator) reconnect(gc *genClient) {
	g.mu.Lock()
	if g.down[gc.node] {
		var living []int
		for k, d := range g.down {
			if !d {
				living = append(living, k)
			}
		}
		if len(living) > 0 {
			gc.node = living[gc.i%len(living)]
		}
	}
	node := gc.node
	g.mu.Unlock()
	a := `{"token":"` + gc.token + `"`
	if gc.pid != "" && gc.olen > 0 {
		a += `,"pid":"` + gc.pid + `","offset":"` + string(gc.offset[:gc.olen]) + `"`
	}
	a += "}"
	var (
		c   *Client
		err error
	)
	for try := 0; try < 20; try++ {
		dctx, cancel := context.WithTimeout(g.ctx, 20*time.Second)
		c, err = Dial(dctx, g.cfg.Nodes[node], g.t.source(gc.i), a)
		cancel()
		if err == nil || g.ctx.Err() != nil {
			break
		}
		select {
		case <-g.ctx.Done():
		case <-time.After(time.Duration(min(try+1, 10)) * 100 * time.Millisecond):
		}
	}
	if err != nil {
		g.failed.Add(1)
		g.firstErrMu.Lock()
		if g.firstErr == nil {
			g.firstErr = fmt.Errorf("load: reconnecting client %d to %s: %w", gc.i, g.cfg.Nodes[node], err)
		}
		g.firstErrMu.Unlock()
		return
	}
	now := time.Now().UnixNano()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closing {
		c.Close()
		return
	}
	if c.PID != "" && c.PID == gc.pid {
		g.recovered.Add(1)
	} else {
		g.fresh.Add(1)
	}
	if at := g.downAt.Load(); at > 0 && gc.ended >= at {
		g.backHist.Add(time.Duration(now - at))
	}
	for {
		last := g.lastBack.Load()
		if now <= last || g.lastBack.CompareAndSwap(last, now) {
			break
		}
	}
	g.p.clients[gc.i-g.cfg.From] = c
	g.attach(gc, c)
	g.p.start(c)
}

func (g *generator) status() GenStatus {
	g.nodeMu.Lock()
	on := append([]int(nil), g.onNode...)
	g.nodeMu.Unlock()
	s := GenStatus{
		Events: g.events.Load(), Bytes: g.bytes.Load(), Matched: g.matched.Load(), Leaked: g.leaked.Load(),
		Dropped: g.dropped.Load(), Recovered: g.recovered.Load(), Fresh: g.fresh.Load(), Failed: g.failed.Load(),
		OnNode: on, LastBack: g.lastBack.Load(),
	}
	g.firstErrMu.Lock()
	if g.firstErr != nil {
		s.FirstError = g.firstErr.Error()
	}
	g.firstErrMu.Unlock()
	return s
}

// check compares what every client received with the webhooks sent.
// Events may still arrive meanwhile: the coordinator asks once every
// expected event came, or its wait ended.
func (g *generator) check(sent []int64) *GenCheck {
	res := &GenCheck{
		GenStatus: g.status(), MissingBy: make([]uint64, g.cfg.Webhooks), DuplicatesBy: make([]uint64, g.cfg.Webhooks),
		Latency: make([][][2]uint64, g.cfg.Webhooks), Back: g.backHist.Buckets(),
	}
	hists := make([]Hist, g.cfg.Webhooks)
	for k, gc := range g.cl {
		for w := gc.dept; w < g.cfg.Webhooks && w < len(sent); w += len(g.cfg.Departments) {
			if sent[w] == 0 {
				continue
			}
			for kind := 0; kind < 2; kind++ {
				s := k*g.slots + 2*w + kind
				res.Expected++
				switch n := g.counts[s].Load(); {
				case n == 0:
					res.Missing++
					res.MissingBy[w]++
					if len(res.Examples) < 10 {
						res.Examples = append(res.Examples, fmt.Sprintf("client %d webhook %d event %d", gc.i, w, kind))
					}
				default:
					res.Duplicates += uint64(n - 1)
					res.DuplicatesBy[w] += uint64(n - 1)
					hists[w].Add(time.Duration(g.arrivals[s].Load() - sent[w]))
				}
			}
		}
	}
	for w := range hists {
		res.Latency[w] = hists[w].Buckets()
	}
	return res
}

// close closes every client (without redialing them) and stops the
// reconnectors.
func (g *generator) close() {
	g.mu.Lock()
	if g.closing {
		g.mu.Unlock()
		return
	}
	g.closing = true
	g.mu.Unlock()
	g.cancel()
	g.workers.Wait()
	if g.p != nil {
		g.p.close()
	}
}

// lastStringArg returns the last argument of an event's data when it is a
// string without escapes (the recovery offset: ["ev",{…},"1733…-0"]).
func lastStringArg(data []byte) ([]byte, bool) {
	n := len(data)
	if n < 4 || data[n-1] != ']' || data[n-2] != '"' {
		return nil, false
	}
	k := bytes.LastIndexByte(data[:n-2], '"')
	if k < 1 || data[k-1] != ',' || bytes.IndexByte(data[k+1:n-2], '\\') >= 0 {
		return nil, false
	}
	return data[k+1 : n-2], true
}
