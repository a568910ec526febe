package config

import (
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/kin-comms/kinrt/internal/limit"
)

// limitFlags defines the flags of Limits and Timeouts on fs, with the
// environment as their defaults, and returns what checks and stores them
// once fs is parsed.
func limitFlags(fs *flag.FlagSet, getenv func(string) string) func(*Config) error {
	d, dt := DefaultLimits, DefaultTimeouts
	text := func(name, env, def, usage string) func() (string, string) {
		v := fs.String(name, firstNonEmpty(getenv(env), def), usage+" ("+env+")")
		return func() (string, string) { return env, *v }
	}
	ints := []func() (string, string){
		text("max-connections", "KIN_MAX_CONNECTIONS", strconv.Itoa(d.MaxConnections), "Engine.IO sessions on this node; more get 503; 0: no limit"),
		text("max-connections-per-user", "KIN_MAX_CONNECTIONS_PER_USER", strconv.Itoa(d.MaxConnectionsPerUser), "sockets of one user on this node; more get connect_error; 0: no limit"),
	}
	rates := []func() (string, string){
		text("connect-rate", "KIN_CONNECT_RATE", d.ConnectRate.String(), "new sessions per client IP, N/s[:BURST] or off; more get 429"),
		text("event-rate", "KIN_EVENT_RATE", d.EventRate.String(), "client events per socket, N/s[:BURST] or off; beyond it the socket is disconnected"),
		text("api-rate", "KIN_API_RATE", d.APIRate.String(), "REST API requests per user (per IP without a session), N/s[:BURST] or off; more get 429"),
		text("webhook-rate", "KIN_WEBHOOK_RATE", d.WebhookRate.String(), "signed webhooks, all sources together, N/s[:BURST] or off; more get 429"),
		text("webhook-reject-rate", "KIN_WEBHOOK_REJECT_RATE", d.WebhookRejectRate.String(), "refused (unsigned, bad) webhooks per source IP, N/s[:BURST] or off; more get 429"),
	}
	proxies := text("trusted-proxies", "KIN_TRUSTED_PROXIES", "", "reverse proxies whose X-Forwarded-For is believed, addresses and CIDRs, comma-separated")
	durations := []func() (string, string){
		text("ping-interval", "KIN_PING_INTERVAL", dt.PingInterval.String(), "Engine.IO heartbeat period"),
		text("ping-timeout", "KIN_PING_TIMEOUT", dt.PingTimeout.String(), "how long a pong may take"),
		text("read-header-timeout", "KIN_HTTP_READ_HEADER_TIMEOUT", dt.ReadHeaderTimeout.String(), "time to read a request's headers"),
		text("read-timeout", "KIN_HTTP_READ_TIMEOUT", dt.ReadTimeout.String(), "time to read a whole request; more than ping interval + ping timeout"),
		text("write-timeout", "KIN_HTTP_WRITE_TIMEOUT", dt.WriteTimeout.String(), "time to answer a request; more than ping interval + ping timeout"),
		text("idle-timeout", "KIN_HTTP_IDLE_TIMEOUT", dt.IdleTimeout.String(), "time a keep-alive connection may stay idle"),
	}
	return func(c *Config) error {
		intDst := []*int{&c.MaxConnections, &c.MaxConnectionsPerUser}
		for i, get := range ints {
			env, v := get()
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: %q is not a count (0 or more)", env, v)
			}
			*intDst[i] = n
		}
		rateDst := []*limit.Rate{&c.ConnectRate, &c.EventRate, &c.APIRate, &c.WebhookRate, &c.WebhookRejectRate}
		for i, get := range rates {
			env, v := get()
			r, err := limit.ParseRate(v)
			if err != nil {
				return fmt.Errorf("%s: %w", env, err)
			}
			*rateDst[i] = r
		}
		env, v := proxies()
		p, err := limit.ParseProxies(v)
		if err != nil {
			return fmt.Errorf("%s: %w", env, err)
		}
		c.TrustedProxies = p
		durDst := []*time.Duration{&c.PingInterval, &c.PingTimeout, &c.ReadHeaderTimeout, &c.ReadTimeout, &c.WriteTimeout, &c.IdleTimeout}
		for i, get := range durations {
			env, v := get()
			dur, err := time.ParseDuration(v)
			if err != nil || dur <= 0 {
				return fmt.Errorf("%s: %q is not a positive duration like 30s", env, v)
			}
			*durDst[i] = dur
		}
		return c.checkTimeouts()
	}
}

// checkTimeouts refuses HTTP deadlines that would cut long-polling GETs,
// which the server holds up to a ping interval.
func (c *Config) checkTimeouts() error {
	held := c.PingInterval + c.PingTimeout
	if c.ReadTimeout <= held {
		return fmt.Errorf("KIN_HTTP_READ_TIMEOUT: %v must exceed KIN_PING_INTERVAL + KIN_PING_TIMEOUT (%v): long-polling requests are held that long", c.ReadTimeout, held)
	}
	if c.WriteTimeout <= held {
		return fmt.Errorf("KIN_HTTP_WRITE_TIMEOUT: %v must exceed KIN_PING_INTERVAL + KIN_PING_TIMEOUT (%v): long-polling requests are held that long", c.WriteTimeout, held)
	}
	return nil
}
