package server_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/limit"
	"github.com/kin-comms/kinrt/internal/server"
)

// limServe runs the service behind its own http.Server (HTTPServer, with
// its deadlines), not httptest's, and returns its base URL.
func limServe(t *testing.T, mutate func(*config.Config)) (*server.Server, string) {
	t.Helper()
	cfg, err := config.Load(nil, func(k string) string {
		if k == "NEXTAUTH_SECRET" {
			return testSecret
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg.DatabaseURL = "sqlite:" + filepath.Join(t.TempDir(), "kin.db")
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := srv.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Drain(ctx)
		_ = hs.Shutdown(ctx)
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve: %v", err)
		}
		_ = srv.Close()
	})
	return srv, "http://" + ln.Addr().String()
}

func TestHTTPServerSettings(t *testing.T) {
	t.Parallel()
	srv, _ := limServe(t, func(c *config.Config) {
		c.ReadHeaderTimeout, c.ReadTimeout, c.WriteTimeout, c.IdleTimeout = time.Second, 2*time.Minute, 3*time.Minute, 4*time.Minute
	})
	hs := srv.HTTPServer()
	if hs.ReadHeaderTimeout != time.Second || hs.ReadTimeout != 2*time.Minute || hs.WriteTimeout != 3*time.Minute ||
		hs.IdleTimeout != 4*time.Minute || hs.MaxHeaderBytes != server.MaxHeaderBytes || hs.Handler == nil || hs.ErrorLog == nil {
		t.Fatalf("HTTPServer: %+v", hs)
	}
	def, _ := limServe(t, func(c *config.Config) { c.Timeouts = config.Timeouts{} })
	if hs := def.HTTPServer(); hs.ReadHeaderTimeout != config.DefaultTimeouts.ReadHeaderTimeout ||
		hs.WriteTimeout != config.DefaultTimeouts.WriteTimeout || hs.ReadTimeout != config.DefaultTimeouts.ReadTimeout {
		t.Fatalf("zero timeouts did not take the defaults: %+v", hs)
	}
}

// TestSlowlorisHeaders: a client that sends its headers a byte at a time
// is cut off at ReadHeaderTimeout, however steadily it trickles; other
// clients are served meanwhile.
func TestSlowlorisHeaders(t *testing.T) {
	t.Parallel()
	const headerTimeout = 500 * time.Millisecond
	_, base := limServe(t, func(c *config.Config) { c.ReadHeaderTimeout = headerTimeout })
	start := time.Now() // before the server can start its clock
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	stop := make(chan struct{})
	trickled := make(chan int, 1)
	go func() { // the slow client: one byte every 20 ms, headers never end
		n := 0
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		defer func() { trickled <- n }()
		msg := "GET /healthz HTTP/1.1\r\nHost: kin\r\nX-Slow: " + strings.Repeat("a", 1<<16)
		for i := 0; i < len(msg); i++ {
			if _, err := conn.Write([]byte{msg[i]}); err != nil {
				return
			}
			n++
			select {
			case <-tick.C:
			case <-stop:
				return
			}
		}
	}()
	defer close(stop)

	// Meanwhile a normal request is served.
	if status, _, _ := limDo(t, http.MethodGet, base+"/healthz", nil, nil); status != http.StatusOK {
		t.Fatalf("/healthz during the slow client: %d", status)
	}
	// The server may answer 400 or 408 (cut in the request line) before it
	// closes; then the connection ends.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	answer, err := io.ReadAll(conn)
	elapsed := time.Since(start)
	if (err != nil && !isReset(err)) || (len(answer) > 0 && !strings.HasPrefix(string(answer), "HTTP/1.1 4")) {
		t.Fatalf("the slow client read %q, %v: want the connection closed (after a 4xx at most)", answer, err)
	}
	if elapsed < headerTimeout || elapsed > 5*time.Second {
		t.Fatalf("the slow client was cut after %v, want after the header timeout %v", elapsed, headerTimeout)
	}
	if sent := <-trickled; sent < 5 {
		t.Fatalf("the slow client sent only %d bytes: it was not trickling", sent)
	}
	t.Logf("slow client cut after %v", elapsed)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "reset")
}

// TestHalfOpenWebSocket: a WebSocket client that stops answering pings is
// closed after PingInterval+PingTimeout and the node's connection count
// returns to zero; a client that answers stays, past the HTTP server's
// read and write timeouts, which hijacked connections do not obey.
func TestHalfOpenWebSocket(t *testing.T) {
	t.Parallel()
	const interval, timeout = 200 * time.Millisecond, 200 * time.Millisecond
	srv, base := limServe(t, func(c *config.Config) {
		c.PingInterval, c.PingTimeout = interval, timeout
		c.ReadTimeout, c.WriteTimeout = time.Second, time.Second
	})
	tok := limToken(t, srv.Verifier().Mint, "ann")
	live, _, err := limDial(t, base, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if msg := live.connect(tok); msg != "" {
		t.Fatal(msg)
	}
	start := time.Now()
	dead, _, err := limDial(t, base, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if msg := dead.connect(tok); msg != "" {
		t.Fatal(msg)
	}
	if !dead.waitClosed(5 * time.Second) {
		t.Fatal("a client that answers no ping is still connected after 5s")
	}
	if elapsed := time.Since(start); elapsed < interval+timeout-50*time.Millisecond {
		t.Fatalf("the silent client was closed after %v, before ping interval + timeout (%v)", elapsed, interval+timeout)
	}
	limEventually(t, 5*time.Second, "the silent client's session leaves", func() bool {
		return srv.Realtime().Engine().Len() == 1 && srv.Realtime().Of("/").Len() == 1
	})

	// The live client answers pings for longer than ReadTimeout and
	// WriteTimeout (1s): 6 pings are 6 ping intervals of 200ms.
	limEventually(t, 10*time.Second, "6 pings answered by the live client", func() bool {
		select {
		case <-live.closed:
			t.Fatal("the live client was closed")
		default:
		}
		return live.pings.Load() >= 6
	})
	if err := srv.Realtime().Emit("still_here"); err != nil {
		t.Fatal(err)
	}
	for f := live.next(); !strings.HasPrefix(f, `42["still_here"`); f = live.next() {
	}
	_ = live.conn.Close()
	limEventually(t, 5*time.Second, "the connection count returns to zero", func() bool {
		return srv.Realtime().Engine().Len() == 0 && srv.Realtime().Of("/").Len() == 0
	})
}

var slowClients = flag.Int("slow.clients", 0, "TestSlowClientsAtScale: how many slow and silent clients (0: skip)")

// TestSlowClientsAtScale (behind -slow.clients=N): N clients trickling
// headers and N WebSocket clients that never answer a ping are all cut
// at their timeouts, while a normal client is served throughout; the
// figures go to docs/reliability.md.
func TestSlowClientsAtScale(t *testing.T) {
	n := *slowClients
	if n == 0 {
		t.Skip("run with -slow.clients=N")
	}
	const headerTimeout, interval, timeout = 2 * time.Second, time.Second, time.Second
	srv, base := limServe(t, func(c *config.Config) {
		c.ReadHeaderTimeout, c.PingInterval, c.PingTimeout = headerTimeout, interval, timeout
		c.ConnectRate = limit.Rate{} // all from 127.0.0.1
	})
	start := time.Now()
	closedAt := make(chan time.Duration, n)
	for range n {
		conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		go func() {
			msg := "GET /healthz HTTP/1.1\r\nHost: kin\r\nX-Slow: " + strings.Repeat("a", 200)
			for i := 0; i < len(msg); i++ {
				if _, err := conn.Write([]byte{msg[i]}); err != nil {
					break
				}
				time.Sleep(100 * time.Millisecond) // the client's pace, not a wait of the test
			}
		}()
		go func() {
			_, _ = io.Copy(io.Discard, conn)
			closedAt <- time.Since(start)
		}()
	}
	wsClosedAt := make(chan time.Duration, n)
	for range n {
		ls, _, err := limDial(t, base, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			<-ls.closed
			wsClosedAt <- time.Since(start)
		}()
	}
	t.Logf("%d trickling and %d silent clients opened in %v", n, n, time.Since(start))
	var worst time.Duration
	served := 0
	for time.Since(start) < headerTimeout+interval+timeout+time.Second {
		t0 := time.Now()
		if status, _, _ := limDo(t, http.MethodGet, base+"/healthz", nil, nil); status != http.StatusOK {
			t.Fatalf("/healthz: %d", status)
		}
		worst = max(worst, time.Since(t0))
		served++
	}
	var last time.Duration
	for range n {
		select {
		case d := <-closedAt:
			last = max(last, d)
		case <-time.After(30 * time.Second):
			t.Fatal("a trickling client was not cut")
		}
	}
	var lastWS time.Duration
	for range n {
		select {
		case d := <-wsClosedAt:
			lastWS = max(lastWS, d)
		case <-time.After(30 * time.Second):
			t.Fatal("a silent WebSocket client was not closed")
		}
	}
	limEventually(t, 30*time.Second, "no session left", func() bool { return srv.Realtime().Engine().Len() == 0 })
	t.Logf("trickling clients cut by %v (header timeout %v); silent WebSocket clients closed by %v (ping %v + %v); %d /healthz served meanwhile, slowest %v",
		last, headerTimeout, lastWS, interval, timeout, served, worst)
}
