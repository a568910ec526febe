// Package cluster runs Go nodes (socketio/redisadapter) and Node.js
// socket.io 4.8 nodes (@socket.io/redis-adapter) in one cluster on the test
// Redis, with @socket.io/redis-emitter broadcasting into it from outside.
package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// waitTimeout bounds every wait of the tests (and of their raw clients).
const waitTimeout = 15 * time.Second

var npmPackages = []string{
	filepath.Join("node_modules", "socket.io"),
	filepath.Join("node_modules", "@socket.io", "redis-adapter"),
	filepath.Join("node_modules", "@socket.io", "redis-emitter"),
	filepath.Join("node_modules", "redis"),
}

// env is one cluster: a Go node and a Node.js node on a key of its own.
type env struct {
	t        *testing.T
	node     string // the node binary
	redisURL string
	key      string
	rdb      *redis.Client
	goIO     *socketio.Server
	goURL    string
	nodeURL  string
	sse      chan *redisadapter.ServerEvent
	js       *nodeProc
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, node: testenv.Node(t, npmPackages...), redisURL: testenv.RedisURL(t), key: "kincluster-" + testenv.RandomID()}
	opts, err := redis.ParseURL(e.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	e.rdb = redis.NewClient(opts)
	t.Cleanup(func() { _ = e.rdb.Close() })

	// The Go node.
	e.sse = make(chan *redisadapter.ServerEvent, 8)
	goRedis := redis.NewClient(opts)
	t.Cleanup(func() { _ = goRedis.Close() })
	node := redisadapter.NewNode(goRedis, &redisadapter.Options{Key: e.key, RequestsTimeout: 3 * time.Second,
		OnServerSideEmit: func(ev *redisadapter.ServerEvent) {
			if ev.Name == "ask" {
				var arg any
				_ = ev.Args.Decode(0, &arg)
				_ = ev.Ack(map[string]any{"from": "go", "arg": arg})
			}
			e.sse <- ev
		}})
	e.goIO = socketio.NewServer(&socketio.Options{NewAdapter: node.NewAdapter})
	e.goIO.Use(func(s *socketio.Socket) error {
		if j := s.Handshake().Query.Get("join"); j != "" {
			s.Join(strings.Split(j, ",")...)
		}
		s.SetData(map[string]any{"who": s.Handshake().Query.Get("who")})
		return nil
	})
	ts := httptest.NewServer(e.goIO)
	e.goURL = ts.URL
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.goIO.Shutdown(ctx)
		ts.Close()
	})

	// The Node.js node.
	e.js = startNodeServer(t, e.node, e.redisURL, e.key)
	e.nodeURL = e.js.url
	e.waitNodes(2)
	return e
}

// waitNodes waits until n nodes listen on the request channel of "/".
func (e *env) waitNodes(n int64) {
	e.t.Helper()
	ch := e.key + "-request#/#"
	deadline := time.Now().Add(waitTimeout)
	for {
		res, err := e.rdb.PubSubNumSub(context.Background(), ch).Result()
		if err == nil && res[ch] == n {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d nodes on %s, want %d", res[ch], ch, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nodeProc is node-server.mjs, driven through its stdin.
type nodeProc struct {
	t     *testing.T
	url   string
	stdin io.WriteCloser
	mu    sync.Mutex
	next  int
	waits map[int]chan json.RawMessage
	sse   chan string
	out   strings.Builder // everything it printed, for failures
}

func startNodeServer(t *testing.T, node, redisURL, key string, mode ...string) *nodeProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, append([]string{"node-server.mjs", redisURL, key}, mode...)...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("node-server.mjs: %v", err)
	}
	p := &nodeProc{t: t, stdin: stdin, waits: make(map[int]chan json.RawMessage), sse: make(chan string, 16)}
	listening := make(chan string, 1)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			p.handle(sc.Text(), listening)
		}
	}()
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString("stderr: " + sc.Text() + "\n")
			p.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close() // it exits at the end of its input
		done := make(chan struct{})
		go func() { wg.Wait(); _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cancel()
			<-done
		}
		cancel()
	})
	select {
	case port := <-listening:
		p.url = "http://127.0.0.1:" + port
	case <-time.After(waitTimeout):
		t.Fatalf("node-server.mjs did not start:\n%s", p.output())
	}
	return p
}

func (p *nodeProc) handle(line string, listening chan string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out.WriteString(line + "\n")
	switch {
	case strings.HasPrefix(line, "listening "):
		listening <- strings.TrimPrefix(line, "listening ")
	case strings.HasPrefix(line, "sse "):
		p.sse <- strings.TrimPrefix(line, "sse ")
	case strings.HasPrefix(line, "res "):
		var id int
		var rest string
		if i := strings.IndexByte(line[4:], ' '); i > 0 {
			fmt.Sscan(line[4:4+i], &id)
			rest = line[5+i:]
		}
		if ch := p.waits[id]; ch != nil {
			ch <- json.RawMessage(rest)
			delete(p.waits, id)
		}
	}
}

func (p *nodeProc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// do sends a command and returns its result.
func (p *nodeProc) do(cmd map[string]any) json.RawMessage {
	p.t.Helper()
	p.mu.Lock()
	p.next++
	id := p.next
	ch := make(chan json.RawMessage, 1)
	p.waits[id] = ch
	p.mu.Unlock()
	cmd["id"] = id
	b, _ := json.Marshal(cmd)
	if _, err := p.stdin.Write(append(b, '\n')); err != nil {
		p.t.Fatalf("node-server.mjs stdin: %v", err)
	}
	select {
	case r := <-ch:
		if strings.Contains(string(r), `"error"`) {
			p.t.Fatalf("%s: %s", b, r)
		}
		return r
	case <-time.After(waitTimeout):
		p.t.Fatalf("no answer to %s; node printed:\n%s", b, p.output())
	}
	return nil
}

func TestBroadcastsCrossBothWays(t *testing.T) {
	e := newEnv(t)
	g1 := siotest.Dial(t, e.goURL, "join=r", nil, siotest.Timeout(waitTimeout))
	n1 := siotest.Dial(t, e.nodeURL, "join=r", nil, siotest.Timeout(waitTimeout))
	n2 := siotest.Dial(t, e.nodeURL, "join=x", nil, siotest.Timeout(waitTimeout))

	// Go -> clients on Node, binary included, rooms and except honoured.
	if err := e.goIO.To("r").Emit("fromGo", 1, []byte{1, 2}, map[string]any{"s": "é", "f": 1.5, "n": nil}); err != nil {
		t.Fatal(err)
	}
	if err := e.goIO.Of("/").Except("r").Emit("notR"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{g1, n1} {
		head := c.Next()
		want := `451-["fromGo",1,{"_placeholder":true,"num":0},{"f":1.5,"n":null,"s":"é"}]`
		if c == n1 { // Node's socket.io encodes the members in the order they came
			var got []any
			if !strings.HasPrefix(head, "451-[") || json.Unmarshal([]byte(head[4:]), &got) != nil || len(got) != 4 {
				t.Fatalf("node client got %q", head)
			}
			if m, _ := got[3].(map[string]any); m["s"] != "é" || m["f"] != 1.5 || m["n"] != nil {
				t.Fatalf("node client got %q", head)
			}
		} else if head != want {
			t.Fatalf("go client got %q, want %q", head, want)
		}
		if f := c.Next(); f != "<bin>\x01\x02" {
			t.Fatalf("attachment %q", f)
		}
	}
	n2.ExpectEvent("notR", nil)

	// Node -> clients on Go.
	e.js.do(map[string]any{"op": "emit", "to": []string{"r"}, "event": "fromNode", "args": []any{map[string]any{"$bin": []int{5, 6}}, "x"}})
	for _, c := range []*siotest.Client{g1, n1} {
		if head := c.Next(); head != `451-["fromNode",{"_placeholder":true,"num":0},"x"]` {
			t.Fatalf("got %q", head)
		}
		if f := c.Next(); f != "<bin>\x05\x06" {
			t.Fatalf("attachment %q", f)
		}
	}
	e.js.do(map[string]any{"op": "emit", "except": []string{"r"}, "event": "nodeNotR", "args": []any{}})
	n2.ExpectEvent("nodeNotR", nil)
	// Exactly once: the next event of everyone is the marker.
	if err := e.goIO.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*siotest.Client{g1, n1, n2} {
		c.ExpectEvent("marker", nil)
	}
}

func TestFetchSocketsAndSocketsJoinAcrossGoAndNode(t *testing.T) {
	e := newEnv(t)
	g1 := siotest.Dial(t, e.goURL, "join=r&who=g1", nil, siotest.Timeout(waitTimeout))
	n1 := siotest.Dial(t, e.nodeURL, "join=r&who=n1", nil, siotest.Timeout(waitTimeout))
	n2 := siotest.Dial(t, e.nodeURL, "who=n2", nil, siotest.Timeout(waitTimeout))

	// From Go: the Node node's sockets, with rooms and data.
	sockets, err := e.goIO.To("r").FetchSockets(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range sockets {
		ids = append(ids, s.ID)
		if s.ID == n1.SID() {
			if !slices.Contains(s.Rooms, "r") || s.Handshake == nil || s.Handshake.Query.Get("who") != "n1" {
				t.Fatalf("n1 as fetched: %+v", s)
			}
			if d, _ := s.Data.(map[string]any); d["who"] != "n1" {
				t.Fatalf("n1 data %#v", s.Data)
			}
		}
	}
	sort.Strings(ids)
	want := []string{g1.SID(), n1.SID()}
	sort.Strings(want)
	if !slices.Equal(ids, want) {
		t.Fatalf("fetched %v, want %v", ids, want)
	}

	// From Node: the Go node's sockets.
	var fetched []struct {
		ID    string         `json:"id"`
		Rooms []string       `json:"rooms"`
		Data  map[string]any `json:"data"`
	}
	if err := json.Unmarshal(e.js.do(map[string]any{"op": "fetch", "to": []string{"r"}}), &fetched); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range fetched {
		if s.ID == g1.SID() {
			found = slices.Contains(s.Rooms, "r") && s.Data["who"] == "g1"
		}
	}
	if len(fetched) != 2 || !found {
		t.Fatalf("node fetched %+v", fetched)
	}

	// socketsJoin from Go reaches Node's sockets, and from Node Go's.
	e.goIO.To("r").SocketsJoin("joined-go")
	e.js.do(map[string]any{"op": "join", "to": []string{n2.SID()}, "rooms": []string{"joined-node"}})
	e.js.do(map[string]any{"op": "join", "to": []string{g1.SID()}, "rooms": []string{"joined-node"}})
	deadline := time.Now().Add(waitTimeout)
	for !slices.Contains(e.goIO.Of("/").Adapter().Rooms(g1.SID()), "joined-node") {
		if time.Now().After(deadline) {
			t.Fatal("g1 did not join the room Node asked for")
		}
		time.Sleep(5 * time.Millisecond)
	}
	for {
		var inRoom []struct {
			ID string `json:"id"`
		}
		_ = json.Unmarshal(e.js.do(map[string]any{"op": "fetch", "to": []string{"joined-go"}}), &inRoom)
		if len(inRoom) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("in joined-go: %+v", inRoom)
		}
	}
	// The rooms of all nodes, as Node's adapter.allRooms() asks for them.
	var rooms []string
	if err := json.Unmarshal(e.js.do(map[string]any{"op": "allRooms"}), &rooms); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"joined-go", "joined-node", g1.SID(), n1.SID()} {
		if !slices.Contains(rooms, want) {
			t.Fatalf("allRooms %v lacks %s", rooms, want)
		}
	}
	// Broadcast to the joined rooms from the other side.
	e.js.do(map[string]any{"op": "emit", "to": []string{"joined-go"}, "event": "jg", "args": []any{}})
	g1.ExpectEvent("jg", nil)
	n1.ExpectEvent("jg", nil)
	if err := e.goIO.To("joined-node").Emit("jn"); err != nil {
		t.Fatal(err)
	}
	g1.ExpectEvent("jn", nil)
	n2.ExpectEvent("jn", nil)
}

func TestAcksAndServerSideEmitAcrossGoAndNode(t *testing.T) {
	e := newEnv(t)
	siotest.Dial(t, e.goURL, "join=r", nil, siotest.Timeout(waitTimeout), siotest.AckWith(`["from go client"]`))
	siotest.Dial(t, e.nodeURL, "join=r", nil, siotest.Timeout(waitTimeout), siotest.AckWith(`[{"node":"client"}]`))

	// Go asks, a Go client and a Node client answer.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	acks, err := e.goIO.To("r").EmitWithAck(ctx, "q", 1)
	if err != nil {
		t.Fatalf("acks %v: %v", acks, err)
	}
	var got []string
	for _, a := range acks {
		got = append(got, string(a.Raw(0)))
	}
	sort.Strings(got)
	if want := []string{`"from go client"`, `{"node":"client"}`}; !slices.Equal(got, want) {
		t.Fatalf("acks %v, want %v", got, want)
	}

	// Node asks, the same two answer.
	var nodeAcks []any
	if err := json.Unmarshal(e.js.do(map[string]any{"op": "emitWithAck", "to": []string{"r"}, "event": "q", "args": []any{2}}), &nodeAcks); err != nil || len(nodeAcks) != 2 {
		t.Fatalf("node acks %v (%v)", nodeAcks, err)
	}

	// Server-side events: Go -> Node, Node -> Go, with answers.
	a := e.goIO.Of("/").Adapter().(*redisadapter.Adapter)
	if err := a.ServerSideEmit("hello-node", []any{"hi", 3}); err != nil {
		t.Fatal(err)
	}
	select {
	case s := <-e.js.sse:
		if s != `["hello-node","hi",3]` {
			t.Fatalf("node got %s", s)
		}
	case <-time.After(waitTimeout):
		t.Fatal("node did not get the server-side event")
	}
	answers, err := a.ServerSideEmitWithAck(ctx, "ask", 5)
	if err != nil || len(answers) != 1 || string(answers[0]) != `{"from":"node","arg":5}` {
		t.Fatalf("answers %s, err %v", answers, err)
	}
	e.js.do(map[string]any{"op": "serverSideEmit", "event": "hello-go", "args": []any{"x"}})
	ev := recvSSE(t, e.sse)
	if ev.Name != "hello-go" || string(ev.Args.Raw(0)) != `"x"` {
		t.Fatalf("go got %s %v", ev.Name, ev.Args)
	}
	var fromNode []any
	if err := json.Unmarshal(e.js.do(map[string]any{"op": "serverSideEmitWithAck", "event": "ask", "args": []any{9}}), &fromNode); err != nil || len(fromNode) != 1 {
		t.Fatalf("node's answers %v (%v)", fromNode, err)
	}
	if m, _ := fromNode[0].(map[string]any); m["from"] != "go" || m["arg"] != 9.0 {
		t.Fatalf("node's answers %v", fromNode)
	}
	recvSSE(t, e.sse) // the "ask" itself
}

func recvSSE(t *testing.T, ch chan *redisadapter.ServerEvent) *redisadapter.ServerEvent {
	t.Helper()
	select {
	case ev := <-ch:
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("no server-side event")
	}
	return nil
}

func TestEmitterReachesGoClients(t *testing.T) {
	e := newEnv(t)
	g1 := siotest.Dial(t, e.goURL, "join=r", nil, siotest.Timeout(waitTimeout))
	g2 := siotest.Dial(t, e.goURL, "", nil, siotest.Timeout(waitTimeout))
	n1 := siotest.Dial(t, e.nodeURL, "join=r", nil, siotest.Timeout(waitTimeout))

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, e.node, "emitter.mjs", e.redisURL, e.key).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("emitter.mjs: %v\n%s", err, out)
	}
	for _, c := range []*siotest.Client{g1, n1} {
		if head := c.Next(); head != `451-["emitted",{"kind":"room"},{"_placeholder":true,"num":0}]` {
			t.Fatalf("got %q", head)
		}
		if f := c.Next(); f != "<bin>\x07\x08\x09" {
			t.Fatalf("attachment %q", f)
		}
	}
	for _, c := range []*siotest.Client{g1, g2, n1} {
		c.ExpectEvent("emitted", map[string]string{"kind": "all"})
	}
	deadline := time.Now().Add(waitTimeout)
	for !slices.Contains(e.goIO.Of("/").Adapter().Rooms(g1.SID()), "from-emitter") {
		if time.Now().After(deadline) {
			t.Fatal("the emitter's socketsJoin did not reach the Go node")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if slices.Contains(e.goIO.Of("/").Adapter().Rooms(g2.SID()), "from-emitter") {
		t.Fatal("g2 (not in r) joined")
	}
	ev := recvSSE(t, e.sse)
	if ev.Name != "hello-go" || string(ev.Args.Raw(0)) != `{"from":"emitter"}` {
		t.Fatalf("server-side event %s %v", ev.Name, ev.Args)
	}
}
