package load

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// spun is the time spinning reactors have polled without finding data.
var spun atomic.Int64

func addSpin(d time.Duration) { spun.Add(int64(d)) }

// selfCPU returns the CPU time (user + system) this process has used for
// its work: its spinning reactors' empty polls are left out.
func selfCPU() time.Duration {
	return processCPU() - time.Duration(spun.Load())
}

// procCPU returns the CPU time (user + system) process pid has used, at
// the kernel's clock-tick resolution (10ms), or 0 when unknown.
func procCPU(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const tick = 10 * time.Millisecond // USER_HZ is 100 on Linux
	return time.Duration(utime+stime) * tick
}

// cpuMeter measures the CPU time of this process and of the server between
// two points.
type cpuMeter struct {
	pid          int
	self, server time.Duration
}

func startCPU(pid int) cpuMeter {
	return cpuMeter{pid: pid, self: selfCPU(), server: procCPU(pid)}
}

// perEvent returns the CPU microseconds per event of this process and of
// the server (0 without a pid) since start.
func (m cpuMeter) perEvent(events uint64) (self, server float64) {
	if events == 0 {
		return 0, 0
	}
	self = float64(selfCPU()-m.self) / float64(time.Microsecond) / float64(events)
	if m.pid > 0 {
		server = float64(procCPU(m.pid)-m.server) / float64(time.Microsecond) / float64(events)
	}
	return self, server
}

// ProcCPU returns the CPU time (user + system) process pid has used, at
// the kernel's clock-tick resolution (10ms), or 0 when unknown.
func ProcCPU(pid int) time.Duration { return procCPU(pid) }
