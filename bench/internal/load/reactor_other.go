//go:build !linux

package load

// reactor is Linux only: elsewhere each client has a goroutine.
type reactor struct{}

func newReactors(*pool) []*reactor { return nil }

func (*reactor) stop() {}

// start starts c's read loop.
func (p *pool) start(c *Client) { p.run(c) }
