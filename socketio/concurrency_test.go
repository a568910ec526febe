package socketio

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"
)

// Many goroutines emit, broadcast, join, leave, fetch and connect at once;
// run with -race. Every client must still get a final marker, and the
// room bookkeeping must be consistent at the end.
func TestConcurrentEmitsAndRooms(t *testing.T) {
	t.Parallel()
	for _, recovery := range []bool{false, true} {
		t.Run("recovery="+strconv.FormatBool(recovery), func(t *testing.T) {
			t.Parallel()
			opts := &Options{Engine: quietEngine()}
			if recovery {
				opts.Recovery = &RecoveryOptions{}
			}
			srv := newTestServer(t, opts, func(io *Server) {
				io.OnConnection(func(s *Socket) {
					s.On("chat", func(e *Event) {
						_ = s.Broadcast().Emit("chat", e.Values()...)
						_ = e.Ack("ok")
					})
					s.On("join", func(e *Event) {
						var r string
						if e.Decode(0, &r) == nil {
							s.Join(r)
						}
					})
				})
			})
			const nClients = 12
			var clients []*wsClient
			var sockets []*Socket
			for i := 0; i < nClients; i++ {
				c, s := srv.dialConnected(t, dialConfig{ackWith: `["ack"]`})
				clients = append(clients, c)
				sockets = append(sockets, s)
			}
			rooms := []string{"r0", "r1", "r2", "r3"}
			const iters = 150
			var wg sync.WaitGroup
			run := func(name string, fn func(rng *rand.Rand, i int)) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(len(name)), 1))
					for i := 0; i < iters; i++ {
						fn(rng, i)
					}
				}()
			}
			io := srv.io
			for g := 0; g < 3; g++ {
				run(fmt.Sprint("emit", g), func(rng *rand.Rand, i int) {
					_ = sockets[rng.IntN(nClients)].Emit("direct", i, []byte{byte(i)})
				})
				run(fmt.Sprint("room", g), func(rng *rand.Rand, i int) {
					_ = io.To(rooms[rng.IntN(len(rooms))]).Except(rooms[rng.IntN(len(rooms))]).Emit("room", i)
				})
			}
			run("all", func(rng *rand.Rand, i int) { _ = io.Emit("all", map[string]any{"i": i}) })
			run("volatile", func(rng *rand.Rand, i int) { _ = io.Of("/").Volatile().Emit("v", i) })
			run("broadcast", func(rng *rand.Rand, i int) { _ = sockets[rng.IntN(nClients)].Broadcast().Emit("b", i) })
			for g := 0; g < 2; g++ {
				run(fmt.Sprint("join", g), func(rng *rand.Rand, i int) {
					s := sockets[rng.IntN(nClients)]
					if rng.IntN(2) == 0 {
						s.Join(rooms[rng.IntN(len(rooms))])
					} else {
						s.Leave(rooms[rng.IntN(len(rooms))])
					}
					_ = s.Rooms()
				})
			}
			run("ops", func(rng *rand.Rand, i int) {
				switch i % 4 {
				case 0:
					_, _ = io.To(rooms[rng.IntN(len(rooms))]).FetchSockets(context.Background())
				case 1:
					io.To(rooms[rng.IntN(len(rooms))]).SocketsJoin(rooms[rng.IntN(len(rooms))])
				case 2:
					io.To(rooms[rng.IntN(len(rooms))]).SocketsLeave(rooms[rng.IntN(len(rooms))])
				case 3:
					_ = io.Of("/").Len()
				}
			})
			run("acks", func(rng *rand.Rand, i int) {
				if i%10 != 0 {
					return
				}
				ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
				defer cancel()
				_, _ = io.To(rooms[rng.IntN(len(rooms))]).EmitWithAck(ctx, "q", i)
				_, _ = sockets[rng.IntN(nClients)].EmitWithAck(ctx, "q1", i)
			})
			run("data", func(rng *rand.Rand, i int) {
				s := sockets[rng.IntN(nClients)]
				s.SetData(i)
				_ = s.Data()
			})
			// Clients talk at the same time.
			for k := 0; k < 3; k++ {
				c := clients[k]
				run(fmt.Sprint("client", k), func(rng *rand.Rand, i int) {
					c.send(`42["chat","hi",` + strconv.Itoa(i) + `]`)
					if i%20 == 0 {
						c.send(`42["join","` + rooms[rng.IntN(len(rooms))] + `"]`)
					}
				})
			}
			// Sockets come and go.
			run("churn", func(rng *rand.Rand, i int) {
				if i%15 != 0 {
					return
				}
				conn, _, err := websocket.DefaultDialer.Dial(srv.wsURL(""), nil)
				if err != nil {
					t.Errorf("churn dial: %v", err)
					return
				}
				defer conn.Close()
				_ = conn.WriteMessage(websocket.TextMessage, []byte("40"))
				if i%30 == 0 {
					_ = conn.WriteMessage(websocket.TextMessage, []byte("41"))
				}
			})
			wg.Wait()

			for i, c := range clients {
				_ = sockets[i].Emit("final", i)
				for {
					f := c.next()
					if strings.HasPrefix(f.text, `42["final",`+strconv.Itoa(i)) {
						break
					}
				}
				if !sockets[i].Connected() {
					t.Errorf("socket %d disconnected", i)
				}
			}
			// Every room member is a connected socket that lists the room.
			ad := io.Of("/").Adapter().(*MemoryAdapter)
			ad.mu.RLock()
			for room, set := range ad.rooms {
				if len(set.at) != len(set.list) {
					t.Errorf("room %q: %d places for %d members", room, len(set.at), len(set.list))
				}
				for id, i := range set.at {
					if m := ad.members[id]; m == nil || !slices.Contains(m.rooms, room) {
						t.Errorf("room %q has %q, which does not list it", room, id)
					}
					if s := set.list[i].s; s.ID() != id {
						t.Errorf("room %q places %q at socket %q", room, id, s.ID())
					}
					if set.list[i].conn != set.list[i].s.Conn() {
						t.Errorf("room %q: %q with another connection", room, id)
					}
				}
			}
			if len(ad.all) != len(ad.members) {
				t.Errorf("%d sockets listed, %d members", len(ad.all), len(ad.members))
			}
			// And every member lists only rooms that have it.
			for id, m := range ad.members {
				for _, room := range m.rooms {
					if !ad.inRoom(id, room) {
						t.Errorf("%q lists room %q, which does not have it", id, room)
					}
				}
				if m.s.ID() != id {
					t.Errorf("member %q is socket %q", id, m.s.ID())
				}
				if m.at >= len(ad.all) || ad.all[m.at].s != m.s {
					t.Errorf("member %q is not at its place %d of all", id, m.at)
				}
			}
			ad.mu.RUnlock()
			eventually(t, func() bool { return io.Of("/").Len() == nClients }, "churned sockets gone (Len %d)", io.Of("/").Len())
		})
	}
}

// Connections that open and close while the server shuts down.
func TestConcurrentShutdown(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine()}, func(io *Server) {
		io.OnConnection(func(s *Socket) { s.Join("r") })
	})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := &pollClient{t: t, base: srv.ts.URL + "/socket.io/?EIO=4&transport=polling", client: srv.ts.Client()}
				status, body := p.tryDo("GET", p.base, "")
				if status != 200 || len(body) < 2 {
					continue
				}
				_ = srv.io.To("r").Emit("x")
			}
		}()
	}
	for i := 0; i < 5; i++ {
		c, _ := srv.dialConnected(t, dialConfig{})
		_ = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := srv.io.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	eventually(t, func() bool { return srv.io.Engine().Len() == 0 }, "no connections after Shutdown")
}

// tryDo is do without failing the test (for use off the test goroutine).
func (p *pollClient) tryDo(method, u, body string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, u, strings.NewReader(body))
	if err != nil {
		return 0, ""
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return 0, ""
	}
	defer resp.Body.Close()
	b := make([]byte, 512)
	n, _ := resp.Body.Read(b)
	return resp.StatusCode, string(b[:n])
}
