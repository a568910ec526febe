package limit

import (
	"net/http"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies, err := ParseProxies("10.0.0.0/8, 127.0.0.1, ::1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		proxies Proxies
		remote  string
		xff     []string
		want    string
	}{
		{"no proxy trusted: XFF ignored", Proxies{}, "203.0.113.9:5000", []string{"1.2.3.4"}, "203.0.113.9"},
		{"untrusted peer: XFF ignored", proxies, "203.0.113.9:5000", []string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted peer: last hop", proxies, "10.1.2.3:5000", []string{"198.51.100.7"}, "198.51.100.7"},
		{"spoofed left part ignored", proxies, "10.1.2.3:5000", []string{"6.6.6.6, 198.51.100.7"}, "198.51.100.7"},
		{"chain of proxies", proxies, "127.0.0.1:80", []string{"198.51.100.7, 10.0.0.5", "10.9.9.9"}, "198.51.100.7"},
		{"trusted peer without XFF", proxies, "10.1.2.3:5000", nil, "10.1.2.3"},
		{"all trusted", proxies, "10.1.2.3:5000", []string{"10.0.0.1"}, "10.0.0.1"},
		{"garbage hop", proxies, "10.1.2.3:5000", []string{"nonsense"}, "10.1.2.3"},
		{"IPv6 peer", proxies, "[::1]:80", []string{"2001:db8::1"}, "2001:db8::1"},
		{"IPv4-mapped", Proxies{}, "[::ffff:192.0.2.1]:80", nil, "192.0.2.1"},
		{"no port", Proxies{}, "192.0.2.1", nil, "192.0.2.1"},
	}
	for _, tt := range tests {
		r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		r.RemoteAddr = tt.remote
		for _, h := range tt.xff {
			r.Header.Add("X-Forwarded-For", h)
		}
		if got := tt.proxies.ClientIP(r); got != tt.want {
			t.Errorf("%s: ClientIP = %q, want %q", tt.name, got, tt.want)
		}
	}
	for _, bad := range []string{"10.0.0.0/33", "host.example", "1.2.3"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}
