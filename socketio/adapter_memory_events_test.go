package socketio

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// roomLog records the room events of an adapter; take writes socket ids
// as the names the test gave them.
type roomLog struct {
	mu    sync.Mutex
	names map[string]string
	got   [][]string
}

func (l *roomLog) setName(id, name string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.names == nil {
		l.names = map[string]string{}
	}
	l.names[id] = name
}

func (l *roomLog) add(parts ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, parts)
}

func (l *roomLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, parts := range l.got {
		named := make([]string, len(parts))
		for i, p := range parts {
			if n, ok := l.names[p]; ok {
				p = n
			}
			named[i] = p
		}
		out = append(out, strings.Join(named, " "))
	}
	l.got = nil
	return out
}

func (l *roomLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.got)
}

// listen registers a listener of each event on ev and returns the
// function that removes them.
func (l *roomLog) listen(ev RoomEvents) (off func()) {
	offs := []func(){
		ev.OnCreateRoom(func(room string) { l.add("create-room", room) }),
		ev.OnDeleteRoom(func(room string) { l.add("delete-room", room) }),
		ev.OnJoinRoom(func(room, id string) { l.add("join-room", room, id) }),
		ev.OnLeaveRoom(func(room, id string) { l.add("leave-room", room, id) }),
	}
	return func() {
		for _, f := range offs {
			f()
		}
	}
}

func TestRoomEvents(t *testing.T) {
	t.Parallel()
	type env struct {
		io     *Server
		s1, s2 *Socket
		off    func()
	}
	tests := []struct {
		name string
		do   func(e env)
		want []string
	}{
		{"join creates", func(e env) { e.s1.Join("a") }, []string{"create-room a", "join-room a s1"}},
		{"join twice", func(e env) { e.s1.Join("a"); e.s1.Join("a") }, []string{"create-room a", "join-room a s1"}},
		{"join several", func(e env) { e.s1.Join("a", "b", "a") }, []string{"create-room a", "join-room a s1", "create-room b", "join-room b s1"}},
		{"second member", func(e env) { e.s1.Join("a"); e.s2.Join("a") }, []string{"create-room a", "join-room a s1", "join-room a s2"}},
		{"last leaves", func(e env) { e.s1.Join("a"); e.s1.Leave("a") }, []string{"create-room a", "join-room a s1", "leave-room a s1", "delete-room a"}},
		{"one of two leaves", func(e env) { e.s1.Join("a"); e.s2.Join("a"); e.s1.Leave("a") },
			[]string{"create-room a", "join-room a s1", "join-room a s2", "leave-room a s1"}},
		{"leave a room not joined", func(e env) { e.s1.Leave("zz") }, nil},
		{"leave own room", func(e env) { e.s1.Leave(e.s1.ID()) }, []string{"leave-room s1 s1", "delete-room s1"}},
		{"join another socket's room", func(e env) { e.s1.Join(e.s2.ID()); e.s1.Leave(e.s2.ID()) }, []string{"join-room s2 s1", "leave-room s2 s1"}},
		{"SocketsJoin and SocketsLeave", func(e env) {
			e.io.To(e.s1.ID()).SocketsJoin("b")
			e.io.Of("/").In("b").SocketsLeave("b")
		}, []string{"create-room b", "join-room b s1", "leave-room b s1", "delete-room b"}},
		{"listeners removed", func(e env) { e.off(); e.s1.Join("a"); e.s1.Leave("a") }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
			log := &roomLog{}
			off := log.listen(srv.io.Of("/").Adapter().(RoomEvents))
			_, s1 := srv.dialConnected(t, dialConfig{})
			_, s2 := srv.dialConnected(t, dialConfig{})
			log.setName(s1.ID(), "s1")
			log.setName(s2.ID(), "s2")
			if got, want := log.take(), []string{"create-room s1", "join-room s1 s1", "create-room s2", "join-room s2 s2"}; !slices.Equal(got, want) {
				t.Fatalf("connecting: %q, want %q", got, want)
			}
			tt.do(env{srv.io, s1, s2, off})
			if got := log.take(); !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRoomEventsOnDisconnect: a socket that disconnects leaves every room,
// its own first (the order it joined them), and the rooms it was alone in
// are deleted.
func TestRoomEventsOnDisconnect(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
	log := &roomLog{}
	log.listen(srv.io.Of("/").Adapter().(RoomEvents))
	c1, s1 := srv.dialConnected(t, dialConfig{})
	_, s2 := srv.dialConnected(t, dialConfig{})
	log.setName(s1.ID(), "s1")
	log.setName(s2.ID(), "s2")
	s1.Join("a", "shared")
	s2.Join("shared")
	log.take()
	c1.send("41") // the client leaves
	eventually(t, func() bool { return log.len() >= 5 }, "5 events")
	want := []string{"leave-room s1 s1", "delete-room s1", "leave-room a s1", "delete-room a", "leave-room shared s1"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestRoomEventListenerMayJoinAndBroadcast: a listener that joins a room
// and broadcasts does not deadlock, and the events of its join follow
// those of the change it was told of.
func TestRoomEventListenerMayJoinAndBroadcast(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine(), Recovery: &RecoveryOptions{}}, nil)
	ad := srv.io.Of("/").Adapter().(RoomEvents)
	log := &roomLog{}
	c1, s1 := srv.dialConnected(t, dialConfig{})
	log.setName(s1.ID(), "s1")
	log.listen(ad)
	ad.OnJoinRoom(func(room, id string) {
		if room == "a" {
			srv.io.Of("/").Socket(id).Join("b")
			_ = srv.io.To("a").Emit("hello", room)
		}
	})
	s1.Join("a")
	want := []string{"create-room a", "join-room a s1", "create-room b", "join-room b s1"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := c1.nextText(); !strings.HasPrefix(got, `42["hello","a",`) { // with its recovery offset
		t.Fatalf("got %q", got)
	}
}

// TestRoomEventsOnRecovery: a recovered socket rejoins its rooms with the
// adapter's recovery lock held (Rejoiner); the room events run after it is
// released, so a listener that broadcasts does not deadlock.
func TestRoomEventsOnRecovery(t *testing.T) {
	t.Parallel()
	rs := newRecoveryServer(t, RecoveryOptions{})
	c := rs.dial(t, dialConfig{})
	s, pid := rs.connect(t, c, "")
	s.Join("r")
	_ = rs.io.Emit("before")
	off := parseEvent(t, c.nextText(), true).offset
	dis := disconnects(s)
	_ = c.conn.Close()
	expectReason(t, dis, ReasonTransportClose)

	log := &roomLog{}
	log.setName(s.ID(), "s")
	log.listen(rs.io.Of("/").Adapter().(RoomEvents))
	rs.io.Of("/").Adapter().(RoomEvents).OnJoinRoom(func(room, id string) {
		if room == "r" {
			_ = rs.io.To("r").Emit("welcome-back") // logged: takes the recovery lock
		}
	})
	c2 := rs.dial(t, dialConfig{})
	c2.send(`40{"pid":"` + pid + `","offset":"` + off + `"}`)
	sid, _ := recoveryReply(t, c2.nextText())
	if sid != s.ID() {
		t.Fatalf("not recovered: %q", sid)
	}
	if e := parseEvent(t, c2.nextText(), true); e.name != "welcome-back" {
		t.Fatalf("got %+v", e)
	}
	want := []string{"create-room s", "join-room s s", "create-room r", "join-room r s"}
	if got := log.take(); !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// BenchmarkJoinLeave: a join and a leave, with no room event listener
// (nothing is queued) and with one of each kind.
func BenchmarkJoinLeave(b *testing.B) {
	for _, listeners := range []bool{false, true} {
		name := "no listeners"
		if listeners {
			name = "listeners"
		}
		b.Run(name, func(b *testing.B) {
			p := &inproc{tb: b, io: NewServer(nil)}
			defer p.shutdown()
			_, s := p.connect()
			if listeners {
				ev := p.io.Of("/").Adapter().(RoomEvents)
				ev.OnCreateRoom(func(string) {})
				ev.OnDeleteRoom(func(string) {})
				ev.OnJoinRoom(func(string, string) {})
				ev.OnLeaveRoom(func(string, string) {})
			}
			b.ReportAllocs()
			for b.Loop() {
				s.Join("a")
				s.Leave("a")
			}
		})
	}
}
