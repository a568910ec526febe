package load

import (
	"context"
	"fmt"
	"time"
)

// IdleConfig is the idle scenario: Clients connections that only answer
// pings, and the server's RSS.
type IdleConfig struct {
	Clients int
	// PID is the server's process, whose VmRSS is read.
	PID int
	// Settle is how long to wait after the last connection before reading
	// the RSS. Default 3s.
	Settle time.Duration
}

// IdleResult is what the idle scenario measured.
type IdleResult struct {
	Clients       int     `json:"clients"`
	BaseRSSKiB    int64   `json:"base_rss_kib"`
	RSSKiB        int64   `json:"rss_kib"`
	PerConnKiB    float64 `json:"per_conn_kib"`       // RSS / clients, as the issue measures it
	DeltaConnKiB  float64 `json:"delta_per_conn_kib"` // (RSS - base) / clients
	ConnectSecs   float64 `json:"connect_secs"`
	LostAfterIdle int64   `json:"lost"`
}

// Idle runs the idle scenario.
func Idle(ctx context.Context, t Target, cfg IdleConfig) (*IdleResult, error) {
	if cfg.Settle <= 0 {
		cfg.Settle = 3 * time.Second
	}
	base, err := RSS(cfg.PID)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	p, err := connect(ctx, t, cfg.Clients, nil, nil)
	if err != nil {
		return nil, err
	}
	defer p.close()
	connected := time.Since(start)
	time.Sleep(cfg.Settle)
	rss, err := RSS(cfg.PID)
	if err != nil {
		return nil, err
	}
	if p.lost.Load() > 0 {
		return nil, fmt.Errorf("load: %d idle clients lost", p.lost.Load())
	}
	return &IdleResult{
		Clients:       cfg.Clients,
		BaseRSSKiB:    base,
		RSSKiB:        rss,
		PerConnKiB:    float64(rss) / float64(cfg.Clients),
		DeltaConnKiB:  float64(rss-base) / float64(cfg.Clients),
		ConnectSecs:   connected.Seconds(),
		LostAfterIdle: p.lost.Load(),
	}, nil
}
