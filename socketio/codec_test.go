package socketio

import (
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/socketio/parser"
)

// jsonThroughParser is the default JSON format as an Options.Parser, so
// that the tests see every packet go through the interface: it counts the
// packets it encodes and decodes, and refuses to encode events named
// "unencodable".
type jsonThroughParser struct {
	encoded, decoded atomic.Int64
}

var errUnencodable = errors.New("test: unencodable")

func (j *jsonThroughParser) Encode(p *parser.Packet) ([]engineio.Message, error) {
	if strings.HasPrefix(string(p.Data), `["unencodable"`) {
		return nil, errUnencodable
	}
	j.encoded.Add(1)
	return packetMessages(p), nil
}

func (j *jsonThroughParser) NewDecoder(maxAttachments int) PacketDecoder {
	return &countingDecoder{d: parser.Decoder{MaxAttachments: maxAttachments}, n: &j.decoded}
}

type countingDecoder struct {
	d parser.Decoder
	n *atomic.Int64
}

func (c *countingDecoder) Decode(data []byte, binary bool) (*parser.Packet, error) {
	p, err := c.d.Decode(data, binary)
	if p != nil {
		c.n.Add(1)
	}
	return p, err
}

// A broadcast is encoded once by the server's parser, whatever the number
// of sockets it reaches.
func TestParserBroadcastEncodedOnce(t *testing.T) {
	t.Parallel()
	jp := &jsonThroughParser{}
	srv := newTestServer(t, &Options{Parser: jp, Engine: quietEngine()}, nil)
	clients := make([]*wsClient, 3)
	for i := range clients {
		clients[i], _ = srv.dialConnected(t, dialConfig{})
	}
	before := jp.encoded.Load()
	if err := srv.io.To().Emit("news", 1, []byte{7}); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		c.expect(`451-["news",1,{"_placeholder":true,"num":0}]`)
		c.expectBin([]byte{7})
	}
	if n := jp.encoded.Load() - before; n != 1 {
		t.Fatalf("the broadcast to 3 sockets was encoded %d times, want 1", n)
	}
}

// Events, acks both ways (binary included), CONNECT_ERROR and DISCONNECT
// all go through Options.Parser.
func TestParserCarriesEveryPacket(t *testing.T) {
	t.Parallel()
	jp := &jsonThroughParser{}
	srv := newTestServer(t, &Options{Parser: jp, Engine: quietEngine()}, func(io *Server) {
		io.Of("/closed").Use(func(*Socket) error {
			return &ConnectError{Message: "no", Data: map[string]int{"code": 7}}
		})
		io.OnConnection(func(s *Socket) {
			s.On("hello", func(e *Event) {
				var name string
				_ = e.Decode(0, &name)
				_ = e.Ack("hi "+name, []byte{1, 2})
			})
			s.On("bye", func(*Event) { s.Disconnect(false) })
		})
	})
	c, sock := srv.dialConnected(t, dialConfig{ackWith: `["pong"]`})
	c.send(`42["hello","bob"]`) // no ack asked: none sent
	c.send(`421["hello","ann"]`)
	c.expect(`461-1["hi ann",{"_placeholder":true,"num":0}]`)
	c.expectBin([]byte{1, 2})

	done := make(chan Args, 1)
	go func() {
		a, err := sock.EmitWithAck(ctxTimeout(t, waitTimeout), "ping")
		if err != nil {
			t.Error(err)
		}
		done <- a
	}()
	c.expect(`420["ping"]`)
	if got := recv(t, done, "the ack"); got.Len() != 1 || string(got.Raw(0)) != `"pong"` {
		t.Fatalf("ack %v", got.Values())
	}

	c.send(`40/closed,`)
	c.expect(`44/closed,{"message":"no","data":{"code":7}}`)
	c.send(`42["bye"]`)
	c.expect(`41`)
	if jp.decoded.Load() < 5 {
		t.Fatalf("decoded %d packets through the parser, want at least 5", jp.decoded.Load())
	}
}

// A packet the parser cannot encode fails the emit that made it; in a
// broadcast it is logged and dropped; nothing else breaks.
func TestParserEncodeError(t *testing.T) {
	t.Parallel()
	log := &recordingLogger{}
	jp := &jsonThroughParser{}
	srv := newTestServer(t, &Options{Parser: jp, Engine: quietEngine(), Logger: log}, nil)
	c, sock := srv.dialConnected(t, dialConfig{})
	var reported atomic.Int64 // unencodable events OnAnyOutgoing saw
	sock.OnAnyOutgoing(func(e *Event) {
		if e.Name == "unencodable" {
			reported.Add(1)
		}
	})
	if err := sock.Emit("unencodable"); !errors.Is(err, errUnencodable) {
		t.Fatalf("Emit: %v, want the parser's error", err)
	}
	if _, err := sock.EmitWithAck(ctxTimeout(t, waitTimeout), "unencodable"); !errors.Is(err, errUnencodable) {
		t.Fatalf("EmitWithAck: %v, want the parser's error", err)
	}
	if err := srv.io.Emit("unencodable"); err != nil {
		t.Fatalf("broadcast: %v", err) // the adapter logs it
	}
	if !log.has("socketio: encode broadcast") {
		t.Fatalf("the broadcast's error was not logged: %v", log.lines())
	}
	if err := sock.EmitVolatile("unencodable"); !errors.Is(err, errUnencodable) {
		t.Fatalf("EmitVolatile: %v, want the parser's error", err)
	}
	c.expect(marker(t, sock, 1)) // nothing was sent before it
	if n := reported.Load(); n != 0 {
		t.Fatalf("OnAnyOutgoing saw %d events that were never sent", n)
	}
}

// recordingLogger keeps the messages logged.
type recordingLogger struct {
	mu  sync.Mutex
	msg []string
}

func (l *recordingLogger) Debug(msg string, _ ...any) { l.add(msg) }
func (l *recordingLogger) Warn(msg string, _ ...any)  { l.add(msg) }

func (l *recordingLogger) add(msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.msg = append(l.msg, msg)
}

func (l *recordingLogger) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msg...)
}

func (l *recordingLogger) has(msg string) bool {
	for _, m := range l.lines() {
		if m == msg {
			return true
		}
	}
	return false
}
