package load

import (
	"context"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// EchoConfig is the echo scenario: Clients clients in a closed loop, each
// sending "bench:echo" with an ack and the next one when the ack arrives.
type EchoConfig struct {
	Clients int
	// Duration is the measured time, after a warm-up of a fifth of it.
	// Default 5s.
	Duration time.Duration
	// Pad is the length of the payload's padding. Default 64.
	Pad int
	// PID is the server's process, whose CPU time is read (0: not).
	PID int
}

// EchoResult is what the echo scenario measured.
type EchoResult struct {
	Clients    int     `json:"clients"`
	RoundTrips uint64  `json:"round_trips"`
	PerSec     float64 `json:"round_trips_per_sec"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	Lost       int64   `json:"lost"`
	// CPU microseconds per round trip of the load generator and the server.
	LoadCPUus   float64 `json:"load_cpu_us"`
	ServerCPUus float64 `json:"server_cpu_us,omitempty"`
}

// Echo runs the echo scenario.
func Echo(ctx context.Context, t Target, cfg EchoConfig) (*EchoResult, error) {
	if cfg.Duration <= 0 {
		cfg.Duration = 5 * time.Second
	}
	if cfg.Pad <= 0 {
		cfg.Pad = 64
	}
	var (
		start    = time.Now()
		pad      = strings.Repeat("x", cfg.Pad)
		counting atomic.Bool
		stopped  atomic.Bool
		count    atomic.Uint64
		hist     Hist
	)
	type state struct {
		c  *Client
		id atomic.Uint64
	}
	send := func(s *state) {
		id := s.id.Add(1)
		_ = s.c.WriteBuilt(func(b []byte) []byte {
			b = append(b, "42"...)
			b = strconv.AppendUint(b, id, 10)
			b = append(b, `["bench:echo",`...)
			b = appendPayload(b, 1, time.Since(start), pad)
			return append(b, ']')
		})
	}
	states := make([]*state, cfg.Clients)
	p, err := connect(ctx, t, cfg.Clients, nil, func(i int, c *Client) {
		s := &state{c: c}
		states[i] = s
		c.OnAck = func(id uint64, data []byte) {
			if id != s.id.Load() {
				return
			}
			if counting.Load() {
				if ts, ok := field(data, `"t":`); ok {
					hist.Add(time.Since(start) - time.Duration(ts))
					count.Add(1)
				}
			}
			if !stopped.Load() {
				send(s)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	defer p.close()
	for _, s := range states {
		send(s)
	}
	time.Sleep(cfg.Duration / 5)
	counting.Store(true)
	cpu := startCPU(cfg.PID)
	t0 := time.Now()
	time.Sleep(cfg.Duration)
	counting.Store(false)
	elapsed := time.Since(t0)
	stopped.Store(true)
	n := count.Load()
	self, server := cpu.perEvent(n)
	return &EchoResult{
		LoadCPUus:   self,
		ServerCPUus: server,
		Clients:     cfg.Clients,
		RoundTrips:  n,
		PerSec:      float64(n) / elapsed.Seconds(),
		P50ms:       ms(hist.Quantile(0.5)),
		P99ms:       ms(hist.Quantile(0.99)),
		Lost:        p.lost.Load(),
	}, nil
}
