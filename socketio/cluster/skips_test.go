package cluster

import (
	"slices"
	"testing"
	"time"
)

// TestSkips: the sockets remembered for an offset are taken once; those
// older than SkipTTL are pruned.
func TestSkips(t *testing.T) {
	t.Parallel()
	var k Skips
	now := time.Now()
	k.Add("1-0", "a", now)
	k.Add("1-0", "b", now)
	k.Add("2-0", "c", now.Add(-2*SkipTTL))
	k.Prune(now)
	if got := k.Take("2-0"); got != nil {
		t.Errorf("pruned offset: %v", got)
	}
	if got := k.Take("1-0"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Take = %v", got)
	}
	if got := k.Take("1-0"); got != nil {
		t.Errorf("taken twice: %v", got)
	}
}
