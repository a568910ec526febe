package postgresadapter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/cluster"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// ErrNotConnected is returned by Ping while the node's listening
// connection is down: messages from other nodes do not arrive.
var ErrNotConnected = errors.New("postgresadapter: not listening")

// Node is this server's membership of the cluster: the listening
// connection the adapters of all its namespaces share, a queue of
// messages to send, the cleanup of the attachment table, and their
// health. Its methods are safe for concurrent use.
type Node struct {
	pool *pgxpool.Pool
	opts Options
	uid  string

	ctx    context.Context // the node's life: cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	pubQ   chan publication
	stopQ  chan struct{} // closed by Close: the publisher sends what is queued and stops
	workQ  chan job      // messages and requests, in order
	respQ  chan job      // answers to this node's requests

	mu       sync.Mutex
	adapters map[string]*Adapter // by channel
	gen      uint64              // bumped by each new channel
	wake     context.CancelFunc  // interrupts the listener's wait
	closed   bool

	recMu sync.Mutex
	rec   *nodeRecovery // nil until a namespace has recovery on (recovery.go)

	wasUp     bool         // the listener was up once (its goroutine only)
	listening atomic.Bool  // the listening connection is up
	pubUp     atomic.Bool  // the last message went out
	dropped   atomic.Int64 // messages dropped since the queue was last full
	closeOnce sync.Once

	droppedTotal, failedTotal, relistens atomic.Int64 // Stats
}

// publication is a message to send: its notification's payload, or the
// MessagePack of the whole message to store in the table first.
type publication struct {
	channel    string
	typ        cluster.Type
	payload    []byte
	attachment bool
	log        *logged       // a broadcast to log first (recovery.go)
	flushed    chan struct{} // a Flush's mark, not a message: closed once what was queued before it is sent
}

// job is a notification to handle.
type job struct {
	a       *Adapter
	payload string
	head    header
}

// NewNode returns a node on pool, which the caller keeps open until the
// node has closed. It creates the attachment table when it does not
// exist (ctx bounds that), then listens on a connection of its own taken
// from pool, taken again with backoff when it is lost, until Close.
// Give each socketio.Server a Node of its own.
func NewNode(ctx context.Context, pool *pgxpool.Pool, opts *Options) (*Node, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := ensureTable(ctx, pool, o.TableName); err != nil {
		return nil, fmt.Errorf("postgresadapter: create table %s: %w", o.TableName, err)
	}
	n := &Node{
		pool:     pool,
		opts:     o,
		uid:      cluster.NewUID(),
		pubQ:     make(chan publication, o.PublishQueue),
		stopQ:    make(chan struct{}),
		workQ:    make(chan job, 4096),
		respQ:    make(chan job, 1024),
		adapters: make(map[string]*Adapter),
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	n.pubUp.Store(true)
	n.wg.Add(5)
	go n.listen()
	go n.publisher()
	go n.handle(n.workQ)
	go n.handle(n.respQ)
	go n.cleanup()
	return n, nil
}

// ensureTable creates the attachment table unless it exists. Nodes that
// start together race to create it (the loser gets a unique or
// duplicate-table error): it is then there. A user who may not create it
// does with a table made beforehand.
func ensureTable(ctx context.Context, pool *pgxpool.Pool, name string) error {
	return ensure(ctx, pool, name, `CREATE TABLE IF NOT EXISTS `+name+` (
			id bigserial UNIQUE,
			created_at timestamptz DEFAULT NOW(),
			payload bytea
		)`)
}

// ensure runs ddl, a CREATE TABLE IF NOT EXISTS of table name, as
// ensureTable explains.
func ensure(ctx context.Context, pool *pgxpool.Pool, name, ddl string) error {
	var err error
	for range 3 {
		_, err = pool.Exec(ctx, ddl)
		if err == nil {
			return nil
		}
		var exists bool
		if pool.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists) == nil && exists {
			return nil
		}
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != "23505" && pe.Code != "42P07" {
			return err
		}
	}
	return err
}

// UID returns the node's id in the cluster, the uid of its messages.
func (n *Node) UID() string { return n.uid }

// Healthy reports whether the node is connected: listening, and its last
// message went out. While it is not, broadcasts reach this node's clients
// only.
func (n *Node) Healthy() bool { return n.listening.Load() && n.pubUp.Load() }

// Ping checks the connection to PostgreSQL now: the error of a ping of
// the pool, or ErrNotConnected while the listening connection is down.
// Fit for a readiness probe.
func (n *Node) Ping(ctx context.Context) error {
	if err := n.pool.Ping(ctx); err != nil {
		return err
	}
	if !n.listening.Load() {
		return ErrNotConnected
	}
	return nil
}

// Flush waits until the messages queued before it have gone to
// PostgreSQL (or failed) and, with recovery on, this node's logged
// broadcasts among them have been delivered to its sockets: their
// notification came back, or they were delivered late without it. A
// broadcast returns once queued and this node's sockets get it only
// after that round trip, so a node about to disconnect its clients (a
// drain) flushes first: a client gets the broadcasts sent before, and
// with them the offset it needs to recover elsewhere. It returns ctx's
// error when ctx ends first, and an error once the node is closed.
func (n *Node) Flush(ctx context.Context) error {
	flushed := make(chan struct{})
	select {
	case n.pubQ <- publication{flushed: flushed}:
	case <-ctx.Done():
		return ctx.Err()
	case <-n.ctx.Done():
		return errClosed
	}
	select {
	case <-flushed:
	case <-ctx.Done():
		return ctx.Err()
	case <-n.ctx.Done():
		return errClosed
	}
	n.mu.Lock()
	var pending []func() bool
	for _, a := range n.adapters {
		if a.rec == nil {
			continue
		}
		echoes := a.rec.echoes
		for _, off := range echoes.Waiting() {
			pending = append(pending, func() bool { return echoes.Delivered(off) })
		}
	}
	n.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		for len(pending) > 0 && pending[0]() {
			pending = pending[1:]
		}
		if len(pending) == 0 {
			return nil
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-n.ctx.Done():
			return errClosed
		}
	}
}

var errClosed = errors.New("postgresadapter: node closed")

// Close closes every adapter of the node (each tells the other nodes it
// leaves), sends what is queued, and stops listening (not the pool).
func (n *Node) Close() error {
	n.closeOnce.Do(func() {
		n.mu.Lock()
		list := make([]*Adapter, 0, len(n.adapters))
		for _, a := range n.adapters {
			list = append(list, a)
		}
		n.mu.Unlock()
		for _, a := range list {
			_ = a.Close()
		}
		n.mu.Lock()
		n.closed = true
		n.mu.Unlock()
		close(n.stopQ)
		n.cancel()
		n.wg.Wait()
		n.listening.Store(false)
	})
	return nil
}

// maxChannel is the longest channel name PostgreSQL takes (NAMEDATALEN-1
// bytes): LISTEN cuts a longer one, pg_notify refuses it.
const maxChannel = 63

// NewAdapter returns the Adapter of namespace nsp; it fits
// socketio.Options.NewAdapter. The node listens on the namespace's
// channel, then announces itself to the other nodes.
func (n *Node) NewAdapter(nsp *socketio.Namespace) socketio.Adapter {
	ch := n.opts.Channel + "#" + nsp.Name()
	if len(ch) > maxChannel {
		n.opts.Logger.Warn("postgresadapter: channel name too long for PostgreSQL: the namespace reaches no other node", "channel", ch, "max", maxChannel)
	}
	a := &Adapter{node: n, channel: ch}
	if r := nsp.Server().RecoveryOptions(); r != nil {
		nr, err := n.startRecovery(r)
		if err != nil {
			n.opts.Logger.Warn("postgresadapter: recovery tables unavailable: recovery holds on this node only", "channel", ch, "err", err)
		} else {
			a.rec = &recovery{node: nr, maxBytes: max(r.MaxLogBytes, 0), echoes: cluster.NewOwnEchoes(0)}
		}
	}
	a.Adapter = cluster.NewAdapter(nsp, n.uid, transport{n, ch}, &cluster.Options{
		HeartbeatInterval: n.opts.HeartbeatInterval,
		HeartbeatTimeout:  n.opts.HeartbeatTimeout,
		RequestsTimeout:   n.opts.RequestsTimeout,
		OnServerSideEmit:  n.opts.OnServerSideEmit,
		Logger:            n.opts.Logger,
	})
	n.mu.Lock()
	n.adapters[ch] = a
	n.gen++
	if n.wake != nil {
		n.wake()
	}
	n.mu.Unlock()
	return a
}

func (n *Node) unregister(a *Adapter) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.adapters[a.channel] == a {
		delete(n.adapters, a.channel)
	}
}

func (n *Node) adapter(channel string) *Adapter {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.adapters[channel]
}

// backoff is the wait before the listening connection is taken again, as
// Node's adapter waits: 1 to 3 seconds.
func backoff() time.Duration {
	return time.Duration(1000+rand.IntN(2000)) * time.Millisecond
}

// listen keeps a listening connection until the node closes.
func (n *Node) listen() {
	defer n.wg.Done()
	for {
		err := n.serve()
		n.listening.Store(false)
		if n.ctx.Err() != nil {
			return
		}
		n.opts.Logger.Warn("postgresadapter: listening connection lost; messages from other nodes are lost until it is back", "uid", n.uid, "err", err)
		select {
		case <-time.After(backoff()):
		case <-n.ctx.Done():
			return
		}
	}
}

// serve takes a connection out of the pool and listens on it, on the
// channel of every namespace, until it fails or the node closes.
func (n *Node) serve() error {
	pc, err := n.pool.Acquire(n.ctx)
	if err != nil {
		return err
	}
	conn := pc.Hijack() // never back to the pool: it listens
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
		defer cancel()
		_ = conn.Close(ctx)
	}()
	listened := make(map[string]bool)    // channels listened on conn
	announced := make(map[*Adapter]bool) // adapters announced since
	for {
		n.mu.Lock()
		gen := n.gen
		var todo []*Adapter
		live := make(map[*Adapter]bool, len(n.adapters))
		for _, a := range n.adapters {
			if announced[a] {
				live[a] = true
			} else {
				todo = append(todo, a)
			}
		}
		n.mu.Unlock()
		announced = live // those closed since are forgotten
		for _, a := range todo {
			if !listened[a.channel] {
				if _, err := conn.Exec(n.ctx, "LISTEN "+pgx.Identifier{a.channel}.Sanitize()); err != nil {
					return err
				}
				listened[a.channel] = true
			}
		}
		if !n.listening.Swap(true) && n.wasUp {
			n.relistens.Add(1)
			n.opts.Logger.Warn("postgresadapter: listening again", "uid", n.uid)
		}
		n.wasUp = true
		for _, a := range todo {
			a.Announce() // the other nodes answer with their heartbeats
			announced[a] = true
		}
		if err := n.wait(conn, gen); err != nil {
			return err
		}
	}
}

// wait hands the notifications of conn to their adapters until a new
// channel is to be listened on (nil) or the connection fails.
func (n *Node) wait(conn *pgx.Conn, gen uint64) error {
	ctx, cancel := context.WithCancel(n.ctx)
	defer cancel()
	n.mu.Lock()
	if n.gen != gen {
		n.mu.Unlock()
		return nil
	}
	n.wake = cancel
	n.mu.Unlock()
	defer func() {
		n.mu.Lock()
		n.wake = nil
		n.mu.Unlock()
	}()
	for {
		notif, err := conn.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil && n.ctx.Err() == nil {
				return nil // woken by a new namespace
			}
			return err
		}
		n.route(notif.Channel, notif.Payload)
	}
}

// route queues a notification for its adapter: answers to this node's
// requests apart from the rest, so that a handler that asks the cluster
// (a disconnect handler, when another node disconnects a socket here)
// gets its answers. The node's own messages are dropped here.
func (n *Node) route(channel, payload string) {
	a := n.adapter(channel)
	if a == nil {
		return
	}
	h, err := readHeader(payload)
	if err != nil {
		n.opts.Logger.Debug("postgresadapter: malformed notification dropped", "channel", channel, "err", err)
		return
	}
	if h.UID == n.uid && (a.rec == nil || h.Type != cluster.Broadcast) {
		return // a logged broadcast of this node is delivered when it comes back
	}
	q := n.workQ
	if h.Type.IsResponse() {
		q = n.respQ
	}
	select {
	case q <- job{a: a, payload: payload, head: h}:
	case <-n.ctx.Done():
	}
}

// handle handles the notifications of q, in order, until the node
// closes.
func (n *Node) handle(q chan job) {
	defer n.wg.Done()
	for {
		select {
		case j := <-q:
			n.dispatch(j)
		case <-n.ctx.Done():
			return
		}
	}
}

func (n *Node) dispatch(j job) {
	defer func() {
		if r := recover(); r != nil {
			n.opts.Logger.Warn("postgresadapter: message handler panicked", "channel", j.a.channel, "panic", r)
		}
	}()
	var (
		m   *cluster.Message
		err error
	)
	if j.head.AttachmentID != "" {
		m, err = n.fetchAttachment(j.head.AttachmentID)
	} else {
		m, err = cluster.Decode([]byte(j.payload))
	}
	if err != nil {
		n.opts.Logger.Debug("postgresadapter: malformed message dropped", "channel", j.a.channel, "err", err)
		return
	}
	if j.a.rec != nil && m.Type == cluster.Broadcast && m.RequestID == "" && m.Packet != nil && m.Opts != nil {
		j.a.onLogged(m, j.head.UID == n.uid)
		return
	}
	if j.head.UID == n.uid {
		return
	}
	j.a.OnMessage(m)
}

// fetchAttachment reads the message stored under id.
func (n *Node) fetchAttachment(id string) (*cluster.Message, error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.RequestsTimeout)
	defer cancel()
	var b []byte
	err := n.pool.QueryRow(ctx, `SELECT payload FROM `+n.opts.TableName+` WHERE id = CAST($1::text AS bigint)`, id).Scan(&b)
	if err != nil {
		return nil, fmt.Errorf("attachment %s: %w", id, err)
	}
	return cluster.Decode(b)
}

// transport sends the messages of one namespace on its channel.
type transport struct {
	n       *Node
	channel string
}

// Publish encodes m and queues it; it never waits for PostgreSQL.
func (t transport) Publish(m *cluster.Message) { t.n.publish(t.channel, m) }

// publish queues m: as JSON in the notification when it holds no binary
// and its JSON is under the threshold, else as MessagePack in the table,
// as Node's adapter chooses.
func (n *Node) publish(channel string, m *cluster.Message) {
	p, err := n.encode(channel, m)
	if err != nil {
		n.opts.Logger.Warn("postgresadapter: encode message", "channel", channel, "type", m.Type, "err", err)
		return
	}
	n.enqueue(p)
}

// encode encodes m for channel: as JSON when it holds no binary and its
// JSON is under the threshold, else as MessagePack for the table.
func (n *Node) encode(channel string, m *cluster.Message) (publication, error) {
	p := publication{channel: channel, typ: m.Type}
	var err error
	if !m.HasBinary() {
		p.payload, err = m.EncodeJSON()
	}
	if err == nil && (m.HasBinary() || len(p.payload) >= n.opts.PayloadThreshold) {
		p.payload, err = m.EncodeMsgpack()
		p.attachment = true
	}
	return p, err
}

// enqueue queues p for the publisher; it reports false when p is
// dropped.
func (n *Node) enqueue(p publication) bool {
	n.mu.Lock()
	closed := n.closed
	n.mu.Unlock()
	if closed || len(p.channel) > maxChannel { // refused by PostgreSQL, with the messages sent with it
		return false
	}
	select {
	case n.pubQ <- p:
		return true
	default:
		n.droppedTotal.Add(1)
		if n.dropped.Add(1) == 1 {
			n.opts.Logger.Warn("postgresadapter: publish queue full; messages to other nodes are dropped", "channel", p.channel)
		}
		return false
	}
}

// publisher sends the queued messages in order, in batches of what is
// queued, until Close; then it sends what is left.
func (n *Node) publisher() {
	defer n.wg.Done()
	batch := make([]publication, 0, maxBatch)
	for {
		select {
		case p := <-n.pubQ:
			batch = append(batch[:0], p)
		case <-n.stopQ:
			for {
				batch = batch[:0]
			rest:
				for len(batch) < maxBatch {
					select {
					case p := <-n.pubQ:
						batch = append(batch, p)
					default:
						break rest
					}
				}
				if len(batch) == 0 {
					return
				}
				n.send(batch)
			}
		}
	more:
		for len(batch) < maxBatch {
			select {
			case p := <-n.pubQ:
				batch = append(batch, p)
			default:
				break more
			}
		}
		n.send(batch)
	}
}

// maxBatch bounds the messages sent in one round trip.
const maxBatch = 256

// attachmentSQL stores a message and notifies its header, as Node's
// adapter writes it: {uid, type, attachmentId}, the id as a string.
const attachmentSQL = `WITH a AS (INSERT INTO %s (payload) VALUES ($1) RETURNING id)
SELECT pg_notify($2, json_build_object('uid', $3::text, 'type', $4::int, 'attachmentId', a.id::text)::text) FROM a`

// send sends batch on one connection in one round trip: a pipeline of
// transactions, each of as many messages as it can take. PostgreSQL's
// commit of a notification is what costs (its notification queue takes
// one commit at a time), so messages share transactions; but it folds
// the identical notifications of one transaction into one, so a message
// whose payload is already in the transaction starts another.
func (n *Node) send(batch []publication) {
	var flushed []chan struct{}
	for i := range batch {
		if batch[i].flushed != nil {
			msgs := make([]publication, 0, len(batch))
			for _, p := range batch {
				if p.flushed != nil {
					flushed = append(flushed, p.flushed)
				} else {
					msgs = append(msgs, p)
				}
			}
			batch = msgs
			break
		}
	}
	defer func() {
		for _, c := range flushed {
			close(c)
		}
	}()
	if len(batch) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), n.opts.RequestsTimeout)
	defer cancel()
	c, err := n.pool.Acquire(ctx)
	failed := len(batch)
	if err == nil {
		var broken bool
		failed, broken, err = n.pipeline(ctx, c.Conn().PgConn(), batch)
		if broken {
			_ = c.Conn().Close(ctx) // its state is unknown: the pool drops it
		}
		c.Release()
	}
	up := failed == 0
	n.failedTotal.Add(int64(failed))
	if !up {
		n.opts.Logger.Debug("postgresadapter: messages not sent", "uid", n.uid, "err", err, "messages", failed)
	}
	if n.pubUp.Swap(up) != up {
		if !up {
			n.opts.Logger.Warn("postgresadapter: publish failed; messages to other nodes are lost until PostgreSQL is back", "uid", n.uid, "err", err, "messages", failed)
		} else {
			n.opts.Logger.Warn("postgresadapter: publishing again", "uid", n.uid)
		}
	}
	if up {
		n.dropped.Store(0)
	}
}

// loggedSQL logs a broadcast (recovery.go) and notifies its message, the
// offset in place of the marker: $1..$6 the row, $7 the channel, $8 the
// payload, $9 the marker. The namespace's advisory lock, taken before in
// the transaction, makes the ids and the notifications of all nodes go in
// one order.
const loggedSQL = `WITH e AS (INSERT INTO %s (channel, data, attachments, rooms, excepts, size)
	VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6) RETURNING id)
SELECT e.id, pg_notify($7, replace($8, $9, lpad(e.id::text, 20, '0'))) FROM e`

// loggedAttachmentSQL is loggedSQL for a message stored in the attachment
// table: $8 its MessagePack, $9 the marker's place, $10 this node's uid.
const loggedAttachmentSQL = `WITH e AS (INSERT INTO %s (channel, data, attachments, rooms, excepts, size)
	VALUES ($1, $2, $3, $4::text::jsonb, $5::text::jsonb, $6) RETURNING id),
a AS (INSERT INTO %s (payload) SELECT overlay($8::bytea PLACING convert_to(lpad(e.id::text, 20, '0'), 'UTF8') FROM $9::int FOR 20) FROM e RETURNING id)
SELECT (SELECT id FROM e), pg_notify($7, json_build_object('uid', $10::text, 'type', 3, 'attachmentId', a.id::text)::text) FROM a`

// txn is a transaction of a pipeline: how many messages it sends, its
// logged broadcasts, and for each statement whether it returns a log id.
type txn struct {
	n     int
	logs  []*logged
	stmts []bool
}

// pipeline sends batch on conn and reads the results: it returns how many
// messages failed, whether the connection is broken, and the first error.
// A transaction that logs broadcasts takes the advisory lock of their
// namespace first, and holds no other: a broadcast of another namespace
// starts another transaction. Each logged broadcast is settled (its
// offset set when its transaction committed) before it returns.
func (n *Node) pipeline(ctx context.Context, conn *pgconn.PgConn, batch []publication) (failed int, broken bool, first error) {
	p := conn.StartPipeline(ctx)
	attach := fmt.Sprintf(attachmentSQL, n.opts.TableName)
	var logSQL, logAttachSQL string
	n.recMu.Lock()
	if n.rec != nil {
		logSQL = fmt.Sprintf(loggedSQL, n.rec.t.log)
		logAttachSQL = fmt.Sprintf(loggedAttachmentSQL, n.rec.t.log, n.opts.TableName)
	}
	n.recMu.Unlock()
	var txs []*txn
	tx := &txn{}
	var lock int64
	locked := false
	inTx := make(map[string]bool)
	sync := func() {
		p.SendPipelineSync()
		txs = append(txs, tx)
		tx = &txn{}
		locked = false
		clear(inTx)
	}
	for _, x := range batch {
		if x.log == nil && !x.attachment && inTx[x.channel+"\x00"+string(x.payload)] ||
			x.log != nil && locked && lock != x.log.lock {
			sync()
		}
		tx.n++
		switch {
		case x.log != nil:
			l := x.log
			if !locked {
				p.SendQueryParams(`SELECT pg_advisory_xact_lock($1)`, [][]byte{strconv.AppendInt(nil, l.lock, 10)}, []uint32{pgtype.Int8OID}, nil, nil)
				tx.stmts = append(tx.stmts, false)
				locked, lock = true, l.lock
			}
			var att []byte
			if len(l.attach) > 0 {
				var err error
				if att, err = byteaArray(l.attach); err != nil {
					_ = p.Close()
					return len(batch), true, err
				}
			}
			params := [][]byte{[]byte(l.a.channel), []byte(l.data), att, l.rooms, l.except,
				strconv.AppendInt(nil, l.size, 10), []byte(x.channel), x.payload}
			oids := []uint32{pgtype.TextOID, pgtype.TextOID, pgtype.ByteaArrayOID, pgtype.TextOID, pgtype.TextOID,
				pgtype.Int8OID, pgtype.TextOID}
			formats := []int16{0, 0, 1, 0, 0, 0, 0}
			sql := logSQL
			if x.attachment {
				sql = logAttachSQL
				params = append(params, strconv.AppendInt(nil, int64(l.pos), 10), []byte(n.uid))
				oids = append(oids, pgtype.ByteaOID, pgtype.Int4OID, pgtype.TextOID)
				formats = append(formats, 1, 0, 0)
			} else {
				params = append(params, []byte(l.marker))
				oids = append(oids, pgtype.TextOID, pgtype.TextOID)
				formats = append(formats, 0, 0)
			}
			p.SendQueryParams(sql, params, oids, formats, nil)
			tx.stmts = append(tx.stmts, true)
			tx.logs = append(tx.logs, l)
			inTx[strconv.Itoa(len(inTx))+"\x00"] = true
		case x.attachment:
			p.SendQueryParams(attach, [][]byte{x.payload, []byte(x.channel), []byte(n.uid), strconv.AppendInt(nil, int64(x.typ), 10)},
				[]uint32{pgtype.ByteaOID, pgtype.TextOID, pgtype.TextOID, pgtype.Int4OID}, []int16{1, 0, 0, 0}, nil)
			tx.stmts = append(tx.stmts, false)
			inTx[strconv.Itoa(len(inTx))+"\x00"] = true // counted, never equal to a payload key
		default:
			p.SendQueryParams(`SELECT pg_notify($1, $2)`, [][]byte{[]byte(x.channel), x.payload},
				[]uint32{pgtype.TextOID, pgtype.TextOID}, nil, nil)
			tx.stmts = append(tx.stmts, false)
			inTx[x.channel+"\x00"+string(x.payload)] = true
		}
	}
	sync()
	// settle the logged broadcasts of the transactions not committed
	lost := func(from int) {
		for _, t := range txs[from:] {
			failed += t.n
			for _, l := range t.logs {
				l.offset = ""
				l.settle()
			}
		}
	}
	if err := p.Flush(); err != nil {
		_ = p.Close()
		lost(0)
		return failed, true, err
	}
	txFailed := false
	stmt := 0
	var offsets []string
	for done := 0; done < len(txs); {
		res, err := p.GetResults()
		var pe *pgconn.PgError
		switch {
		case errors.As(err, &pe): // this transaction only: its Sync follows
			txFailed = true
			first = cmp.Or(first, err)
		case err != nil: // the connection: the rest are lost
			_ = p.Close()
			lost(done)
			return failed, true, cmp.Or(first, err)
		}
		switch r := res.(type) {
		case *pgconn.ResultReader:
			withID := stmt < len(txs[done].stmts) && txs[done].stmts[stmt]
			stmt++
			var id string
			for r.NextRow() {
				if withID && len(r.Values()) > 0 {
					id = string(r.Values()[0])
				}
			}
			if _, err := r.Close(); err != nil {
				txFailed = true
				first = cmp.Or(first, err)
			}
			if withID {
				offsets = append(offsets, id)
			}
		case *pgconn.PipelineSync:
			t := txs[done]
			if txFailed || len(offsets) != len(t.logs) {
				failed += t.n
				for _, l := range t.logs {
					l.settle()
				}
			} else {
				for i, l := range t.logs {
					if id, err := strconv.ParseInt(offsets[i], 10, 64); err == nil {
						l.offset = formatOffset(id)
					}
					l.settle()
				}
			}
			txFailed, stmt, offsets = false, 0, offsets[:0]
			done++
		case nil:
			if err == nil {
				_ = p.Close()
				lost(done)
				return failed, true, cmp.Or(first, errors.New("postgresadapter: pipeline ended early"))
			}
		}
	}
	if err := p.Close(); err != nil {
		return failed, true, cmp.Or(first, err)
	}
	return failed, false, first
}

// byteaArray encodes b as a bytea[] in PostgreSQL's binary format.
func byteaArray(b [][]byte) ([]byte, error) {
	return pgtype.NewMap().Encode(pgtype.ByteaArrayOID, pgtype.BinaryFormatCode, b, nil)
}

// cleanup deletes, every CleanupInterval, the table's rows older than
// that, as every Node.js node does.
func (n *Node) cleanup() {
	defer n.wg.Done()
	tick := time.NewTicker(n.opts.CleanupInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			n.deleteOld()
		case <-n.ctx.Done():
			return
		}
	}
}

func (n *Node) deleteOld() {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.RequestsTimeout)
	defer cancel()
	_, err := n.pool.Exec(ctx, `DELETE FROM `+n.opts.TableName+` WHERE created_at < now() - make_interval(secs => $1)`,
		n.opts.CleanupInterval.Seconds())
	if err != nil && n.ctx.Err() == nil {
		n.opts.Logger.Warn("postgresadapter: delete old attachments", "table", n.opts.TableName, "err", err)
	}
}

// Adapter is the socketio.Adapter of one namespace on a Node: a
// cluster.Adapter whose messages go through PostgreSQL, with connection
// state recovery across nodes when the server's is on (recovery.go).
type Adapter struct {
	*cluster.Adapter
	node    *Node
	channel string
	rec     *recovery // nil when recovery is off
}

var (
	_ socketio.Adapter       = (*Adapter)(nil)
	_ socketio.Rejoiner      = (*Adapter)(nil)
	_ socketio.SessionKeeper = (*Adapter)(nil)
)

// Broadcast sends p to the other nodes (unless opts.Local) and delivers
// it here. With recovery on, a non-volatile event without ack is logged
// and sent with its offset in one transaction, and delivered here when
// its notification comes back; a Local one is delivered without offset
// (it is not logged).
func (a *Adapter) Broadcast(p *parser.Packet, opts *socketio.BroadcastOptions) {
	if a.rec == nil || !cluster.Loggable(p, opts) {
		a.Adapter.Broadcast(p, opts)
		return
	}
	if opts.Local {
		a.Local().Deliver(p, opts)
		return
	}
	if a.logBroadcast(p, opts) {
		return
	}
	a.node.publish(a.channel, &cluster.Message{Type: cluster.Broadcast, UID: a.node.uid, Nsp: a.Namespace().Name(),
		Packet: p, Opts: cluster.OptsOf(opts, 0)})
	a.Local().Deliver(p, opts)
}

// Node returns the node the adapter belongs to.
func (a *Adapter) Node() *Node { return a.node }

// Close tells the other nodes that this one leaves the namespace and
// stops handling its messages.
func (a *Adapter) Close() error {
	err := a.Adapter.Close()
	if a.rec != nil {
		a.rec.closed.Store(true)
		a.rec.echoes.Stop()
	}
	a.node.unregister(a)
	return err
}
