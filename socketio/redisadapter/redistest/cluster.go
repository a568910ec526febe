package redistest

import (
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

// Cluster is a Redis Cluster of masters only, started by one test in
// a temporary directory; it stops at the end of the test.
type Cluster struct {
	// Addrs are the masters' host:port.
	Addrs []string
}

// URL is the cluster in go-redis's cluster URL form,
// redis://h1:p1?addr=h2:p2&addr=h3:p3.
func (c *Cluster) URL() string {
	u := "redis://" + c.Addrs[0]
	for i, a := range c.Addrs[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + a
	}
	return u
}

// StartCluster starts masters redis-servers (--cluster-enabled yes, on
// free loopback ports, keeping nothing on disk), joins them with redis-cli
// --cluster create, and waits until every node reports the cluster ok.
// Without redis-server or redis-cli the test fails in CI and skips
// elsewhere.
func StartCluster(t testing.TB, masters int) *Cluster {
	t.Helper()
	server, err := exec.LookPath("redis-server")
	if err != nil {
		Missing(t, "redis-server not found (scripts/test installs it from Debian's packages)")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		Missing(t, "redis-cli not found (scripts/test installs it from Debian's packages)")
	}
	dir := t.TempDir()
	c := &Cluster{}
	for range masters {
		port := freePort(t)
		cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("nodes-%d.conf", port),
			"--cluster-node-timeout", "5000", "--dir", dir, "--save", "", "--appendonly", "no",
			"--daemonize", "no", "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatalf("redis-server: %v", err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		waitPing(t, addr)
		c.Addrs = append(c.Addrs, addr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, addr := range c.Addrs {
		waitClusterOK(t, addr, masters)
	}
	return c
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// waitPing waits until the server at addr answers.
func waitPing(t testing.TB, addr string) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server at %s: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitClusterOK waits until the node at addr says the cluster is ok and
// knows every master.
func waitClusterOK(t testing.TB, addr string, masters int) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		info, err := rdb.ClusterInfo(ctx).Result()
		cancel()
		if err == nil && strings.Contains(info, "cluster_state:ok") && strings.Contains(info, fmt.Sprintf("cluster_size:%d", masters)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Redis Cluster node %s not ok: %v\n%s", addr, err, info)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
