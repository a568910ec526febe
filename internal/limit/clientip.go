package limit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies (load balancers) whose X-Forwarded-For
// header is believed. The zero value believes none: the client is the
// peer of the TCP connection.
type Proxies struct {
	prefixes []netip.Prefix
}

// ParseProxies reads a comma-separated list of addresses and CIDR
// prefixes ("10.0.0.0/8, 127.0.0.1"). The empty string is no proxy.
func ParseProxies(s string) (Proxies, error) {
	var p Proxies
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			pfx, err := netip.ParsePrefix(f)
			if err != nil {
				return Proxies{}, fmt.Errorf("%q is not an address or a CIDR prefix", f)
			}
			p.prefixes = append(p.prefixes, pfx.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return Proxies{}, fmt.Errorf("%q is not an address or a CIDR prefix", f)
		}
		p.prefixes = append(p.prefixes, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return p, nil
}

// Len returns the number of prefixes.
func (p Proxies) Len() int { return len(p.prefixes) }

func (p Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pfx := range p.prefixes {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP returns the address of the client that made r: the TCP peer,
// or, when the peer is a trusted proxy, the nearest address of
// X-Forwarded-For that is not a trusted proxy (addresses further left
// were written by the client and prove nothing).
func (p Proxies) ClientIP(r *http.Request) string {
	peer, ok := parseHostAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if len(p.prefixes) == 0 || !p.trusted(peer) {
		return peer.String()
	}
	client := peer
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			a, err := netip.ParseAddr(strings.TrimSpace(list[j]))
			if err != nil {
				return client.String() // garbage: stop at what is known
			}
			client = a.Unmap()
			if !p.trusted(client) {
				return client.String()
			}
		}
	}
	return client.String()
}

func parseHostAddr(hostport string) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}
