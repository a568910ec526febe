package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var (
	kinrtOnce sync.Once
	kinrtBin  string
	kinrtErr  error
)

// kinrtBinary builds cmd/kinrt once per test binary and returns its path.
func kinrtBinary(t *testing.T) string {
	t.Helper()
	kinrtOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kinrt-bin-")
		if err != nil {
			kinrtErr = err
			return
		}
		kinrtBin = filepath.Join(dir, "kinrt")
		out, err := exec.Command("go", "build", "-o", kinrtBin, "../../cmd/kinrt").CombinedOutput()
		if err != nil {
			kinrtErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if kinrtErr != nil {
		t.Fatal(kinrtErr)
	}
	return kinrtBin
}

// kinrtProcess is `kinrt serve` in a process of its own.
type kinrtProcess struct {
	t    *testing.T
	cmd  *exec.Cmd
	URL  string
	log  *bytes.Buffer
	mu   *sync.Mutex
	done chan struct{}
}

// lockedWriter guards the process's log buffer.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// startKinrt runs the service with env on a free port (its admin
// listener on another) and waits until it is ready; it is killed at the
// end of the test.
func startKinrt(t *testing.T, env []string) *kinrtProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	p := &kinrtProcess{t: t, URL: "http://" + addr, log: new(bytes.Buffer), mu: new(sync.Mutex), done: make(chan struct{})}
	p.cmd = exec.Command(kinrtBinary(t), "serve", "--addr", addr)
	// Several nodes run at once: each its own admin listener.
	p.cmd.Env = append(append(os.Environ(), "KIN_ADMIN_ADDR=127.0.0.1:0"), env...)
	p.cmd.Stdout = lockedWriter{p.mu, p.log}
	p.cmd.Stderr = lockedWriter{p.mu, p.log}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("log of %s:\n%s", p.URL, p.logText())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(p.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("kinrt exited at start:\n%s", p.logText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kinrt at %s never became ready:\n%s", p.URL, p.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *kinrtProcess) logText() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// kill sends SIGKILL and waits for the process to end.
func (p *kinrtProcess) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

// tcpProxy is the load balancer of a test cluster: each new connection
// goes to the current target.
type tcpProxy struct {
	ln     net.Listener
	target atomic.Value // string host:port
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, conns: map[net.Conn]struct{}{}}
	p.setTarget(target)
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// drop closes every connection going through the proxy, as a network
// failure between clients and their node would.
func (p *tcpProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		_ = c.Close()
	}
}

// URL is the proxy's http:// URL.
func (p *tcpProxy) URL() string { return "http://" + p.ln.Addr().String() }

// setTarget sends the next connections to url (http://host:port).
func (p *tcpProxy) setTarget(url string) { p.target.Store(strings.TrimPrefix(url, "http://")) }

func (p *tcpProxy) track(c net.Conn, add bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if add {
		p.conns[c] = struct{}{}
	} else {
		delete(p.conns, c)
	}
}

func (p *tcpProxy) serve() {
	defer p.wg.Done()
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target.Load().(string))
		if err != nil {
			_ = in.Close()
			continue
		}
		p.track(in, true)
		p.track(out, true)
		p.wg.Add(2)
		pipe := func(dst, src net.Conn) {
			defer p.wg.Done()
			_, _ = io.Copy(dst, src)
			_ = dst.Close()
			_ = src.Close()
			p.track(dst, false)
			p.track(src, false)
		}
		go pipe(out, in)
		go pipe(in, out)
	}
}
