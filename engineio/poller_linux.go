package engineio

import (
	"os"
	"sync"
	"syscall"
)

// An idle WebSocket connection has no goroutine: when a connection has
// waited idleAfter for data, its reader parks it on the server's poller
// (one epoll instance, one goroutine, while any connection is parked) and
// exits; when the socket becomes readable, the poller starts a reader
// again. A parked connection then costs its Conn and socket, and neither a
// goroutine stack nor a read buffer.
//
// The poller's goroutine does not block in epoll_wait(2) itself: the
// epoll descriptor is registered with Go's network poller (an epoll
// instance is readable when it has events), and the goroutine waits there
// as a socket's reader does. A goroutine blocked in a system call keeps
// its P until sysmon takes it back, which takes up to 10 ms when sysmon
// has been idle: with GOMAXPROCS 1, every write and every webhook waited
// behind the poller's sleep (a third of the CPU idle at 200 webhooks/s).

type poller struct {
	mu     sync.Mutex
	epfd   int      // -1 when the poller is not running
	file   *os.File // epfd, registered with Go's network poller
	wakeR  int      // a pipe that wakes the poller to stop
	wakeW  int
	gen    uint64 // incremented at each start: a connection is added anew
	parked map[int32]*wsConn
}

func newPoller() *poller { return &poller{epfd: -1} }

// park registers ws's socket for one readiness event, after which c's
// reader (ws.readLoop(c)) starts again on a new goroutine. ws keeps c: a
// closure made at each park would be the idle connection's to keep. It
// reports false when ws cannot be parked (not a socket, or an epoll
// error): the caller goes on waiting itself.
func (p *poller) park(ws *wsConn, c *Conn) bool {
	if ws.fd < 0 {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if ws.closed {
		return false
	}
	if p.epfd < 0 && !p.startLocked() {
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | epollOneShot, Fd: int32(ws.fd)}
	op := syscall.EPOLL_CTL_MOD
	if ws.pollGen != p.gen {
		op = syscall.EPOLL_CTL_ADD
	}
	if err := syscall.EpollCtl(p.epfd, op, ws.fd, &ev); err != nil {
		return false
	}
	ws.pollGen = p.gen
	ws.conn = c
	p.parked[int32(ws.fd)] = ws
	return true
}

const epollOneShot = 1 << 30 // EPOLLONESHOT; syscall's constant is negative

// forget removes ws from the poller before its socket is closed, so that
// its descriptor, reused by another socket, is not mistaken for it.
func (p *poller) forget(ws *wsConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ws.closed = true
	if ws.fd < 0 || p.epfd < 0 || ws.pollGen != p.gen {
		return
	}
	_ = syscall.EpollCtl(p.epfd, syscall.EPOLL_CTL_DEL, ws.fd, nil)
	if p.parked[int32(ws.fd)] == ws {
		delete(p.parked, int32(ws.fd))
	}
	ws.pollGen = 0
	if len(p.parked) == 0 {
		p.wakeLocked()
	}
}

func (p *poller) startLocked() bool {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return false
	}
	// Non-blocking, os.NewFile registers the descriptor with the network
	// poller; if it cannot, run falls back to a blocking epoll_wait.
	if err := syscall.SetNonblock(epfd, true); err != nil {
		syscall.Close(epfd)
		return false
	}
	var fds [2]int
	if err := syscall.Pipe2(fds[:], syscall.O_CLOEXEC|syscall.O_NONBLOCK); err != nil {
		syscall.Close(epfd)
		return false
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(fds[0])}
	if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fds[0], &ev); err != nil {
		syscall.Close(epfd)
		syscall.Close(fds[0])
		syscall.Close(fds[1])
		return false
	}
	p.epfd, p.wakeR, p.wakeW = epfd, fds[0], fds[1]
	p.file = os.NewFile(uintptr(epfd), "engineio-poller")
	p.gen++
	p.parked = make(map[int32]*wsConn)
	go p.run(p.file, epfd, fds[0])
	return true
}

func (p *poller) wakeLocked() {
	_, _ = syscall.Write(p.wakeW, []byte{0})
}

// run dispatches readiness events until no connection is parked.
func (p *poller) run(f *os.File, epfd, wakeR int) {
	events := make([]syscall.EpollEvent, 128)
	var ready []*wsConn
	rc, err := f.SyscallConn()
	if err != nil {
		rc = nil
	}
	for {
		var n int
		n, rc = wait(rc, epfd, events)
		p.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if ev.Fd == int32(wakeR) {
				var b [64]byte
				_, _ = syscall.Read(wakeR, b[:])
				continue
			}
			if ws := p.parked[ev.Fd]; ws != nil {
				delete(p.parked, ev.Fd)
				ready = append(ready, ws)
			}
		}
		if len(p.parked) == 0 && len(ready) == 0 {
			_ = p.file.Close() // closes epfd
			p.file = nil
			syscall.Close(p.wakeR)
			syscall.Close(p.wakeW)
			p.epfd = -1
			p.parked = nil
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
		// ws.conn is not written again before the reader started here
		// parks ws anew.
		for i, ws := range ready {
			go ws.readLoop(ws.conn)
			ready[i] = nil
		}
		ready = ready[:0]
	}
}

// wait returns the events of epfd once there are some. It waits in Go's
// network poller through rc; when that fails (epfd could not be registered
// with it), it returns a nil rc and blocks in epoll_wait(2), as it does
// from then on.
func wait(rc syscall.RawConn, epfd int, events []syscall.EpollEvent) (int, syscall.RawConn) {
	if rc != nil {
		var n int
		err := rc.Read(func(fd uintptr) bool {
			var err error
			n, err = syscall.EpollWait(int(fd), events, 0)
			// An error (EINTR) returns to the loop, which comes back.
			return n > 0 || err != nil
		})
		if err == nil {
			return max(n, 0), rc
		}
	}
	n, err := syscall.EpollWait(epfd, events, -1)
	if err != nil {
		n = 0
	}
	return n, nil
}
