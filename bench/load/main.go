// Command load is the benchmark load generator (see bench/internal/load):
// it runs one scenario against a Socket.IO server and prints the result as
// one JSON line.
//
//	load -scenario idle   -clients 10000 -pid PID
//	load -scenario fanout -clients 1000 -bound 100ms
//	load -scenario echo   -clients 100 -duration 10s
//	load -scenario webhook -clients 10000 -rates 50,100,200 -duration 10s   (against kinrt serve;
//	     NEXTAUTH_SECRET, TWILIO_AUTH_TOKEN, KIN_PUBLIC_URL and
//	     KIN_NUMBER_DEPARTMENTS as the server's)
//	load -scenario storm -clients 10000 -admin-addr 127.0.0.1:9464 -restart "bench/serve-kinrt DIR ADDR"
//	     (against kinrt serve; NEXTAUTH_SECRET as the server's; -restart
//	     restarts the server and prints its new PID)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/kin-comms/kinrt/bench/internal/load"
)

func main() {
	var (
		addr      = flag.String("addr", "127.0.0.1:39002", "server address")
		sources   = flag.String("sources", "127.0.0.1,127.0.0.2,127.0.0.3,127.0.0.4", "local source IPs, comma-separated")
		scenario  = flag.String("scenario", "fanout", "idle, fanout, echo, webhook or storm")
		clients   = flag.Int("clients", 1000, "clients")
		pid       = flag.Int("pid", 0, "server process: its VmRSS (idle) and CPU time (fanout, echo) are read")
		settle    = flag.Duration("settle", 3*time.Second, "idle: wait before reading the RSS")
		bound     = flag.Duration("bound", 100*time.Millisecond, "fanout: p99 bound")
		step      = flag.Duration("step", 3*time.Second, "fanout: duration of each rate")
		startRate = flag.Float64("start-rate", 10_000, "fanout: first deliveries/s")
		factor    = flag.Float64("factor", 1.5, "fanout: rate growth per step")
		maxSteps  = flag.Int("max-steps", 20, "fanout: steps at most")
		single    = flag.Duration("single", 0, "fanout: first hold 1 broadcast/s this long")
		duration  = flag.Duration("duration", 5*time.Second, "echo, webhook: measured duration")
		rates     = flag.String("rates", "200", "webhook: webhooks/s of each step, comma-separated")
		whBound   = flag.Duration("webhook-bound", 150*time.Millisecond, "webhook: p99 bound of a step")
		admins    = flag.Int("admins", 0, "webhook: admin clients besides -clients")
		numbers   = flag.String("numbers", os.Getenv("KIN_NUMBER_DEPARTMENTS"), "webhook: our numbers and their departments, +1555…=sales,…")
		publicURL = flag.String("public-url", os.Getenv("KIN_PUBLIC_URL"), "webhook: the server's public URL (default http://ADDR)")
		adminAddr = flag.String("admin-addr", "", "storm: the server's admin listener (KIN_ADMIN_ADDR), for kinrt_deliveries_total")
		restart   = flag.String("restart", "", "storm: a shell command that restarts the server and prints its new PID (empty: no restart phase)")
		depts     = flag.Int("departments", 5, "storm: departments the users are spread over")
		target    = flag.Duration("target", 3*time.Second, "storm: the time a phase must settle within")
		label     = flag.String("label", "", "server label copied to the output")
		rep       = flag.Int("rep", 1, "repetition number copied to the output")
		cpuprof   = flag.String("cpuprofile", "", "write the load generator's CPU profile to this file")
		spin      = flag.Duration("spin", 0, "poll the sockets without sleeping this long after the last data (one reactor; GOMAXPROCS 2)")
	)
	flag.Parse()
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	t := load.Target{Addr: *addr, Spin: *spin}
	if *spin > 0 && runtime.GOMAXPROCS(0) < 2 {
		// The spinning reactor holds one P; Go's netpoller (the
		// controller, the webhooks' HTTP client) needs another.
		runtime.GOMAXPROCS(2)
	}
	if *sources != "" {
		t.Sources = strings.Split(*sources, ",")
	}
	var (
		res any
		err error
	)
	switch *scenario {
	case "idle":
		res, err = load.Idle(ctx, t, load.IdleConfig{Clients: *clients, PID: *pid, Settle: *settle})
	case "fanout":
		res, err = load.Fanout(ctx, t, load.FanoutConfig{
			Clients: *clients, Bound: *bound, Step: *step, StartRate: *startRate,
			Factor: *factor, MaxSteps: *maxSteps, Single: *single, PID: *pid,
		})
	case "echo":
		res, err = load.Echo(ctx, t, load.EchoConfig{Clients: *clients, Duration: *duration, PID: *pid})
	case "webhook":
		secret := os.Getenv("NEXTAUTH_SECRET")
		if secret == "" {
			secret = os.Getenv("AUTH_SECRET")
		}
		var rs []float64
		for _, r := range strings.Split(*rates, ",") {
			v, perr := strconv.ParseFloat(strings.TrimSpace(r), 64)
			if perr != nil {
				log.Fatalf("-rates: %v", perr)
			}
			rs = append(rs, v)
		}
		res, err = load.Webhook(ctx, t, load.WebhookConfig{
			Clients: *clients, Admins: *admins, Numbers: *numbers, Rates: rs, Duration: *duration, Bound: *whBound,
			Secret: secret, AuthToken: os.Getenv("TWILIO_AUTH_TOKEN"), PublicURL: *publicURL, PID: *pid,
		})
	case "storm":
		secret := os.Getenv("NEXTAUTH_SECRET")
		if secret == "" {
			secret = os.Getenv("AUTH_SECRET")
		}
		cfg := load.StormConfig{
			Clients: *clients, Departments: *depts, Secret: secret, AdminAddr: *adminAddr, PID: *pid, Target: *target,
		}
		if *restart != "" {
			cfg.Restart = func(ctx context.Context) (int, error) { return restartServer(ctx, *restart) }
		}
		res, err = load.Storm(ctx, t, cfg)
	default:
		err = fmt.Errorf("unknown scenario %q", *scenario)
	}
	if err != nil {
		pprof.StopCPUProfile()
		if res != nil {
			b, _ := json.Marshal(res)
			log.Printf("partial result: %s", b)
		}
		log.Fatal(err)
	}
	out, _ := json.Marshal(map[string]any{
		"scenario": *scenario, "server": *label, "rep": *rep, "clients": *clients, "result": res,
	})
	fmt.Println(string(out))
}

// restartServer runs the shell command cmd, which restarts the server and
// prints its new PID as its last line.
func restartServer(ctx context.Context, cmd string) (int, error) {
	c := exec.CommandContext(ctx, "sh", "-c", cmd)
	c.Stderr = os.Stderr
	out, err := c.Output()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", cmd, err)
	}
	lines := strings.Fields(string(out))
	if len(lines) == 0 {
		return 0, fmt.Errorf("%s printed no PID", cmd)
	}
	return strconv.Atoi(lines[len(lines)-1])
}
