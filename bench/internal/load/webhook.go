package load

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/twilio"
)

// WebhookConfig is the webhook-to-browser scenario against `kinrt serve`:
// Clients KIN users connected over the departments of Numbers (and Admins
// admins), then signed Twilio SMS webhooks at Rate per second to the
// numbers of random departments. Each webhook's message_received and
// conversation_updated must reach every client of its department and
// every admin; the latency runs from the webhook's sending to the event's
// arrival.
type WebhookConfig struct {
	Clients int
	// Admins are extra clients with the admin role, who get every event.
	Admins int
	// Numbers maps our numbers to departments, as KIN_NUMBER_DEPARTMENTS
	// does: "+15550000001=sales,+15550000002=support".
	Numbers string
	// Rate is the webhooks per second. Default 200.
	Rate float64
	// Duration is how long the measured webhooks are sent, after a
	// warm-up of a fifth of it (at least one second). Default 10s.
	Duration time.Duration
	// Webhooks, when > 0, replaces the duration: exactly this many
	// measured webhooks, without warm-up (for tests).
	Webhooks int
	// Secret is the service's NEXTAUTH_SECRET: the clients' session
	// tokens are minted with it.
	Secret string
	// AuthToken is the service's TWILIO_AUTH_TOKEN, PublicURL its
	// KIN_PUBLIC_URL (the signatures cover it; default http://Addr).
	AuthToken, PublicURL string
	// PID is the server's process, whose CPU time is read (0: not).
	PID int
}

// WebhookResult is what the webhook scenario measured.
type WebhookResult struct {
	Clients int     `json:"clients"`
	Admins  int     `json:"admins"`
	Rate    float64 `json:"rate"` // webhooks/s asked for
	// Webhooks sent in the measured part, and those not answered 2xx.
	Webhooks uint64 `json:"webhooks"`
	Failed   uint64 `json:"failed"`
	// Deliveries of the measured webhooks' events expected (two events to
	// every client of the department and every admin), received, and not
	// arrived when the drain window ended.
	Expected   uint64  `json:"expected"`
	Received   uint64  `json:"received"`
	Missing    uint64  `json:"missing"`
	Deliveries float64 `json:"deliveries_per_sec"`
	// Latency from the webhook's sending to the event's arrival.
	P50ms float64 `json:"p50_ms"`
	P99ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
	// The webhooks' response time.
	HTTPP50ms float64 `json:"http_p50_ms"`
	HTTPP99ms float64 `json:"http_p99_ms"`
	// ConnectSecs is the time to connect every client.
	ConnectSecs float64 `json:"connect_secs"`
	Lost        int64   `json:"lost"`
	// CPU microseconds per delivery of the load generator and the server
	// (the server's includes the webhooks' own work).
	LoadCPUus   float64 `json:"load_cpu_us"`
	ServerCPUus float64 `json:"server_cpu_us,omitempty"`
}

type department struct {
	name, number string
	clients      int // its clients, admins not included
}

type webhook struct {
	cfg     WebhookConfig
	addr    string
	start   time.Time
	depts   []department
	first   uint64         // the first measured webhook
	sentAt  []atomic.Int64 // by webhook number: time since start when sent (0: not sent)
	recv    atomic.Uint64  // deliveries of measured webhooks
	stray   atomic.Uint64  // deliveries of webhooks not sent (should stay 0)
	hist    Hist
	httpLat Hist
	failed  atomic.Uint64
	events  atomic.Uint64 // every event received, presence included
}

// parseNumbers parses "+1555…=sales,…" in a stable order.
func parseNumbers(s string) ([]department, error) {
	var out []department
	for _, kv := range strings.Split(s, ",") {
		num, dep, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok || num == "" || dep == "" {
			return nil, fmt.Errorf("load: numbers: %q is not NUMBER=DEPARTMENT", kv)
		}
		out = append(out, department{name: dep, number: num})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out, nil
}

// Webhook runs the webhook-to-browser scenario.
func Webhook(ctx context.Context, t Target, cfg WebhookConfig) (*WebhookResult, error) {
	if cfg.Rate <= 0 {
		cfg.Rate = 200
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + t.Addr
	}
	depts, err := parseNumbers(cfg.Numbers)
	if err != nil {
		return nil, err
	}
	warm := 0
	measured := cfg.Webhooks
	if measured <= 0 {
		warm = int(cfg.Rate * max(cfg.Duration/5, time.Second).Seconds())
		measured = int(cfg.Rate * cfg.Duration.Seconds())
	}
	total := warm + measured
	w := &webhook{
		cfg: cfg, start: time.Now(), depts: depts, first: uint64(warm),
		sentAt: make([]atomic.Int64, total), addr: t.Addr,
	}
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{cfg.Secret}})
	if err != nil {
		return nil, err
	}
	// The tokens first: minting is not what the connect time measures.
	n := cfg.Clients + cfg.Admins
	auths := make([]string, n)
	for i := range auths {
		p := auth.Principal{UserID: "bench-" + strconv.Itoa(i), Name: "Bench " + strconv.Itoa(i), Role: "admin"}
		if i < cfg.Clients {
			d := &w.depts[i%len(w.depts)]
			d.clients++
			p.Role, p.Department = "agent", d.name
		}
		tok, err := v.Mint(p, 24*time.Hour)
		if err != nil {
			return nil, err
		}
		auths[i] = `{"token":"` + tok + `"}`
	}
	t0 := time.Now()
	p, err := connect(ctx, t, n, func(i int) string { return auths[i] }, func(_ int, c *Client) {
		c.OnEvent = w.onEvent
	})
	if err != nil {
		return nil, err
	}
	defer p.close()
	res := &WebhookResult{Clients: cfg.Clients, Admins: cfg.Admins, Rate: cfg.Rate, ConnectSecs: time.Since(t0).Seconds()}
	// The presence events of the connection storm drain first: until no
	// event came for a second (at most a minute).
	for last, end := w.events.Load(), time.Now().Add(time.Minute); time.Now().Before(end); {
		time.Sleep(time.Second)
		n := w.events.Load()
		if n == last {
			break
		}
		last = n
	}

	client := &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     time.Minute,
		},
	}
	defer client.CloseIdleConnections()
	if err := w.send(ctx, client, 0, warm); err != nil {
		return nil, err
	}
	cpu := startCPU(cfg.PID)
	t1 := time.Now()
	if err := w.send(ctx, client, warm, total); err != nil {
		return nil, err
	}
	// Every webhook counts, answered or not: a failed one's events are
	// missing unless they came anyway.
	var expected uint64
	for i := warm; i < total; i++ {
		expected += 2 * uint64(w.depts[w.deptOf(i)].clients+cfg.Admins)
	}
	window := time.Since(t1)
	waitFor(3*time.Second, func() bool { return w.recv.Load() >= expected })
	recv := w.recv.Load()
	res.Webhooks = uint64(measured)
	res.Failed = w.failed.Load()
	res.Expected, res.Received = expected, recv
	if recv < expected {
		res.Missing = expected - recv
	}
	res.Deliveries = float64(recv) / window.Seconds()
	res.P50ms, res.P99ms, res.MaxMs = ms(w.hist.Quantile(0.5)), ms(w.hist.Quantile(0.99)), ms(w.hist.Quantile(1))
	res.HTTPP50ms, res.HTTPP99ms = ms(w.httpLat.Quantile(0.5)), ms(w.httpLat.Quantile(0.99))
	res.LoadCPUus, res.ServerCPUus = cpu.perEvent(recv)
	res.Lost = p.lost.Load()
	if s := w.stray.Load(); s > 0 {
		return res, fmt.Errorf("load: %d deliveries of webhooks never sent", s)
	}
	return res, nil
}

// send sends webhooks from..to-1 at the configured rate, each in its own
// goroutine (at most 256 at a time), and waits for their answers.
func (w *webhook) send(ctx context.Context, client *http.Client, from, to int) error {
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := from; i < to; i++ {
		if ctx.Err() != nil {
			break
		}
		next := t0.Add(time.Duration(float64(i-from) / w.cfg.Rate * float64(time.Second)))
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.post(ctx, client, i)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

func (w *webhook) messageSid(i int) string { return fmt.Sprintf("SM%032x", i) }

// post sends webhook i: an SMS from a customer (one of 1,000, so that
// conversations are reused) to a random department's number, with
// "bench <i>" as its body.
func (w *webhook) post(ctx context.Context, client *http.Client, i int) {
	d := w.deptOf(i)
	const path = "/api/webhooks/twilio/sms"
	form := url.Values{
		"MessageSid": {w.messageSid(i)}, "From": {fmt.Sprintf("+1666%07d", i%1000)}, "To": {w.depts[d].number},
		"Body": {"bench " + strconv.Itoa(i)}, "NumMedia": {"0"}, "SmsStatus": {"received"},
		"AccountSid": {"AC00000000000000000000000000000000"}, "ApiVersion": {"2010-04-01"},
	}
	body := form.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+w.addr+path, strings.NewReader(body))
	if err != nil {
		w.failed.Add(1)
		return
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(w.cfg.AuthToken, w.cfg.PublicURL+path, form))
	sent := time.Since(w.start)
	w.sentAt[i].Store(int64(sent))
	resp, err := client.Do(req)
	if err != nil {
		w.failed.Add(1)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if uint64(i) >= w.first {
		w.httpLat.Add(time.Since(w.start) - sent)
	}
	if resp.StatusCode/100 != 2 {
		w.failed.Add(1)
		return
	}
}

// deptOf spreads the webhooks over the departments, pseudo-randomly.
func (w *webhook) deptOf(i int) int {
	return int((uint64(i) * 0x9E3779B97F4A7C15 >> 33) % uint64(len(w.depts)))
}

var (
	evMessage      = []byte(`["message_received",`)
	evConversation = []byte(`["conversation_updated",`)
	keySid         = []byte(`"messageSid":"SM`)
	keyPreview     = []byte(`"lastMessagePreview":"bench `)
)

// onEvent matches an event to its webhook: message_received by its
// messageSid, conversation_updated by its preview ("bench <i>"). Other
// events (presence) are skipped.
func (w *webhook) onEvent(data []byte) {
	w.events.Add(1)
	var i uint64
	switch {
	case bytes.HasPrefix(data, evMessage):
		k := bytes.Index(data, keySid)
		if k < 0 || len(data) < k+len(keySid)+32 {
			return
		}
		v, ok := parseHex(data[k+len(keySid) : k+len(keySid)+32])
		if !ok {
			return
		}
		i = v
	case bytes.HasPrefix(data, evConversation):
		k := bytes.Index(data, keyPreview)
		if k < 0 {
			return
		}
		v, n := leadingUint(data[k+len(keyPreview):])
		if n == 0 {
			return
		}
		i = v
	default:
		return
	}
	if i >= uint64(len(w.sentAt)) {
		w.stray.Add(1)
		return
	}
	sent := w.sentAt[i].Load()
	if sent == 0 {
		w.stray.Add(1)
		return
	}
	if i < w.first {
		return
	}
	w.recv.Add(1)
	w.hist.Add(time.Since(w.start) - time.Duration(sent))
}

func parseHex(b []byte) (uint64, bool) {
	var v uint64
	for _, c := range b {
		switch {
		case c >= '0' && c <= '9':
			v = v<<4 | uint64(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | uint64(c-'a'+10)
		default:
			return 0, false
		}
	}
	return v, true
}
