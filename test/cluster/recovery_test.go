package cluster

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// TestRealClientRecoversOnAnotherNode: socket.io-client, behind a proxy
// that plays the load balancer, loses its Go node and reconnects to the
// same URL, which now leads to another Go node: it gets its id back and
// the events it missed, then the live ones, each once.
func TestRealClientRecoversOnAnotherNode(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client"))
	redisURL := testenv.RedisURL(t)
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	key := "kinrecovery-" + testenv.RandomID()
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })

	start := func() (*socketio.Server, string) {
		c := redis.NewClient(opts)
		t.Cleanup(func() { _ = c.Close() })
		n := redisadapter.NewNode(c, &redisadapter.Options{Key: key})
		io := socketio.NewServer(&socketio.Options{NewAdapter: n.NewAdapter,
			Recovery: &socketio.RecoveryOptions{MaxDisconnectionDuration: time.Minute}})
		io.Use(func(s *socketio.Socket) error {
			if j := s.Handshake().Query.Get("join"); j != "" {
				s.Join(j)
			}
			return nil
		})
		ts := httptest.NewServer(io)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = io.Shutdown(ctx)
			ts.Close()
		})
		return io, strings.TrimPrefix(ts.URL, "http://")
	}
	a, addrA := start()
	b, addrB := start()
	e := &env{t: t, rdb: rdb, key: key}
	e.waitNodes(2)

	lb := newProxy(t, addrA)
	cl := startClient(t, node, "http://"+lb.addr())

	first := cl.expect("connect ")
	sid := strings.Fields(first)[1]
	if !strings.HasSuffix(first, " false") {
		t.Fatalf("first connection: %s", first)
	}
	if err := a.To("r").Emit("e1", 1); err != nil {
		t.Fatal(err)
	}
	cl.expect(`event ["e1",1,"`)

	// Node a goes away for this client: the balancer holds it back until
	// a has kept its session, then sends it to b.
	lb.pause(addrB)
	kept := func() bool { // stored by a at the disconnection (not live on a)
		keys, _ := rdb.Keys(context.Background(), key+"-session#*").Result()
		for _, k := range keys {
			if v, _ := rdb.Get(context.Background(), k).Result(); v != "" && !strings.Contains(v, `"live":"`) {
				return true
			}
		}
		return false
	}
	deadline := time.Now().Add(waitTimeout)
	for !kept() {
		if time.Now().After(deadline) {
			t.Fatal("session not kept")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := b.To("r").Emit("e2", 2); err != nil { // missed, sent by b
		t.Fatal(err)
	}
	if err := a.To("r").Emit("e3", 3); err != nil { // missed, sent by a
		t.Fatal(err)
	}
	lb.release()

	if got := cl.expect("connect "); got != "connect "+sid+" true" {
		t.Fatalf("reconnection: %s, want connect %s true", got, sid)
	}
	cl.expect(`event ["e2",2,"`)
	cl.expect(`event ["e3",3,"`)
	if err := a.To("r").Emit("e4", 4); err != nil {
		t.Fatal(err)
	}
	if err := a.Emit("marker"); err != nil {
		t.Fatal(err)
	}
	cl.expect(`event ["e4",4,"`)
	cl.expect(`event ["marker","`)
}

// client is recovering-client.mjs; its lines come in order.
type nodeClient struct {
	t     *testing.T
	lines chan string
}

func startClient(t *testing.T, node, url string) *nodeClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, node, "recovering-client.mjs", url)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	c := &nodeClient{t: t, lines: make(chan string, 256)}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		_ = stdin.Close()
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
	return c
}

// expect returns the next line, which must start with prefix.
func (c *nodeClient) expect(prefix string) string {
	c.t.Helper()
	select {
	case l, ok := <-c.lines:
		if !ok {
			c.t.Fatalf("client exited, waiting for %q", prefix)
		}
		if !strings.HasPrefix(l, prefix) {
			c.t.Fatalf("client printed %q, want %q…", l, prefix)
		}
		return l
	case <-time.After(waitTimeout):
		c.t.Fatalf("client printed nothing, waiting for %q", prefix)
	}
	return ""
}

// proxy is a TCP load balancer with one backend at a time.
type proxy struct {
	ln      net.Listener
	mu      sync.Mutex
	target  string
	held    chan struct{} // closed when new connections may go on
	conns   map[net.Conn]struct{}
	wg      sync.WaitGroup
	closing bool
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, held: make(chan struct{}), conns: make(map[net.Conn]struct{})}
	close(p.held)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

func (p *proxy) serve(c net.Conn) {
	defer p.wg.Done()
	p.mu.Lock()
	held := p.held
	p.mu.Unlock()
	<-held
	p.mu.Lock()
	target, closing := p.target, p.closing
	p.mu.Unlock()
	if closing {
		c.Close()
		return
	}
	s, err := net.Dial("tcp", target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[s] = struct{}{}, struct{}{}
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) { _, _ = io.Copy(dst, src); done <- struct{}{} }
	go pipe(s, c)
	go pipe(c, s)
	<-done
	c.Close()
	s.Close()
	<-done
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

// pause cuts every connection and holds new ones until release, which
// sends them to target.
func (p *proxy) pause(target string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.target = target
	p.held = make(chan struct{})
	for c := range p.conns {
		c.Close()
	}
}

func (p *proxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	close(p.held)
}

func (p *proxy) close() {
	p.mu.Lock()
	p.closing = true
	select {
	case <-p.held:
	default:
		close(p.held)
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.ln.Close()
	p.wg.Wait()
}
