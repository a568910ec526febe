// Command cluster runs kinrt as a cluster on one machine and measures it
// with many clients (issue 19 item 5): it starts -nodes `kinrt serve`
// processes on one Redis and one PostgreSQL (a schema and a Redis prefix of
// the run's own, both removed at the end), each with a file limit of -nofile,
// and load generator processes (this program again, at most -per-generator
// clients each, each from a loopback source address of its own: 127.0.0.2,
// 127.0.0.3, …), which connect -clients authenticated agents of -departments
// departments, spread round robin over the nodes (no proxy).
//
// Then, in order:
//   - the presence storm settles; each node's RSS per connection is read;
//   - -webhooks signed Twilio SMS webhooks (round robin over the departments
//     and the nodes, -rate a second): each must reach every client of its
//     department (message_received and conversation_updated) and no other;
//   - one node is SIGKILLed: its clients reconnect at once to the others,
//     with their session id and last offset (connection state recovery),
//     while -down-webhooks more are sent, then -after-webhooks once all are
//     back;
//   - every client's events are checked: each webhook of its department's
//     two events exactly once, none of another department.
//
// It prints one JSON object a line on stdout and a summary on stderr:
//
//	go build -o bench/bin/cluster ./bench/cluster && bench/bin/cluster -clients 100000
//
// PostgreSQL is KIN_TEST_POSTGRES (default postgres://postgres@127.0.0.1:5432/test),
// Redis -redis. Logs and the kinrt binary go to -out.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kin-comms/kinrt/bench/internal/load"
)

// generatorEnv marks a process started as a load generator.
const generatorEnv = "KIN_CLUSTER_GENERATOR"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if os.Getenv(generatorEnv) == "1" {
		if err := load.RunGenerator(ctx, os.Stdin, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	var cfg Config
	flag.IntVar(&cfg.Clients, "clients", 100_000, "clients")
	flag.IntVar(&cfg.Nodes, "nodes", 0, "kinrt nodes (0: enough that the others hold every client after one is killed, at least 6)")
	flag.IntVar(&cfg.PerGenerator, "per-generator", 15_000, "clients per load generator process at most")
	flag.IntVar(&cfg.Departments, "departments", 5, "departments")
	flag.IntVar(&cfg.Webhooks, "webhooks", 25, "webhooks before the kill")
	flag.IntVar(&cfg.DownWebhooks, "down-webhooks", 15, "webhooks sent from the kill on")
	flag.IntVar(&cfg.AfterWebhooks, "after-webhooks", 10, "webhooks once every client is back")
	flag.Float64Var(&cfg.Rate, "rate", 5, "webhooks per second")
	flag.BoolVar(&cfg.NoKill, "no-kill", false, "no node is killed")
	flag.Uint64Var(&cfg.NoFile, "nofile", 20_000, "file limit of every process")
	flag.StringVar(&cfg.Kinrt, "kinrt", "", "kinrt binary (empty: built from ./cmd/kinrt into -out)")
	flag.StringVar(&cfg.Redis, "redis", "redis://127.0.0.1:6379/0", "Redis URL")
	flag.StringVar(&cfg.Postgres, "postgres", postgresDefault(), "PostgreSQL URL (a schema of the run's own is created in it)")
	flag.StringVar(&cfg.Out, "out", "bench/out/cluster-"+time.Now().UTC().Format("20060102-150405"), "folder for the logs (and kinrt)")
	flag.StringVar(&cfg.PresenceInterval, "presence-interval", "", "the nodes' KIN_PRESENCE_INTERVAL (empty: their default)")
	flag.StringVar(&cfg.PresenceScope, "presence-scope", "", "the nodes' KIN_PRESENCE_SCOPE: department or watched (empty: their default)")
	flag.IntVar(&cfg.Nice, "nice", 5, "niceness of the nodes and the load generators, below Redis and PostgreSQL (0: none)")
	flag.IntVar(&cfg.Watch, "watch", 0, "colleagues each client watches with presence:watch")
	flag.DurationVar(&cfg.Settle, "settle", 0, "the presence storm has settled once no event came for this long (0: 3s, or the presence interval + 2s if longer)")
	flag.Parse()
	exe, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cfg.Generator = []string{exe}
	res, err := Run(ctx, cfg, os.Stdout, os.Stderr)
	if res != nil {
		fmt.Fprint(os.Stderr, res.Summary())
	}
	if err != nil {
		log.Fatal(err)
	}
	if !res.OK() {
		os.Exit(1)
	}
}

func postgresDefault() string {
	if v := os.Getenv("KIN_TEST_POSTGRES"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}
