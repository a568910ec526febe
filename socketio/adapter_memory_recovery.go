package socketio

import (
	"strconv"
	"time"

	"github.com/kin-comms/kinrt/socketio/parser"
)

type storedSession struct {
	Session
	expires time.Time
}

type loggedPacket struct {
	offset string
	at     time.Time
	opts   BroadcastOptions
	packet *parser.Packet
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
	a.recMu.Lock()
	a.pruneLocked(now)
	a.log = append(a.log, loggedPacket{offset: offset, at: now, opts: keep, packet: &q})
	a.recMu.Unlock()
	return &q
}

func (a *MemoryAdapter) pruneLocked(now time.Time) {
	max := a.nsp.server.opts.Recovery.MaxDisconnectionDuration
	i := 0
	for i < len(a.log) && now.Sub(a.log[i].at) > max {
		i++
	}
	if i > 0 {
		a.log = append(a.log[:0], a.log[i:]...)
	}
	for pid, s := range a.sessions {
		if now.After(s.expires) {
			delete(a.sessions, pid)
		}
	}
}

// PersistSession keeps s until MaxDisconnectionDuration has passed.
func (a *MemoryAdapter) PersistSession(s *Session) {
	rec := a.nsp.server.opts.Recovery
	if rec == nil {
		return
	}
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.sessions[s.PID] = &storedSession{Session: *s, expires: time.Now().Add(rec.MaxDisconnectionDuration)}
}

// RestoreSession returns the session of pid with the broadcasts after
// offset that its rooms select, or nil when the session or the offset is
// unknown (too old).
func (a *MemoryAdapter) RestoreSession(pid, offset string) (*Session, error) {
	if a.nsp.server.opts.Recovery == nil {
		return nil, nil
	}
	a.recMu.Lock()
	defer a.recMu.Unlock()
	a.pruneLocked(time.Now())
	stored := a.sessions[pid]
	if stored == nil {
		return nil, nil
	}
	start := -1
	for i := len(a.log) - 1; i >= 0; i-- {
		if a.log[i].offset == offset {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, nil
	}
	delete(a.sessions, pid)
	s := stored.Session
	s.LogEnd = a.log[len(a.log)-1].offset
	for _, lp := range a.log[start:] {
		if selects(&lp.opts, s.Rooms) {
			s.Missed = append(s.Missed, lp.packet)
		}
	}
	return &s, nil
}

// selects reports whether a socket in rooms is selected by opts.
func selects(opts *BroadcastOptions, rooms []string) bool {
	in := func(list []string) bool {
		for _, r := range list {
			for _, x := range rooms {
				if r == x {
					return true
				}
			}
		}
		return false
	}
	if len(opts.Rooms) > 0 && !in(opts.Rooms) {
		return false
	}
	return !in(opts.Except)
}

// Rejoin adds socket id to rooms and hands send the packets logged after
// offset since that rooms select, while no logged broadcast can run.
func (a *MemoryAdapter) Rejoin(id string, rooms []string, since string, send func([]*parser.Packet)) {
	a.joinMu.Lock()
	defer a.joinMu.Unlock()
	a.AddAll(id, rooms)
	a.recMu.Lock()
	start := 0 // since was pruned: everything left is newer
	for i := len(a.log) - 1; i >= 0; i-- {
		if a.log[i].offset == since {
			start = i + 1
			break
		}
	}
	var missed []*parser.Packet
	for _, lp := range a.log[start:] {
		if selects(&lp.opts, rooms) {
			missed = append(missed, lp.packet)
		}
	}
	a.recMu.Unlock()
	send(missed)
}
