// Command kinrt is the KIN Realtime server.
//
//	kinrt serve [--addr host:port] [--demo]
//
// Today it serves the Socket.IO engine at /socket.io/ with /healthz; the KIN
// service (NextAuth sessions, rooms, the event catalog, webhooks) is built
// on it next, and until then serve runs only in --demo mode.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kin-comms/kinrt/socketio"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kinrt:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 || args[0] != "serve" {
		return errors.New("usage: kinrt serve [--addr host:port] [--demo]")
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	port := os.Getenv("PORT")
	if port == "" {
		port = "3000"
	}
	addr := fs.String("addr", "localhost:"+port, "listen address")
	demo := fs.Bool("demo", false, "run with demo settings")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !*demo {
		return errors.New("serve: session authentication is not built yet; run with --demo")
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	log.Warn("DEMO MODE: no authentication; for local development only")

	io := socketio.NewServer(nil)
	io.OnConnection(func(s *socketio.Socket) {
		s.On("echo", func(e *socketio.Event) { _ = e.Ack(e.Values()...) })
	})
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", io)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	srv := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", *addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = io.Shutdown(shutdownCtx)
	return srv.Shutdown(shutdownCtx)
}
