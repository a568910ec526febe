package socketio

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestServerSideEmitSingleNode: with the memory adapter there is no other
// node: events go nowhere, and acks are none, without error; reserved
// names and parent namespaces are refused, as Node does.
func TestServerSideEmitSingleNode(t *testing.T) {
	t.Parallel()
	io := NewServer(nil)
	parent := io.OfMatch(func(name string) bool { return strings.HasPrefix(name, "/dyn-") })
	tests := []struct {
		name  string
		nsp   *Namespace
		event string
		want  error
	}{
		{"plain", io.Of("/"), "hello", nil},
		{"other namespace", io.Of("/orders"), "hello", nil},
		{"connect is reserved", io.Of("/"), "connect", ErrReservedEvent},
		{"connection is reserved", io.Of("/"), "connection", ErrReservedEvent},
		{"new_namespace is reserved", io.Of("/"), "new_namespace", ErrReservedEvent},
		{"parent", parent, "hello", ErrParentNamespace},
	}
	for _, tt := range tests {
		if err := tt.nsp.ServerSideEmit(tt.event, 1); !errors.Is(err, tt.want) {
			t.Errorf("%s: ServerSideEmit = %v, want %v", tt.name, err, tt.want)
		}
		answers, err := tt.nsp.ServerSideEmitWithAck(context.Background(), tt.event, 1)
		if !errors.Is(err, tt.want) || len(answers) != 0 {
			t.Errorf("%s: ServerSideEmitWithAck = %s, %v, want none, %v", tt.name, answers, err, tt.want)
		}
	}
}

// noAckAdapter is an adapter without ServerSideAcker.
type noAckAdapter struct{ Adapter }

func TestServerSideEmitWithAckNeedsAcker(t *testing.T) {
	t.Parallel()
	io := NewServer(&Options{NewAdapter: func(n *Namespace) Adapter { return noAckAdapter{NewMemoryAdapter(n)} }})
	if _, err := io.Of("/").ServerSideEmitWithAck(context.Background(), "x"); !errors.Is(err, ErrNoServerSideAck) {
		t.Fatalf("err = %v, want ErrNoServerSideAck", err)
	}
}

// TestReceiveServerSideEmit: what an adapter receives reaches the
// listeners of its name, in order, and only the first answer goes back.
func TestReceiveServerSideEmit(t *testing.T) {
	t.Parallel()
	nsp := NewServer(nil).Of("/")
	var got []string
	nsp.OnServerSideEmit("ping", func(e *ServerEvent) {
		var n int
		_ = e.Args.Decode(0, &n)
		got = append(got, "first")
		_ = e.Ack(n + 1)
	})
	off := nsp.OnServerSideEmit("ping", func(e *ServerEvent) { got = append(got, "removed") })
	nsp.OnServerSideEmit("ping", func(e *ServerEvent) {
		got = append(got, "last")
		_ = e.Ack("ignored")
	})
	nsp.OnServerSideEmit("other", func(e *ServerEvent) { got = append(got, "other") })
	off()

	var answers []string
	e := NewServerEvent("/", "ping", NewArgs([]json.RawMessage{json.RawMessage("41")}, nil), func(b json.RawMessage) {
		answers = append(answers, string(b))
	})
	if !e.HasAck() {
		t.Fatal("HasAck = false")
	}
	nsp.ReceiveServerSideEmit(e)
	if strings.Join(got, ",") != "first,last" || strings.Join(answers, ",") != "42" {
		t.Fatalf("listeners %q, answers %q", got, answers)
	}

	// Without an ack function, Ack does nothing.
	got = nil
	e = NewServerEvent("/", "other", Args{}, nil)
	nsp.ReceiveServerSideEmit(e)
	if e.HasAck() || e.Ack(1) != nil || strings.Join(got, ",") != "other" {
		t.Fatalf("HasAck %v, listeners %q", e.HasAck(), got)
	}
}
