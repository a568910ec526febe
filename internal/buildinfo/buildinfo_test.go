package buildinfo

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	t.Parallel()
	settings := func(kv ...string) []debug.BuildSetting {
		var s []debug.BuildSetting
		for i := 0; i < len(kv); i += 2 {
			s = append(s, debug.BuildSetting{Key: kv[i], Value: kv[i+1]})
		}
		return s
	}
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		ok   bool
		want Info
	}{
		{"no build info", nil, false, Info{Unknown, runtime.Version(), Unknown, Unknown}},
		{"test binary", &debug.BuildInfo{GoVersion: "go1.26.10"}, true, Info{Unknown, "go1.26.10", Unknown, Unknown}},
		{"clean work tree", &debug.BuildInfo{GoVersion: "go1.26.10", Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs.revision", "0b08f2f", "vcs.time", "2026-12-07T20:00:00Z", "vcs.modified", "false")},
			true, Info{"(devel)", "go1.26.10", "0b08f2f", "2026-12-07T20:00:00Z"}},
		{"dirty work tree", &debug.BuildInfo{GoVersion: "go1.26.10", Main: debug.Module{Version: "(devel)"},
			Settings: settings("vcs.revision", "0b08f2f", "vcs.modified", "true")},
			true, Info{"(devel)", "go1.26.10", "0b08f2f-dirty", Unknown}},
		{"modified without a revision", &debug.BuildInfo{Settings: settings("vcs.modified", "true")},
			true, Info{Unknown, runtime.Version(), Unknown, Unknown}},
		{"tagged module", &debug.BuildInfo{GoVersion: "go1.26.10", Main: debug.Module{Version: "v1.2.3"}},
			true, Info{"v1.2.3", "go1.26.10", Unknown, Unknown}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := fromBuildInfo(tt.bi, tt.ok); got != tt.want {
				t.Errorf("fromBuildInfo = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	i := Info{"v1.2.3", "go1.26.10", "0b08f2f-dirty", "2026-12-07T20:00:00Z"}
	if got, want := i.String(), "kinrt v1.2.3 (go1.26.10, revision 0b08f2f-dirty, 2026-12-07T20:00:00Z)"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestReadIsTheRunningBinarys(t *testing.T) {
	t.Parallel()
	i := Read()
	if i.GoVersion != runtime.Version() {
		t.Errorf("GoVersion = %q, want %q", i.GoVersion, runtime.Version())
	}
	if i.Version == "" || i.Revision == "" || i.Time == "" {
		t.Errorf("Read left a field empty: %+v", i)
	}
}
