package redisadapter

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/engineio"
	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
)

func TestMain(m *testing.M) {
	redis.SetLogger(quietRedis{}) // the tests that cut Redis off would fill the output with dial errors
	goleak.VerifyTestMain(m)
}

type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

// waitTimeout bounds every wait of the tests.
const waitTimeout = 10 * time.Second

// newRedis returns a client of the test Redis (testenv.RedisURL: skipped,
// or failed in CI, when there is none) and a key prefix of the test's own.
func newRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	rdb := redis.NewClient(redisOptions(t))
	t.Cleanup(func() { _ = rdb.Close() })
	key := "kintest-" + testenv.RandomID()
	t.Cleanup(func() { deleteKeys(rdb, key) }) // after the nodes stopped
	return rdb, key
}

// deleteKeys deletes the keys (sessions, streams) of cluster key.
func deleteKeys(rdb *redis.Client, key string) {
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, key+"*", 100).Iterator()
	for iter.Next(ctx) {
		rdb.Del(ctx, iter.Val())
	}
}

func redisOptions(t testing.TB) *redis.Options {
	t.Helper()
	o, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// eventually polls cond until it holds, failing the test at the deadline.
func eventually(t testing.TB, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition never held: "+format, args...)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// testNode is a socketio server on the adapter, behind an httptest server.
type testNode struct {
	io   *socketio.Server
	node *Node
	ts   *httptest.Server
	once sync.Once
}

type nodeConfig struct {
	opts     *Options
	recovery *socketio.RecoveryOptions
	engine   *engineio.Options
	setup    func(io *socketio.Server)
	client   *redis.Client // default: a client of its own
}

// startNode starts a node of the cluster named key.
func startNode(t testing.TB, key string, cfg nodeConfig) *testNode {
	t.Helper()
	var o Options
	if cfg.opts != nil {
		o = *cfg.opts
	}
	o.Key = key
	if o.RequestsTimeout == 0 {
		o.RequestsTimeout = 3 * time.Second
	}
	rdb := cfg.client
	if rdb == nil {
		rdb = redis.NewClient(redisOptions(t))
		t.Cleanup(func() { _ = rdb.Close() })
	}
	n := &testNode{node: NewNode(rdb, &o)}
	n.io = socketio.NewServer(&socketio.Options{NewAdapter: n.node.NewAdapter, Recovery: cfg.recovery, Engine: cfg.engine})
	n.io.Use(func(s *socketio.Socket) error { // before the CONNECT reply
		for _, r := range s.Handshake().Query["join"] {
			s.Join(strings.Split(r, ",")...)
		}
		return nil
	})
	if cfg.setup != nil {
		cfg.setup(n.io)
	}
	n.ts = httptest.NewServer(n.io)
	t.Cleanup(n.stop)
	return n
}

func (n *testNode) stop() {
	n.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = n.io.Shutdown(ctx)
		n.ts.Close()
	})
}

// waitNodes waits until n nodes listen on the request channel of nsp.
func waitNodes(t testing.TB, rdb *redis.Client, key, nsp string, n int64) {
	t.Helper()
	ch := key + "-request#" + nsp + "#"
	eventually(t, func() bool {
		res, err := rdb.PubSubNumSub(context.Background(), ch).Result()
		return err == nil && res[ch] == n
	}, "%d nodes subscribed to %s", n, ch)
}

// client speaks the raw Engine.IO/Socket.IO protocol over a WebSocket.
type client struct {
	t       testing.TB
	conn    *websocket.Conn
	sid     string
	pid     string
	frames  chan string
	done    chan struct{}
	wmu     sync.Mutex
	ackWith string // when set, events with an ack id are answered with this array
}

// dial connects to "/" of node n with query (join=a,b joins rooms) and
// auth, and returns the connected client.
func dial(t testing.TB, n *testNode, query string, auth any) *client {
	t.Helper()
	return dialAck(t, n, query, auth, "")
}

// dialAck is dial with a client that acks events with ackWith.
func dialAck(t testing.TB, n *testNode, query string, auth any, ackWith string) *client {
	t.Helper()
	u := "ws" + strings.TrimPrefix(n.ts.URL, "http") + "/socket.io/?EIO=4&transport=websocket"
	if query != "" {
		u += "&" + query
	}
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	c := &client{t: t, conn: conn, frames: make(chan string, 1024), done: make(chan struct{}), ackWith: ackWith}
	t.Cleanup(c.close)
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, open, err := conn.ReadMessage(); err != nil || len(open) == 0 || open[0] != '0' {
		t.Fatalf("open packet %q: %v", open, err)
	}
	_ = conn.SetReadDeadline(time.Time{})
	go c.readLoop()
	connect := "40"
	if auth != nil {
		b, _ := json.Marshal(auth)
		connect += string(b)
	}
	c.send(connect)
	reply := c.next()
	if !strings.HasPrefix(reply, "40{") {
		t.Fatalf("connect reply %q", reply)
	}
	var r struct{ SID, PID string }
	_ = json.Unmarshal([]byte(reply[2:]), &r)
	c.sid, c.pid = r.SID, r.PID
	return c
}

func (c *client) readLoop() {
	defer close(c.done)
	defer close(c.frames)
	for {
		mt, data, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		text := string(data)
		if mt == websocket.BinaryMessage {
			text = "<bin>" + string(data)
		} else if text == "2" {
			c.send("3")
			continue
		} else if c.ackWith != "" && strings.HasPrefix(text, "42") {
			if i := strings.IndexByte(text, '['); i > 2 {
				c.send("43" + text[2:i] + c.ackWith)
			}
		}
		c.frames <- text
	}
}

func (c *client) send(text string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(waitTimeout))
	_ = c.conn.WriteMessage(websocket.TextMessage, []byte(text))
}

func (c *client) close() {
	_ = c.conn.Close()
	<-c.done
}

// next returns the next frame (binary ones as "<bin>" and their bytes).
func (c *client) next() string {
	c.t.Helper()
	select {
	case f, ok := <-c.frames:
		if !ok {
			c.t.Fatalf("connection closed while waiting for a frame")
		}
		return f
	case <-time.After(waitTimeout):
		c.t.Fatalf("timed out waiting for a frame")
	}
	return ""
}

// event reads the next frame, which must be an EVENT; it returns its
// arguments, name first, and its ack id ("" without).
func (c *client) event() ([]json.RawMessage, string) {
	c.t.Helper()
	f := c.next()
	if !strings.HasPrefix(f, "42") {
		c.t.Fatalf("frame %q, want an event", f)
	}
	rest := f[2:]
	i := strings.IndexByte(rest, '[')
	id := rest[:i]
	var args []json.RawMessage
	if err := json.Unmarshal([]byte(rest[i:]), &args); err != nil {
		c.t.Fatalf("event %q: %v", f, err)
	}
	return args, id
}

// expectEvent reads the next event and checks its name and, when want is
// not nil, its first argument.
func (c *client) expectEvent(name string, want any) []json.RawMessage {
	c.t.Helper()
	args, _ := c.event()
	var got string
	_ = json.Unmarshal(args[0], &got)
	if got != name {
		c.t.Fatalf("event %s, want %s (args %s)", got, name, args)
	}
	if want != nil {
		w, _ := json.Marshal(want)
		if len(args) < 2 || string(args[1]) != string(w) {
			c.t.Fatalf("event %s args %s, want first %s", name, args[1:], w)
		}
	}
	return args
}

// expectClosed waits for the server to disconnect the client; it returns
// the frames before the close.
func (c *client) expectClosed() []string {
	c.t.Helper()
	var got []string
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				return got
			}
			got = append(got, f)
		case <-time.After(waitTimeout):
			c.t.Fatalf("connection still open; got %q", got)
		}
	}
}
