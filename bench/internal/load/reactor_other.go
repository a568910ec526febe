//go:build !linux

package load

import "time"

// reactor is Linux only: elsewhere each client has a goroutine.
type reactor struct{}

func newReactors(*pool, time.Duration) []*reactor { return nil }

func (*reactor) stop() {}

// start starts c's read loop.
func (p *pool) start(c *Client) { p.run(c) }
