package engineio

import (
	"net"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// syscallIovec is a sendmsg(2) piece.
type syscallIovec = unix.Iovec

// syscallMsghdr is sendmsg(2)'s header.
type syscallMsghdr = unix.Msghdr

// iovMax is Linux's IOV_MAX: a longer batch is written in part, and the
// rest by finishBatch.
const iovMax = 1024

// tryWrite writes what it can of b to the socket without waiting: the
// bytes written (0 when the socket's buffer is full), or the socket's
// error. Without a socket it writes nothing, leaving it all to the
// blocking write. The caller holds ws.wmu.
//
// The write goes to the descriptor directly, not through
// syscall.RawConn.Write: that one takes the descriptor's lock and resets
// its poll state, three more structures touched per write (cache misses,
// with thousands of connections, ~8% of the CPU of a pass at 200
// webhooks/s to 10,000 clients). What it guarded against, the descriptor
// being closed and its number reused during the write, is ruled out by
// ws.fdUse: close waits until no such write is running (wsConn.close).
func (ws *wsConn) tryWrite(b *wsBatch) (int, error) {
	if ws.fd < 0 {
		return 0, nil
	}
	if !ws.fdUse.CompareAndSwap(0, fdWriting) {
		return 0, net.ErrClosed
	}
	var n uintptr
	var e syscall.Errno
	for {
		n, e = b.writeFD(uintptr(ws.fd))
		if e != syscall.EINTR {
			break
		}
	}
	ws.fdUse.Add(-fdWriting)
	switch {
	case e == syscall.EAGAIN:
		return 0, nil
	case e != 0:
		return 0, e
	}
	return int(n), nil
}

// writeFD is one send(2), or one sendmsg(2) when b has several pieces:
// they skip the file layer (vfs_write and its checks) that write(2) goes
// through, and MSG_NOSIGNAL keeps a closed peer from raising SIGPIPE.
//
// The socket is non-blocking, so the call never sleeps: it is a raw
// system call, not a scheduled one. With syscall.Syscall, a write that
// outlasts a sysmon tick (20 µs, common on loopback, where the sender also
// runs the receiver's TCP input) made sysmon hand the P to another thread,
// and the flusher then waited to get one back: 7–10% of the CPU of a
// broadcast to 10,000 clients went to those thread switches. Since the
// runtime no longer sees the writes, the flusher yields every yieldEvery
// connections (flusher.run); without that, the service's
// webhook-to-browser p50 at 20 webhooks/s went from 25 to 140 ms.
func (b *wsBatch) writeFD(fd uintptr) (uintptr, syscall.Errno) {
	if len(b.iov) == 1 {
		p := b.iov[0]
		n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)), syscall.MSG_NOSIGNAL, 0, 0)
		return n, e
	}
	b.vecs = b.vecs[:0]
	for _, p := range b.iov {
		if len(p) == 0 {
			continue
		}
		if len(b.vecs) == iovMax {
			break
		}
		v := unix.Iovec{Base: unsafe.SliceData(p)}
		v.SetLen(len(p))
		b.vecs = append(b.vecs, v)
	}
	b.msg = unix.Msghdr{Iov: unsafe.SliceData(b.vecs)}
	b.msg.SetIovlen(len(b.vecs))
	n, _, e := syscall.RawSyscall(syscall.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&b.msg)), syscall.MSG_NOSIGNAL)
	return n, e
}
