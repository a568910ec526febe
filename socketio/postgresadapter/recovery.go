package postgresadapter

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// Connection state recovery across nodes (doc.go, "Connection state
// recovery"): the broadcasts of every namespace in a log table whose ids
// are the offsets, the sessions in a table, and the nodes alive in a
// third, all beside the attachment table: "<TableName>_log",
// "<TableName>_sessions" and "<TableName>_nodes".

// offsetWidth is the width of an offset: the log's id, zero-padded, so
// that it takes the place of a marker of the same length in an encoded
// message (a MessagePack string keeps its length prefix).
const offsetWidth = 20

// Heartbeats of a node with recovery on: every heartbeat it says it is
// alive for liveTTL; a restore of a session kept live by another node
// waits at most liveWait for that node to stop saying so.
const (
	heartbeat = 500 * time.Millisecond
	liveTTL   = 3 * heartbeat
	liveWait  = liveTTL + heartbeat
	// pruneEvery is the time between two prunings of the log and the
	// sessions by every node.
	pruneEvery = 5 * time.Second
)

// recTables are the tables of recovery.
type recTables struct{ log, sessions, nodes string }

func recoveryTables(table string) recTables {
	return recTables{log: table + "_log", sessions: table + "_sessions", nodes: table + "_nodes"}
}

// ensureRecoveryTables creates the tables of recovery unless they exist.
func ensureRecoveryTables(ctx context.Context, pool *pgxpool.Pool, t recTables) error {
	ddl := []struct{ name, sql string }{
		{t.log, `CREATE TABLE IF NOT EXISTS ` + t.log + ` (
			id bigserial PRIMARY KEY,
			channel text NOT NULL, -- "<Channel>#<namespace>": clusters of other prefixes share the table apart
			created_at timestamptz NOT NULL DEFAULT now(),
			data text NOT NULL,
			attachments bytea[],
			rooms jsonb NOT NULL,
			excepts jsonb NOT NULL,
			size bigint NOT NULL
		)`},
		{t.sessions, `CREATE TABLE IF NOT EXISTS ` + t.sessions + ` (
			channel text NOT NULL,
			pid text NOT NULL,
			sid text NOT NULL,
			rooms jsonb NOT NULL,
			data jsonb,
			live text,
			expires_at timestamptz NOT NULL,
			PRIMARY KEY (channel, pid)
		)`},
		{t.nodes, `CREATE TABLE IF NOT EXISTS ` + t.nodes + ` (
			uid text PRIMARY KEY,
			alive_until timestamptz NOT NULL
		)`},
	}
	for _, d := range ddl {
		if err := ensure(ctx, pool, d.name, d.sql); err != nil {
			return fmt.Errorf("postgresadapter: create table %s: %w", d.name, err)
		}
	}
	return nil
}

// nodeRecovery is the node's part of recovery: its heartbeat, the renewal
// of its sockets' sessions and the pruning, on one goroutine.
type nodeRecovery struct {
	t      recTables
	maxAge time.Duration
	dead   bool // tests: the node stopped as if killed
}

// startRecovery creates the tables and starts the heartbeat, once per
// node; every namespace shares them.
func (n *Node) startRecovery(opts *socketio.RecoveryOptions) (*nodeRecovery, error) {
	n.recMu.Lock()
	defer n.recMu.Unlock()
	if n.rec != nil {
		return n.rec, nil
	}
	t := recoveryTables(n.opts.TableName)
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.RequestsTimeout)
	defer cancel()
	if err := ensureRecoveryTables(ctx, n.pool, t); err != nil {
		return nil, err
	}
	maxAge := opts.MaxDisconnectionDuration
	if maxAge <= 0 {
		maxAge = 2 * time.Minute
	}
	n.rec = &nodeRecovery{t: t, maxAge: maxAge}
	n.beat()
	n.wg.Add(1)
	go n.recoveryLoop()
	return n.rec, nil
}

func (n *Node) exec(what, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.RequestsTimeout)
	defer cancel()
	_, err := n.pool.Exec(ctx, sql, args...)
	if err != nil && n.ctx.Err() == nil {
		n.opts.Logger.Warn("postgresadapter: "+what, "uid", n.uid, "err", err)
	}
	return err
}

// beat says the node is alive for liveTTL.
func (n *Node) beat() {
	_ = n.exec("heartbeat", `INSERT INTO `+n.rec.t.nodes+` (uid, alive_until) VALUES ($1, now() + make_interval(secs => $2))
		ON CONFLICT (uid) DO UPDATE SET alive_until = EXCLUDED.alive_until`, n.uid, liveTTL.Seconds())
}

// recoveryLoop beats every heartbeat, extends the sessions of this
// node's sockets every third of MaxDisconnectionDuration, and prunes
// every pruneEvery, until the node closes; then it says the node is gone.
func (n *Node) recoveryLoop() {
	defer n.wg.Done()
	r := n.rec
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	lastRenew, lastPrune := time.Now(), time.Time{}
	for {
		select {
		case <-n.ctx.Done():
			if !n.isDead() {
				ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
				_, _ = n.pool.Exec(ctx, `DELETE FROM `+r.t.nodes+` WHERE uid = $1`, n.uid)
				cancel()
			}
			return
		case <-tick.C:
		}
		if n.isDead() {
			continue
		}
		n.beat()
		if time.Since(lastRenew) >= r.maxAge/3 {
			lastRenew = time.Now()
			_ = n.exec("renew sessions", `UPDATE `+r.t.sessions+` SET expires_at = now() + make_interval(secs => $2) WHERE live = $1`,
				n.uid, r.maxAge.Seconds())
		}
		if time.Since(lastPrune) >= pruneEvery {
			lastPrune = time.Now()
			n.pruneRecovery()
		}
	}
}

// pruneRecovery deletes the broadcasts older than MaxDisconnectionDuration,
// then, per namespace of this node, the oldest while the log is over
// MaxLogBytes; and the expired sessions.
func (n *Node) pruneRecovery() {
	r := n.rec
	_ = n.exec("prune log", `DELETE FROM `+r.t.log+` WHERE created_at < now() - make_interval(secs => $1)`, r.maxAge.Seconds())
	_ = n.exec("prune sessions", `DELETE FROM `+r.t.sessions+` WHERE expires_at < now()`)
	_ = n.exec("prune nodes", `DELETE FROM `+r.t.nodes+` WHERE alive_until < now() - interval '1 hour'`)
	n.mu.Lock()
	var list []*Adapter
	for _, a := range n.adapters {
		if a.rec != nil && a.rec.maxBytes > 0 {
			list = append(list, a)
		}
	}
	n.mu.Unlock()
	for _, a := range list {
		_ = n.exec("prune log by size", `DELETE FROM `+r.t.log+` WHERE channel = $1 AND id <= (
			SELECT id FROM (SELECT id, sum(size) OVER (ORDER BY id DESC) AS total FROM `+r.t.log+` WHERE channel = $1) t
			WHERE total > $2 ORDER BY id DESC LIMIT 1)`, a.channel, a.rec.maxBytes)
	}
}

func (n *Node) isDead() bool {
	n.recMu.Lock()
	defer n.recMu.Unlock()
	return n.rec != nil && n.rec.dead
}

// recovery is the recovery state of one namespace's adapter.
type recovery struct {
	node     *nodeRecovery
	maxBytes int64 // 0: no cap
	echoes   *cluster.OwnEchoes
	joinMu   sync.RWMutex // read: delivering a logged packet; write: Rejoin
	skips    cluster.Skips
	closed   atomic.Bool // the adapter closed: nothing waits for echoes
	here     hereSessions
	// restoreWaits, in tests, is called when a restore waits for a
	// session live on this node to be released.
	restoreWaits func(pid string)
}

// hereSessions are the sessions marked live on this node whose socket has
// not ended yet: kept (KeepSession) until the write that ends them
// (PersistSession, DropSession) has reached PostgreSQL. A client can come
// back to this node before that write does (its new connection noticed
// before the old one's close, or the write queued behind others): its
// restore waits for the release instead of taking the row for a
// connected socket's.
type hereSessions struct {
	mu sync.Mutex
	m  map[string]chan struct{} // by pid: closed when released
}

// keep marks pid live here.
func (h *hereSessions) keep(pid string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.m == nil {
		h.m = make(map[string]chan struct{})
	}
	if h.m[pid] == nil {
		h.m[pid] = make(chan struct{})
	}
}

// release says pid's session is no longer live here: its last write is in
// PostgreSQL.
func (h *hereSessions) release(pid string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if c := h.m[pid]; c != nil {
		close(c)
		delete(h.m, pid)
	}
}

// released returns the channel closed when pid's session is released, nil
// when it is not live here.
func (h *hereSessions) released(pid string) <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.m[pid]
}

// withOffset returns p with offset appended to its arguments.
func withOffset(p *parser.Packet, offset string) *parser.Packet {
	q := *p
	data := make([]byte, 0, len(p.Data)+len(offset)+4)
	data = append(data, p.Data[:len(p.Data)-1]...)
	if len(p.Data) > 2 {
		data = append(data, ',')
	}
	data = strconv.AppendQuote(data, offset)
	q.Data = append(data, ']')
	return &q
}

// loggedOffset returns the offset a logged broadcast carries as its last
// argument, or "" when its last argument is not one.
func loggedOffset(p *parser.Packet) string {
	d := p.Data
	n := len(d)
	if n < offsetWidth+3 || d[n-1] != ']' || d[n-2] != '"' || d[n-3-offsetWidth] != '"' {
		return ""
	}
	s := d[n-2-offsetWidth : n-2]
	for _, c := range s {
		if c < '0' || c > '9' {
			return ""
		}
	}
	return string(s)
}

// formatOffset is the offset of log id.
func formatOffset(id int64) string { return fmt.Sprintf("%0*d", offsetWidth, id) }

// parseOffset reads an offset, false when it is not one.
func parseOffset(s string) (int64, bool) {
	if len(s) != offsetWidth {
		return 0, false
	}
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

// newMarker returns a string of offsetWidth bytes to stand for the offset
// in an encoded message until the log gives it.
func newMarker() string {
	var b [(offsetWidth - 4) / 2]byte
	_, _ = rand.Read(b[:])
	return "~pg~" + hex.EncodeToString(b[:])
}

// logged is a broadcast to log: its row, and how its message takes the
// offset.
type logged struct {
	a      *Adapter
	lock   int64  // the namespace's advisory lock
	marker string // where the offset goes in the publication's payload
	pos    int    // the marker's place in an attachment (1-based)
	data   string
	attach [][]byte
	rooms  []byte
	except []byte
	size   int64
	packet *parser.Packet
	opts   socketio.BroadcastOptions
	offset string // set once its transaction committed
}

func lockKey(channel string) int64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte("socket.io-recovery\x00" + channel))
	return int64(h.Sum64())
}

// logBroadcast queues p to be logged and sent with its offset: this node
// delivers it when its notification comes back. It reports false when it
// could not be queued.
func (a *Adapter) logBroadcast(p *parser.Packet, opts *socketio.BroadcastOptions) bool {
	n := a.node
	marker := newMarker()
	m := &cluster.Message{Type: cluster.Broadcast, UID: n.uid, Nsp: a.Namespace().Name(),
		Packet: withOffset(p, marker), Opts: cluster.OptsOf(opts, 0)}
	rooms, _ := json.Marshal(nonNil(opts.Rooms))
	except, _ := json.Marshal(nonNil(opts.Except))
	l := &logged{a: a, lock: lockKey(a.channel), marker: marker, data: string(p.Data), attach: p.Attachments,
		rooms: rooms, except: except, packet: p, opts: *opts}
	l.size = int64(len(p.Data) + len(rooms) + len(except))
	for _, b := range p.Attachments {
		l.size += int64(len(b))
	}
	pub, err := n.encode(a.channel, m)
	if err == nil {
		i := bytes.Index(pub.payload, []byte(marker))
		if i < 0 || bytes.Count(pub.payload, []byte(marker)) != 1 {
			err = errors.New("offset marker not found once")
		}
		l.pos = i + 1
	}
	if err != nil {
		n.opts.Logger.Warn("postgresadapter: encode logged broadcast", "channel", a.channel, "err", err)
		return false
	}
	pub.log = l
	return n.enqueue(pub)
}

// settle is called by the publisher once l's transaction ended: with its
// offset, it waits for its echo; without, it is delivered here at once,
// without offset (the message did not go out).
func (l *logged) settle() {
	a := l.a
	if a.rec.closed.Load() {
		return
	}
	if l.offset == "" {
		a.Local().Deliver(l.packet, &l.opts)
		return
	}
	a.rec.echoes.Await(l.offset, withOffset(l.packet, l.offset), &l.opts, func(o *cluster.OwnBroadcast) {
		a.node.opts.Logger.Warn("postgresadapter: own broadcast did not come back; delivered here anyway", "channel", a.channel, "offset", l.offset)
		a.deliverLogged(o.Packet, &o.Opts, l.offset)
	})
}

// onLogged delivers a broadcast of another node, or this node's own back
// from PostgreSQL, with its offset; one without offset (a Node.js node's,
// an emitter's, or sent while the log was unreachable) is delivered as it
// is, and cannot be recovered.
func (a *Adapter) onLogged(m *cluster.Message, own bool) {
	offset := loggedOffset(m.Packet)
	if own {
		if offset == "" {
			return // not a logged one: delivered when sent
		}
		if o, deliver := a.rec.echoes.Claim(offset); deliver {
			if o == nil {
				o = m.Opts.BroadcastOptions()
			}
			a.deliverLogged(m.Packet, o, offset)
		}
		return
	}
	a.OnMessage(&cluster.Message{Type: cluster.Heartbeat, UID: m.UID, Nsp: m.Nsp}) // heard from
	opts := m.Opts.BroadcastOptions()
	if offset == "" {
		a.Local().Deliver(m.Packet, opts)
		return
	}
	a.deliverLogged(m.Packet, opts, offset)
}

// deliverLogged delivers a logged packet to this node's sockets, leaving
// out those that got it while they recovered.
func (a *Adapter) deliverLogged(p *parser.Packet, opts *socketio.BroadcastOptions, offset string) {
	s := a.rec
	s.joinMu.RLock()
	if ids := s.skips.Take(offset); len(ids) > 0 {
		o := *opts
		o.Except = append(append([]string(nil), opts.Except...), ids...)
		opts = &o
	}
	send := a.Local().DeliverLater(p, opts)
	s.joinMu.RUnlock()
	send()
}

// storedSession is a session's row.
type storedSession struct {
	sid   string
	rooms []string
	data  []byte
}

// PersistSession stores the session of a disconnected socket for
// MaxDisconnectionDuration, for any node to restore; with recovery off,
// it keeps it on this node only. Data must be JSON-encodable (else the
// session is kept without it).
func (a *Adapter) PersistSession(s *socketio.Session) {
	if a.rec == nil {
		a.Adapter.PersistSession(s)
		return
	}
	a.writeSession(s, "")
	a.rec.here.release(s.PID)
}

// KeepSession stores the session of a connected socket, marked live on
// this node (socketio.SessionKeeper): a client whose node dies recovers
// on another one.
func (a *Adapter) KeepSession(s *socketio.Session) {
	if a.rec != nil {
		a.rec.here.keep(s.PID)
		a.writeSession(s, a.node.uid)
	}
}

// DropSession deletes the session of a socket that ended for good.
func (a *Adapter) DropSession(pid string) {
	if a.rec == nil {
		return
	}
	if !a.node.isDead() {
		_ = a.node.exec("drop session", `DELETE FROM `+a.rec.node.t.sessions+` WHERE channel = $1 AND pid = $2`, a.channel, pid)
	}
	a.rec.here.release(pid)
}

func (a *Adapter) writeSession(s *socketio.Session, live string) {
	if a.node.isDead() {
		return
	}
	var data []byte
	if s.Data != nil {
		b, err := json.Marshal(s.Data)
		if err != nil {
			a.node.opts.Logger.Warn("postgresadapter: session data is not JSON; kept without it", "channel", a.channel, "err", err)
		} else {
			data = b
		}
	}
	rooms, _ := json.Marshal(nonNil(s.Rooms))
	var liveArg any
	if live != "" {
		liveArg = live
	}
	_ = a.node.exec("store session", `INSERT INTO `+a.rec.node.t.sessions+` (channel, pid, sid, rooms, data, live, expires_at)
		VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6, now() + make_interval(secs => $7))
		ON CONFLICT (channel, pid) DO UPDATE SET sid = EXCLUDED.sid, rooms = EXCLUDED.rooms, data = EXCLUDED.data,
			live = EXCLUDED.live, expires_at = EXCLUDED.expires_at`,
		a.channel, s.PID, s.SID, string(rooms), nullText(data), liveArg, a.rec.node.maxAge.Seconds())
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// RestoreSession takes the session of pid out of the table when the log
// still holds offset; the missed packets come with Rejoin. A session kept
// live by another node is taken once that node stopped beating (it died),
// or wrote it again as disconnected, after at most liveWait. One live here
// is taken once its socket's disconnection has written it (at most
// liveWait), and at once when no socket of this node keeps it any more;
// while its socket is connected here, it is not.
func (a *Adapter) RestoreSession(pid, offset string) (*socketio.Session, error) {
	if a.rec == nil {
		return a.Adapter.RestoreSession(pid, offset)
	}
	id, ok := parseOffset(offset)
	if pid == "" || !ok {
		return nil, nil
	}
	n, t, key := a.node, a.rec.node.t, a.channel // the rows' key: the channel, which names the namespace
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.RequestsTimeout+liveWait)
	defer cancel()
	var there bool
	if err := n.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+t.log+` WHERE id = $1 AND channel = $2
		AND created_at >= now() - make_interval(secs => $3))`, id, key, a.rec.node.maxAge.Seconds()).Scan(&there); err != nil {
		return nil, err
	}
	if !there {
		return nil, nil
	}
	deadline := time.Now().Add(liveWait)
	var tick *time.Ticker
	retried := false
	for {
		var st storedSession
		var rooms []byte
		// A row live here that no socket of this node keeps is a late
		// write of an ended socket's: taken too.
		var gone any
		if a.rec.here.released(pid) == nil {
			gone = n.uid
		}
		err := n.pool.QueryRow(ctx, `DELETE FROM `+t.sessions+` s WHERE s.channel = $1 AND s.pid = $2 AND s.expires_at > now()
			AND (s.live IS NULL OR s.live = $3
				OR NOT EXISTS (SELECT 1 FROM `+t.nodes+` x WHERE x.uid = s.live AND x.alive_until > now()))
			RETURNING s.sid, s.rooms::text, s.data::text`, key, pid, gone).Scan(&st.sid, &rooms, &st.data)
		if err == nil {
			s := &socketio.Session{SID: st.sid, PID: pid, LogEnd: offset}
			_ = json.Unmarshal(rooms, &s.Rooms)
			if len(st.data) > 0 {
				_ = json.Unmarshal(st.data, &s.Data)
			}
			return s, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
		var live *string
		err = n.pool.QueryRow(ctx, `SELECT live FROM `+t.sessions+` WHERE channel = $1 AND pid = $2 AND expires_at > now()`, key, pid).Scan(&live)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && live == nil || time.Now().After(deadline) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if *live == n.uid {
			// Live here: its socket is connected, or its disconnection's
			// write is on its way. Wait for that write.
			released := a.rec.here.released(pid)
			if released == nil {
				if retried {
					return nil, nil
				}
				retried = true
				continue // released just now, or a late write of an ended socket's
			}
			if f := a.rec.restoreWaits; f != nil {
				f(pid)
			}
			wait := time.NewTimer(time.Until(deadline))
			select {
			case <-ctx.Done():
				wait.Stop()
				return nil, ctx.Err()
			case <-released:
				wait.Stop()
			case <-wait.C:
				return nil, nil // its socket is connected
			}
			continue
		}
		if tick == nil {
			tick = time.NewTicker(heartbeat / 5)
			defer tick.Stop()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// Rejoin puts a recovered socket back in its rooms and hands send the
// logged packets after since that select it, while no logged packet can
// be delivered here; those whose notification has not come yet are not
// delivered to it again.
func (a *Adapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	from, ok := parseOffset(since)
	if a.rec == nil || !ok {
		a.Adapter.Rejoin(id, rooms, since, send)
		return
	}
	s := a.rec
	var notify func()
	defer func() { notify() }() // after the unlock: a room event listener may broadcast
	s.joinMu.Lock()
	defer s.joinMu.Unlock()
	notify = a.Local().AddAllLater(id, rooms)
	n, nsp, key := a.node, a.Namespace().Name(), a.channel
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.RequestsTimeout)
	defer cancel()
	rows, err := n.pool.Query(ctx, `SELECT id, data, attachments, rooms::text, excepts::text FROM `+s.node.t.log+`
		WHERE channel = $1 AND id > $2 ORDER BY id`, key, from)
	if err != nil {
		n.opts.Logger.Warn("postgresadapter: read missed packets", "channel", a.channel, "err", err)
		send(nil)
		return
	}
	defer rows.Close()
	now := time.Now()
	s.skips.Prune(now)
	var missed []*parser.Packet
	for rows.Next() {
		var (
			lid            int64
			data           string
			attach         [][]byte
			rjson, xjson   []byte
			inRoom, exceps []string
		)
		if err := rows.Scan(&lid, &data, &attach, &rjson, &xjson); err != nil {
			n.opts.Logger.Warn("postgresadapter: read missed packets", "channel", a.channel, "err", err)
			break
		}
		if json.Unmarshal(rjson, &inRoom) != nil || json.Unmarshal(xjson, &exceps) != nil || len(data) < 2 {
			continue
		}
		if !(&socketio.BroadcastOptions{Rooms: inRoom, Except: exceps}).Selects(rooms) {
			continue
		}
		p := &parser.Packet{Type: parser.Event, Namespace: nsp, Data: []byte(data), Attachments: attach}
		if len(attach) > 0 {
			p.Type = parser.BinaryEvent
		}
		offset := formatOffset(lid)
		missed = append(missed, withOffset(p, offset))
		s.skips.Add(offset, id, now)
	}
	if err := rows.Err(); err != nil {
		n.opts.Logger.Warn("postgresadapter: read missed packets", "channel", a.channel, "err", err)
	}
	send(missed)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
