//go:build !linux

package engineio

// Elsewhere than Linux an idle WebSocket connection keeps its reader
// goroutine: park always declines.

type poller struct{}

func newPoller() *poller { return &poller{} }

func (p *poller) park(*wsConn, *Conn) bool { return false }

func (p *poller) forget(ws *wsConn) {}
