package socketio

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestMemoryAdapterAgainstModel runs random joins, leaves (of named rooms,
// of a socket's own room, of rooms named by another socket's id) and
// disconnects, and after each checks that every selection (rooms, except)
// picks exactly the sockets a plain model of the membership says: the
// room lists, with their swap-on-leave places, must never lose a member,
// keep a stale one, or hand a broadcast to a socket outside its rooms.
func TestMemoryAdapterAgainstModel(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rng := rand.New(rand.NewPCG(seed, 0))
		p := &inproc{tb: t, io: NewServer(nil)}
		var sockets []*Socket
		for range 24 {
			_, s := p.connect()
			sockets = append(sockets, s)
		}
		ad := p.io.Of("/").Adapter().(*MemoryAdapter)

		// The model: each connected socket's rooms, its own room included.
		model := map[string]map[string]bool{}
		for _, s := range sockets {
			model[s.ID()] = map[string]bool{s.ID(): true}
		}
		rooms := []string{"a", "b", "c", "d"}
		pickRoom := func() string {
			if rng.IntN(4) == 0 { // a room named by some socket's id
				return sockets[rng.IntN(len(sockets))].ID()
			}
			return rooms[rng.IntN(len(rooms))]
		}
		pickRooms := func(max int) []string {
			out := []string{}
			for range rng.IntN(max + 1) {
				if r := pickRoom(); !slices.Contains(out, r) {
					out = append(out, r)
				}
			}
			return out
		}

		for step := range 400 {
			s := sockets[rng.IntN(len(sockets))]
			in := model[s.ID()]
			switch op := rng.IntN(10); {
			case in == nil: // disconnected: nothing to do with it
			case op < 5:
				r := pickRoom()
				s.Join(r)
				in[r] = true
			case op < 8:
				r := pickRoom()
				if rng.IntN(3) == 0 {
					r = s.ID()
				}
				s.Leave(r)
				delete(in, r)
			case op == 8 && len(model) > 4:
				s.Disconnect(false)
				delete(model, s.ID())
			}

			opts := &BroadcastOptions{Rooms: pickRooms(3), Except: pickRooms(2)}
			var want []string
			for id, in := range model {
				selected := len(opts.Rooms) == 0
				for _, r := range opts.Rooms {
					selected = selected || in[r]
				}
				for _, r := range opts.Except {
					selected = selected && !in[r]
				}
				if selected {
					want = append(want, id)
				}
			}
			got := ad.selectSockets(opts)
			var ids []string
			for _, rm := range *got {
				ids = append(ids, rm.s.ID())
				if rm.conn != rm.s.Conn() {
					t.Fatalf("seed %d step %d: %s listed with another connection", seed, step, rm.s.ID())
				}
			}
			putSockets(got)
			slices.Sort(want)
			slices.Sort(ids)
			if !slices.Equal(ids, want) {
				t.Fatalf("seed %d step %d: rooms %q except %q selected\n%q\nwant\n%q", seed, step, opts.Rooms, opts.Except, ids, want)
			}
			for _, r := range append(slices.Clone(rooms), s.ID()) {
				n := 0
				for _, in := range model {
					if in[r] {
						n++
					}
				}
				if got := ad.RoomSize(r); got != n {
					t.Fatalf("seed %d step %d: room %q has %d sockets, want %d", seed, step, r, got, n)
				}
			}
		}
		p.shutdown()
	}
}
