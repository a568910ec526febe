package limit

import (
	"net/http"
	"net/netip"
	"testing"
)

// FuzzClientIP: whatever a client puts in X-Forwarded-For and whatever the
// peer address, ClientIP does not panic, and it returns the peer unless
// the peer is a trusted proxy.
func FuzzClientIP(f *testing.F) {
	for _, s := range [][2]string{
		{"10.0.0.1:80", "198.51.100.7"},
		{"10.0.0.1:80", "6.6.6.6, 198.51.100.7, 10.0.0.2"},
		{"[::1]:443", "2001:db8::1,::ffff:192.0.2.1"},
		{"203.0.113.9:5000", "1.2.3.4"},
		{"10.0.0.1:80", ",,, ,"},
		{"garbage", "[::1]:80"},
		{"10.0.0.1:80", "fe80::1%eth0"},
	} {
		f.Add(s[0], s[1])
	}
	proxies, err := ParseProxies("10.0.0.0/8, ::1")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, remote, xff string) {
		r := &http.Request{RemoteAddr: remote, Header: http.Header{"X-Forwarded-For": {xff}}}
		got := proxies.ClientIP(r)
		peer, ok := parseHostAddr(remote)
		if !ok {
			if got != remote {
				t.Fatalf("unparsable peer %q: ClientIP %q", remote, got)
			}
			return
		}
		if !proxies.trusted(peer) && got != peer.String() {
			t.Fatalf("untrusted peer %q with X-Forwarded-For %q: ClientIP %q", remote, xff, got)
		}
		if proxies.trusted(peer) {
			if _, err := netip.ParseAddr(got); err != nil {
				t.Fatalf("ClientIP %q is not an address", got)
			}
		}
	})
}

// FuzzParseRate: no input panics, and what parses formats back to itself.
func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"10/s:50", "600/m", "off", "0", "1e308/s", "0.0000001/h:1", "x", "5/s:99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRate(s)
		if err != nil {
			return
		}
		back, err := ParseRate(r.String())
		if err != nil || back != r {
			t.Fatalf("ParseRate(%q) = %v; its String %q parses to %v, %v", s, r, r.String(), back, err)
		}
	})
}
