package limit

// Trusts reports whether remoteAddr (a request's RemoteAddr, host:port or
// a bare address) is one of the trusted proxies: only then are the headers
// a proxy sets about the request (X-Forwarded-For, X-Request-Id) believed.
func (p Proxies) Trusts(remoteAddr string) bool {
	if len(p.prefixes) == 0 {
		return false
	}
	a, ok := parseHostAddr(remoteAddr)
	return ok && p.trusted(a)
}
