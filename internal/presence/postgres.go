package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kin-comms/kinrt/internal/auth"
)

// PostgresOptions configures a tracker on PostgreSQL.
type PostgresOptions struct {
	// TTL is how long a node's connections count without the node renewing
	// its lease: a node that dies without saying goodbye takes its users
	// offline within TTL (plus one sweep). Default 30s; the node renews
	// and sweeps every TTL/3.
	TTL time.Duration
	// Grace is how long a user whose last connection closed still counts
	// as present (a reload does not flicker to offline).
	Grace time.Duration
	// Logger receives PostgreSQL failures. Default: slog.Default().
	Logger *slog.Logger
}

// postgresSchema is the presence's tables, created by PreparePostgres in
// the schema of the connection's search_path. They are UNLOGGED: presence
// is rebuilt by the nodes (each writes its connections again when its
// lease was lost), so it needs no WAL, and after a crash or a failover to a
// replica, which leaves the tables empty, the nodes fill them again within
// KIN_PRESENCE_TTL/3.
// A user's versions start from the time of the row's creation in
// milliseconds (even, so that online and offline keep their parity in the
// tests): after the tables were emptied they are still higher than those
// the clients hold.
const postgresSchema = `
CREATE UNLOGGED TABLE IF NOT EXISTS kin_presence_nodes (
	node TEXT PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE UNLOGGED TABLE IF NOT EXISTS kin_presence_users (
	user_id TEXT PRIMARY KEY,
	name TEXT NOT NULL DEFAULT '',
	role TEXT NOT NULL DEFAULT '',
	department TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'offline',
	chosen TEXT NOT NULL DEFAULT 'online',
	last_seen TIMESTAMPTZ NOT NULL,
	version BIGINT NOT NULL DEFAULT floor(extract(epoch FROM clock_timestamp()) * 500)::bigint * 2
);
CREATE UNLOGGED TABLE IF NOT EXISTS kin_presence_conns (
	member TEXT PRIMARY KEY,
	user_id TEXT NOT NULL,
	node TEXT NOT NULL REFERENCES kin_presence_nodes (node) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS kin_presence_conns_user ON kin_presence_conns (user_id);
CREATE INDEX IF NOT EXISTS kin_presence_conns_node ON kin_presence_conns (node);
`

// schemaLockID is the advisory lock held while creating the tables: nodes
// starting at once would otherwise race on CREATE TABLE IF NOT EXISTS.
const schemaLockID = 0x4b494e5052 // "KINPR"

// PreparePostgres creates the presence's tables if they do not exist (in
// the first schema of the search_path, that of the store). It is
// idempotent and safe for nodes starting at once; call it before
// NewPostgresTracker.
func PreparePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLockID)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, postgresSchema)
		return err
	})
	if err != nil {
		return fmt.Errorf("presence: create its tables: %w", err)
	}
	return nil
}

// NewPostgresTracker returns a tracker on the PostgreSQL of pool (whose
// tables PreparePostgres created) that publishes through pub, and starts
// its renewal loop; Close stops it. Each node holds a lease (a row of
// kin_presence_nodes with an expiry, renewed every TTL/3); a connection
// (a row of kin_presence_conns) counts while its node's lease is live.
// Each change of a user is decided in one transaction that first locks
// the user's row, so the nodes' decisions about one user are serialized
// and exactly one publishes each change.
func NewPostgresTracker(pool *pgxpool.Pool, pub Publisher, opts PostgresOptions) *ClusterTracker {
	if opts.TTL <= 0 {
		opts.TTL = 30 * time.Second
	}
	return newClusterTracker(&postgresStore{pool: pool, ttl: opts.TTL}, pub, opts.TTL, opts.Grace, opts.Logger)
}

// postgresStore keeps presence in PostgreSQL. Its operations are pgx
// batches: one round trip, one implicit transaction, in which each
// statement (READ COMMITTED) sees what committed before it started, so a
// statement after the one that locks the user's row sees every change of
// that user committed before.
type postgresStore struct {
	pool *pgxpool.Pool
	ttl  time.Duration
}

// pgLive is true for a live connection c: its node's lease is not over
// (the database's clock decides, so the nodes' clocks need not agree).
const pgLive = `EXISTS (SELECT 1 FROM kin_presence_conns c JOIN kin_presence_nodes n ON n.node = c.node
	WHERE c.user_id = u.user_id AND n.expires_at > clock_timestamp())`

// pgSettle gives user $1 the status due (the chosen one with a live
// connection, else offline), counting a version when it changes; it
// answers the entry and whether it changed. Run it after locking the row.
const pgSettle = `WITH upd AS (
	UPDATE kin_presence_users u
	SET status = CASE WHEN ` + pgLive + ` THEN u.chosen ELSE 'offline' END, version = u.version + 1
	WHERE u.user_id = $1 AND u.status <> CASE WHEN ` + pgLive + ` THEN u.chosen ELSE 'offline' END
	RETURNING u.name, u.role, u.department, u.status, u.last_seen, u.version
)
SELECT true, name, role, department, status, last_seen, version FROM upd
UNION ALL
SELECT false, name, role, department, status, last_seen, version FROM kin_presence_users
WHERE user_id = $1 AND NOT EXISTS (SELECT 1 FROM upd)`

// settle sends b, whose last statement is pgSettle of userID, and reads
// the outcome.
func (s *postgresStore) settle(ctx context.Context, b *pgx.Batch, userID string) (o outcome, err error) {
	br := s.pool.SendBatch(ctx, b)
	defer func() { err = errors.Join(err, br.Close()) }()
	for i := 0; i < b.Len()-1; i++ {
		if _, err := br.Exec(); err != nil {
			return outcome{}, err
		}
	}
	var seen time.Time
	err = br.QueryRow().Scan(&o.changed, &o.entry.Name, &o.entry.Role, &o.entry.Department, &o.entry.Status, &seen, &o.entry.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return outcome{}, nil
	}
	if err != nil {
		return outcome{}, err
	}
	o.entry.UserID, o.entry.LastSeenAt = userID, seen.UTC()
	return o, nil
}

func (s *postgresStore) connect(ctx context.Context, node string, c localConn, now time.Time, touch bool) (outcome, error) {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO kin_presence_users (user_id, name, role, department, last_seen) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, role = excluded.role, department = excluded.department,
		last_seen = CASE WHEN $6::boolean THEN excluded.last_seen ELSE kin_presence_users.last_seen END`,
		c.p.UserID, c.p.Name, c.p.Role, c.p.Department, now, touch)
	b.Queue(`INSERT INTO kin_presence_conns (member, user_id, node) VALUES ($1, $2, $3) ON CONFLICT (member) DO NOTHING`,
		c.member, c.p.UserID, node)
	b.Queue(pgSettle, c.p.UserID)
	return s.settle(ctx, b, c.p.UserID)
}

func (s *postgresStore) disconnect(ctx context.Context, userID, member string, now time.Time) error {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM kin_presence_conns WHERE member = $1`, member)
	b.Queue(`UPDATE kin_presence_users SET last_seen = $2 WHERE user_id = $1`, userID, now)
	return s.pool.SendBatch(ctx, b).Close()
}

func (s *postgresStore) check(ctx context.Context, userID string, _ time.Time) (outcome, error) {
	b := &pgx.Batch{}
	b.Queue(`SELECT 1 FROM kin_presence_users WHERE user_id = $1 FOR UPDATE`, userID)
	b.Queue(pgSettle, userID)
	return s.settle(ctx, b, userID)
}

func (s *postgresStore) setStatus(ctx context.Context, p auth.Principal, status string, now time.Time) (outcome, error) {
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO kin_presence_users (user_id, name, role, department, last_seen, chosen) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET chosen = excluded.chosen`,
		p.UserID, p.Name, p.Role, p.Department, now, status)
	b.Queue(pgSettle, p.UserID)
	return s.settle(ctx, b, p.UserID)
}

func (s *postgresStore) list(ctx context.Context) ([]Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT user_id, name, role, department, status, last_seen, version FROM kin_presence_users`)
	if err != nil {
		return nil, err
	}
	return collectEntries(rows)
}

func (s *postgresStore) lookup(ctx context.Context, ids []string) ([]Entry, error) {
	rows, err := s.pool.Query(ctx, `SELECT user_id, name, role, department, status, last_seen, version FROM kin_presence_users
		WHERE user_id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	return collectEntries(rows)
}

func collectEntries(rows pgx.Rows) ([]Entry, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.UserID, &e.Name, &e.Role, &e.Department, &e.Status, &e.LastSeenAt, &e.Version)
		e.LastSeenAt = e.LastSeenAt.UTC()
		return e, err
	})
}

// renew extends the node's lease by TTL. Its connections are lost when
// the lease was over (the other nodes may have taken its users offline,
// and deleted its connections once it was over for another TTL) or did
// not exist.
func (s *postgresStore) renew(ctx context.Context, node string, _ time.Time) (lost bool, err error) {
	var live bool
	err = s.pool.QueryRow(ctx, `WITH old AS (SELECT expires_at > clock_timestamp() AS live FROM kin_presence_nodes WHERE node = $1)
		INSERT INTO kin_presence_nodes (node, expires_at) VALUES ($1, clock_timestamp() + $2::bigint * interval '1 millisecond')
		ON CONFLICT (node) DO UPDATE SET expires_at = excluded.expires_at
		RETURNING coalesce((SELECT live FROM old), false)`, node, s.ttl.Milliseconds()).Scan(&live)
	return !live, err
}

// candidates deletes the nodes whose lease has been over for another TTL
// (their connections with them), and returns the users whose status is
// not the one due: those the dead nodes' connections held.
func (s *postgresStore) candidates(ctx context.Context, _ time.Time) (users []string, err error) {
	b := &pgx.Batch{}
	b.Queue(`DELETE FROM kin_presence_nodes WHERE expires_at < clock_timestamp() - $1::bigint * interval '1 millisecond'`, s.ttl.Milliseconds())
	b.Queue(`SELECT u.user_id FROM kin_presence_users u
		WHERE u.status <> CASE WHEN ` + pgLive + ` THEN u.chosen ELSE 'offline' END`)
	br := s.pool.SendBatch(ctx, b)
	defer func() { err = errors.Join(err, br.Close()) }()
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// remove deletes the node's lease, and its connections with it.
func (s *postgresStore) remove(ctx context.Context, node string, _ map[string][]localConn) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM kin_presence_nodes WHERE node = $1`, node)
	return err
}
