//go:build !linux

package engineio

// syscallIovec is unused elsewhere than Linux.
type syscallIovec struct{}

// syscallMsghdr is unused elsewhere than Linux.
type syscallMsghdr struct{}

// tryWrite writes nothing elsewhere than Linux: finishBatch writes it all
// on a goroutine of the connection's own.
func (ws *wsConn) tryWrite(*wsBatch) (int, error) { return 0, nil }
