package load

import "testing"

// assertServed fails unless a reactor serves c.
func assertServed(t *testing.T, c *Client) {
	t.Helper()
	if _, ok := c.sock.(*fdConn); !ok {
		t.Fatalf("client on a %T, not served by a reactor", c.sock)
	}
}
