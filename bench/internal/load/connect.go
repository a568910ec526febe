package load

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Target is where the clients connect.
type Target struct {
	// Addr is the server's host:port.
	Addr string
	// Addrs, when set, are several servers' host:port: client i of a
	// connect dials Addrs[i%len(Addrs)] instead of Addr (no proxy).
	Addrs []string
	// Sources are the local IPs the clients connect from, round robin, to
	// get past the ephemeral port limit of one source address. Empty: any.
	Sources []string
	// Spin, when > 0, makes one reactor serve every client and keep
	// polling its sockets without sleeping for this long after the last
	// data, instead of blocking in epoll_wait (see reactor.loop). The
	// spinning itself is left out of the CPU time reported (spinTime).
	Spin time.Duration
}

func (t Target) addr(i int) string {
	if len(t.Addrs) == 0 {
		return t.Addr
	}
	return t.Addrs[i%len(t.Addrs)]
}

func (t Target) source(i int) string {
	if len(t.Sources) == 0 {
		return ""
	}
	return t.Sources[i%len(t.Sources)]
}

// pool is a set of connected clients whose read loops run.
type pool struct {
	clients  []*Client
	reactors []*reactor // serve the clients; none: a goroutine each
	next     atomic.Uint32
	wg       sync.WaitGroup // clients not finished
	lost     atomic.Int64   // clients that ended with an error
}

// connect opens n clients, at most 64 handshakes at a time, client i with
// the CONNECT auth auth(i) (auth nil: none); setup is called on each before
// its read loop starts (on a reactor when there are some).
func connect(ctx context.Context, t Target, n int, auth func(i int) string, setup func(i int, c *Client)) (*pool, error) {
	p := &pool{clients: make([]*Client, n)}
	p.reactors = newReactors(p, t.Spin)
	var (
		next  atomic.Int64
		errMu sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for range min(n, 64) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				var c *Client
				var err error
				a := ""
				if auth != nil {
					a = auth(i)
				}
				// A server busy with the connection storm (the service's
				// presence events) may let a dial time out: retry.
				for try := 0; try < 5; try++ {
					dctx, cancel := context.WithTimeout(ctx, 20*time.Second)
					c, err = Dial(dctx, t.addr(i), t.source(i), a)
					cancel()
					if err == nil || ctx.Err() != nil {
						break
					}
					time.Sleep(time.Duration(try+1) * 200 * time.Millisecond)
				}
				if err != nil {
					errMu.Lock()
					if first == nil {
						first = fmt.Errorf("load: client %d of %d: %w", i, n, err)
					}
					errMu.Unlock()
					next.Store(int64(n)) // stop the others
					return
				}
				p.clients[i] = c
				if setup != nil {
					setup(i, c)
				}
				p.start(c)
			}
		}()
	}
	wg.Wait()
	if first != nil {
		p.close()
		return nil, first
	}
	return p, nil
}

// run starts c's read loop on a goroutine of its own.
func (p *pool) run(c *Client) {
	p.wg.Add(1)
	go func() { p.finish(c, c.Run()) }()
}

// finish records the end of client c, err nil when it ended normally.
func (p *pool) finish(c *Client, err error) {
	if err != nil {
		p.lost.Add(1)
	}
	if c.OnEnd != nil {
		c.OnEnd(err)
	}
	p.wg.Done()
}

// close closes every client, waits for them to finish, then stops the
// reactors.
func (p *pool) close() {
	for _, c := range p.clients {
		if c != nil {
			c.Close()
		}
	}
	p.wg.Wait()
	for _, r := range p.reactors {
		r.stop()
	}
}

// RSS returns the resident set size of process pid in KiB (VmRSS).
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("load: no VmRSS for pid %d", pid)
}

// waitFor polls cond every 10ms until it holds or d passes.
func waitFor(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for !cond() {
		if time.Now().After(end) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
