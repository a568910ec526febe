package load

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestLastStringArg(t *testing.T) {
	for _, tc := range []struct {
		data string
		want string // "" : none
	}{
		{`["message_received",{"a":1},"1733612345678-0"]`, "1733612345678-0"},
		{`["ev","x"]`, "x"},
		{`["ev",{"a":"b"}]`, ""},
		{`["ev",{"a":"b\"c"}]`, ""},
		{`["ev","a\"b"]`, ""},
		{`["ev"]`, ""},
		{`"]`, ""},
		{``, ""},
	} {
		got, ok := lastStringArg([]byte(tc.data))
		if ok != (tc.want != "") || string(got) != tc.want {
			t.Errorf("lastStringArg(%s) = %q, %v; want %q", tc.data, got, ok, tc.want)
		}
	}
}

// TestGeneratorCheck feeds a generator's clients events by hand and checks
// what check counts: missing, duplicated and leaked events, and the
// latency from the sending.
func TestGeneratorCheck(t *testing.T) {
	g, err := newGenerator(context.Background(), GenConfig{
		From: 10, To: 14, Nodes: []string{"127.0.0.1:1"}, Departments: []string{"a", "b"},
		Secret: "generator-test-secret-0123456789abcdef", Webhooks: 4,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	msg := func(w int) []byte {
		return fmt.Appendf(nil, `["message_received",{"messageSid":"SM%032x","body":"bench %d"},"%d-0"]`, w, w, w+100)
	}
	conv := func(w int) []byte {
		return fmt.Appendf(nil, `["conversation_updated",{"lastMessagePreview":"bench %d"},"%d-1"]`, w, w+100)
	}
	// Clients 10 and 12 are of department a (webhooks 0 and 2), 11 and 13
	// of b (1 and 3).
	c10, c11, c12, c13 := g.cl[0], g.cl[1], g.cl[2], g.cl[3]
	for _, c := range []*genClient{c10, c12} {
		g.onEvent(c, msg(0))
		g.onEvent(c, conv(0))
		g.onEvent(c, msg(2))
	}
	g.onEvent(c12, conv(2))
	g.onEvent(c12, conv(2)) // twice
	g.onEvent(c11, msg(1))
	g.onEvent(c11, conv(1))
	g.onEvent(c11, msg(0))  // department a's: leaked
	g.onEvent(c13, msg(99)) // not a webhook of the run: leaked
	g.onEvent(c13, []byte(`["user_presence_updated",{"userId":"u"},"7-0"]`))

	if got := string(c12.offset[:c12.olen]); got != "102-1" {
		t.Errorf("client 12's offset %q", got)
	}
	if got := string(c13.offset[:c13.olen]); got != "7-0" {
		t.Errorf("client 13's offset %q", got)
	}
	sent := time.Now().Add(-time.Second).UnixNano()
	res := g.check([]int64{sent, sent, sent, 0}) // webhook 3 not sent
	// Expected: a's two clients × webhooks 0 and 2, b's two × webhook 1,
	// two events each.
	if res.Expected != 12 || res.Missing != 3 || res.Duplicates != 1 || res.Leaked != 2 || res.Events != 13 || res.Matched != 10 {
		t.Errorf("check %+v", res)
	}
	// Missing: 10's conversation_updated of 2, 13's two of 1.
	if fmt.Sprint(res.MissingBy) != "[0 2 1 0]" || fmt.Sprint(res.DuplicatesBy) != "[0 0 1 0]" {
		t.Errorf("missing by webhook %v, duplicates %v", res.MissingBy, res.DuplicatesBy)
	}
	var h Hist
	h.AddBuckets(res.Latency[0])
	if h.Count() != 4 || h.Quantile(0.5) < 900*time.Millisecond || h.Quantile(1) > 2*time.Second {
		t.Errorf("webhook 0's latency: %d deliveries, p50 %s", h.Count(), h.Quantile(0.5))
	}
}

// TestWatchEvent: a client watches n colleagues of its own department,
// never itself, as one presence:watch event.
func TestWatchEvent(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		i, d, n int
		want    string
	}{
		{7, 5, 0, ""},
		{12, 5, 2, `42["presence:watch",{"userIds":["u7","u2"]}]`},
		{3, 5, 2, `42["presence:watch",{"userIds":["u8","u13"]}]`},
		{6, 5, 2, `42["presence:watch",{"userIds":["u1","u16"]}]`},
	} {
		if got := string(watchEvent(tt.i, tt.d, tt.n)); got != tt.want {
			t.Errorf("watchEvent(%d, %d, %d) = %s, want %s", tt.i, tt.d, tt.n, got, tt.want)
		}
	}
}
