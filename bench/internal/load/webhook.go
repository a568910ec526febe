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
// admins), then signed Twilio SMS webhooks to the numbers of random
// departments, at each rate of Rates in turn. Each webhook's
// message_received and conversation_updated must reach every client of
// its department and every admin; the latency runs from the webhook's
// sending to the event's arrival.
type WebhookConfig struct {
	Clients int
	// Admins are extra clients with the admin role, who get every event.
	Admins int
	// Numbers maps our numbers to departments, as KIN_NUMBER_DEPARTMENTS
	// does: "+15550000001=sales,+15550000002=support".
	Numbers string
	// Rates are the webhooks per second of each step, in order. Default
	// 200 only. Two failed steps in a row skip to the last rate.
	Rates []float64
	// Duration is how long each step sends, after a warm-up at the first
	// rate for a fifth of it (at least one second). Default 10s.
	Duration time.Duration
	// Bound is the p99 a step must stay under. Default 150ms.
	Bound time.Duration
	// Webhooks, when > 0, replaces the duration: one step of exactly this
	// many webhooks at the first rate, without warm-up (for tests).
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

// WebhookStep is one rate of the webhook scenario.
type WebhookStep struct {
	Rate float64 `json:"rate"` // webhooks/s
	// Webhooks sent, and those not answered 2xx.
	Webhooks uint64 `json:"webhooks"`
	Failed   uint64 `json:"failed"`
	// Deliveries expected (two events to every client of the department
	// and every admin, failed webhooks included), received, and not
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
	HTTPP50ms   float64 `json:"http_p50_ms"`
	HTTPP99ms   float64 `json:"http_p99_ms"`
	WithinBound bool    `json:"within_bound"`
	// CPU microseconds per delivery of the load generator and the server
	// (the server's includes the webhooks' own work).
	LoadCPUus   float64 `json:"load_cpu_us"`
	ServerCPUus float64 `json:"server_cpu_us,omitempty"`
}

// WebhookResult is what the webhook scenario measured.
type WebhookResult struct {
	Clients int           `json:"clients"`
	Admins  int           `json:"admins"`
	BoundMs float64       `json:"bound_ms"`
	Steps   []WebhookStep `json:"steps"`
	// BestRate is the highest webhooks/s of a step within the bound with
	// nothing missing or failed.
	BestRate float64 `json:"best_rate"`
	// ConnectSecs is the time to connect every client.
	ConnectSecs float64 `json:"connect_secs"`
	Lost        int64   `json:"lost"`
}

type department struct {
	name, number string
	clients      int // its clients, admins not included
}

const maxWebhookSteps = 32

type webhookPhase struct {
	recv    atomic.Uint64
	failed  atomic.Uint64
	hist    Hist
	httpLat Hist
}

type webhook struct {
	cfg    WebhookConfig
	addr   string
	start  time.Time
	depts  []department
	sentAt []atomic.Int64 // by webhook number: time since start when sent (0: not sent)
	phase  []uint8        // by webhook number: its step + 1 (0: warm-up); written before sentAt
	phases [maxWebhookSteps + 1]webhookPhase
	stray  atomic.Uint64 // deliveries of webhooks not sent (should stay 0)
	events atomic.Uint64 // every event received, presence included
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
	if len(cfg.Rates) == 0 {
		cfg.Rates = []float64{200}
	}
	if len(cfg.Rates) > maxWebhookSteps {
		cfg.Rates = cfg.Rates[:maxWebhookSteps]
	}
	for _, r := range cfg.Rates {
		if r <= 0 {
			return nil, fmt.Errorf("load: webhook rate %v", r)
		}
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Bound <= 0 {
		cfg.Bound = 150 * time.Millisecond
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://" + t.Addr
	}
	depts, err := parseNumbers(cfg.Numbers)
	if err != nil {
		return nil, err
	}
	// The webhooks' numbers: the warm-up's, then each step's.
	bounds := []int{0}
	if cfg.Webhooks > 0 {
		cfg.Rates = cfg.Rates[:1]
		bounds = append(bounds, 0, cfg.Webhooks)
	} else {
		bounds = append(bounds, int(cfg.Rates[0]*max(cfg.Duration/5, time.Second).Seconds()))
		for _, r := range cfg.Rates {
			bounds = append(bounds, bounds[len(bounds)-1]+max(1, int(r*cfg.Duration.Seconds())))
		}
	}
	total := bounds[len(bounds)-1]
	w := &webhook{
		cfg: cfg, addr: t.Addr, start: time.Now(), depts: depts,
		sentAt: make([]atomic.Int64, total), phase: make([]uint8, total),
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
	res := &WebhookResult{Clients: cfg.Clients, Admins: cfg.Admins, BoundMs: ms(cfg.Bound), ConnectSecs: time.Since(t0).Seconds()}
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
	if err := w.send(ctx, client, 0, bounds[0], bounds[1], cfg.Rates[0]); err != nil {
		return nil, err
	}
	failed := 0
	for k := 0; k < len(cfg.Rates); k++ {
		rate := cfg.Rates[k]
		from, to := bounds[k+1], bounds[k+2]
		cpu := startCPU(cfg.PID)
		t1 := time.Now()
		if err := w.send(ctx, client, k+1, from, to, rate); err != nil {
			return nil, err
		}
		window := time.Since(t1)
		// Every webhook counts, answered or not: a failed one's events
		// are missing unless they came anyway.
		var expected uint64
		for i := from; i < to; i++ {
			expected += 2 * uint64(w.depts[w.deptOf(i)].clients+cfg.Admins)
		}
		ph := &w.phases[k+1]
		waitFor(max(3*cfg.Bound, 3*time.Second), func() bool { return ph.recv.Load() >= expected })
		recv := ph.recv.Load()
		s := WebhookStep{
			Rate: rate, Webhooks: uint64(to - from), Failed: ph.failed.Load(),
			Expected: expected, Received: recv, Deliveries: float64(recv) / window.Seconds(),
			P50ms: ms(ph.hist.Quantile(0.5)), P99ms: ms(ph.hist.Quantile(0.99)), MaxMs: ms(ph.hist.Quantile(1)),
			HTTPP50ms: ms(ph.httpLat.Quantile(0.5)), HTTPP99ms: ms(ph.httpLat.Quantile(0.99)),
		}
		if recv < expected {
			s.Missing = expected - recv
		}
		s.LoadCPUus, s.ServerCPUus = cpu.perEvent(recv)
		s.WithinBound = s.Missing == 0 && s.Failed == 0 && s.P99ms < ms(cfg.Bound)
		res.Steps = append(res.Steps, s)
		if s.WithinBound {
			failed = 0
			res.BestRate = max(res.BestRate, rate)
		} else {
			failed++
		}
		if p.lost.Load() > 0 || ctx.Err() != nil {
			break
		}
		// Two failed steps in a row end the ramp, but for its last rate
		// (the target's), which is always measured.
		if failed == 2 && k < len(cfg.Rates)-2 {
			k = len(cfg.Rates) - 2
		}
	}
	res.Lost = p.lost.Load()
	if s := w.stray.Load(); s > 0 {
		return res, fmt.Errorf("load: %d deliveries of webhooks never sent", s)
	}
	return res, nil
}

// send sends webhooks from..to-1 of phase ph at rate per second, each in
// its own goroutine (at most 256 at a time), and waits for their answers.
func (w *webhook) send(ctx context.Context, client *http.Client, ph, from, to int, rate float64) error {
	sem := make(chan struct{}, 256)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := from; i < to; i++ {
		if ctx.Err() != nil {
			break
		}
		next := t0.Add(time.Duration(float64(i-from) / rate * float64(time.Second)))
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			w.post(ctx, client, ph, i)
		}()
	}
	wg.Wait()
	return ctx.Err()
}

// post sends webhook i: an SMS from a customer (one of 1,000, so that
// conversations are reused) to a random department's number, with
// "bench <i>" as its body.
func (w *webhook) post(ctx context.Context, client *http.Client, ph, i int) {
	pp := &w.phases[ph]
	req, err := SMSWebhook(ctx, w.addr, w.cfg.PublicURL, w.cfg.AuthToken, i, fmt.Sprintf("+1666%07d", i%1000), w.depts[w.deptOf(i)].number)
	if err != nil {
		pp.failed.Add(1)
		return
	}
	sent := time.Since(w.start)
	w.phase[i] = uint8(ph)
	w.sentAt[i].Store(int64(sent))
	resp, err := client.Do(req)
	if err != nil {
		pp.failed.Add(1)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	pp.httpLat.Add(time.Since(w.start) - sent)
	if resp.StatusCode/100 != 2 {
		pp.failed.Add(1)
	}
}

// SMSWebhook returns webhook number i, signed with authToken for the
// service whose public URL is publicURL, to be posted to the server at
// addr: Twilio's inbound SMS webhook from number from to our number to,
// with the body "bench <i>" and MessageSid "SM" and i in 32 hex digits,
// which webhookEvent finds in the events it causes.
func SMSWebhook(ctx context.Context, addr, publicURL, authToken string, i int, from, to string) (*http.Request, error) {
	const path = "/api/webhooks/twilio/sms"
	form := url.Values{
		"MessageSid": {fmt.Sprintf("SM%032x", i)}, "From": {from}, "To": {to},
		"Body": {"bench " + strconv.Itoa(i)}, "NumMedia": {"0"}, "SmsStatus": {"received"},
		"AccountSid": {"AC00000000000000000000000000000000"}, "ApiVersion": {"2010-04-01"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", twilio.Sign(authToken, publicURL+path, form))
	return req, nil
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

// onEvent matches an event to its webhook (webhookEvent); other events
// (presence) are only counted.
func (w *webhook) onEvent(data []byte) {
	w.events.Add(1)
	i, _, ok := webhookEvent(data)
	if !ok {
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
	pp := &w.phases[w.phase[i]] // written before sentAt
	pp.recv.Add(1)
	pp.hist.Add(time.Since(w.start) - time.Duration(sent))
}

// Kinds of webhook events (webhookEvent).
const (
	kindMessage      = 0 // message_received
	kindConversation = 1 // conversation_updated
)

// webhookEvent returns the number of the webhook whose event data is, and
// which of its two events it is: message_received by its messageSid
// ("SM" and the number in 32 hex digits), conversation_updated by its
// preview ("bench <i>"). ok is false for other events (presence).
func webhookEvent(data []byte) (i uint64, kind int, ok bool) {
	switch {
	case bytes.HasPrefix(data, evMessage):
		k := bytes.Index(data, keySid)
		if k < 0 || len(data) < k+len(keySid)+32 {
			return 0, 0, false
		}
		v, ok := parseHex(data[k+len(keySid) : k+len(keySid)+32])
		return v, kindMessage, ok
	case bytes.HasPrefix(data, evConversation):
		k := bytes.Index(data, keyPreview)
		if k < 0 {
			return 0, 0, false
		}
		v, n := leadingUint(data[k+len(keyPreview):])
		return v, kindConversation, n > 0
	}
	return 0, 0, false
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
