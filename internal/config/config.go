// Package config reads KIN Realtime's configuration from the environment
// and command-line flags (flags win), in one place, and rejects a bad
// configuration at start-up with a one-line error.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // KIN_TIMEZONE works where the system has no zoneinfo (distroless images)

	"github.com/kin-comms/kinrt/internal/limit"
)

// Config is the service's configuration.
type Config struct {
	// Addr is the listen address (host:port). PORT or --addr; default
	// ":3000".
	Addr string
	// TLSCert and TLSKey (--tls-cert, --tls-key; KIN_TLS_CERT,
	// KIN_TLS_KEY) are the PEM files of the public listener's certificate
	// (its chain, leaf first) and private key: set, the listener serves
	// HTTPS (and HTTP/2), SIGHUP reloads both files, and PublicURL
	// defaults to https://. Both or neither. Default: unset, plain HTTP
	// (for TLS ended by a proxy or load balancer in front).
	TLSCert, TLSKey string
	// AdminAddr (--admin-addr, KIN_ADMIN_ADDR) is the admin listener's
	// host:port: /metrics is served there, never on the public listener.
	// Default DefaultAdminAddr (loopback); "off" (stored as "") turns it
	// off. Several nodes on one machine need one each (port 0 picks a
	// free one, logged).
	AdminAddr string
	// PprofAddr (--pprof-addr, KIN_PPROF_ADDR), when set, serves Go's
	// runtime profiles (net/http/pprof) at this host:port, apart from the
	// public listener: on the admin listener when it is AdminAddr, else on
	// a listener of its own. Default: off. Bind it to loopback: profiles
	// expose the process's internals.
	PprofAddr string
	// LogFormat (--log-format, KIN_LOG_FORMAT) is how log records are
	// written: LogText (key=value lines, the default) or LogJSON (one JSON
	// object a line, for a log collector).
	LogFormat string
	// LogLevel (--log-level, KIN_LOG_LEVEL) is the least severe level
	// logged: debug, info (the default), warn or error.
	LogLevel slog.Level
	// Demo runs with a generated secret, demo users and simulated traffic.
	Demo bool
	// Simulate sends simulated Twilio traffic in demo mode (--simulate,
	// default true; ignored without --demo).
	Simulate bool
	// Secrets are the NextAuth secrets: NEXTAUTH_SECRET (or AUTH_SECRET),
	// then AUTH_SECRET_1..3 for rotation. Required unless Demo.
	Secrets []string
	// SecretGenerated is true when Demo made the secret up.
	SecretGenerated bool
	// TwilioTokenGenerated is true when Demo made TwilioAuthToken up.
	TwilioTokenGenerated bool
	// AllowedOrigins are the browser origins allowed to connect
	// (SOCKET_IO_CORS_ORIGIN, comma-separated). Default: PublicURL's origin.
	AllowedOrigins []string
	// DatabaseURL is "sqlite:PATH" or "postgres://…". Default
	// "sqlite:./data/kin.db".
	DatabaseURL string
	// RedisURL enables the cluster adapter. Default: unset, single node.
	RedisURL string
	// Cluster (KIN_CLUSTER) is what links the nodes: ClusterNone,
	// ClusterRedis (REDIS_URL) or ClusterPostgres (DATABASE_URL alone:
	// LISTEN/NOTIFY and presence tables). Empty: Redis when RedisURL is
	// set, else none (see ClusterKind).
	Cluster string
	// PostgresPrefix (KIN_POSTGRES_PREFIX) starts the cluster's NOTIFY
	// channels with KIN_CLUSTER=postgres: the channelPrefix of Node's
	// @socket.io/postgres-adapter, which must match for Node.js nodes to
	// share the cluster. Default "socket.io".
	PostgresPrefix string
	// RedisPrefix (KIN_REDIS_PREFIX) starts the cluster's Redis channels
	// and keys: the key of Node's @socket.io/redis-adapter and -emitter,
	// which must match for them to share the cluster. Default "socket.io".
	RedisPrefix string
	// RedisMode (KIN_REDIS_MODE) is "single" (one Redis, or a primary
	// behind a proxy: classic pub/sub, Node's createAdapter) or "cluster"
	// (a Redis Cluster, REDIS_URL in go-redis's cluster form
	// redis://h1:p1?addr=h2:p2&addr=h3:p3: sharded pub/sub, Node's
	// createShardedAdapter). Default "single".
	RedisMode string
	// RedisSubscriptionMode (KIN_REDIS_SUBSCRIPTION_MODE) is, in cluster
	// mode, the sharded adapter's subscriptionMode: "dynamic",
	// "dynamic-private" or "static", as every Node.js node and emitter of
	// the cluster has it. Default "dynamic", Node's default.
	RedisSubscriptionMode string
	// PresenceTTL (KIN_PRESENCE_TTL) is how long a connection of a node
	// that stopped refreshing it (one that died) still counts in the
	// cluster's presence. Default 30s; used in a cluster.
	PresenceTTL time.Duration
	// PresenceInterval (KIN_PRESENCE_INTERVAL) is how often at most a
	// department gets a user_presence_updated: the changes within one
	// interval go out as one batch. Default 250ms; 0 sends every change
	// alone, at once.
	PresenceInterval time.Duration
	// PresenceScope (KIN_PRESENCE_SCOPE) is who gets a user's presence
	// changes: PresenceDepartment (default), every socket of the user's
	// department and the admins; or PresenceWatched, the user's own sockets
	// and those that watch the user (the presence:watch event), so that a
	// storm costs O(N) deliveries, not O(N²) (docs/presence.md).
	PresenceScope string
	// InternalAPIKey is the bearer key of POST /api/internal/events.
	// Default: unset, the API is disabled.
	InternalAPIKey string
	// PublicURL is the public base URL (webhook signatures, links).
	// Default "http://localhost:PORT".
	PublicURL string
	// TwilioAuthToken is TWILIO_AUTH_TOKEN, the key of webhook signatures.
	// Without it the webhook routes answer 503 (and demo mode makes one
	// up for its simulated traffic).
	TwilioAuthToken string
	// TwilioAccountSID is TWILIO_ACCOUNT_SID: with TwilioAuthToken, the
	// credentials of the REST API (sending SMS, TaskRouter, recordings).
	TwilioAccountSID string
	// TwilioBaseURL replaces Twilio's REST hosts (tests and the demo point
	// it at a local fake); empty is Twilio's own. Not read from the
	// environment.
	TwilioBaseURL string
	// WorkspaceSID is KIN_TASKROUTER_WORKSPACE_SID, the TaskRouter
	// workspace the API acts in.
	WorkspaceSID string
	// WorkflowSID (KIN_TASKROUTER_WORKFLOW_SID) sends inbound calls to
	// TaskRouter; unset, they go to voicemail.
	WorkflowSID string
	// NumberDepartments maps our Twilio numbers to departments
	// (KIN_NUMBER_DEPARTMENTS="+15550001111=sales,+15550002222=support").
	NumberDepartments map[string]string
	// ServiceLevel (KIN_SERVICE_LEVEL_SECONDS, whole seconds) is the
	// service level's threshold in GET /api/stats: the share of the
	// inbound calls answered within it. Default 20s (the zero value too).
	ServiceLevel time.Duration
	// TimeZone (KIN_TIMEZONE, an IANA name such as Europe/Paris) is where
	// GET /api/stats' "today" starts at midnight. Default (and nil) UTC.
	TimeZone *time.Location

	Limits
	Timeouts
	AdminUI
}

// Limits are what one node accepts before it refuses (docs/reliability.md).
// A zero count or an unlimited Rate turns a limit off.
type Limits struct {
	// MaxConnections caps the Engine.IO sessions of this node
	// (KIN_MAX_CONNECTIONS, --max-connections); a new one beyond it is
	// answered 503. Default 10000.
	MaxConnections int
	// MaxConnectionsPerUser caps the sockets of one user on this node
	// (KIN_MAX_CONNECTIONS_PER_USER); one more gets connect_error "too many
	// connections". Default 20.
	MaxConnectionsPerUser int
	// ConnectRate is the budget of new sessions per client IP
	// (KIN_CONNECT_RATE); beyond it 429 with Retry-After. Default 20/s:100.
	ConnectRate limit.Rate
	// EventRate is the budget of client-to-server events per socket
	// (KIN_EVENT_RATE); beyond it the socket is disconnected. Default
	// 20/s:100.
	EventRate limit.Rate
	// APIRate is the budget of REST API requests per user, or per IP
	// without a valid session (KIN_API_RATE); beyond it 429. Default
	// 20/s:100.
	APIRate limit.Rate
	// WebhookRate is the budget of validly signed webhooks, all sources
	// together (KIN_WEBHOOK_RATE); beyond it 429 with Retry-After. Default
	// 200/s:1000.
	WebhookRate limit.Rate
	// WebhookRejectRate is the budget of refused webhooks (bad signature,
	// bad form) per source IP (KIN_WEBHOOK_REJECT_RATE); beyond it 429
	// without a log line each. Default 1/s:20.
	WebhookRejectRate limit.Rate
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed for the client IP (KIN_TRUSTED_PROXIES, addresses and CIDR
	// prefixes, comma-separated). Default: none, the TCP peer is the client.
	TrustedProxies limit.Proxies
}

// Timeouts bound how long a connection may hold the node.
type Timeouts struct {
	// PingInterval is the Engine.IO heartbeat period (KIN_PING_INTERVAL);
	// a long-polling GET is held at most this long. Default 25s.
	PingInterval time.Duration
	// PingTimeout is how long a pong may take (KIN_PING_TIMEOUT): a client
	// silent for PingInterval+PingTimeout is closed. Default 20s.
	PingTimeout time.Duration
	// ReadHeaderTimeout bounds the reading of a request's headers
	// (KIN_HTTP_READ_HEADER_TIMEOUT). Default 10s.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds the reading of a whole request, and the life of a
	// held long-polling GET (KIN_HTTP_READ_TIMEOUT); it must exceed
	// PingInterval+PingTimeout. Default 60s.
	ReadTimeout time.Duration
	// WriteTimeout bounds a request from the end of its headers to the end
	// of its answer (KIN_HTTP_WRITE_TIMEOUT); it must exceed
	// PingInterval+PingTimeout. WebSocket connections set their own write
	// deadlines. Default 60s.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle that long
	// (KIN_HTTP_IDLE_TIMEOUT). Default 120s.
	IdleTimeout time.Duration
}

// DefaultLimits and DefaultTimeouts are the defaults of a deployment.
var (
	DefaultLimits = Limits{
		MaxConnections:        10000,
		MaxConnectionsPerUser: 20,
		ConnectRate:           limit.Rate{PerSecond: 20, Burst: 100},
		EventRate:             limit.Rate{PerSecond: 20, Burst: 100},
		APIRate:               limit.Rate{PerSecond: 20, Burst: 100},
		WebhookRate:           limit.Rate{PerSecond: 200, Burst: 1000},
		WebhookRejectRate:     limit.Rate{PerSecond: 1, Burst: 20},
	}
	DefaultTimeouts = Timeouts{
		PingInterval: 25 * time.Second, PingTimeout: 20 * time.Second,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 60 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
	}
)

// DefaultAdminAddr is the admin listener's address unless KIN_ADMIN_ADDR
// says otherwise: loopback, where only the machine's own scraper reads it.
const DefaultAdminAddr = "127.0.0.1:9464"

// The log formats of LogFormat.
const (
	LogText = "text"
	LogJSON = "json"
)

// DemoNumbers are the Twilio numbers of demo mode.
var DemoNumbers = map[string]string{"+15550001111": "sales", "+15550002222": "support"}

// Load parses args (the flags after the subcommand) over the environment
// given by getenv.
func Load(args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	port := getenv("PORT")
	if port == "" {
		port = "3000"
	}
	fs.StringVar(&c.Addr, "addr", "", "listen address host:port (default :$PORT, PORT default 3000)")
	fs.StringVar(&c.TLSCert, "tls-cert", getenv("KIN_TLS_CERT"), "serve HTTPS with this PEM certificate (chain) file; SIGHUP reloads it (KIN_TLS_CERT)")
	fs.StringVar(&c.TLSKey, "tls-key", getenv("KIN_TLS_KEY"), "the PEM private key file of --tls-cert (KIN_TLS_KEY)")
	fs.BoolVar(&c.Demo, "demo", false, "demo mode: generated secret, demo users, simulated traffic")
	fs.BoolVar(&c.Simulate, "simulate", true, "in demo mode, send simulated Twilio traffic")
	secret := fs.String("secret", firstNonEmpty(getenv("NEXTAUTH_SECRET"), getenv("AUTH_SECRET")), "NextAuth secret (NEXTAUTH_SECRET or AUTH_SECRET)")
	origins := fs.String("cors-origin", getenv("SOCKET_IO_CORS_ORIGIN"), "allowed browser origins, comma-separated (SOCKET_IO_CORS_ORIGIN)")
	fs.StringVar(&c.DatabaseURL, "database-url", firstNonEmpty(getenv("DATABASE_URL"), DefaultDatabaseURL), "sqlite:PATH or postgres://… (DATABASE_URL)")
	fs.StringVar(&c.AdminAddr, "admin-addr", firstNonEmpty(getenv("KIN_ADMIN_ADDR"), DefaultAdminAddr), "the admin listener's host:port (/metrics), or off; keep it on loopback (KIN_ADMIN_ADDR)")
	fs.StringVar(&c.PprofAddr, "pprof-addr", getenv("KIN_PPROF_ADDR"), "serve Go's runtime profiles (/debug/pprof/) on this host:port, apart from the public listener (on the admin listener when it is its address); bind it to loopback (KIN_PPROF_ADDR)")
	logFormat := fs.String("log-format", firstNonEmpty(getenv("KIN_LOG_FORMAT"), LogText), "log records as text (key=value) or json lines (KIN_LOG_FORMAT)")
	logLevel := fs.String("log-level", firstNonEmpty(getenv("KIN_LOG_LEVEL"), "info"), "least severe level logged: debug, info, warn or error (KIN_LOG_LEVEL)")
	fs.StringVar(&c.RedisURL, "redis-url", getenv("REDIS_URL"), "Redis URL for the cluster adapter (REDIS_URL)")
	fs.StringVar(&c.Cluster, "cluster", getenv("KIN_CLUSTER"), "what links the nodes: none, redis (REDIS_URL) or postgres (DATABASE_URL alone); default redis when REDIS_URL is set, else none (KIN_CLUSTER)")
	fs.StringVar(&c.PostgresPrefix, "postgres-prefix", firstNonEmpty(getenv("KIN_POSTGRES_PREFIX"), "socket.io"), "with KIN_CLUSTER=postgres: prefix of the cluster's NOTIFY channels, the channelPrefix of Node's postgres adapter (KIN_POSTGRES_PREFIX)")
	fs.StringVar(&c.RedisPrefix, "redis-prefix", firstNonEmpty(getenv("KIN_REDIS_PREFIX"), "socket.io"), "prefix of the cluster's Redis channels and keys; the key of Node's redis adapter and emitter (KIN_REDIS_PREFIX)")
	fs.StringVar(&c.RedisMode, "redis-mode", firstNonEmpty(getenv("KIN_REDIS_MODE"), RedisSingle), "single (classic pub/sub) or cluster (a Redis Cluster: sharded pub/sub; REDIS_URL as redis://h1:p1?addr=h2:p2) (KIN_REDIS_MODE)")
	fs.StringVar(&c.RedisSubscriptionMode, "redis-subscription-mode", firstNonEmpty(getenv("KIN_REDIS_SUBSCRIPTION_MODE"), "dynamic"), "in cluster mode, the sharded adapter's subscriptionMode: dynamic, dynamic-private or static, as the Node.js nodes have it (KIN_REDIS_SUBSCRIPTION_MODE)")
	presenceInterval := fs.String("presence-interval", firstNonEmpty(getenv("KIN_PRESENCE_INTERVAL"), "250ms"), "at most one presence event per department per interval, batching the changes; 0: each change alone (KIN_PRESENCE_INTERVAL)")
	fs.StringVar(&c.PresenceScope, "presence-scope", firstNonEmpty(getenv("KIN_PRESENCE_SCOPE"), PresenceDepartment), "who gets a user's presence changes: department (its whole department and the admins) or watched (the user's own sockets and those that watch the user with presence:watch) (KIN_PRESENCE_SCOPE)")
	presenceTTL := fs.String("presence-ttl", firstNonEmpty(getenv("KIN_PRESENCE_TTL"), "30s"), "in a cluster: how long a dead node's connections still count as online (KIN_PRESENCE_TTL)")
	fs.StringVar(&c.InternalAPIKey, "internal-api-key", getenv("KIN_INTERNAL_API_KEY"), "bearer key of the internal publish API (KIN_INTERNAL_API_KEY)")
	fs.StringVar(&c.PublicURL, "public-url", getenv("KIN_PUBLIC_URL"), "public base URL (KIN_PUBLIC_URL)")
	fs.StringVar(&c.TwilioAuthToken, "twilio-auth-token", getenv("TWILIO_AUTH_TOKEN"), "Twilio auth token, for webhook signatures (TWILIO_AUTH_TOKEN)")
	fs.StringVar(&c.TwilioAccountSID, "twilio-account-sid", getenv("TWILIO_ACCOUNT_SID"), "Twilio account, for the REST API (TWILIO_ACCOUNT_SID)")
	fs.StringVar(&c.WorkspaceSID, "taskrouter-workspace-sid", getenv("KIN_TASKROUTER_WORKSPACE_SID"), "TaskRouter workspace (KIN_TASKROUTER_WORKSPACE_SID)")
	fs.StringVar(&c.WorkflowSID, "taskrouter-workflow-sid", getenv("KIN_TASKROUTER_WORKFLOW_SID"), "TaskRouter workflow for inbound calls (KIN_TASKROUTER_WORKFLOW_SID)")
	numbers := fs.String("number-departments", getenv("KIN_NUMBER_DEPARTMENTS"), "our numbers and their departments, +1555…=sales,… (KIN_NUMBER_DEPARTMENTS)")
	serviceLevel := fs.String("service-level-seconds", firstNonEmpty(getenv("KIN_SERVICE_LEVEL_SECONDS"), strconv.Itoa(int(DefaultServiceLevel/time.Second))), "service level threshold of GET /api/stats: calls answered within this many seconds (KIN_SERVICE_LEVEL_SECONDS)")
	timeZone := fs.String("timezone", firstNonEmpty(getenv("KIN_TIMEZONE"), "UTC"), "time zone whose midnight starts the stats' today, an IANA name like Europe/Paris (KIN_TIMEZONE)")
	parseLimits := limitFlags(fs, getenv)
	parseAdminUI := adminUIFlags(fs, getenv)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			var usage strings.Builder
			fs.SetOutput(&usage)
			fs.PrintDefaults()
			return c, fmt.Errorf("usage: kinrt serve [flags]; the environment sets their defaults\n%s", usage.String())
		}
		return c, fmt.Errorf("flags: %w", err)
	}
	if err := parseLimits(&c); err != nil {
		return c, err
	}
	if err := parseAdminUI(&c); err != nil {
		return c, err
	}
	if err := c.parseLog(*logFormat, *logLevel); err != nil {
		return c, err
	}
	ttl, err := time.ParseDuration(*presenceTTL)
	if err != nil || ttl < 300*time.Millisecond {
		return c, fmt.Errorf("KIN_PRESENCE_TTL: %q is not a duration of at least 300ms, like 30s", *presenceTTL)
	}
	c.PresenceTTL = ttl
	interval, err := time.ParseDuration(*presenceInterval)
	if err != nil || interval < 0 || interval > 10*time.Second {
		return c, fmt.Errorf("KIN_PRESENCE_INTERVAL: %q is not a duration from 0 to 10s, like 250ms", *presenceInterval)
	}
	c.PresenceInterval = interval
	if c.PresenceScope != PresenceDepartment && c.PresenceScope != PresenceWatched {
		return c, fmt.Errorf("KIN_PRESENCE_SCOPE: %q is not department or watched", c.PresenceScope)
	}
	if err := c.parseStats(*serviceLevel, *timeZone); err != nil {
		return c, err
	}
	if c.PprofAddr != "" {
		if _, _, err := net.SplitHostPort(c.PprofAddr); err != nil {
			return c, fmt.Errorf("KIN_PPROF_ADDR: %q is not host:port, like 127.0.0.1:6060", c.PprofAddr)
		}
	}
	if strings.EqualFold(c.AdminAddr, "off") {
		c.AdminAddr = ""
	} else if _, _, err := net.SplitHostPort(c.AdminAddr); err != nil {
		return c, fmt.Errorf("KIN_ADMIN_ADDR: %q is not host:port (like %s) nor off", c.AdminAddr, DefaultAdminAddr)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return c, fmt.Errorf("PORT: %q is not a port number", port)
	}
	if c.Addr == "" {
		c.Addr = ":" + port
	} else if _, p, err := net.SplitHostPort(c.Addr); err != nil || p == "" {
		return c, fmt.Errorf("--addr: %q is not host:port", c.Addr)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return c, errors.New("KIN_TLS_CERT and KIN_TLS_KEY: give both, or neither")
	}
	if err := c.loadSecrets(*secret, getenv); err != nil {
		return c, err
	}
	if err := c.loadURLs(*origins); err != nil {
		return c, err
	}
	if c.NumberDepartments, err = parseNumbers(*numbers); err != nil {
		return c, err
	}
	if c.Demo {
		if c.TwilioAuthToken == "" {
			var b [16]byte
			_, _ = rand.Read(b[:])
			c.TwilioAuthToken = hex.EncodeToString(b[:]) // signs the simulated traffic
			c.TwilioTokenGenerated = true
		}
		if len(c.NumberDepartments) == 0 {
			c.NumberDepartments = DemoNumbers
		}
	}
	return c, c.checkDatabase()
}

// DefaultServiceLevel is ServiceLevel's default.
const DefaultServiceLevel = 20 * time.Second

// parseStats checks and stores the service level and the time zone.
func (c *Config) parseStats(seconds, zone string) error {
	n, err := strconv.Atoi(seconds)
	if err != nil || n < 1 || n > 3600 {
		return fmt.Errorf("KIN_SERVICE_LEVEL_SECONDS: %q is not a number of seconds from 1 to 3600, like 20", seconds)
	}
	c.ServiceLevel = time.Duration(n) * time.Second
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" || strings.EqualFold(zone, "local") {
		return fmt.Errorf("KIN_TIMEZONE: %q is not an IANA time zone name, like UTC or Europe/Paris", zone)
	}
	c.TimeZone = loc
	return nil
}

// parseLog checks and stores the log format and level.
func (c *Config) parseLog(format, level string) error {
	switch f := strings.ToLower(strings.TrimSpace(format)); f {
	case LogText, LogJSON:
		c.LogFormat = f
	default:
		return fmt.Errorf("KIN_LOG_FORMAT: %q is neither text nor json", format)
	}
	switch strings.ToLower(strings.TrimSpace(level)) {
	case "debug":
		c.LogLevel = slog.LevelDebug
	case "info":
		c.LogLevel = slog.LevelInfo
	case "warn":
		c.LogLevel = slog.LevelWarn
	case "error":
		c.LogLevel = slog.LevelError
	default:
		return fmt.Errorf("KIN_LOG_LEVEL: %q is not one of debug, info, warn, error", level)
	}
	return nil
}

func (c *Config) loadSecrets(primary string, getenv func(string) string) error {
	if primary == "" {
		if !c.Demo {
			return errors.New("NEXTAUTH_SECRET (or AUTH_SECRET) is required; use --demo to run without one")
		}
		var b [32]byte
		_, _ = rand.Read(b[:])
		primary = hex.EncodeToString(b[:])
		c.SecretGenerated = true
	}
	c.Secrets = []string{primary}
	for i := 1; i <= 3; i++ {
		if s := getenv("AUTH_SECRET_" + strconv.Itoa(i)); s != "" {
			c.Secrets = append(c.Secrets, s)
		}
	}
	return nil
}

func (c *Config) loadURLs(origins string) error {
	if c.PublicURL == "" {
		host, port, _ := net.SplitHostPort(c.Addr)
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
		c.PublicURL = c.Scheme() + "://" + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("KIN_PUBLIC_URL: %q is not an http(s) URL", c.PublicURL)
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if origins == "" {
		c.AllowedOrigins = []string{u.Scheme + "://" + u.Host}
		return nil
	}
	for _, o := range strings.Split(origins, ",") {
		o = strings.TrimRight(strings.TrimSpace(o), "/")
		if o == "" {
			continue
		}
		ou, err := url.Parse(o)
		if err != nil || (ou.Scheme != "http" && ou.Scheme != "https") || ou.Host == "" || ou.Path != "" {
			return fmt.Errorf("SOCKET_IO_CORS_ORIGIN: %q is not an origin like https://app.example.com", o)
		}
		c.AllowedOrigins = append(c.AllowedOrigins, o)
	}
	if len(c.AllowedOrigins) == 0 {
		return errors.New("SOCKET_IO_CORS_ORIGIN: no origin given")
	}
	return nil
}

// Scheme is the public listener's: "https" with a certificate, else
// "http".
func (c *Config) Scheme() string {
	if c.TLSCert != "" {
		return "https"
	}
	return "http"
}

func (c *Config) checkDatabase() error {
	switch {
	case strings.HasPrefix(c.DatabaseURL, "sqlite:"):
		if strings.TrimPrefix(c.DatabaseURL, "sqlite:") == "" {
			return errors.New("DATABASE_URL: sqlite: needs a path, like sqlite:./data/kin.db")
		}
	case strings.HasPrefix(c.DatabaseURL, "postgres://"), strings.HasPrefix(c.DatabaseURL, "postgresql://"):
		if _, err := url.Parse(c.DatabaseURL); err != nil {
			return errors.New("DATABASE_URL: not a valid postgres:// URL")
		}
	default:
		return errors.New("DATABASE_URL: must start with sqlite: or postgres://")
	}
	if c.RedisURL != "" {
		u, err := url.Parse(c.RedisURL)
		if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
			return errors.New("REDIS_URL: must be a redis:// or rediss:// URL")
		}
	}
	switch c.RedisMode {
	case RedisSingle, RedisCluster:
	default:
		return fmt.Errorf("KIN_REDIS_MODE: %q is neither %s nor %s", c.RedisMode, RedisSingle, RedisCluster)
	}
	if c.RedisMode == RedisCluster && c.RedisURL == "" {
		return errors.New("KIN_REDIS_MODE=cluster needs REDIS_URL (redis://h1:p1?addr=h2:p2&addr=h3:p3)")
	}
	switch c.RedisSubscriptionMode {
	case "dynamic", "dynamic-private", "static":
	default:
		return fmt.Errorf("KIN_REDIS_SUBSCRIPTION_MODE: %q is not dynamic, dynamic-private or static", c.RedisSubscriptionMode)
	}
	return c.CheckCluster()
}

// The values of Cluster.
const (
	ClusterNone     = "none"
	ClusterRedis    = "redis"
	ClusterPostgres = "postgres"
)

// ClusterKind is what links the nodes: Cluster, or by default ClusterRedis
// when RedisURL is set, else ClusterNone.
func (c Config) ClusterKind() string {
	switch {
	case c.Cluster != "":
		return strings.ToLower(c.Cluster)
	case c.RedisURL != "":
		return ClusterRedis
	}
	return ClusterNone
}

// CheckCluster refuses a cluster that cannot run on what is configured:
// redis without REDIS_URL, postgres on SQLite or with REDIS_URL too (one
// link, not two), none with REDIS_URL.
func (c Config) CheckCluster() error {
	switch c.ClusterKind() {
	case ClusterNone:
		if c.RedisURL != "" {
			return errors.New("KIN_CLUSTER=none but REDIS_URL is set: unset REDIS_URL for a single node, or set KIN_CLUSTER=redis")
		}
	case ClusterRedis:
		if c.RedisURL == "" {
			return errors.New("KIN_CLUSTER=redis needs REDIS_URL")
		}
	case ClusterPostgres:
		if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
			return errors.New("KIN_CLUSTER=postgres needs a postgres:// DATABASE_URL: the nodes link through their shared database (sqlite: is one node's file)")
		}
		if c.RedisURL != "" {
			return errors.New("KIN_CLUSTER=postgres and REDIS_URL both set: a cluster links through one of them; unset REDIS_URL, or set KIN_CLUSTER=redis")
		}
		if c.PostgresPrefix == "" {
			return errors.New("KIN_POSTGRES_PREFIX: must not be empty (default socket.io)")
		}
	default:
		return fmt.Errorf("KIN_CLUSTER: %q is not none, redis or postgres", c.Cluster)
	}
	return nil
}

// The values of RedisMode.
const (
	RedisSingle  = "single"
	RedisCluster = "cluster"
)

// The values of PresenceScope.
const (
	PresenceDepartment = "department"
	PresenceWatched    = "watched"
)

// parseNumbers parses "+15550001111=sales,+15550002222=support".
func parseNumbers(s string) (map[string]string, error) {
	m := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		num, dept, ok := strings.Cut(pair, "=")
		num, dept = strings.TrimSpace(num), strings.TrimSpace(dept)
		if !ok || num == "" || dept == "" {
			return nil, fmt.Errorf("KIN_NUMBER_DEPARTMENTS: %q is not NUMBER=department", pair)
		}
		m[num] = dept
	}
	return m, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s != "" {
			return s
		}
	}
	return ""
}

// Redacted returns the configuration for logs: secrets and keys hidden,
// database credentials removed.
func (c Config) Redacted() map[string]any {
	db := c.DatabaseURL
	if u, err := url.Parse(db); err == nil && u.User != nil {
		u.User = url.User("redacted")
		db = u.String()
	}
	redis := c.RedisURL
	if u, err := url.Parse(redis); err == nil && u.User != nil {
		u.User = url.User("redacted")
		redis = u.String()
	}
	return map[string]any{
		"addr": c.Addr, "tls": c.TLSCert != "", "adminAddr": c.AdminAddr, "pprofAddr": c.PprofAddr, "demo": c.Demo, "logFormat": c.LogFormat, "logLevel": c.LogLevel.String(), "publicURL": c.PublicURL, "allowedOrigins": c.AllowedOrigins,
		"database": db, "redis": redis, "redisMode": c.RedisMode, "serviceLevel": c.ServiceLevel.String(), "timeZone": c.TimeZone.String(), "internalAPI": c.InternalAPIKey != "", "secrets": len(c.Secrets),
		"twilioWebhooks": c.TwilioAuthToken != "", "taskRouterWorkflow": c.WorkflowSID,
		"adminUI": c.AdminUI.Enabled, "adminUIAuth": c.AdminUI.Enabled && !c.AdminUI.NoAuth,
		"limits": map[string]any{
			"maxConnections": c.MaxConnections, "maxConnectionsPerUser": c.MaxConnectionsPerUser,
			"connectRate": c.ConnectRate.String(), "eventRate": c.EventRate.String(), "apiRate": c.APIRate.String(),
			"webhookRate": c.WebhookRate.String(), "webhookRejectRate": c.WebhookRejectRate.String(),
			"trustedProxies": c.TrustedProxies.Len(),
		},
	}
}
