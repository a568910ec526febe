package engineio

import (
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// netYield lets a flusher give way to what the network has readied.
//
// runtime.Gosched is not enough: it puts the flusher on the global run
// queue, and the scheduler takes a goroutine from there before it polls
// the network, so that with every P busy flushing, a webhook's request or
// a client's message waits for sysmon's poll, every 10 ms. A flusher
// instead yields by waiting, in the network poller, for an eventfd that it
// has just made readable: the scheduler then polls the network to wake
// it, and wakes with it every goroutine whose socket is ready.
//
// The eventfd is opened at the first yield and closed by close, when the
// flusher's goroutine exits.
type netYield struct {
	file    *os.File
	rc      syscall.RawConn
	waitFn  func(uintptr) bool // y.wait, made once
	waiting bool               // the eventfd was written: the next call reads it
	failed  bool               // no eventfd: runtime.Gosched
}

// yield lets the goroutines the network poller has readied run.
func (y *netYield) yield() {
	if y.rc == nil && !y.failed {
		y.open()
	}
	if y.rc == nil {
		runtime.Gosched()
		return
	}
	y.waiting = false
	if err := y.rc.Read(y.waitFn); err != nil {
		y.close()
		y.failed = true
		runtime.Gosched()
	}
}

// wait is yield's RawConn.Read callback: the first call makes the eventfd
// readable and asks to wait; the next, after the wait, reads it back.
func (y *netYield) wait(fd uintptr) bool {
	var b [8]byte
	if !y.waiting {
		y.waiting = true
		b[0] = 1 // the eventfd counter adds a native uint64; 1 in any byte order is non-zero
		if _, err := syscall.Write(int(fd), b[:]); err != nil {
			return true // cannot make it readable: do not wait
		}
		return false
	}
	// Woken: the yield has happened. The read resets the counter; should
	// it fail, the next yield's write makes a new event all the same
	// (epoll reports every write to an eventfd), so nothing waits for a
	// counter that is never reset.
	_, _ = syscall.Read(int(fd), b[:])
	return true
}

func (y *netYield) open() {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		y.failed = true
		return
	}
	f := os.NewFile(uintptr(fd), "engineio-yield")
	rc, err := f.SyscallConn()
	if err != nil {
		_ = f.Close()
		y.failed = true
		return
	}
	y.file, y.rc = f, rc
	if y.waitFn == nil {
		y.waitFn = y.wait
	}
}

// close closes the eventfd; the next yield opens another.
func (y *netYield) close() {
	if y.file != nil {
		_ = y.file.Close()
	}
	y.file, y.rc = nil, nil
}
