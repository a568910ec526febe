package engineio

import (
	"syscall"
	"unsafe"
)

// syscallIovec is a writev(2) piece.
type syscallIovec = syscall.Iovec

// iovMax is Linux's IOV_MAX: a longer batch is written in part, and the
// rest by finishBatch.
const iovMax = 1024

// tryWrite writes what it can of b to the socket without waiting: the
// bytes written (0 when the socket's buffer is full), or the socket's
// error. Without a socket it writes nothing, leaving it all to the
// blocking write.
func (b *wsBatch) tryWrite(raw syscall.RawConn) (int, error) {
	if raw == nil {
		return 0, nil
	}
	var (
		n     uintptr
		errno syscall.Errno
	)
	err := raw.Write(func(fd uintptr) bool {
		for {
			n, errno = b.writeFD(fd)
			if errno != syscall.EINTR {
				return true
			}
		}
	})
	switch {
	case err != nil:
		return 0, err
	case errno == syscall.EAGAIN:
		return 0, nil
	case errno != 0:
		return 0, errno
	}
	return int(n), nil
}

// writeFD is one write(2), or one writev(2) when b has several pieces.
func (b *wsBatch) writeFD(fd uintptr) (uintptr, syscall.Errno) {
	if len(b.iov) == 1 {
		p := b.iov[0]
		n, _, e := syscall.Syscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(p))), uintptr(len(p)))
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
		v := syscall.Iovec{Base: unsafe.SliceData(p)}
		v.SetLen(len(p))
		b.vecs = append(b.vecs, v)
	}
	n, _, e := syscall.Syscall(syscall.SYS_WRITEV, fd, uintptr(unsafe.Pointer(unsafe.SliceData(b.vecs))), uintptr(len(b.vecs)))
	return n, e
}
