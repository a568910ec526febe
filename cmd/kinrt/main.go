// Command kinrt is the KIN Realtime server.
//
//	kinrt serve [flags]   run the service (kinrt serve -h lists the flags)
//
// Configuration comes from the environment (NEXTAUTH_SECRET, PORT,
// SOCKET_IO_CORS_ORIGIN, DATABASE_URL, REDIS_URL, KIN_INTERNAL_API_KEY,
// KIN_PUBLIC_URL, KIN_NUMBER_DEPARTMENTS); flags override it. --demo runs
// without a secret of its own, for local development.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kinrt:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] != "serve" {
		return errors.New("usage: kinrt serve [--addr host:port] [--demo] [...]")
	}
	cfg, err := config.Load(args[1:], os.Getenv)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if cfg.Demo {
		log.Warn("DEMO MODE: generated session secret, demo settings; never use this in production")
	}
	if cfg.RedisURL != "" {
		return errors.New("REDIS_URL: the cluster adapter is not available yet; unset it to run a single node")
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		return err
	}
	httpSrv := &http.Server{Addr: cfg.Addr, Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.ListenAndServe() }()
	log.Info("listening", "config", cfg.Redacted())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	return httpSrv.Shutdown(shutdownCtx)
}
