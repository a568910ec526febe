// Package buildinfo says what the running binary was built from: its
// version, Go version and VCS revision and time, read once from the
// information the Go toolchain embeds (runtime/debug.ReadBuildInfo). Both
// `kinrt version` and the kinrt_build_info metric read it here.
//
// Read is safe for concurrent use.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
)

// Unknown stands for what the binary does not record: its version, VCS
// revision or time when it was built without VCS information (go test,
// go run, a build outside a work tree, or with -buildvcs=false).
const Unknown = "unknown"

// Info is what the running binary was built from.
type Info struct {
	// Version is the main module's version: "(devel)" for a build from a
	// work tree, a tag like v1.2.3 for `go install …@v1.2.3`.
	Version string
	// GoVersion is the Go toolchain's version, like go1.26.10.
	GoVersion string
	// Revision is the VCS commit, with "-dirty" when the work tree had
	// uncommitted changes.
	Revision string
	// Time is the commit's time (RFC 3339, UTC).
	Time string
}

// Read returns the running binary's build information.
var Read = sync.OnceValue(func() Info {
	bi, ok := debug.ReadBuildInfo()
	return fromBuildInfo(bi, ok)
})

// fromBuildInfo reads Info out of what debug.ReadBuildInfo returned.
func fromBuildInfo(bi *debug.BuildInfo, ok bool) Info {
	i := Info{Version: Unknown, GoVersion: runtime.Version(), Revision: Unknown, Time: Unknown}
	if !ok || bi == nil {
		return i
	}
	if bi.Main.Version != "" {
		i.Version = bi.Main.Version
	}
	if bi.GoVersion != "" {
		i.GoVersion = bi.GoVersion
	}
	var dirty bool
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			i.Revision = kv.Value
		case "vcs.time":
			i.Time = kv.Value
		case "vcs.modified":
			dirty, _ = strconv.ParseBool(kv.Value)
		}
	}
	if dirty && i.Revision != Unknown {
		i.Revision += "-dirty"
	}
	return i
}

// String is the build information on one line, as `kinrt version` prints
// it: "kinrt VERSION (GOVERSION, revision REV, REVTIME)".
func (i Info) String() string {
	return fmt.Sprintf("kinrt %s (%s, revision %s, %s)", i.Version, i.GoVersion, i.Revision, i.Time)
}
