package load

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync/atomic"
	"time"
)

// FanoutConfig is the fan-out scenario: Clients receivers in the room and
// one controller that asks the server to broadcast, at rates that grow
// step by step until the server saturates.
type FanoutConfig struct {
	Clients int
	// Bound is the p99 latency a step must stay under. Default 100ms.
	Bound time.Duration
	// Step is how long each rate is held. Default 3s.
	Step time.Duration
	// StartRate is the first step's deliveries/s. Default 10,000.
	StartRate float64
	// Factor multiplies the rate from one step to the next. Default 1.5.
	Factor float64
	// MaxSteps caps the ramp. Default 20.
	MaxSteps int
	// Single, when > 0, first holds 1 broadcast/s for this long and reports
	// its latency (the "one broadcast" point).
	Single time.Duration
	// Messages, when > 0, replaces the ramp by one step of exactly this
	// many broadcasts at StartRate deliveries/s (for tests).
	Messages int
	// Pad is the length of the payload's padding. Default 64.
	Pad int
	// PID is the server's process, whose CPU time is read (0: not).
	PID int
}

// Step is one rate of the ramp.
type Step struct {
	Rate        float64 `json:"rate"` // broadcasts/s asked for
	Sent        uint64  `json:"sent"`
	Expected    uint64  `json:"expected"`
	Received    uint64  `json:"received"`
	Missing     uint64  `json:"missing"`
	Deliveries  float64 `json:"deliveries_per_sec"` // received / step duration
	P50ms       float64 `json:"p50_ms"`
	P99ms       float64 `json:"p99_ms"`
	MaxMs       float64 `json:"max_ms"`
	WithinBound bool    `json:"within_bound"`
	// CPU microseconds per delivery of the load generator and the server.
	LoadCPUus   float64 `json:"load_cpu_us"`
	ServerCPUus float64 `json:"server_cpu_us,omitempty"`
}

// FanoutResult is what the fan-out scenario measured.
type FanoutResult struct {
	Clients int     `json:"clients"`
	BoundMs float64 `json:"bound_ms"`
	Single  *Step   `json:"single,omitempty"`
	Steps   []Step  `json:"steps"`
	// Best is the highest deliveries/s of a step within the bound with
	// nothing missing, BestP99ms its p99.
	Best      float64 `json:"best_deliveries_per_sec"`
	BestP99ms float64 `json:"best_p99_ms"`
	Lost      int64   `json:"lost"`
}

const maxPhases = 64

type phase struct {
	recv atomic.Uint64
	hist Hist
}

type fanout struct {
	cfg    FanoutConfig
	start  time.Time
	phases [maxPhases]phase
	ready  atomic.Int64
	warm   atomic.Uint64 // phase 0 messages received
	ctl    *Client
	msg    []byte
	pad    string
}

// Fanout runs the fan-out scenario.
func Fanout(ctx context.Context, t Target, cfg FanoutConfig) (*FanoutResult, error) {
	if cfg.Bound <= 0 {
		cfg.Bound = 100 * time.Millisecond
	}
	if cfg.Step <= 0 {
		cfg.Step = 3 * time.Second
	}
	if cfg.StartRate <= 0 {
		cfg.StartRate = 10_000
	}
	if cfg.Factor <= 1 {
		cfg.Factor = 1.5
	}
	if cfg.MaxSteps <= 0 || cfg.MaxSteps > maxPhases-2 {
		cfg.MaxSteps = 20
	}
	if cfg.Pad <= 0 {
		cfg.Pad = 64
	}
	f := &fanout{cfg: cfg, start: time.Now(), pad: strings.Repeat("x", cfg.Pad)}
	p, err := connect(ctx, t, cfg.Clients, nil, func(_ int, c *Client) {
		warm := false
		c.OnEvent = func(data []byte) { f.onEvent(data, &warm) }
	})
	if err != nil {
		return nil, err
	}
	defer p.close()
	ctl, err := Dial(ctx, t.Addr, t.source(0), `{"role":"controller"}`)
	if err != nil {
		return nil, err
	}
	f.ctl = ctl
	go func() { _ = ctl.Run() }()
	defer ctl.Close()

	if err := f.warmUp(); err != nil {
		return nil, err
	}
	res := &FanoutResult{Clients: cfg.Clients, BoundMs: ms(cfg.Bound)}
	ph := 1
	if cfg.Single > 0 {
		s := f.step(ph, 1, int(cfg.Single.Seconds()+0.5))
		res.Single = &s
		ph++
	}
	rate := cfg.StartRate / float64(cfg.Clients)
	if cfg.Messages == 0 {
		// A step at the first rate, not recorded: the servers' first
		// seconds under load (JIT, heap growth) are not what is measured.
		f.step(ph, rate, int(math.Ceil(rate*min(cfg.Step, 2*time.Second).Seconds())))
		ph++
	}
	failed := 0
	for i := 0; i < cfg.MaxSteps && ph < maxPhases; i++ {
		n := int(math.Round(rate * cfg.Step.Seconds()))
		if cfg.Messages > 0 {
			n = cfg.Messages
		}
		s := f.step(ph, rate, n)
		ph++
		res.Steps = append(res.Steps, s)
		if s.WithinBound && s.Deliveries > res.Best {
			res.Best, res.BestP99ms = s.Deliveries, s.P99ms
		}
		if s.WithinBound {
			failed = 0
		} else {
			failed++
		}
		// Two failed steps in a row end the ramp: one may be noise.
		if failed == 2 || cfg.Messages > 0 || ctx.Err() != nil || p.lost.Load() > 0 {
			break
		}
		rate *= cfg.Factor
	}
	res.Lost = p.lost.Load()
	return res, nil
}

func (f *fanout) onEvent(data []byte, warm *bool) {
	ph, ok := field(data, `"p":`)
	if !ok || ph >= maxPhases {
		return
	}
	t, ok := field(data, `"t":`)
	if !ok {
		return
	}
	if ph == 0 {
		f.warm.Add(1)
		if !*warm {
			*warm = true
			f.ready.Add(1)
		}
		return
	}
	lat := time.Since(f.start) - time.Duration(t)
	f.phases[ph].recv.Add(1)
	f.phases[ph].hist.Add(lat)
}

// warmUp broadcasts phase 0 until every client has received one: a client
// may get its CONNECT answer before it is in the room.
func (f *fanout) warmUp() error {
	end := time.Now().Add(60 * time.Second)
	for f.ready.Load() < int64(f.cfg.Clients) {
		if time.Now().After(end) {
			return fmt.Errorf("load: only %d of %d clients in the room", f.ready.Load(), f.cfg.Clients)
		}
		if err := f.send(0); err != nil {
			return err
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Then let the warm-up broadcasts drain.
	last := f.warm.Load()
	for {
		time.Sleep(300 * time.Millisecond)
		n := f.warm.Load()
		if n == last || time.Now().After(end) {
			return nil
		}
		last = n
	}
}

func (f *fanout) send(ph int) error {
	f.msg = append(f.msg[:0], `42["bench:broadcast",`...)
	f.msg = appendPayload(f.msg, ph, time.Since(f.start), f.pad)
	f.msg = append(f.msg, ']')
	return f.ctl.WriteText(f.msg)
}

// step sends n broadcasts at rate per second in phase ph, then waits for
// the deliveries (up to three bounds, at least 2s).
func (f *fanout) step(ph int, rate float64, n int) Step {
	cpu := startCPU(f.cfg.PID)
	t0 := time.Now()
	sent := 0
	for sent < n {
		due := min(n, int(time.Since(t0).Seconds()*rate)+1)
		for ; sent < due; sent++ {
			if f.send(ph) != nil {
				break
			}
		}
		if sent < n {
			next := t0.Add(time.Duration(float64(sent) / rate * float64(time.Second)))
			if d := time.Until(next); d > 0 {
				time.Sleep(d)
			}
		}
	}
	window := time.Duration(float64(n) / rate * float64(time.Second))
	expected := uint64(sent) * uint64(f.cfg.Clients)
	pp := &f.phases[ph]
	waitFor(max(3*f.cfg.Bound, 2*time.Second), func() bool { return pp.recv.Load() >= expected })
	recv := pp.recv.Load()
	s := Step{
		Rate:       rate,
		Sent:       uint64(sent),
		Expected:   expected,
		Received:   recv,
		Deliveries: float64(recv) / window.Seconds(),
		P50ms:      ms(pp.hist.Quantile(0.50)),
		P99ms:      ms(pp.hist.Quantile(0.99)),
		MaxMs:      ms(pp.hist.Quantile(1)),
	}
	if recv < expected {
		s.Missing = expected - recv
	}
	s.LoadCPUus, s.ServerCPUus = cpu.perEvent(recv)
	s.WithinBound = s.Missing == 0 && s.P99ms < ms(f.cfg.Bound)
	return s
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
