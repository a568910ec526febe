package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/events"
	"github.com/kin-comms/kinrt/internal/limit"
	"github.com/kin-comms/kinrt/internal/twilio"
)

func limRate(t *testing.T, s string) limit.Rate {
	t.Helper()
	r, err := limit.ParseRate(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func limToken(t *testing.T, mint func(auth.Principal, time.Duration) (string, error), user string) string {
	t.Helper()
	tok, err := mint(auth.Principal{UserID: user, Role: "agent", Department: "sales"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

const limHandshake = "/socket.io/?EIO=4&transport=polling"

// TestMaxConnectionsPerNode: past MaxConnections a new session gets 503
// JSON; the sessions already open, the API and health checks go on, and a
// closed session makes room.
func TestMaxConnectionsPerNode(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.MaxConnections = 2 })
	a, _, err := limDial(t, hs.URL, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := limDial(t, hs.URL, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	_, resp, err := limDial(t, hs.URL, nil, true)
	if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
		t.Fatalf("third WebSocket session: %v, want a refused handshake", err)
	}
	body := make([]byte, 512)
	n, _ := resp.Body.Read(body)
	limRefusal(t, "third WebSocket session", resp.StatusCode, string(body[:n]), resp.Header, http.StatusServiceUnavailable, "capacity")
	status, text, h := limDo(t, http.MethodGet, hs.URL+limHandshake, nil, nil)
	limRefusal(t, "polling handshake at capacity", status, text, h, http.StatusServiceUnavailable, "capacity")

	tok := limToken(t, srv.Verifier().Mint, "ann")
	if msg := a.connect(tok); msg != "" {
		t.Fatalf("a session opened before the limit cannot connect: %s", msg)
	}
	if status, _, _ := limDo(t, http.MethodGet, hs.URL+"/healthz", nil, nil); status != http.StatusOK {
		t.Fatalf("/healthz at capacity: %d", status)
	}
	if status, _, _ := limDo(t, http.MethodGet, hs.URL+"/api/me", nil, http.Header{"Authorization": {"Bearer " + tok}}); status != http.StatusOK {
		t.Fatalf("/api/me at capacity: %d", status)
	}

	_ = b.conn.Close()
	limEventually(t, 10*time.Second, "the closed session leaves", func() bool { return srv.Realtime().Engine().Len() == 1 })
	if status, text, _ := limDo(t, http.MethodGet, hs.URL+limHandshake, nil, nil); status != http.StatusOK || !strings.HasPrefix(text, "0{") {
		t.Fatalf("handshake after a session closed: %d %s", status, text)
	}
}

// TestMaxConnectionsPerUser: a user's extra socket gets connect_error
// "too many connections", others users are not affected, and a socket
// that leaves gives its slot back.
func TestMaxConnectionsPerUser(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.MaxConnectionsPerUser = 2 })
	ann := limToken(t, srv.Verifier().Mint, "ann")
	var socks []*limSocket
	for i := range 3 {
		ls, _, err := limDial(t, hs.URL, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		socks = append(socks, ls)
		msg := ls.connect(ann)
		if i < 2 && msg != "" {
			t.Fatalf("socket %d of 2: %s", i, msg)
		}
		if i == 2 && msg != "too many connections" {
			t.Fatalf("third socket of ann: connect_error %q, want \"too many connections\"", msg)
		}
	}
	bob, _, err := limDial(t, hs.URL, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if msg := bob.connect(limToken(t, srv.Verifier().Mint, "bob")); msg != "" {
		t.Fatalf("bob refused while ann is at her limit: %s", msg)
	}
	// The refused CONNECT left the session open: it may try again once a
	// slot is free.
	_ = socks[0].conn.Close()
	limEventually(t, 10*time.Second, "ann's closed socket leaves", func() bool { return srv.Realtime().Of("/").Len() == 2 })
	if msg := socks[2].connect(ann); msg != "" {
		t.Fatalf("ann refused after one of her sockets left: %s", msg)
	}
	metrics := scrape(t, srv)
	if !strings.Contains(metrics, `kinrt_limited_total{limit="connections_per_user"} 1`) {
		t.Errorf("metrics: no kinrt_limited_total{limit=\"connections_per_user\"} 1")
	}
}

// TestMaxConnectionsPerUserNodeClient: what the real socket.io-client
// sees: connect_error with the message "too many connections".
func TestMaxConnectionsPerUserNodeClient(t *testing.T) {
	srv, hs := startServer(t, func(c *config.Config) { c.MaxConnectionsPerUser = 2 })
	ann := limToken(t, srv.Verifier().Mint, "ann")
	var specs []clientSpec
	for i := range 3 {
		specs = append(specs, clientSpec{Name: "tab" + strconv.Itoa(i), Auth: map[string]string{"token": ann}})
	}
	_, results := startClients(t, hs.URL, specs)
	ok, refused := 0, 0
	for name, r := range results {
		var res struct {
			Error string `json:"error"`
		}
		switch {
		case string(r) == `"ok"`:
			ok++
		case json.Unmarshal(r, &res) == nil && res.Error == "too many connections":
			refused++
		default:
			t.Errorf("%s: %s", name, r)
		}
	}
	if ok != 2 || refused != 1 {
		t.Fatalf("3 tabs of one user with a limit of 2: %d connected, %d refused", ok, refused)
	}
}

// TestConnectRatePerIP: past the per-IP budget a new session gets 429
// JSON with Retry-After; X-Forwarded-For is ignored unless the peer is a
// trusted proxy; sessions already open are not affected.
func TestConnectRatePerIP(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, func(c *config.Config) { c.ConnectRate = limRate(t, "1/m:3") })
	var sid string
	for i := range 3 {
		status, text, _ := limDo(t, http.MethodGet, hs.URL+limHandshake, nil, nil)
		if status != http.StatusOK {
			t.Fatalf("handshake %d: %d %s", i, status, text)
		}
		var open struct {
			SID string `json:"sid"`
		}
		_ = json.Unmarshal([]byte(strings.TrimPrefix(text, "0")), &open)
		sid = open.SID
	}
	status, text, h := limDo(t, http.MethodGet, hs.URL+limHandshake, nil, nil)
	limRefusal(t, "fourth handshake", status, text, h, http.StatusTooManyRequests, "too many connection attempts")
	if ra, _ := strconv.Atoi(h.Get("Retry-After")); ra < 30 || ra > 60 {
		t.Errorf("Retry-After %q at 1/min, want about 60", h.Get("Retry-After"))
	}
	status, text, h = limDo(t, http.MethodGet, hs.URL+limHandshake, nil, http.Header{"X-Forwarded-For": {"198.51.100.1"}})
	limRefusal(t, "handshake with a spoofed X-Forwarded-For", status, text, h, http.StatusTooManyRequests, "too many")
	// An open session's requests are not handshakes.
	status, text, _ = limDo(t, http.MethodPost, hs.URL+limHandshake+"&sid="+sid, strings.NewReader("40"), nil)
	if status != http.StatusOK {
		t.Fatalf("POST to an open session over the rate: %d %s", status, text)
	}

	_, proxied := startServer(t, func(c *config.Config) {
		c.ConnectRate = limRate(t, "1/m:2")
		c.TrustedProxies, _ = limit.ParseProxies("127.0.0.1, ::1")
	})
	for i, client := range []string{"198.51.100.1", "198.51.100.1", "198.51.100.2", "198.51.100.2"} {
		hdr := http.Header{"X-Forwarded-For": {"203.0.113.66, " + client}} // the left part is the client's own, not believed
		if status, text, _ := limDo(t, http.MethodGet, proxied.URL+limHandshake, nil, hdr); status != http.StatusOK {
			t.Fatalf("proxied handshake %d from %s: %d %s", i, client, status, text)
		}
	}
	status, text, h = limDo(t, http.MethodGet, proxied.URL+limHandshake, nil, http.Header{"X-Forwarded-For": {"198.51.100.1"}})
	limRefusal(t, "third proxied handshake of one client", status, text, h, http.StatusTooManyRequests, "too many")
}

// TestEventRatePerSocket: a socket over its event budget gets an "error"
// event saying why, then a DISCONNECT, and its connection closes; another
// socket goes on.
func TestEventRatePerSocket(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.EventRate = limRate(t, "1/m:5") })
	noisy, _, _ := limDial(t, hs.URL, nil, true)
	quiet, _, _ := limDial(t, hs.URL, nil, true)
	if noisy == nil || quiet == nil {
		t.Fatal("dial failed")
	}
	if msg := noisy.connect(limToken(t, srv.Verifier().Mint, "noisy")); msg != "" {
		t.Fatal(msg)
	}
	if msg := quiet.connect(limToken(t, srv.Verifier().Mint, "quiet")); msg != "" {
		t.Fatal(msg)
	}
	for i := range 5 {
		quiet.emit("typing", i)
	}
	for i := range 20 {
		noisy.emit("typing", i)
	}
	var frames []string
	for f := ""; !strings.HasPrefix(f, "41"); {
		f = noisy.next()
		frames = append(frames, f)
	}
	if len(frames) < 2 || !strings.HasPrefix(frames[len(frames)-2], `42["error",{`) || !strings.Contains(frames[len(frames)-2], `"too many events"`) {
		t.Fatalf("noisy socket got %q, want an error event \"too many events\" then a DISCONNECT", frames)
	}
	if !noisy.waitClosed(10 * time.Second) {
		t.Fatal("the noisy socket's connection stayed open")
	}
	limEventually(t, 10*time.Second, "the noisy socket leaves", func() bool { return srv.Realtime().Of("/").Len() == 1 })
	if err := srv.Realtime().Emit("still_here"); err != nil {
		t.Fatal(err)
	}
	for f := quiet.next(); !strings.HasPrefix(f, `42["still_here"`); f = quiet.next() {
	}
	metrics := scrape(t, srv)
	if !strings.Contains(metrics, `kinrt_limited_total{limit="events"} 1`) {
		t.Errorf("metrics: no kinrt_limited_total{limit=\"events\"} 1")
	}
}

// TestWebhookRateLimits: signed webhooks share a global budget, answered
// 429 with Retry-After beyond it and not stored (Twilio retries); refused
// webhooks have a per-IP budget that never touches signed ones.
func TestWebhookRateLimits(t *testing.T) {
	t.Parallel()
	signedSrv, signedHS := startServer(t, func(c *config.Config) {
		c.PublicURL = "https://cc.example.com"
		c.WebhookRate = limRate(t, "1/m:3")
	})
	signed := twilioClient{t: t, base: signedHS.URL, public: "https://cc.example.com"}
	sms := func(i int) (int, string) {
		return signed.post("/api/webhooks/twilio/sms", form("MessageSid", "SM"+strconv.Itoa(i), "From", customer, "To", salesNumber, "Body", "hi", "NumMedia", "0"))
	}
	for i := range 3 {
		if status, body := sms(i); status != http.StatusOK {
			t.Fatalf("signed webhook %d: %d %s", i, status, body)
		}
	}
	f := form("MessageSid", "SM3", "From", customer, "To", salesNumber, "Body", "hi", "NumMedia", "0")
	status, body, h := limDo(t, http.MethodPost, signedHS.URL+"/api/webhooks/twilio/sms", strings.NewReader(f.Encode()), http.Header{
		"Content-Type":       {"application/x-www-form-urlencoded"},
		"X-Twilio-Signature": {twilio.Sign(twilioToken, "https://cc.example.com/api/webhooks/twilio/sms", f)},
	})
	limRefusal(t, "fourth signed webhook", status, body, h, http.StatusTooManyRequests, "too many webhooks")
	if _, err := signedSrv.Store().Messages().Get(context.Background(), "SM3"); err == nil {
		t.Fatal("a webhook answered 429 was stored")
	}
	if _, err := signedSrv.Store().Messages().Get(context.Background(), "SM2"); err != nil {
		t.Fatalf("a webhook answered 200 is not stored: %v", err)
	}

	// Refused webhooks: the default per-IP budget is 20; use a small one.
	rejectSrv, rejectHS := startServer(t, func(c *config.Config) {
		c.PublicURL = "https://cc.example.com"
		c.WebhookRejectRate = limRate(t, "1/m:2")
	})
	rj := twilioClient{t: t, base: rejectHS.URL, public: "https://cc.example.com"}
	bad := form("MessageSid", "SMbad", "From", customer, "To", salesNumber, "Body", "x", "NumMedia", "0")
	// Too large is still 413 with the limiter reading the body first (and
	// counts as refused).
	if status, body := rj.post("/api/webhooks/twilio/sms", form("MessageSid", "SMbig", "From", customer, "To", salesNumber, "Body", strings.Repeat("x", twilio.MaxBody))); status != http.StatusRequestEntityTooLarge {
		t.Fatalf("oversized webhook: %d %s, want 413", status, body)
	}
	if status, body := rj.postSigned("/api/webhooks/twilio/sms", bad, "forged"); status != http.StatusForbidden {
		t.Fatalf("forged webhook: %d %s, want 403", status, body)
	}
	status, body = rj.postSigned("/api/webhooks/twilio/sms", bad, "forged")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "refused webhooks") {
		t.Fatalf("third refused webhook: %d %s, want 429", status, body)
	}
	// From the same address, a signed webhook still goes through.
	if status, body := rj.post("/api/webhooks/twilio/sms", form("MessageSid", "SMgood", "From", customer, "To", salesNumber, "Body", "ok", "NumMedia", "0")); status != http.StatusOK {
		t.Fatalf("signed webhook after forged ones: %d %s", status, body)
	}
	if _, err := rejectSrv.Store().Messages().Get(context.Background(), "SMgood"); err != nil {
		t.Fatalf("the signed webhook is not stored: %v", err)
	}
}

// TestAPIRateLimit: the budget is per user (per IP without a session);
// one user over it does not slow another; the internal API with its key
// is not limited.
func TestAPIRateLimit(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) {
		c.APIRate = limRate(t, "1/m:3")
		c.InternalAPIKey = "k3y"
	})
	ann := http.Header{"Authorization": {"Bearer " + limToken(t, srv.Verifier().Mint, "ann")}}
	bob := http.Header{"Authorization": {"Bearer " + limToken(t, srv.Verifier().Mint, "bob")}}
	for i := range 3 {
		if status, body, _ := limDo(t, http.MethodGet, hs.URL+"/api/me", nil, ann); status != http.StatusOK {
			t.Fatalf("ann's request %d: %d %s", i, status, body)
		}
	}
	status, body, h := limDo(t, http.MethodGet, hs.URL+"/api/me", nil, ann)
	limRefusal(t, "ann's fourth request", status, body, h, http.StatusTooManyRequests, "too many requests")
	if status, body, _ := limDo(t, http.MethodGet, hs.URL+"/api/me", nil, bob); status != http.StatusOK {
		t.Fatalf("bob while ann is limited: %d %s", status, body)
	}
	for i := range 3 {
		if status, _, _ := limDo(t, http.MethodGet, hs.URL+"/api/me", nil, nil); status != http.StatusUnauthorized {
			t.Fatalf("anonymous request %d: %d, want 401", i, status)
		}
	}
	status, body, h = limDo(t, http.MethodGet, hs.URL+"/api/me", nil, nil)
	limRefusal(t, "fourth anonymous request", status, body, h, http.StatusTooManyRequests, "too many requests")
	key := http.Header{"Authorization": {"Bearer k3y"}}
	for i := range 5 {
		status, body, _ := limDo(t, http.MethodPost, hs.URL+"/api/internal/events", strings.NewReader(`{"type":"system_notification","data":{"level":"info","title":"t","message":"m","target":{"kind":"all"}}}`), key)
		if status != http.StatusAccepted {
			t.Fatalf("internal API call %d: %d %s", i, status, body)
		}
	}
	if status, _, _ := limDo(t, http.MethodGet, hs.URL+"/healthz", nil, nil); status != http.StatusOK {
		t.Fatalf("/healthz is not API-limited: %d", status)
	}
}

// TestBodyLimits: the request bodies not covered elsewhere (webhooks,
// internal API and REST PATCH have theirs in webhooks_test, api_test and
// restapi_test) are refused past their caps, and nothing is done.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	admin := http.Header{"Authorization": {"Bearer " + func() string {
		tok, _ := srv.Verifier().Mint(auth.Principal{UserID: "ada", Role: "admin"}, time.Hour)
		return tok
	}()}, "Content-Type": {"application/json"}}
	big := `{"level":"info","title":"t","message":"` + strings.Repeat("x", 20<<10) + `","target":{"kind":"all"}}`
	status, body, _ := limDo(t, http.MethodPost, hs.URL+"/api/notifications", strings.NewReader(big), admin)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "16384 bytes") {
		t.Fatalf("20 KiB notification (cap 16 KiB): %d %s", status, body)
	}
	status, body, _ = limDo(t, http.MethodPut, hs.URL+"/api/presence/me", strings.NewReader(`{"status":"`+strings.Repeat("x", 5<<10)+`"}`), admin)
	if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, "4096 bytes") {
		t.Fatalf("5 KiB presence (cap 4 KiB): %d %s", status, body)
	}
	// Engine.IO POST bodies are capped by MaxPayload (1 MB): 413.
	status, text, _ := limDo(t, http.MethodGet, hs.URL+limHandshake, nil, nil)
	var open struct {
		SID string `json:"sid"`
	}
	if status != http.StatusOK || json.Unmarshal([]byte(strings.TrimPrefix(text, "0")), &open) != nil {
		t.Fatalf("handshake: %d %s", status, text)
	}
	status, body, _ = limDo(t, http.MethodPost, hs.URL+limHandshake+"&sid="+open.SID, strings.NewReader("4"+strings.Repeat("x", 1_000_001)), nil)
	if status != http.StatusRequestEntityTooLarge {
		t.Fatalf("1 MB Engine.IO POST: %d %s, want 413", status, body)
	}
}

// TestConnectAttemptsPerSession: a session that keeps sending CONNECT
// with bad tokens is refused before its tokens are checked.
func TestConnectAttemptsPerSession(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, nil)
	ls, _, err := limDial(t, hs.URL, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	var answers []string
	for range 8 {
		answers = append(answers, ls.connect("guess"))
	}
	want := []string{"unauthorized", "unauthorized", "unauthorized", "unauthorized", "unauthorized",
		"too many connection attempts", "too many connection attempts", "too many connection attempts"}
	if strings.Join(answers, ",") != strings.Join(want, ",") {
		t.Fatalf("8 CONNECTs with a bad token: %q, want %q", answers, want)
	}
	if msg := ls.connect(limToken(t, srv.Verifier().Mint, "ann")); msg != "too many connection attempts" {
		t.Fatalf("a good token within the same burst: %q, want refused before the check", msg)
	}
	other, _, err := limDial(t, hs.URL, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if msg := other.connect(limToken(t, srv.Verifier().Mint, "ann")); msg != "" {
		t.Fatalf("another session: %q", msg)
	}
}

// TestMaxConnectionsNodeClient: what the real socket.io-client sees when
// the node is full: connect_error, while the client already in goes on.
func TestMaxConnectionsNodeClient(t *testing.T) {
	srv, hs := startServer(t, func(c *config.Config) { c.MaxConnections = 1 })
	first, results := startClients(t, hs.URL, []clientSpec{{Name: "first", Auth: map[string]string{"token": limToken(t, srv.Verifier().Mint, "ann")}}})
	if string(results["first"]) != `"ok"` {
		t.Fatalf("first: %s", results["first"])
	}
	_, results = startClients(t, hs.URL, []clientSpec{
		{Name: "polling", Auth: map[string]string{"token": limToken(t, srv.Verifier().Mint, "bob")}},
		{Name: "websocket", Auth: map[string]string{"token": limToken(t, srv.Verifier().Mint, "bob")}, Transports: []string{"websocket"}},
	})
	for name, want := range map[string]string{"polling": "xhr poll error", "websocket": "websocket error"} {
		var res struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(results[name], &res) != nil || res.Error != want {
			t.Errorf("%s client at capacity: %s, want connect_error %q", name, results[name], want)
		}
	}
	// The client already in still gets events: the end marker reaches it.
	end := events.SystemNotification{Level: "info", Message: endMarker, Target: events.Target{Kind: events.TargetAll}}
	if err := srv.Broadcaster().BroadcastSystemNotification(context.Background(), end); err != nil {
		t.Fatal(err)
	}
	if _, ok := first.received()["first"]; !ok {
		t.Fatal("the client already connected is gone")
	}
}

var webhookFlood = flag.Int("webhook.flood", 300, "TestForgedWebhookFlood: forged webhooks sent")

// TestForgedWebhookFlood: a flood of forged webhooks from one address,
// with the default budgets, is refused (403 within the per-IP budget, 429
// beyond) while signed webhooks sent at the same time from the same
// address are all answered 2xx and stored.
func TestForgedWebhookFlood(t *testing.T) {
	t.Parallel()
	srv, hs := startServer(t, func(c *config.Config) { c.PublicURL = "https://cc.example.com" })
	tw := twilioClient{t: t, base: hs.URL, public: "https://cc.example.com"}
	forged, signed := *webhookFlood, 30
	var mu sync.Mutex
	count := map[int]int{}
	start := time.Now()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < forged; i += 8 {
				f := form("MessageSid", "SMforged"+strconv.Itoa(i), "From", customer, "To", salesNumber, "Body", "x", "NumMedia", "0")
				status, _, _ := limDo(t, http.MethodPost, hs.URL+"/api/webhooks/twilio/sms", strings.NewReader(f.Encode()), http.Header{
					"Content-Type": {"application/x-www-form-urlencoded"}, "X-Twilio-Signature": {"forged"},
				})
				mu.Lock()
				count[status]++
				mu.Unlock()
			}
		}()
	}
	var signedOK atomic.Int64
	for i := range signed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := form("MessageSid", "SMreal"+strconv.Itoa(i), "From", customer, "To", salesNumber, "Body", "real", "NumMedia", "0")
			status, _, _ := limDo(t, http.MethodPost, hs.URL+"/api/webhooks/twilio/sms", strings.NewReader(f.Encode()), http.Header{
				"Content-Type":       {"application/x-www-form-urlencoded"},
				"X-Twilio-Signature": {twilio.Sign(twilioToken, tw.public+"/api/webhooks/twilio/sms", f)},
			})
			if status == http.StatusOK {
				signedOK.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if signedOK.Load() != int64(signed) {
		t.Fatalf("%d of %d signed webhooks answered 200 during the flood", signedOK.Load(), signed)
	}
	for i := range signed {
		if _, err := srv.Store().Messages().Get(context.Background(), "SMreal"+strconv.Itoa(i)); err != nil {
			t.Fatalf("signed webhook %d not stored: %v", i, err)
		}
	}
	budget := config.DefaultLimits.WebhookRejectRate
	maxForbidden := budget.Burst + int(elapsed.Seconds()*budget.PerSecond) + 1
	if count[http.StatusForbidden] < budget.Burst || count[http.StatusForbidden] > maxForbidden ||
		count[http.StatusForbidden]+count[http.StatusTooManyRequests] != forged {
		t.Fatalf("forged webhooks: %v in %v, want %d..%d answered 403 and the rest 429", count, elapsed, budget.Burst, maxForbidden)
	}
	t.Logf("%d forged webhooks in %v: %d answered 403, %d answered 429; %d signed ones sent meanwhile all answered 200 and stored",
		forged, elapsed, count[http.StatusForbidden], count[http.StatusTooManyRequests], signed)
}

var connectFlood = flag.Int("connect.flood", 300, "TestConnectionFlood: WebSocket sessions attempted")

// TestConnectionFlood: N WebSocket sessions attempted at once from one
// address: with the default per-IP budget, the burst gets in and the rest
// get 429; with the budget off and a node capacity, exactly the capacity
// gets in (each with its open packet) and the rest get 503.
func TestConnectionFlood(t *testing.T) {
	t.Parallel()
	n := *connectFlood
	flood := func(base string) (map[int]int, []*websocket.Conn, time.Duration) {
		var mu sync.Mutex
		count := map[int]int{}
		var in []*websocket.Conn
		var wg sync.WaitGroup
		start := time.Now()
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, resp, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket.io/?EIO=4&transport=websocket", nil)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					count[http.StatusSwitchingProtocols]++
					in = append(in, conn)
					t.Cleanup(func() { _ = conn.Close() })
				case resp != nil:
					count[resp.StatusCode]++
				default:
					count[0]++
				}
			}()
		}
		wg.Wait()
		return count, in, time.Since(start)
	}

	_, hs := startServer(t, nil)
	count, _, elapsed := flood(hs.URL)
	rate := config.DefaultLimits.ConnectRate
	maxIn := rate.Burst + int(elapsed.Seconds()*rate.PerSecond) + 1
	if got := count[http.StatusSwitchingProtocols]; got < min(n, rate.Burst) || got > maxIn || got+count[http.StatusTooManyRequests] != n {
		t.Fatalf("default budget: %v in %v, want %d..%d in and the rest 429", count, elapsed, rate.Burst, maxIn)
	}
	t.Logf("default budget, %d sessions attempted in %v: %d in, %d answered 429", n, elapsed, count[http.StatusSwitchingProtocols], count[http.StatusTooManyRequests])

	capacity := n * 2 / 3
	srv, hs2 := startServer(t, func(c *config.Config) { c.ConnectRate, c.MaxConnections = limit.Rate{}, capacity })
	count, in, elapsed := flood(hs2.URL)
	if count[http.StatusSwitchingProtocols] != capacity || count[http.StatusServiceUnavailable] != n-capacity {
		t.Fatalf("capacity %d: %v", capacity, count)
	}
	// The 101 is written before the session is registered; its open
	// packet only after, so count the sessions once every one has it.
	for _, conn := range in {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, open, err := conn.ReadMessage(); err != nil || !strings.HasPrefix(string(open), "0{") {
			t.Fatalf("a session let in: %q, %v", open, err)
		}
	}
	if got := srv.Realtime().Engine().Len(); got != capacity {
		t.Fatalf("capacity %d: the node holds %d sessions", capacity, got)
	}
	want := fmt.Sprintf(`kinrt_limited_total{limit="max_connections"} %d`, n-capacity)
	if metrics := scrape(t, srv); !strings.Contains(metrics, want) {
		t.Errorf("metrics: no %s", want)
	}
	t.Logf("capacity %d, %d sessions attempted in %v: %d in, %d answered 503", capacity, n, elapsed, count[http.StatusSwitchingProtocols], count[http.StatusServiceUnavailable])
}
