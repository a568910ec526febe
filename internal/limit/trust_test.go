package limit

import "testing"

func TestTrusts(t *testing.T) {
	t.Parallel()
	proxies, err := ParseProxies("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies Proxies
		remote  string
		want    bool
	}{
		{"none trusted", Proxies{}, "127.0.0.1:80", false},
		{"in a prefix", proxies, "10.1.2.3:5000", true},
		{"an address", proxies, "127.0.0.1:5000", true},
		{"outside", proxies, "203.0.113.9:5000", false},
		{"IPv6", proxies, "[::1]:80", true},
		{"IPv4-mapped", proxies, "[::ffff:10.0.0.1]:80", true},
		{"no port", proxies, "10.0.0.1", true},
		{"garbage", proxies, "proxy.internal:80", false},
		{"empty", proxies, "", false},
	}
	for _, tt := range tests {
		if got := tt.proxies.Trusts(tt.remote); got != tt.want {
			t.Errorf("%s: Trusts(%q) = %v, want %v", tt.name, tt.remote, got, tt.want)
		}
	}
}
