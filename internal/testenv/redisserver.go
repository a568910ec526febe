package testenv

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisServer is a redis-server of one test's own, for the tests that stop
// and restart Redis (the shared one must stay up for the others).
type RedisServer struct {
	t    testing.TB
	bin  string
	port int
	cmd  *exec.Cmd
}

// StartRedisServer starts a redis-server that keeps nothing on disk on a
// free loopback port; it stops at the end of the test. Without the
// redis-server binary, the test fails in CI and skips elsewhere.
func StartRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		Missing(t, "redis-server not found (scripts/test installs it from Debian's packages)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	rs := &RedisServer{t: t, bin: bin, port: port}
	rs.Start()
	t.Cleanup(rs.Stop)
	return rs
}

// URL is the server's redis:// URL.
func (rs *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", rs.port) }

// Start starts the server (again) on its port and waits until it answers.
func (rs *RedisServer) Start() {
	rs.t.Helper()
	if rs.cmd != nil {
		return
	}
	cmd := exec.Command(rs.bin, "--port", strconv.Itoa(rs.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		rs.t.Fatalf("redis-server: %v", err)
	}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		signalled := false
		for sc.Scan() {
			if !signalled && strings.Contains(sc.Text(), "Ready to accept connections") {
				close(ready)
				signalled = true
			}
		}
		if !signalled {
			close(ready)
		}
	}()
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		rs.t.Fatal("redis-server did not start")
	}
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", rs.port)})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		rs.t.Fatalf("redis-server on port %d: %v", rs.port, err)
	}
	rs.cmd = cmd
}

// Stop kills the server (connections drop at once, as in an outage).
func (rs *RedisServer) Stop() {
	if rs.cmd == nil {
		return
	}
	_ = rs.cmd.Process.Kill()
	_ = rs.cmd.Wait()
	rs.cmd = nil
}
