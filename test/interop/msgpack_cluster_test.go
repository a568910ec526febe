package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kin-comms/kinrt/internal/testenv"
	"github.com/kin-comms/kinrt/socketio"
	"github.com/kin-comms/kinrt/socketio/msgpackparser"
	"github.com/kin-comms/kinrt/socketio/redisadapter"
)

// TestClusterMsgpack: a broadcast made on a node with the default parser
// reaches, through the Redis adapter, a socket.io-msgpack-parser client on
// a node with msgpackparser, binary included. (The adapter ships packets
// between nodes in its own MessagePack format, whatever the nodes'
// parsers: each node encodes for its own clients.)
func TestClusterMsgpack(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-msgpack-parser"))
	opts, err := redis.ParseURL(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	key := "kintest-" + testenv.RandomID()
	startNode := func(parser socketio.Parser) (*socketio.Server, string) {
		rdb := redis.NewClient(opts)
		t.Cleanup(func() { _ = rdb.Close() })
		io := socketio.NewServer(&socketio.Options{
			Parser:     parser,
			NewAdapter: redisadapter.NewNode(rdb, &redisadapter.Options{Key: key}).NewAdapter,
		})
		io.OnConnection(func(s *socketio.Socket) {
			s.On("join", func(e *socketio.Event) {
				var room string
				_ = e.Decode(0, &room)
				s.Join(room)
				_ = e.Ack(room)
			})
		})
		ts := httptest.NewServer(io)
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = io.Shutdown(ctx)
			ts.Close()
		})
		return io, ts.URL
	}
	a, _ := startNode(nil)
	_, urlB := startNode(msgpackparser.Parser{})
	waitSubscribers(t, opts, key+"-request#/#", 2)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "cluster-msgpack.mjs", urlB)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "joined" {
		_ = cmd.Wait()
		t.Fatalf("the client did not join: %q\n%s", lines.Text(), stderr.String())
	}
	if err := a.To("r").Emit("news", map[string]any{"from": "a", "n": 1.5}, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if !lines.Scan() {
		_ = cmd.Wait()
		t.Fatalf("no news reached the client:\n%s", stderr.String())
	}
	got, ok := strings.CutPrefix(lines.Text(), "got ")
	if !ok {
		t.Fatalf("unexpected line %q", lines.Text())
	}
	var args, want any
	_ = json.Unmarshal([]byte(got), &args)
	_ = json.Unmarshal([]byte(`[{"from":"a","n":1.5},{"bytes":[1,2,3]}]`), &want)
	if !reflect.DeepEqual(args, want) {
		t.Fatalf("the client got %s, want %v", got, want)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("client: %v\n%s", err, stderr.String())
	}
}

// waitSubscribers waits until n clients subscribe to channel: the nodes
// of a cluster listen to their namespace's request channel.
func waitSubscribers(t *testing.T, opts *redis.Options, channel string, n int64) {
	t.Helper()
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := rdb.PubSubNumSub(context.Background(), channel).Result()
		if err == nil && res[channel] == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers of %s, want %d (err %v)", res[channel], channel, n, err)
		}
		time.Sleep(5 * time.Millisecond) // polling Redis until the deadline, not timing the test
	}
}
