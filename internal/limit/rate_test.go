package limit

import (
	"strings"
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Rate
		err  string
	}{
		{"10/s:50", Rate{10, 50}, ""},
		{"10/s", Rate{10, 10}, ""},
		{" 600/m ", Rate{10, 600}, ""},
		{"0.5/s:3", Rate{0.5, 3}, ""},
		{"0.5/s", Rate{0.5, 1}, ""},
		{"3600/h:1", Rate{1, 1}, ""},
		{"off", Rate{}, ""},
		{"0", Rate{}, ""},
		{"10", Rate{}, "want N/s"},
		{"10/d", Rate{}, "unit"},
		{"-1/s", Rate{}, "positive number"},
		{"x/s", Rate{}, "positive number"},
		{"NaN/s", Rate{}, "positive number"},
		{"10/s:0", Rate{}, "burst"},
		{"10/s:x", Rate{}, "burst"},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseRate(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
		if back, err := ParseRate(got.String()); err != nil || back != got {
			t.Errorf("ParseRate(%q.String() = %q) = %v, %v", tt.in, got.String(), back, err)
		}
	}
}

func TestBucket(t *testing.T) {
	t.Parallel()
	b := NewBucket(Rate{PerSecond: 1, Burst: 3})
	for i := range 3 {
		if ok, _ := b.Allow(); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	ok, retry := b.Allow()
	if ok || retry <= 0 || retry > time.Second {
		t.Fatalf("past the burst: ok=%v retryAfter=%v, want refused with 0 < retryAfter <= 1s", ok, retry)
	}
	for _, b := range []*Bucket{nil, {}, NewBucket(Rate{})} {
		for range 100 {
			if ok, _ := b.Allow(); !ok {
				t.Fatal("an unlimited bucket refused")
			}
		}
	}
}
