//go:build !linux

package engineio

import "runtime"

// netYield lets a flusher give way to other goroutines. Elsewhere than
// Linux it is runtime.Gosched.
type netYield struct{}

func (netYield) yield() { runtime.Gosched() }

func (netYield) close() {}
