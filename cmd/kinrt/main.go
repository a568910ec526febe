// Command kinrt is the KIN Realtime server.
//
//	kinrt serve [flags]   run the service (kinrt serve -h lists the flags)
//	kinrt migrate [--database-url URL]
//	                      apply the embedded database migrations and exit
//	kinrt simulate [--demo] [--target URL] [--rate N] [--duration D]
//	                      send simulated, signed Twilio webhooks to a service
//	kinrt token [--demo] --user ID --role ROLE [--department D] [--name N] [--email E] [--ttl 1h]
//	                      print a NextAuth session token signed with
//	                      NEXTAUTH_SECRET, for tests and tools
//	kinrt version         print the version, Go version and VCS revision and time
//	kinrt healthcheck [--url URL]
//	                      GET the service's /healthz: exit 0 when it answers 200,
//	                      1 otherwise (a container's health check: scratch has no curl)
//	kinrt help            list the commands
//
// Configuration comes from the environment (NEXTAUTH_SECRET, PORT,
// SOCKET_IO_CORS_ORIGIN, DATABASE_URL, REDIS_URL, KIN_INTERNAL_API_KEY,
// KIN_PUBLIC_URL, KIN_NUMBER_DEPARTMENTS, KIN_ADMIN_ADDR, KIN_LOG_FORMAT,
// KIN_LOG_LEVEL, KIN_TLS_CERT, KIN_TLS_KEY, …); flags override it. With a
// certificate the public listener serves HTTPS, and SIGHUP reloads the
// certificate and key from their files (docs/deploy.md). --demo runs
// without a secret of its own, for local development: the secrets it
// generates are kept in data/demo-secrets.json (config.KeepDemoSecrets),
// where token --demo and simulate --demo find them. The metrics are served
// on the admin listener (KIN_ADMIN_ADDR, 127.0.0.1:9464 unless set; "off"
// turns it off), not on the public one.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/buildinfo"
	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/store"
)

func main() {
	os.Exit(mainCode(os.Args[1:], os.Stdout, os.Stderr))
}

// usage lists the commands, one line each.
const usage = `usage: kinrt <command> [flags]

commands:
  serve        run the service; --demo runs it with demo users, a fake Twilio and simulated traffic
  migrate      apply the embedded database migrations and exit
  simulate     send simulated, signed Twilio webhooks to a running service (--demo: to the demo)
  token        print a session token for a user, for tests and tools (--demo: the demo's)
  healthcheck  GET the running service's /healthz; exit 0 when it answers 200, else 1
  version      print the version, Go version and VCS revision and time (also --version)
  help         print this list

"kinrt <command> -h" lists a command's flags.
`

// usageError is a command line without a known command.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg + "\n" + usage }

// mainCode runs the command line and returns the exit status: 0 when it
// succeeded or help was asked for, 2 otherwise.
func mainCode(args []string, stdout, stderr io.Writer) int {
	if len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if len(args) == 1 && (args[0] == "version" || args[0] == "-version" || args[0] == "--version") {
		fmt.Fprintln(stdout, buildinfo.Read())
		return 0
	}
	err := run(args)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp): // a command's -h: its flags are printed
		return 0
	case errors.As(err, new(unhealthyError)): // a health check's "unhealthy" is 1, as Docker and podman read it
		fmt.Fprintln(stderr, "kinrt:", err)
		return 1
	case errors.As(err, new(usageError)):
		fmt.Fprint(stderr, err)
	default:
		fmt.Fprintln(stderr, "kinrt:", err)
	}
	return 2
}

func run(args []string) error {
	if len(args) == 0 {
		return usageError{"kinrt: no command given"}
	}
	switch args[0] {
	case "token":
		return token(args[1:])
	case "simulate":
		return simulateCmd(args[1:])
	case "migrate":
		return migrate(args[1:])
	case "healthcheck":
		return healthcheck(args[1:])
	case "version":
		return usageError{"kinrt: version takes no arguments"}
	case "serve":
	default:
		return usageError{fmt.Sprintf("kinrt: unknown command %q", args[0])}
	}
	cfg, err := config.Load(args[1:], os.Getenv)
	if err != nil {
		return err
	}
	log := server.NewLogger(os.Stderr, cfg.LogFormat, cfg.LogLevel) // --log-format, --log-level
	// go-redis reports every failed dial; the service logs an outage once
	// (and when it ends), so those go to debug.
	redis.SetLogger(redisLog{log})
	if cfg.Demo {
		log.Warn("DEMO MODE: demo users, demo settings and generated secrets; never use this in production")
		path, created, err := cfg.KeepDemoSecrets(cfg.Addr)
		if err != nil {
			return err
		}
		log.Info("demo: generated secrets kept for restarts, token and simulate (mode 0600)", "file", path, "created", created)
	}
	var certs *certReloader // the public listener's certificate, reloaded on SIGHUP
	if cfg.TLSCert != "" {
		if certs, err = newCertReloader(cfg.TLSCert, cfg.TLSKey); err != nil {
			return err
		}
	}
	// The listeners of the configured addresses are bound before the
	// service starts, so that nothing it opens on a port of the system's
	// choosing (the demo's fake Twilio API) can take one of theirs.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var aln net.Listener
	if cfg.AdminAddr != "" {
		if aln, err = net.Listen("tcp", cfg.AdminAddr); err != nil {
			_ = ln.Close()
			return fmt.Errorf("KIN_ADMIN_ADDR: %w (each node on a machine needs its own, or off)", err)
		}
		defer aln.Close()
	}
	if _, port, _ := net.SplitHostPort(cfg.Addr); cfg.Demo && port == "0" { // the file names the port taken
		if _, _, err := cfg.KeepDemoSecrets(ln.Addr().String()); err != nil {
			_ = ln.Close()
			return err
		}
	}
	srv, err := server.New(cfg, log)
	if err != nil {
		_ = ln.Close()
		return err
	}
	httpSrv := srv.HTTPServer()

	// The admin listener (metrics, and profiles when KIN_PPROF_ADDR is
	// its address), and profiles on a listener of their own otherwise.
	folded := cfg.PprofAddr != "" && cfg.PprofAddr == cfg.AdminAddr
	if aln != nil {
		go func() { _ = sideServer(adminHandler(srv, folded)).Serve(aln) }()
		log.Info("admin listener: /metrics", "addr", aln.Addr().String(), "profiles", folded)
		if !isLoopback(aln.Addr()) {
			log.Warn("the admin listener is not on loopback: whoever reaches it reads the metrics", "addr", aln.Addr().String())
		}
	}
	if cfg.PprofAddr != "" && !folded {
		pln, err := net.Listen("tcp", cfg.PprofAddr)
		if err != nil {
			_ = ln.Close()
			_ = srv.Close()
			return fmt.Errorf("KIN_PPROF_ADDR: %w", err)
		}
		defer pln.Close()
		go func() { _ = sideServer(pprofHandler()).Serve(pln) }()
		log.Info("serving runtime profiles", "addr", pln.Addr().String())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1) // before the first request: SIGHUP's default action ends the process
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOnHangup(ctx, hup, certs, log)
	errc := make(chan error, 1)
	// Everything a reader of the log needs is written before the first
	// request is served: the listener is bound, so early clients wait in
	// its backlog, and whoever sees /readyz answer finds these lines.
	log.Info("listening", "addr", ln.Addr().String(), "url", cfg.Scheme()+"://"+ln.Addr().String(), "config", cfg.Redacted())
	if certs != nil {
		log.Info("serving HTTPS; SIGHUP reloads the certificate", append([]any{"cert", cfg.TLSCert}, certAttrs(certs.cert.Load().Leaf)...)...)
	}
	if cfg.Demo {
		log.Warn("DEMO MODE: sign in at " + cfg.PublicURL + "/signin")
		for _, c := range demoCommands(cfg) {
			log.Warn("DEMO MODE: "+c.what+", from this folder", "run", c.cmd)
		}
	}
	if certs != nil {
		httpSrv.TLSConfig = certs.tlsConfig()
		go func() { errc <- httpSrv.ServeTLS(ln, "", "") }()
	} else {
		go func() { errc <- httpSrv.Serve(ln) }()
	}
	if cfg.Demo {
		if cfg.Simulate {
			go demoTraffic(ctx, cfg, srv, cfg.Scheme()+"://"+ln.Addr().String(), log)
		}
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	// Not ready and clients away first; then the listener closes and the
	// webhooks in flight finish; the store closes last.
	_ = srv.Drain(shutdownCtx)
	err = httpSrv.Shutdown(shutdownCtx)
	if cerr := srv.Close(); err == nil {
		err = cerr
	}
	return err
}

// reloadOnHangup reloads the TLS certificate on each SIGHUP that hup
// receives until ctx is done (systemd's ExecReload sends one). SIGHUP
// never stops the process, TLS or not.
func reloadOnHangup(ctx context.Context, hup <-chan os.Signal, certs *certReloader, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if certs == nil {
				log.Info("SIGHUP: nothing to reload (no TLS certificate)")
				continue
			}
			certs.reloadAndLog(log)
		}
	}
}

// sideServer is the http.Server of the admin and profile listeners. No
// write timeout: a CPU profile takes as many seconds as it is asked for.
func sideServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}

// adminHandler serves the admin listener: the service's metrics, and the
// runtime profiles with profiles.
func adminHandler(srv *server.Server, profiles bool) http.Handler {
	if !profiles {
		return srv.AdminHandler()
	}
	mux := http.NewServeMux()
	mux.Handle("/debug/pprof/", pprofHandler())
	mux.Handle("/", srv.AdminHandler())
	return mux
}

// isLoopback reports whether a listener's address is a loopback one.
func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

// pprofHandler serves net/http/pprof's profiles under /debug/pprof/.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// token prints a session token for a user.
func token(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	var p auth.Principal
	fs.StringVar(&p.UserID, "user", "", "user id (sub)")
	fs.StringVar(&p.Role, "role", "", "admin, supervisor or agent")
	fs.StringVar(&p.Department, "department", "", "department")
	fs.StringVar(&p.Name, "name", "", "display name")
	fs.StringVar(&p.Email, "email", "", "email")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	demo := demoFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("token: unexpected argument %q", fs.Arg(0))
	}
	if demo.on() {
		p = demoPrincipal(p)
	}
	if p.UserID == "" || p.Role == "" {
		return errors.New("token: --user and --role are required (with --demo, --user alone: a demo user, demo-admin by default)")
	}
	secret := firstEnv("NEXTAUTH_SECRET", "AUTH_SECRET")
	if secret == "" && demo.on() {
		d, err := demo.read()
		if err != nil {
			return fmt.Errorf("token: %w", err)
		}
		if secret = d.NextAuthSecret; secret == "" {
			return fmt.Errorf("token: %s holds no session secret: the demo was given NEXTAUTH_SECRET, set it here too", demo.path())
		}
	}
	if secret == "" {
		return errors.New("token: NEXTAUTH_SECRET (or AUTH_SECRET) is required; --demo reads the secret of kinrt serve --demo started in this folder")
	}
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{secret}})
	if err != nil {
		return err
	}
	tok, err := v.Mint(p, *ttl)
	if err != nil {
		return err
	}
	fmt.Println(tok)
	return nil
}

// migrate applies the store's migrations (Open migrates) and exits.
func migrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	url := fs.String("database-url", os.Getenv("DATABASE_URL"), "sqlite:PATH or postgres://… (DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *url == "" {
		*url = config.DefaultDatabaseURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	st, err := store.Open(ctx, *url)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "kinrt migrate: the database is up to date")
	return nil
}

// redisLog passes go-redis's own messages to the service's log, at debug.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
