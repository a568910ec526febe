package load

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/events"
)

// StormConfig is the connection storm scenario against `kinrt serve`:
// Clients authenticated users of Departments departments connect at once;
// then, when Restart is set, the server restarts and they all reconnect at
// once. A few observers (one agent per department and one admin),
// connected first, each load GET /api/presence and apply the
// user_presence_updated events (single and batched) as the web package
// does: a phase is settled when every observer sees every user of its
// scope online, and has ended once no presence event came for Quiet.
type StormConfig struct {
	Clients int
	// Departments the users are spread over, round robin. Default 5.
	Departments int
	// Secret is the service's NEXTAUTH_SECRET: the session tokens are
	// minted with it.
	Secret string
	// AdminAddr is the service's admin listener (KIN_ADMIN_ADDR), whose
	// /metrics gives kinrt_deliveries_total. Empty: not read.
	AdminAddr string
	// PID is the server's process, whose CPU time is read (0: not).
	PID int
	// Restart, when set, restarts the server (its clients' connections
	// end) and returns once the new one listens, with its process id.
	Restart func(ctx context.Context) (pid int, err error)
	// Target is the time a phase must settle within. Default 3s.
	Target time.Duration
	// Quiet ends a phase: that long without a presence event. Default 1s.
	Quiet time.Duration
}

// StormPhase is what one storm measured.
type StormPhase struct {
	Clients int `json:"clients"`
	// ConnectSecs: from the first dial until every client's CONNECT was
	// answered (the server joins the rooms before answering).
	ConnectSecs float64 `json:"connect_secs"`
	// SettledSecs: from the first dial until every client was connected
	// and every observer saw every user of its scope online.
	SettledSecs float64 `json:"settled_secs"`
	// LastPresenceSecs: from the first dial until the last presence event
	// reached a client.
	LastPresenceSecs float64 `json:"last_presence_secs"`
	// PresenceEvents received by all the clients, and their bytes.
	PresenceEvents uint64 `json:"presence_events"`
	PresenceBytes  uint64 `json:"presence_bytes"`
	// Deliveries is the growth of the server's kinrt_deliveries_total
	// during the phase (-1: not read).
	Deliveries float64 `json:"deliveries"`
	// ServerCPUSecs is the server's CPU time during the phase.
	ServerCPUSecs float64 `json:"server_cpu_secs,omitempty"`
	// Leaked counts presence changes an observer got of a user of
	// another department (must be 0).
	Leaked int64 `json:"leaked"`
	// WithinTarget: SettledSecs within the target and nothing leaked.
	WithinTarget bool `json:"within_target"`
}

// StormResult is what the storm scenario measured.
type StormResult struct {
	Clients     int         `json:"clients"`
	Departments int         `json:"departments"`
	TargetSecs  float64     `json:"target_secs"`
	Storm       StormPhase  `json:"storm"`
	Restart     *StormPhase `json:"restart,omitempty"`
	Lost        int64       `json:"lost"`
}

// observer is a client that keeps the presence of its scope, as the web
// package's reducer does (by version), and notes when all of its users
// are online.
type observer struct {
	dept  string // "" for the admin
	token string

	mu       sync.Mutex
	state    map[string]presenceState
	online   int // users of the scope whose latest status is online
	expected int
	settled  atomic.Int64 // time since the phase's start, 0: not yet
	leaked   *atomic.Int64
	start    time.Time
	deptOfID func(id string) (string, bool)
}

type presenceState struct {
	version int64
	online  bool
}

type storm struct {
	cfg    StormConfig
	depts  []string
	tokens []string // by user
	obs    []*observer

	start    atomic.Int64 // the phase's start, Unix ns
	events   atomic.Uint64
	bytes    atomic.Uint64
	lastSeen atomic.Int64 // time since start of the last presence event
	leaked   atomic.Int64
}

var evPresence = []byte(`["user_presence_updated",`)

// Storm runs the connection storm scenario.
func Storm(ctx context.Context, t Target, cfg StormConfig) (*StormResult, error) {
	if cfg.Departments <= 0 {
		cfg.Departments = 5
	}
	if cfg.Target <= 0 {
		cfg.Target = 3 * time.Second
	}
	if cfg.Quiet <= 0 {
		cfg.Quiet = time.Second
	}
	s := &storm{cfg: cfg}
	for d := range cfg.Departments {
		s.depts = append(s.depts, "storm-"+strconv.Itoa(d))
	}
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{cfg.Secret}})
	if err != nil {
		return nil, err
	}
	// The tokens first: minting is not what the storm measures.
	for i := range cfg.Clients {
		tok, err := v.Mint(auth.Principal{UserID: "storm-" + strconv.Itoa(i), Name: "Storm " + strconv.Itoa(i), Role: "agent", Department: s.depts[i%len(s.depts)]}, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		s.tokens = append(s.tokens, `{"token":"`+tok+`"}`)
	}
	mintObserver := func(id, role, dept string) (string, error) {
		return v.Mint(auth.Principal{UserID: id, Name: id, Role: role, Department: dept}, 24*time.Hour)
	}
	var observerTokens []string
	for _, d := range s.depts {
		tok, err := mintObserver("observer-"+d, "agent", d)
		if err != nil {
			return nil, err
		}
		observerTokens = append(observerTokens, tok)
	}
	adminTok, err := mintObserver("observer-admin", "admin", "")
	if err != nil {
		return nil, err
	}
	observerTokens = append(observerTokens, adminTok)

	res := &StormResult{Clients: cfg.Clients, Departments: cfg.Departments, TargetSecs: cfg.Target.Seconds()}
	ph, pools, err := s.phase(ctx, t, observerTokens, cfg.PID)
	res.Storm = ph
	for _, p := range pools {
		res.Lost += p.lost.Load()
	}
	if err != nil || cfg.Restart == nil {
		for _, p := range pools {
			p.close()
		}
		return res, err
	}
	pid, err := cfg.Restart(ctx)
	for _, p := range pools {
		p.close() // their connections ended with the old server
	}
	if err != nil {
		return res, fmt.Errorf("load: restart: %w", err)
	}
	ph, pools, err = s.phase(ctx, t, observerTokens, pid)
	res.Restart = &ph
	for _, p := range pools {
		res.Lost += p.lost.Load()
		p.close()
	}
	return res, err
}

// phase connects the observers (loading their snapshot), then every user
// at once, and waits until the observers are settled and the presence
// events have stopped. It returns the pools (observers, users), connected.
func (s *storm) phase(ctx context.Context, t Target, observerTokens []string, pid int) (StormPhase, []*pool, error) {
	ph := StormPhase{Clients: s.cfg.Clients, Deliveries: -1}
	s.events.Store(0)
	s.bytes.Store(0)
	s.lastSeen.Store(0)
	s.leaked.Store(0)
	s.start.Store(time.Now().UnixNano())
	s.obs = s.obs[:0]
	for i, tok := range observerTokens {
		o := &observer{token: tok, state: map[string]presenceState{}, leaked: &s.leaked, deptOfID: s.deptOfID}
		if i < len(s.depts) {
			o.dept = s.depts[i]
			o.expected = (s.cfg.Clients + len(s.depts) - 1 - i) / len(s.depts)
		} else {
			o.expected = s.cfg.Clients
		}
		s.obs = append(s.obs, o)
	}
	obsPool, err := connect(ctx, t, len(s.obs), func(i int) string { return `{"token":"` + s.obs[i].token + `"}` },
		func(i int, c *Client) {
			o := s.obs[i]
			c.OnEvent = func(data []byte) { s.onEvent(data); o.onEvent(data) }
		})
	if err != nil {
		return ph, nil, err
	}
	pools := []*pool{obsPool}
	for _, o := range s.obs {
		if err := o.snapshot(ctx, t.Addr); err != nil {
			return ph, pools, err
		}
	}
	d0, derr := s.deliveries()
	cpu := startCPU(pid)
	t0 := time.Now()
	s.events.Store(0)
	s.bytes.Store(0)
	s.start.Store(t0.UnixNano())
	for _, o := range s.obs {
		o.mu.Lock()
		o.start = t0
		o.checkSettled()
		o.mu.Unlock()
	}
	users, err := connect(ctx, t, s.cfg.Clients, func(i int) string { return s.tokens[i] }, func(_ int, c *Client) { c.OnEvent = s.onEvent })
	if err != nil {
		return ph, pools, err
	}
	pools = append(pools, users)
	ph.ConnectSecs = time.Since(t0).Seconds()
	settled := func() bool {
		for _, o := range s.obs {
			if o.settled.Load() == 0 {
				return false
			}
		}
		return true
	}
	waitFor(time.Minute, settled)
	// The end: no presence event for Quiet (at most a minute more).
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(s.cfg.Quiet / 10) {
		if last := s.lastSeen.Load(); time.Since(t0.Add(time.Duration(last))) >= s.cfg.Quiet {
			break
		}
	}
	if pid > 0 {
		ph.ServerCPUSecs = float64(procCPU(pid)-cpu.server) / float64(time.Second)
	}
	ph.SettledSecs = ph.ConnectSecs
	for _, o := range s.obs {
		at := o.settled.Load()
		if at == 0 {
			o.mu.Lock()
			online, expected := o.online, o.expected
			o.mu.Unlock()
			return ph, pools, fmt.Errorf("load: observer of %q saw %d of %d users online", o.dept, online, expected)
		}
		ph.SettledSecs = max(ph.SettledSecs, time.Duration(at).Seconds())
	}
	ph.LastPresenceSecs = time.Duration(s.lastSeen.Load()).Seconds()
	ph.PresenceEvents, ph.PresenceBytes = s.events.Load(), s.bytes.Load()
	if d1, err := s.deliveries(); err == nil && derr == nil {
		ph.Deliveries = d1 - d0
	}
	ph.Leaked = s.leaked.Load()
	ph.WithinTarget = ph.SettledSecs <= s.cfg.Target.Seconds() && ph.Leaked == 0
	return ph, pools, nil
}

// deptOfID returns the department of a storm user ("storm-<i>").
func (s *storm) deptOfID(id string) (string, bool) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "storm-"))
	if err != nil || !strings.HasPrefix(id, "storm-") || n >= s.cfg.Clients {
		return "", false
	}
	return s.depts[n%len(s.depts)], true
}

// onEvent counts a user's presence events.
func (s *storm) onEvent(data []byte) {
	if !bytes.HasPrefix(data, evPresence) {
		return
	}
	s.events.Add(1)
	s.bytes.Add(uint64(len(data)))
	s.lastSeen.Store(time.Now().UnixNano() - s.start.Load())
}

// deliveries reads kinrt_deliveries_total from the admin listener.
func (s *storm) deliveries() (float64, error) {
	if s.cfg.AdminAddr == "" {
		return 0, fmt.Errorf("no admin listener")
	}
	resp, err := http.Get("http://" + s.cfg.AdminAddr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("load: GET /metrics: %s", resp.Status)
	}
	// Without a series (nothing delivered since the server started) the
	// sum is 0.
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "kinrt_deliveries_total") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			sum += v
		}
	}
	return sum, sc.Err()
}

// snapshot loads GET /api/presence into the observer's state.
func (o *observer) snapshot(ctx context.Context, addr string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/presence", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+o.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("load: GET /api/presence: %s", resp.Status)
	}
	var page struct {
		Items []struct {
			UserID     string `json:"userId"`
			Department string `json:"department"`
			Status     string `json:"status"`
			Version    int64  `json:"version"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, it := range page.Items {
		o.apply(it.UserID, it.Department, it.Status, it.Version)
	}
	return nil
}

// onEvent applies a presence event, single or batched.
func (o *observer) onEvent(data []byte) {
	if !bytes.HasPrefix(data, evPresence) {
		return
	}
	// ["user_presence_updated", payload, recovery offset?]
	var args []json.RawMessage
	var e events.UserPresenceUpdated
	if json.Unmarshal(data, &args) != nil || len(args) < 2 || json.Unmarshal(args[1], &e) != nil {
		return
	}
	changes := e.Users
	if len(changes) == 0 {
		changes = []events.PresenceChange{{UserID: e.UserID, Status: e.Status, Version: e.Version}}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, c := range changes {
		o.apply(c.UserID, e.Department, c.Status, c.Version)
	}
	o.checkSettled()
}

// apply records one change; the caller holds o.mu.
func (o *observer) apply(id, dept, status string, version int64) {
	want, ok := o.deptOfID(id)
	if !ok {
		return // an observer
	}
	if dept != want || (o.dept != "" && dept != o.dept) {
		o.leaked.Add(1)
		return
	}
	prev, had := o.state[id]
	if had && prev.version > version {
		return
	}
	on := status != events.PresenceOffline
	if on && !(had && prev.online) {
		o.online++
	} else if !on && had && prev.online {
		o.online--
	}
	o.state[id] = presenceState{version: version, online: on}
}

// checkSettled notes the first time every user of the scope is online;
// the caller holds o.mu.
func (o *observer) checkSettled() {
	if o.online >= o.expected && o.settled.Load() == 0 && !o.start.IsZero() {
		o.settled.Store(max(1, int64(time.Since(o.start))))
	}
}
