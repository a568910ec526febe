package load

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

// TestWebhook runs the webhook scenario for a tiny point against the
// service in process and checks that every event reaches every client of
// its department and every admin (not how fast).
func TestWebhook(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	env := map[string]string{
		"NEXTAUTH_SECRET":        "bench-test-secret-0123456789abcdef",
		"TWILIO_AUTH_TOKEN":      "bench-test-token",
		"KIN_PUBLIC_URL":         "http://" + addr,
		"KIN_NUMBER_DEPARTMENTS": "+15550000001=sales,+15550000002=support,+15550000003=billing",
		"DATABASE_URL":           "sqlite:" + filepath.Join(t.TempDir(), "kin.db"),
	}
	cfg, err := config.Load([]string{"-addr", addr}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = hs.Shutdown(ctx)
	}()

	res, err := Webhook(context.Background(), Target{Addr: addr}, WebhookConfig{
		Clients: 6, Admins: 1, Numbers: env["KIN_NUMBER_DEPARTMENTS"], Rates: []float64{100}, Webhooks: 9, Bound: time.Hour,
		Secret: env["NEXTAUTH_SECRET"], AuthToken: env["TWILIO_AUTH_TOKEN"],
	})
	if err != nil {
		t.Fatal(err)
	}
	// Each webhook: two events to the department's two clients and the admin.
	if len(res.Steps) != 1 || res.Lost != 0 || res.BestRate != 100 {
		t.Fatalf("result %+v", res)
	}
	if s := res.Steps[0]; s.Webhooks != 9 || s.Failed != 0 || s.Expected != 9*2*3 || s.Received != s.Expected || s.Missing != 0 {
		t.Fatalf("step %+v", s)
	}
}
