package socketio

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/kin-comms/kinrt/socketio/parser"
)

type storedSession struct {
	Session
	expires time.Time
}

// loggedPacket is a broadcast kept for recovery.
type loggedPacket struct {
	offset string
	at     time.Time
	opts   BroadcastOptions
	packet *parser.Packet
	size   int64 // what it counts against MaxLogBytes (entrySize)
}

// logEntryOverhead is what a logged packet costs besides its bytes and
// its rooms' names: its slot in the log and its parser.Packet.
const logEntryOverhead = int64(unsafe.Sizeof(loggedPacket{}) + unsafe.Sizeof(parser.Packet{}))

// entrySize is the memory a logged packet holds, about: its overhead, its
// data and attachments, its offset and its rooms' names.
func entrySize(q *parser.Packet, opts *BroadcastOptions, offset string) int64 {
	n := logEntryOverhead + int64(cap(q.Data)+len(offset))
	for _, b := range q.Attachments {
		n += int64(len(b))
	}
	for _, r := range opts.Rooms {
		n += int64(len(r)) + int64(unsafe.Sizeof(r))
	}
	for _, r := range opts.Except {
		n += int64(len(r)) + int64(unsafe.Sizeof(r))
	}
	return n
}

// packetLog is the memory adapter's log of broadcasts, oldest first:
// entries[head:] are live, and every slot before head is zeroed, so that
// a pruned packet is referenced by nothing (issue 21: reslicing alone kept
// the pruned packets of a burst alive in the tail of the array).
type packetLog struct {
	entries []loggedPacket
	head    int
	bytes   int64 // the sum of the live entries' sizes
}

// minLogCap is the capacity below which the log's array is never shrunk.
const minLogCap = 64

// live returns the live entries, oldest first.
func (l *packetLog) live() []loggedPacket { return l.entries[l.head:] }

// push appends lp, reusing the slots of pruned entries before it grows
// the array.
func (l *packetLog) push(lp loggedPacket) {
	if len(l.entries) == cap(l.entries) && l.head > 0 {
		l.compact()
	}
	l.entries = append(l.entries, lp)
	l.bytes += lp.size
}

// dropOldest forgets the oldest live entry.
func (l *packetLog) dropOldest() {
	lp := &l.entries[l.head]
	l.bytes -= lp.size
	*lp = loggedPacket{}
	l.head++
}

// tidy gives back the room of dropped entries: the live entries move to
// the front once as many slots before them are free, the cost of a move
// being paid by the drops that freed them; and an array four times larger
// than its live entries is replaced by one of twice their number (after a
// burst, the array of the burst goes too).
func (l *packetLog) tidy() {
	n := len(l.entries) - l.head
	switch {
	case cap(l.entries) > minLogCap && cap(l.entries) > 4*n:
		entries := make([]loggedPacket, n, max(2*n, minLogCap))
		copy(entries, l.live())
		l.entries, l.head = entries, 0
	case l.head > 0 && l.head >= n:
		l.compact()
	}
}

// compact moves the live entries to the front of the array.
func (l *packetLog) compact() {
	n := copy(l.entries, l.live())
	clear(l.entries[n:])
	l.entries, l.head = l.entries[:n], 0
}

// logPacket appends an offset to p's arguments and keeps it for recovery.
func (a *MemoryAdapter) logPacket(p *parser.Packet, opts *BroadcastOptions) *parser.Packet {
	offset := a.prefix + strconv.FormatUint(a.offset.Add(1), 36)
	q := *p
	data := make([]byte, 0, len(p.Data)+len(offset)+4)
	data = append(data, p.Data[:len(p.Data)-1]...)
	data = append(data, ',')
	data = appendString(data, offset)
	q.Data = append(data, ']')
	now := time.Now()
	keep := BroadcastOptions{Rooms: append([]string(nil), opts.Rooms...), Except: append([]string(nil), opts.Except...)}
	size := entrySize(&q, &keep, offset)
	a.recMu.Lock()
	a.log.push(loggedPacket{offset: offset, at: now, opts: keep, packet: &q, size: size})
	a.pruneLogLocked(now)
	a.armPruneLocked(now)
	a.recMu.Unlock()
	return &q
}

// pruneLogLocked drops the logged packets older than
// MaxDisconnectionDuration, then the oldest while the log holds more than
// MaxLogBytes.
func (a *MemoryAdapter) pruneLogLocked(now time.Time) {
	rec := a.nsp.server.opts.Recovery
	l := &a.log
	head := l.head
	for l.head < len(l.entries) && now.Sub(l.entries[l.head].at) > rec.MaxDisconnectionDuration {
		l.dropOldest()
	}
	for rec.MaxLogBytes > 0 && l.bytes > rec.MaxLogBytes && l.head < len(l.entries) {
		l.dropOldest()
	}
	if l.head != head {
		l.tidy()
	}
}

// pruneSessionsLocked forgets the sessions past their time.
func (a *MemoryAdapter) pruneSessionsLocked(now time.Time) {
	for pid, s := range a.sessions {
		if now.After(s.expires) {
			delete(a.sessions, pid)
		}
	}
}

// armPruneLocked makes sure that what the log and the sessions hold is
// released once it has expired, broadcasts or not: a timer, armed while
// anything is kept, fires when the oldest logged packet expires (or after
// MaxDisconnectionDuration, for sessions), but not sooner than a quarter
// of MaxDisconnectionDuration after it is armed (under steady traffic the
// oldest packet is always about to expire, and the broadcasts prune it).
func (a *MemoryAdapter) armPruneLocked(now time.Time) {
	if a.pruneTimer != nil || a.closed {
		return
	}
	ttl := a.nsp.server.opts.Recovery.MaxDisconnectionDuration
	var at time.Time
	if len(a.sessions) > 0 {
		at = now.Add(ttl)
	}
	if live := a.log.live(); len(live) > 0 && (at.IsZero() || live[0].at.Add(ttl).Before(at)) {
		at = live[0].at.Add(ttl)
	}
	if at.IsZero() {
		return
	}
	a.pruneTimer = time.AfterFunc(max(at.Sub(now)+time.Millisecond, ttl/4), a.pruneExpired)
}

// pruneExpired is the prune timer's: it prunes and arms it again while
// anything is left.
func (a *MemoryAdapter) pruneExpired() {
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.pruneTimer = nil
	if a.closed {
		return
	}
	now := time.Now()
	a.pruneLogLocked(now)
	a.pruneSessionsLocked(now)
	a.armPruneLocked(now)
}

// PersistSession keeps s until MaxDisconnectionDuration has passed.
func (a *MemoryAdapter) PersistSession(s *Session) {
	rec := a.nsp.server.opts.Recovery
	if rec == nil {
		return
	}
	now := time.Now()
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.sessions[s.PID] = &storedSession{Session: *s, expires: now.Add(rec.MaxDisconnectionDuration)}
	a.armPruneLocked(now)
}

// RestoreSession returns the session of pid with the broadcasts after
// offset that its rooms select, or nil when the session or the offset is
// unknown (too old).
func (a *MemoryAdapter) RestoreSession(pid, offset string) (*Session, error) {
	if a.nsp.server.opts.Recovery == nil {
		return nil, nil
	}
	now := time.Now()
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.pruneLogLocked(now)
	stored := a.sessions[pid]
	if stored == nil || now.After(stored.expires) {
		return nil, nil
	}
	log := a.log.live()
	start := -1
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].offset == offset {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, nil
	}
	delete(a.sessions, pid)
	s := stored.Session
	s.LogEnd = log[len(log)-1].offset
	for _, lp := range log[start:] {
		if lp.opts.Selects(s.Rooms) {
			s.Missed = append(s.Missed, lp.packet)
		}
	}
	return &s, nil
}

// Rejoin adds socket id to rooms and hands send the packets logged after
// offset since that rooms select, while no logged broadcast can run.
func (a *MemoryAdapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	defer a.events.run() // after the unlock: a room event listener may broadcast
	a.joinMu.Lock()
	defer a.joinMu.Unlock()
	a.addAll(id, rooms)
	a.recMu.Lock()
	log := a.log.live()
	start := 0 // since was pruned: everything left is newer
	for i := len(log) - 1; i >= 0; i-- {
		if log[i].offset == since {
			start = i + 1
			break
		}
	}
	var missed []*parser.Packet
	for _, lp := range log[start:] {
		if lp.opts.Selects(rooms) {
			missed = append(missed, lp.packet)
		}
	}
	a.recMu.Unlock()
	send(missed)
}
