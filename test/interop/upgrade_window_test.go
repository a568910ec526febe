package interop

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
)

// door holds chosen requests of the one client under test before they reach
// the server, so that the test can order the steps of an upgrade: the first
// WebSocket request (the probe), the POST that carries "first-ack", and,
// once armed, the next polling GET.
type door struct {
	next http.Handler

	mu       sync.Mutex
	holdGets bool
	wsSeen   bool
	postSeen bool
	getSeen  bool

	wsArrived, postArrived, getArrived chan struct{} // closed when held
	wsGo, postGo, getGo                chan struct{} // closed to let it in
	postDone                           chan struct{} // closed once the server answered it
}

func newDoor(next http.Handler) *door {
	return &door{
		next:      next,
		wsArrived: make(chan struct{}), postArrived: make(chan struct{}), getArrived: make(chan struct{}),
		wsGo: make(chan struct{}), postGo: make(chan struct{}), getGo: make(chan struct{}),
		postDone: make(chan struct{}),
	}
}

func (d *door) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("sid") == "" { // the handshake
		d.next.ServeHTTP(w, r)
		return
	}
	d.mu.Lock()
	switch {
	case q.Get("transport") == "websocket" && !d.wsSeen:
		d.wsSeen = true
		d.mu.Unlock()
		close(d.wsArrived)
		<-d.wsGo
	case r.Method == http.MethodPost && !d.postSeen:
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if !bytes.Contains(body, []byte("first-ack")) {
			d.mu.Unlock()
			break
		}
		d.postSeen = true
		d.mu.Unlock()
		close(d.postArrived)
		<-d.postGo
		d.next.ServeHTTP(w, r)
		close(d.postDone)
		return
	case r.Method == http.MethodGet && d.holdGets && !d.getSeen:
		d.getSeen = true
		d.mu.Unlock()
		close(d.getArrived)
		<-d.getGo
	default:
		d.mu.Unlock()
	}
	d.next.ServeHTTP(w, r)
}

func (d *door) armGets() {
	d.mu.Lock()
	d.holdGets = true
	d.mu.Unlock()
}

// upgradeFacts is what upgrade-window.mjs reports.
type upgradeFacts struct {
	Packets []struct {
		Type      string `json:"type"`
		Data      string `json:"data"`
		Transport string `json:"transport"`
	} `json:"packets"`
	Ack *struct {
		Args []any `json:"args"`
	} `json:"ack"`
	UpgradedTo   string `json:"upgradedTo"`
	AfterUpgrade *struct {
		Args      []any  `json:"args"`
		Transport string `json:"transport"`
	} `json:"afterUpgrade"`
}

// Between the probe's answer and the client's "5", the reference server
// keeps writing on the polling GET what is waiting, and answers a noop only
// to a GET with nothing to carry. Here the real socket.io-client's first ack
// is made while the upgrade is under way (the probe answered, the client's
// polling GET in flight): it must arrive on that GET, with no noop, and the
// upgrade then complete, nothing lost or reordered.
func TestUpgradeWindowAckOnPolling(t *testing.T) {
	node := testenv.Node(t, filepath.Join("node_modules", "socket.io-client"))
	srvIO := newContractServer()
	d := newDoor(srvIO)
	mux := http.NewServeMux()
	mux.Handle("/socket.io/", d)
	srv := httptest.NewServer(mux)
	released := false
	release := func() {
		if !released {
			released = true
			for _, ch := range []chan struct{}{d.wsGo, d.postGo, d.getGo} {
				select {
				case <-ch:
				default:
					close(ch)
				}
			}
		}
	}
	defer srv.Close()
	defer release() // a failed test must not leave handlers blocked
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srvIO.Shutdown(ctx)
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "upgrade-window.mjs", srv.URL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	await := func(ch <-chan struct{}, what string) {
		t.Helper()
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s; stderr:\n%s", what, stderr.String())
		}
	}
	awaitLine := func(prefix string) string {
		t.Helper()
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					_ = cmd.Wait()
					t.Fatalf("upgrade-window.mjs ended before %q; stderr:\n%s", prefix, stderr.String())
				}
				if strings.HasPrefix(l, prefix) {
					return l
				}
			case <-ctx.Done():
				t.Fatalf("timed out waiting for %q; stderr:\n%s", prefix, stderr.String())
			}
		}
	}

	// 1. The client is connected over polling (its "echo" after "connect"
	// is held); its probe WebSocket is held.
	await(d.wsArrived, "the probe WebSocket request")
	await(d.postArrived, `the POST of "echo" "first-ack"`)
	// 2. Its next polling GET is held: a packet ends the GET the server
	// may be holding, and the client's next GET stops at the door.
	d.armGets()
	if err := srvIO.Emit("flush"); err != nil {
		t.Fatal(err)
	}
	await(d.getArrived, "the next polling GET")
	// 3. The probe goes ahead: the server answers "3probe", and the client,
	// upgrading, waits for its GET before it sends "5".
	close(d.wsGo)
	awaitLine("upgrading")
	// 4. The echo reaches the server, whose ack is now waiting; then the
	// GET reaches it.
	close(d.postGo)
	await(d.postDone, "the server's answer to the POST")
	close(d.getGo)
	released = true

	factsLine := awaitLine("facts ")
	if err := cmd.Wait(); err != nil {
		t.Fatalf("upgrade-window.mjs: %v; stderr:\n%s", err, stderr.String())
	}
	var f upgradeFacts
	if err := json.Unmarshal([]byte(strings.TrimPrefix(factsLine, "facts ")), &f); err != nil {
		t.Fatalf("facts: %v: %s", err, factsLine)
	}

	t.Logf("facts: %s", factsLine)
	if f.Ack == nil || len(f.Ack.Args) != 1 || f.Ack.Args[0] != "first-ack" {
		t.Fatalf("first ack = %+v, want [first-ack]", f.Ack)
	}
	if f.UpgradedTo != "websocket" {
		t.Errorf("upgraded to %q, want websocket", f.UpgradedTo)
	}
	if a := f.AfterUpgrade; a == nil || a.Transport != "websocket" || len(a.Args) != 1 || a.Args[0] != "after" {
		t.Errorf("echo after the upgrade = %+v, want [after] on websocket", a)
	}
	// The ack came on the polling GET, before the upgrade, and no noop
	// came: the GET of the upgrade window had packets to carry. "flush",
	// queued before the ack, came first.
	flush, ack, upgrade := -1, -1, -1
	ackOn := ""
	for i, p := range f.Packets {
		switch {
		case p.Type == "noop":
			t.Errorf("packet %d is a noop on %s: the GET had packets waiting", i, p.Transport)
		case p.Type == "(upgrade)":
			upgrade = i
		case p.Type == "message" && strings.HasPrefix(p.Data, `2["flush"`):
			flush = i
		case p.Type == "message" && strings.HasPrefix(p.Data, `30["first-ack"]`):
			ack, ackOn = i, p.Transport
		}
	}
	if ackOn != "polling" || ack > upgrade {
		t.Errorf("the first ack is packet %d, on %q; the upgrade is %d: want the ack on polling, before the upgrade", ack, ackOn, upgrade)
	}
	if flush < 0 || flush > ack {
		t.Errorf(`"flush" is packet %d, the ack %d: want "flush" first`, flush, ack)
	}
}
