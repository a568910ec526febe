package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/simulate"
)

// demoWorkers are TaskRouter workers for the demo's agents.
func demoWorkers() []simulate.Worker {
	var ws []simulate.Worker
	for _, w := range server.DemoWorkers() {
		ws = append(ws, simulate.Worker{SID: w.SID, Name: w.Name, UserID: w.UserID, Department: w.Department})
	}
	return ws
}

// demoTraffic sends simulated Twilio traffic to the demo service until ctx
// is done, at a gentle rate: calls, voicemails and SMS as webhooks; SMS
// replies sent (and voicemails listened to) through the service's API as
// the demo's admin; callers' tasks created in the demo's fake TaskRouter,
// which offers them to the agents.
func demoTraffic(ctx context.Context, cfg config.Config, srv *server.Server, target string, log *slog.Logger) {
	numbers := map[string]string{}
	for num, dept := range cfg.NumberDepartments {
		numbers[dept] = num
	}
	admin, err := srv.Verifier().Mint(server.DemoUsers[0], 24*time.Hour)
	if err != nil {
		log.Error("demo traffic", "err", err)
		return
	}
	sim, err := simulate.New(simulate.Config{
		Target: target, PublicURL: cfg.PublicURL, AuthToken: cfg.TwilioAuthToken,
		Numbers: numbers, Workers: demoWorkers(), APIToken: admin, AccountSID: server.DemoAccountSID, Client: loopbackClient(target),
		TaskRouter: &simulate.TaskRouter{BaseURL: srv.DemoTwilio(), AccountSID: server.DemoAccountSID,
			AuthToken: cfg.TwilioAuthToken, WorkspaceSID: server.DemoWorkspaceSID},
	})
	if err != nil {
		log.Error("demo traffic", "err", err)
		return
	}
	log.Info("demo traffic: simulated Twilio webhooks every 5 s (--simulate=false turns it off)")
	if _, err := sim.Run(ctx, 0.2); err != nil {
		log.Error("demo traffic stopped", "err", err)
	}
}

// simulateCmd is `kinrt simulate`: signed webhook sequences to a service.
func simulateCmd(args []string) error {
	fs := flag.NewFlagSet("simulate", flag.ContinueOnError)
	target := fs.String("target", "", "the service's address (default: the demo's with --demo, else http://127.0.0.1:3000)")
	public := fs.String("public-url", os.Getenv("KIN_PUBLIC_URL"), "the service's KIN_PUBLIC_URL, which the signatures cover (default: the demo's with --demo, else --target, a loopback one as http://localhost:PORT, then as it is if refused)")
	token := fs.String("twilio-auth-token", os.Getenv("TWILIO_AUTH_TOKEN"), "the service's TWILIO_AUTH_TOKEN (default: the demo's with --demo)")
	numbers := fs.String("numbers", "sales=+15550001111,support=+15550002222", "department=number,… of our Twilio numbers")
	rate := fs.Float64("rate", 1, "sequences per second")
	duration := fs.Duration("duration", time.Minute, "how long to run")
	apiToken := fs.String("api-token", os.Getenv("KIN_SIMULATE_API_TOKEN"), "a session token of an admin (kinrt token): SMS conversations get replies sent through the service's API, and their status callbacks (KIN_SIMULATE_API_TOKEN; with --demo, the demo's admin)")
	demo := demoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("simulate: unexpected argument %q", fs.Arg(0))
	}
	if demo.on() {
		d, err := demo.read()
		if err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		*target = cmp.Or(*target, d.Target)
		*public = cmp.Or(*public, d.PublicURL)
		*token = cmp.Or(*token, d.TwilioAuthToken)
		if secret := cmp.Or(firstEnv("NEXTAUTH_SECRET", "AUTH_SECRET"), d.NextAuthSecret); *apiToken == "" && secret != "" {
			if *apiToken, err = mintDemoAdmin(secret, *duration+time.Hour); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
		}
	}
	*target = cmp.Or(*target, "http://127.0.0.1:3000")
	if *token == "" {
		return errors.New("simulate: TWILIO_AUTH_TOKEN (or --twilio-auth-token) is required: the signatures use it (--demo reads the demo's)")
	}
	nums := map[string]string{}
	for _, pair := range strings.Split(*numbers, ",") {
		dept, num, ok := strings.Cut(strings.TrimSpace(pair), "=")
		if !ok || dept == "" || num == "" {
			return fmt.Errorf("simulate: --numbers: %q is not department=number", pair)
		}
		nums[dept] = num
	}
	sim, err := simulate.New(simulate.Config{Target: *target, PublicURL: *public, AuthToken: *token, Numbers: nums, Workers: demoWorkers(), APIToken: *apiToken,
		Client: loopbackClient(*target)})
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	n, err := sim.Run(ctx, *rate)
	fmt.Fprintf(os.Stderr, "kinrt simulate: %d sequences sent to %s (signed for %s)\n", n, *target, sim.PublicURL())
	if se := new(simulate.SignatureError); errors.As(err, &se) {
		hint := "--public-url must be the service's KIN_PUBLIC_URL and --twilio-auth-token its TWILIO_AUTH_TOKEN"
		if !demo.on() {
			hint += "; against kinrt serve --demo started in this folder, --demo reads both"
		}
		return fmt.Errorf("%w\nhint: %s", err, hint)
	}
	return err
}

// mintDemoAdmin returns a session token of the demo's admin.
func mintDemoAdmin(secret string, ttl time.Duration) (string, error) {
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{secret}})
	if err != nil {
		return "", err
	}
	return v.Mint(server.DemoUsers[0], ttl)
}

// loopbackClient is the HTTP client of simulated traffic to target: the
// default (nil), but for https:// to a loopback address, where it does
// not verify the certificate, whose name is the public host's.
func loopbackClient(target string) *http.Client {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "https" {
		return nil
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	return &http.Client{Timeout: 15 * time.Second, Transport: tr}
}
