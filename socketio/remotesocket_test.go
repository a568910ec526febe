package socketio

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// TestRemoteSocketOps: the sockets FetchSockets returns can be told to
// emit, join, leave and disconnect (on one node, through the memory
// adapter; package redisadapter tests them across nodes).
func TestRemoteSocketOps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		do    func(t *testing.T, r RemoteSocket)
		check func(t *testing.T, c *wsClient, s *Socket)
	}{
		{"emit", func(t *testing.T, r RemoteSocket) {
			if err := r.Emit("hello", "you"); err != nil {
				t.Fatal(err)
			}
		}, func(t *testing.T, c *wsClient, s *Socket) { c.expect(`42["hello","you"]`) }},
		{"join", func(t *testing.T, r RemoteSocket) { r.Join("a", "b") }, func(t *testing.T, c *wsClient, s *Socket) {
			if got := s.Rooms(); !slices.Equal(got, []string{s.ID(), "x", "a", "b"}) {
				t.Fatalf("rooms %q", got)
			}
		}},
		{"leave", func(t *testing.T, r RemoteSocket) { r.Leave("x") }, func(t *testing.T, c *wsClient, s *Socket) {
			if got := s.Rooms(); !slices.Equal(got, []string{s.ID()}) {
				t.Fatalf("rooms %q", got)
			}
		}},
		{"disconnect", func(t *testing.T, r RemoteSocket) { r.Disconnect(false) }, func(t *testing.T, c *wsClient, s *Socket) {
			c.expect("41")
			if s.Connected() {
				t.Fatal("still connected")
			}
		}},
		{"disconnect and close", func(t *testing.T, r RemoteSocket) { r.Disconnect(true) }, func(t *testing.T, c *wsClient, s *Socket) {
			c.expectClosed()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t, &Options{Engine: quietEngine()}, nil)
			c, s := srv.dialConnected(t, dialConfig{})
			s.Join("x")
			_, other := srv.dialConnected(t, dialConfig{})
			list, err := srv.io.Of("/").In("x").FetchSockets(context.Background())
			if err != nil || len(list) != 1 || list[0].ID != s.ID() {
				t.Fatalf("FetchSockets = %v, %v", list, err)
			}
			tt.do(t, list[0])
			tt.check(t, c, s)
			if got := other.Rooms(); !slices.Equal(got, []string{other.ID()}) || !other.Connected() {
				t.Fatalf("the other socket changed: rooms %q, connected %v", got, other.Connected())
			}
		})
	}
}

func TestRemoteSocketEmitWithAck(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine(), AckTimeout: time.Minute}, nil)
	c, s := srv.dialConnected(t, dialConfig{ackWith: `["pong",2]`})
	list, err := srv.io.Of("/").FetchSockets(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("FetchSockets = %v, %v", list, err)
	}
	r := list[0]
	ack, err := r.EmitWithAck(context.Background(), "ping", 1)
	if err != nil || ack.Len() != 2 || string(ack.Raw(0)) != `"pong"` {
		t.Fatalf("ack %v, err %v", ack.Values(), err)
	}
	_ = c
	s.Disconnect(false)
	if _, err := r.EmitWithAck(ctxTimeout(t, waitTimeout), "ping"); !errors.Is(err, ErrDisconnected) {
		t.Fatalf("after disconnect: err %v, want ErrDisconnected", err)
	}
	if err := r.Emit("x"); err != nil { // nobody to reach: nothing happens
		t.Fatalf("Emit after disconnect = %v", err)
	}
}

func TestRemoteSocketAckTimeout(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t, &Options{Engine: quietEngine(), AckTimeout: 50 * time.Millisecond}, nil)
	srv.dialConnected(t, dialConfig{}) // never acks
	list, _ := srv.io.Of("/").FetchSockets(context.Background())
	if _, err := list[0].EmitWithAck(context.Background(), "ping"); !errors.Is(err, ErrAckTimeout) {
		t.Fatalf("err %v, want ErrAckTimeout", err)
	}
}

func TestRemoteSocketNotFetched(t *testing.T) {
	t.Parallel()
	r := RemoteSocket{ID: "x"}
	if err := r.Emit("e"); !errors.Is(err, ErrNotFetched) {
		t.Fatalf("Emit = %v", err)
	}
	if _, err := r.EmitWithAck(context.Background(), "e"); !errors.Is(err, ErrNotFetched) {
		t.Fatalf("EmitWithAck = %v", err)
	}
	r.Join("a") // no namespace: nothing, and no panic
	r.Leave("a")
	r.Disconnect(true)
}
