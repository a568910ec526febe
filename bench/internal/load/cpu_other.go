//go:build !unix

package load

import "time"

// processCPU is unknown here (no getrusage): the results carry no CPU
// time per delivery.
func processCPU() time.Duration { return 0 }
