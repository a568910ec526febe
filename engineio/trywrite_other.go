//go:build !linux

package engineio

import "syscall"

// syscallIovec is unused elsewhere than Linux.
type syscallIovec struct{}

// syscallMsghdr is unused elsewhere than Linux.
type syscallMsghdr struct{}

// tryWrite writes nothing elsewhere than Linux: finishBatch writes it all
// on a goroutine of the connection's own.
func (b *wsBatch) tryWrite(syscall.RawConn) (int, error) { return 0, nil }
