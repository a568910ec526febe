package load

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// reactorBatch is how many ready sockets one epoll_wait returns at most.
const reactorBatch = 256

// writeTimeout bounds how long a write waits for room in a full socket.
const writeTimeout = 10 * time.Second

// reactor serves the sockets of some of a pool's clients from one
// goroutine: level-triggered epoll, one read(2) per ready socket.
type reactor struct {
	p    *pool
	spin time.Duration // poll without sleeping this long after the last data
	epfd int
	// epfd registered with Go's network poller, where the loop waits when
	// it does not spin: a goroutine blocked in epoll_wait(2) would keep
	// its P until sysmon took it back (up to 10 ms), and with GOMAXPROCS
	// 1 the webhooks' senders, their HTTP answers and the timers would
	// wait that long.
	file    *os.File
	rc      syscall.RawConn
	waitFn  func(uintptr) bool // waitNetpoll's callback, made once
	events  []unix.EpollEvent  // the callback's
	polled  int                // its result
	pollErr error
	wake    int // an eventfd whose event ends the loop
	done    chan struct{}

	mu      sync.Mutex
	clients []*Client // by socket, under mu
	dead    bool      // the loop failed, under mu
}

// newReactors starts one reactor per GOMAXPROCS for p (one only when they
// spin), or returns none (the clients then get a goroutine each) if epoll
// is not available.
func newReactors(p *pool, spin time.Duration) []*reactor {
	rs := make([]*reactor, max(1, runtime.GOMAXPROCS(0)))
	if spin > 0 {
		rs = rs[:1]
	}
	for i := range rs {
		r, err := newReactor(p, spin)
		if err != nil {
			for _, r := range rs[:i] {
				r.stop()
			}
			return nil
		}
		rs[i] = r
	}
	return rs
}

func newReactor(p *pool, spin time.Duration) (*reactor, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, err
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		_ = unix.Close(wake)
		_ = unix.Close(epfd)
		return nil, err
	}
	r := &reactor{p: p, spin: spin, epfd: epfd, wake: wake, done: make(chan struct{})}
	if err := unix.SetNonblock(epfd, true); err == nil {
		f := os.NewFile(uintptr(epfd), "load-reactor")
		if rc, err := f.SyscallConn(); err == nil {
			r.file, r.rc = f, rc
		}
	}
	go r.loop()
	return r, nil
}

// stop ends the loop, once every client has finished, and frees the
// reactor.
func (r *reactor) stop() {
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	_, _ = unix.Write(r.wake, one[:])
	<-r.done
	_ = unix.Close(r.wake)
	if r.file != nil {
		_ = r.file.Close() // closes epfd
	} else {
		_ = unix.Close(r.epfd)
	}
}

// start hands c, just dialed, to a reactor (or to a goroutine of its own
// if its socket cannot be taken from Go's netpoller).
func (p *pool) start(c *Client) {
	if len(p.reactors) == 0 {
		p.run(c)
		return
	}
	f, err := detach(c.sock)
	if err != nil {
		p.run(c)
		return
	}
	c.sock = f
	p.wg.Add(1)
	// What the handshake read past the CONNECT answer comes first: epoll
	// only reports what arrives later.
	if err := c.dispatch(); err != nil {
		f.release()
		p.finish(c, c.ended(err))
		return
	}
	r := p.reactors[int(p.next.Add(1))%len(p.reactors)]
	if err := r.add(f.fd, c); err != nil {
		f.release()
		p.finish(c, err)
	}
}

// add registers c's socket fd: from now on the reactor reads it.
func (r *reactor) add(fd int, c *Client) error {
	r.mu.Lock()
	if r.dead {
		r.mu.Unlock()
		return errors.New("load: reactor failed")
	}
	if fd >= len(r.clients) {
		r.clients = append(r.clients, make([]*Client, fd+1-len(r.clients))...)
	}
	r.clients[fd] = c
	r.mu.Unlock()
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}
	if err := unix.EpollCtl(r.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		r.mu.Lock()
		r.clients[fd] = nil
		r.mu.Unlock()
		return err
	}
	return nil
}

// ready is a socket epoll reported and its client.
type ready struct {
	fd int
	c  *Client
}

// loop serves the reactor's sockets until stop.
//
// With spin > 0 it does not sleep in epoll_wait while data keeps coming:
// it polls (timeout 0) until spin has passed without any, and only then
// blocks. On loopback the server's write(2) runs the client's TCP input
// and wakes the client's sleeping thread, which costs the server an
// inter-processor interrupt (a VM exit on this machine kind): a client on
// another machine costs its server nothing of the kind. A spinning load
// generator is never asleep while a broadcast is being delivered, so the
// server's CPU per delivery is what it would pay for remote clients, for
// both servers measured. Between polls the goroutine yields, so that the
// load generator's other goroutines (the controller, timers, webhooks)
// run; it needs GOMAXPROCS ≥ 2 for Go's own netpoller to be polled
// meanwhile (bench/load sets it).
func (r *reactor) loop() {
	defer close(r.done)
	events := make([]unix.EpollEvent, reactorBatch)
	batch := make([]ready, 0, reactorBatch)
	for {
		n, err := r.wait(events)
		if err != nil {
			r.fail(err)
			return
		}
		stop := false
		batch = batch[:0]
		r.mu.Lock()
		for _, ev := range events[:n] {
			if fd := int(ev.Fd); fd == r.wake {
				stop = true
			} else if c := r.clients[fd]; c != nil {
				batch = append(batch, ready{fd, c})
			}
		}
		r.mu.Unlock()
		for _, s := range batch {
			r.serve(s.fd, s.c)
		}
		if stop {
			return
		}
	}
}

// wait returns how many sockets epoll_wait reported ready in events:
// blocking, or, when the reactor spins, polling until data comes or spin
// has passed without any, then blocking. The time spent polling in vain
// is added to the spun time (not the time blocked).
func (r *reactor) wait(events []unix.EpollEvent) (int, error) {
	if r.spin == 0 && r.rc != nil {
		return r.waitNetpoll(events)
	}
	var idle time.Time // when polling first found nothing
	for {
		timeout := 0
		switch {
		case r.spin == 0:
			timeout = -1
		case !idle.IsZero() && time.Since(idle) >= r.spin:
			addSpin(time.Since(idle))
			idle, timeout = time.Time{}, -1
		}
		n, err := unix.EpollWait(r.epfd, events, timeout)
		switch {
		case err == unix.EINTR:
			continue
		case err == nil && n == 0 && timeout == 0:
			if idle.IsZero() {
				idle = time.Now()
			}
			runtime.Gosched()
			continue
		}
		if !idle.IsZero() {
			addSpin(time.Since(idle))
		}
		return n, err
	}
}

// waitNetpoll waits for events in Go's network poller, which reports epfd
// readable when it has some.
func (r *reactor) waitNetpoll(events []unix.EpollEvent) (int, error) {
	r.events = events
	if r.waitFn == nil {
		r.waitFn = func(fd uintptr) bool {
			r.polled, r.pollErr = unix.EpollWait(int(fd), r.events, 0)
			if r.pollErr == unix.EINTR {
				r.polled, r.pollErr = 0, nil
				return false
			}
			return r.polled > 0 || r.pollErr != nil
		}
	}
	if err := r.rc.Read(r.waitFn); err != nil {
		return 0, err
	}
	return r.polled, r.pollErr
}

// serve does one read(2) for c and handles the messages it completed; on
// EOF or an error c ends.
func (r *reactor) serve(fd int, c *Client) {
	if c.closed.Load() {
		// Shut down by Close: what the server still sends is not read.
		r.remove(fd, c, nil)
		return
	}
	n, err := c.sock.Read(c.in[c.w:])
	switch {
	case err == unix.EAGAIN || err == unix.EINTR:
		return
	case err == nil:
		c.w += n
		if err = c.dispatch(); err == nil {
			return
		}
	}
	r.remove(fd, c, err)
}

// remove ends c: its socket leaves the epoll set and is closed, and the
// pool learns how it ended.
func (r *reactor) remove(fd int, c *Client, err error) {
	_ = unix.EpollCtl(r.epfd, unix.EPOLL_CTL_DEL, fd, nil)
	r.mu.Lock()
	r.clients[fd] = nil // before the close frees the number for reuse
	r.mu.Unlock()
	c.sock.(*fdConn).release()
	r.p.finish(c, c.ended(err))
}

// fail ends every client after epoll failed.
func (r *reactor) fail(err error) {
	r.mu.Lock()
	r.dead = true
	var left []ready
	for fd, c := range r.clients {
		if c != nil {
			left = append(left, ready{fd, c})
		}
	}
	r.mu.Unlock()
	for _, s := range left {
		r.remove(s.fd, s.c, err)
	}
}

// fdConn is a client's non-blocking socket once a reactor serves it. Only
// the reactor reads it and closes it; writes and Close may come from any
// goroutine.
type fdConn struct {
	fd   int
	mu   sync.RWMutex // held for reading while fd is used, by release to close it
	gone bool         // fd is closed, under mu
}

// detach takes conn's socket from Go's netpoller: a non-blocking
// duplicate, conn closed.
func detach(conn io.ReadWriteCloser) (*fdConn, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return nil, errors.New("load: connection without a socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return nil, err
	}
	if derr != nil {
		return nil, derr
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return nil, err
	}
	_ = conn.Close() // the duplicate keeps the socket open
	return &fdConn{fd: fd}, nil
}

// Read does one read(2): unix.EAGAIN when nothing is there, io.EOF at the
// end.
func (f *fdConn) Read(p []byte) (int, error) {
	n, err := unix.Read(f.fd, p)
	switch {
	case err != nil:
		return 0, err
	case n == 0 && len(p) > 0:
		return 0, io.EOF
	}
	return n, nil
}

// Write writes all of p, waiting for room when the socket is full.
func (f *fdConn) Write(p []byte) (int, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.gone {
		return 0, errClosedSocket
	}
	done := 0
	for done < len(p) {
		n, err := unix.Write(f.fd, p[done:])
		switch {
		case err == nil:
			done += n
		case err == unix.EAGAIN:
			if err := f.waitWritable(); err != nil {
				return done, err
			}
		case err != unix.EINTR:
			return done, err
		}
	}
	return done, nil
}

var (
	errClosedSocket = errors.New("load: socket closed")
	errWriteTimeout = errors.New("load: write timed out")
)

func (f *fdConn) waitWritable() error {
	pfd := []unix.PollFd{{Fd: int32(f.fd), Events: unix.POLLOUT}}
	for {
		n, err := unix.Poll(pfd, int(writeTimeout/time.Millisecond))
		switch {
		case err == unix.EINTR:
		case err != nil:
			return err
		case n == 0:
			return errWriteTimeout
		default:
			return nil
		}
	}
}

// Close shuts the socket down: its reactor then sees the end and closes it.
func (f *fdConn) Close() error {
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.gone {
		return nil
	}
	return unix.Shutdown(f.fd, unix.SHUT_RDWR)
}

// release closes the socket, after waking any write waiting for room.
func (f *fdConn) release() {
	_ = unix.Shutdown(f.fd, unix.SHUT_RDWR)
	f.mu.Lock()
	f.gone = true
	_ = unix.Close(f.fd)
	f.mu.Unlock()
}
