package postgresadapter

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/siotest"
)

// nodeDir holds node-server.mjs and its npm packages (scripts/test runs
// npm ci there).
var nodeDir = filepath.Join("testdata", "node")

// nodeBinary returns the node binary once the npm packages are installed;
// missing, the test fails in CI and skips elsewhere.
func nodeBinary(t testing.TB) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node not found: run scripts/test, which installs Node.js and the npm packages")
	}
	for _, p := range []string{"socket.io", "@socket.io/postgres-adapter", "@socket.io/postgres-emitter", "pg"} {
		if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", p, "package.json")); err != nil {
			missing(t, "%s is not installed: run (cd %s && npm ci)", p, nodeDir)
		}
	}
	return node
}

// nodeProc is node-server.mjs, driven through its stdin.
type nodeProc struct {
	t     *testing.T
	url   string
	stdin io.WriteCloser
	exit  chan struct{} // closed when it exited
	mu    sync.Mutex
	next  int
	waits map[int]chan json.RawMessage
	sse   chan string
	out   strings.Builder // everything it printed, for failures
}

func startNodeServer(t *testing.T, prefix, table string) *nodeProc {
	t.Helper()
	node := nodeBinary(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "node-server.mjs", postgresURL(), prefix, table)
	cmd.Dir = nodeDir
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("node-server.mjs: %v", err)
	}
	p := &nodeProc{t: t, stdin: stdin, exit: make(chan struct{}), waits: make(map[int]chan json.RawMessage), sse: make(chan string, 16)}
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
	go func() { wg.Wait(); _ = cmd.Wait(); close(p.exit) }()
	t.Cleanup(func() {
		_ = stdin.Close() // it exits at the end of its input
		select {
		case <-p.exit:
		case <-time.After(5 * time.Second):
			cancel()
			<-p.exit
		}
		cancel()
		if t.Failed() {
			t.Logf("node-server.mjs printed:\n%s", p.output())
		}
	})
	select {
	case port := <-listening:
		p.url = "http://127.0.0.1:" + port
	case <-p.exit:
		t.Fatalf("node-server.mjs exited:\n%s", p.output())
	case <-time.After(waitTimeout):
		t.Fatalf("node-server.mjs did not start:\n%s", p.output())
	}
	return p
}

func (p *nodeProc) handle(line string, listening chan string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(line) < 2000 {
		p.out.WriteString(line + "\n")
	}
	switch {
	case strings.HasPrefix(line, "listening "):
		listening <- strings.TrimPrefix(line, "listening ")
	case strings.HasPrefix(line, "sse "):
		p.sse <- strings.TrimPrefix(line, "sse ")
	case strings.HasPrefix(line, "res "):
		var id int
		var rest string
		if i := strings.IndexByte(line[4:], ' '); i > 0 {
			_, _ = fmt.Sscan(line[4:4+i], &id)
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
		if strings.HasPrefix(string(r), `{"error"`) {
			p.t.Fatalf("%.200s: %s", b, r)
		}
		return r
	case <-time.After(waitTimeout):
		p.t.Fatalf("no answer to %.200s:\n%s", b, p.output())
	}
	return nil
}

// mixed is a cluster of a Go node and a Node.js node (with its emitter)
// on one channel prefix and table.
type mixed struct {
	goNode *testNode
	js     *nodeProc
	sse    chan *socketio.ServerEvent
}

func newMixed(t *testing.T, rec ...*socketio.RecoveryOptions) *mixed {
	t.Helper()
	pool := newPool(t)
	nodeBinary(t)
	prefix, table := names(t, pool)
	r := recoveryTables(table)
	t.Cleanup(func() {
		_, _ = pool.Exec(context.Background(), "DROP TABLE IF EXISTS "+r.log+", "+r.sessions+", "+r.nodes)
	})
	m := &mixed{sse: make(chan *socketio.ServerEvent, 8)}
	m.goNode = startNode(t, pool, Options{Channel: prefix, TableName: table, HeartbeatInterval: 500 * time.Millisecond, HeartbeatTimeout: 3 * time.Second}, func(io *socketio.Server) {
		io.Of("/").OnServerSideEmit("ask", func(e *socketio.ServerEvent) {
			var arg any
			_ = e.Args.Decode(0, &arg)
			_ = e.Ack(map[string]any{"from": "go", "arg": arg})
		})
		io.Of("/").OnServerSideEmit("hello-go", func(e *socketio.ServerEvent) { m.sse <- e })
	}, rec...)
	m.js = startNodeServer(t, prefix, table)
	waitCount(t, 2, m.goNode)
	eventually(t, func() bool { return string(m.js.do(map[string]any{"op": "serverCount"})) == "2" }, "the Node.js node counts 2 nodes")
	return m
}

// TestMixedWithNodeJS runs a Go node and a Node.js node of
// @socket.io/postgres-adapter in one cluster: broadcasts (rooms, except,
// binary, over the threshold) both ways, fetchSockets, socketsJoin,
// broadcasts with acks and server-side events with acks both ways, the
// npm emitter into the Go node, and the Node.js node leaving.
func TestMixedWithNodeJS(t *testing.T) {
	t.Parallel()
	m := newMixed(t)
	goA := siotest.Dial(t, m.goNode.url, "join=r&who=goA", nil, siotest.AckWith(`["go-ack"]`))
	goB := siotest.Dial(t, m.goNode.url, "join=r,x&who=goB", nil, siotest.AckWith(`["go-ack"]`))
	jsA := siotest.Dial(t, m.js.url, "join=r&who=jsA", nil, siotest.AckWith(`["js-ack"]`))
	jsB := siotest.Dial(t, m.js.url, "who=jsB", nil, siotest.AckWith(`["js-ack"]`))
	big := strings.Repeat("z", 9000)

	t.Run("go to node", func(t *testing.T) {
		cases := []struct {
			event string
			args  []any
		}{{"small", []any{1}}, {"large", []any{big}}}
		for _, c := range cases {
			if err := m.goNode.io.To("r").Except("x").Emit(c.event, c.args...); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.goNode.io.To("r").Emit("bin", []byte{7, 8}); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			jsA.ExpectEvent(c.event, c.args[0])
			goA.ExpectEvent(c.event, c.args[0])
		}
		for _, cl := range []*siotest.Client{jsA, goA, goB} {
			if f := cl.Next(); f != `451-["bin",{"_placeholder":true,"num":0}]` {
				t.Fatalf("got %q", f)
			}
			if f := cl.Next(); f != "<bin>\x07\x08" {
				t.Fatalf("attachment %q", f)
			}
		}
	})

	// The Node.js adapter sends each message on a connection of its pool,
	// stored ones in two queries: they may arrive in any order. Each is
	// awaited before the next.
	t.Run("node to go", func(t *testing.T) {
		m.js.do(map[string]any{"op": "emit", "to": []string{"r"}, "except": []string{"x"}, "event": "small", "args": []any{2}})
		goA.ExpectEvent("small", 2)
		jsA.ExpectEvent("small", 2)
		m.js.do(map[string]any{"op": "emit", "to": []string{"r"}, "event": "large", "args": []any{big}})
		for _, cl := range []*siotest.Client{goA, goB, jsA} {
			cl.ExpectEvent("large", big)
		}
		m.js.do(map[string]any{"op": "emit", "to": []string{"r"}, "event": "bin", "args": []any{map[string]any{"$bin": []int{1, 2, 3}}}})
		for _, cl := range []*siotest.Client{goA, goB, jsA} {
			if f := cl.Next(); f != `451-["bin",{"_placeholder":true,"num":0}]` {
				t.Fatalf("got %q", f)
			}
			if f := cl.Next(); f != "<bin>\x01\x02\x03" {
				t.Fatalf("attachment %q", f)
			}
		}
	})

	t.Run("fetchSockets", func(t *testing.T) {
		sockets, err := m.goNode.io.To("r").FetchSockets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range sockets {
			got = append(got, fmt.Sprint(s.Data.(map[string]any)["who"]))
			if s.ID == jsA.SID() && (!slices.Contains(s.Rooms, "r") || s.Handshake == nil || s.Local != nil) {
				t.Fatalf("jsA fetched as %+v", s)
			}
		}
		sort.Strings(got)
		if want := []string{"goA", "goB", "jsA"}; !slices.Equal(got, want) {
			t.Fatalf("go fetched %v, want %v", got, want)
		}
		var fromNode []struct {
			ID   string         `json:"id"`
			Data map[string]any `json:"data"`
		}
		if err := json.Unmarshal(m.js.do(map[string]any{"op": "fetch", "to": []string{"x"}}), &fromNode); err != nil {
			t.Fatal(err)
		}
		if len(fromNode) != 1 || fromNode[0].ID != goB.SID() || fromNode[0].Data["who"] != "goB" {
			t.Fatalf("node fetched %+v, want goB", fromNode)
		}
	})

	t.Run("broadcast with acks", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		acks, err := m.goNode.io.To().Timeout(3*time.Second).EmitWithAck(ctx, "q")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range acks {
			got = append(got, string(a.Raw(0)))
		}
		sort.Strings(got)
		if want := []string{`"go-ack"`, `"go-ack"`, `"js-ack"`, `"js-ack"`}; !slices.Equal(got, want) {
			t.Fatalf("go got acks %v, want %v", got, want)
		}
		var fromNode []string
		if err := json.Unmarshal(m.js.do(map[string]any{"op": "emitWithAck", "event": "q"}), &fromNode); err != nil {
			t.Fatal(err)
		}
		sort.Strings(fromNode)
		if want := []string{"go-ack", "go-ack", "js-ack", "js-ack"}; !slices.Equal(fromNode, want) {
			t.Fatalf("node got acks %v, want %v", fromNode, want)
		}
		// Each client read its two events.
		for _, c := range []*siotest.Client{goA, goB, jsA, jsB} {
			c.ExpectEvent("q", nil)
			c.ExpectEvent("q", nil)
		}
	})

	t.Run("socketsJoin from node", func(t *testing.T) {
		m.js.do(map[string]any{"op": "join", "to": []string{"x"}, "rooms": []string{"joined"}})
		eventually(t, func() bool { return slices.Contains(m.goNode.io.Of("/").Adapter().Rooms(goB.SID()), "joined") }, "goB joined")
		if slices.Contains(m.goNode.io.Of("/").Adapter().Rooms(goA.SID()), "joined") {
			t.Fatal("goA joined")
		}
	})

	t.Run("server-side events", func(t *testing.T) {
		answers, err := m.goNode.io.Of("/").ServerSideEmitWithAck(context.Background(), "ask", 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(answers) != 1 || string(answers[0]) != `{"from":"node","arg":5}` {
			t.Fatalf("answers %s", answers)
		}
		var fromNode []map[string]any
		if err := json.Unmarshal(m.js.do(map[string]any{"op": "serverSideEmitWithAck", "event": "ask", "args": []any{"n"}}), &fromNode); err != nil {
			t.Fatal(err)
		}
		if len(fromNode) != 1 || fromNode[0]["from"] != "go" || fromNode[0]["arg"] != "n" {
			t.Fatalf("node got %v", fromNode)
		}
		if err := m.goNode.io.Of("/").ServerSideEmit("hello-node", "from go"); err != nil {
			t.Fatal(err)
		}
		select {
		case s := <-m.js.sse:
			if s != `["hello-node","from go"]` {
				t.Fatalf("node got %s", s)
			}
		case <-time.After(waitTimeout):
			t.Fatal("the Node.js node got no server-side event")
		}
		m.js.do(map[string]any{"op": "serverSideEmit", "event": "hello-go", "args": []any{"from node"}})
		select {
		case e := <-m.sse:
			var s string
			if err := e.Args.Decode(0, &s); err != nil || s != "from node" {
				t.Fatalf("go got %v (%v)", e.Args, err)
			}
		case <-time.After(waitTimeout):
			t.Fatal("the Go node got no server-side event")
		}
	})

	t.Run("emitter", func(t *testing.T) {
		m.js.do(map[string]any{"op": "emitter", "to": []string{"r"}, "except": []string{"x"}, "event": "e1", "args": []any{"hi"}})
		goA.ExpectEvent("e1", "hi")
		m.js.do(map[string]any{"op": "emitter", "to": []string{"r"}, "event": "e2", "args": []any{map[string]any{"$bin": []int{9}}}})
		for _, c := range []*siotest.Client{goA, goB} {
			if f := c.Next(); f != `451-["e2",{"_placeholder":true,"num":0}]` {
				t.Fatalf("got %q", f)
			}
			if f := c.Next(); f != "<bin>\x09" {
				t.Fatalf("attachment %q", f)
			}
		}
		m.js.do(map[string]any{"op": "emitter", "to": []string{"x"}, "event": "e3", "args": []any{big}})
		goB.ExpectEvent("e3", big)
		m.js.do(map[string]any{"op": "emitterJoin", "to": []string{"r"}, "rooms": []string{"by-emitter"}})
		eventually(t, func() bool { return slices.Contains(m.goNode.io.Of("/").Adapter().Rooms(goA.SID()), "by-emitter") }, "goA joined by the emitter")
	})

	t.Run("node leaves", func(t *testing.T) {
		start := time.Now()
		m.js.do(map[string]any{"op": "close"})
		waitCount(t, 1, m.goNode)
		if d := time.Since(start); d > 2*time.Second { // under the heartbeat timeout (3s)
			t.Fatalf("the Node.js node was forgotten after %v: by its silence, not by its ADAPTER_CLOSE", d)
		}
	})
}

// TestMixedWithNodeJSRecovery: with recovery on, the Go node's logged
// broadcasts (small, through the attachment table, binary) reach the
// Node.js node's clients with their offset as last argument, as a
// Node.js server with recovery sends it; the Node.js node's broadcasts,
// which carry none, reach the Go node's clients as they are.
func TestMixedWithNodeJSRecovery(t *testing.T) {
	t.Parallel()
	m := newMixed(t, &socketio.RecoveryOptions{})
	goA := siotest.Dial(t, m.goNode.url, "join=r", nil)
	jsA := siotest.Dial(t, m.js.url, "join=r", nil)
	big := strings.Repeat("z", 9000)
	for _, arg := range []any{1, big} {
		if err := m.goNode.io.To("r").Emit("ev", arg); err != nil {
			t.Fatal(err)
		}
		on := offsetOf(t, jsA.ExpectEvent("ev", arg))
		if og := offsetOf(t, goA.ExpectEvent("ev", arg)); og != on || len(og) != offsetWidth {
			t.Fatalf("offset %q on the Node.js node, %q on the Go node", on, og)
		}
	}
	if err := m.goNode.io.To("r").Emit("bin", []byte{7, 8}); err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*siotest.Client{jsA, goA} {
		f := cl.Next()
		if !strings.HasPrefix(f, `451-["bin",{"_placeholder":true,"num":0},"`) || len(f) != len(`451-["bin",{"_placeholder":true,"num":0},""]`)+offsetWidth {
			t.Fatalf("got %q", f)
		}
		if f := cl.Next(); f != "<bin>\x07\x08" {
			t.Fatalf("attachment %q", f)
		}
	}
	m.js.do(map[string]any{"op": "emit", "to": []string{"r"}, "event": "small", "args": []any{2}})
	if args := goA.ExpectEvent("small", 2); len(args) != 2 {
		t.Fatalf("the Node.js node's broadcast arrived as %s", args)
	}
}
