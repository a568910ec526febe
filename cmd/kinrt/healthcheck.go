package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"
)

// unhealthyError is a health check that did not get 200: the command exits
// 1, which Docker and podman read as "unhealthy" (2 is reserved).
type unhealthyError struct{ err error }

func (e unhealthyError) Error() string { return "healthcheck: " + e.err.Error() }

// healthcheck is `kinrt healthcheck`: GET /healthz of the service running
// here, as the container image's HEALTHCHECK (scratch has no curl). By
// default it asks the address that `kinrt serve` takes from the same
// environment (PORT, https with KIN_TLS_CERT) on loopback; a loopback
// address's certificate is not verified (it names the public host).
func healthcheck(args []string) error {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	target := fs.String("url", "", "the service's base URL (default: http(s)://127.0.0.1:$PORT, https with KIN_TLS_CERT)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long the answer may take")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("healthcheck: unexpected argument %q", fs.Arg(0))
	}
	if *target == "" {
		scheme := "http"
		if os.Getenv("KIN_TLS_CERT") != "" {
			scheme = "https"
		}
		*target = scheme + "://" + net.JoinHostPort("127.0.0.1", cmp.Or(os.Getenv("PORT"), "3000"))
	}
	u, err := url.Parse(*target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("healthcheck: --url %q is not an http(s) URL", *target)
	}
	return checkHealth(u, *timeout)
}

// checkHealth GETs base's /healthz and wants 200.
func checkHealth(base *url.URL, timeout time.Duration) error {
	tr := &http.Transport{Proxy: nil, DisableKeepAlives: true}
	if ip := net.ParseIP(base.Hostname()); (ip != nil && ip.IsLoopback()) || base.Hostname() == "localhost" {
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} // the node itself, whatever name its certificate has
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base.JoinPath("/healthz").String(), nil)
	if err != nil {
		return unhealthyError{err}
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return unhealthyError{err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<10))
	if resp.StatusCode != http.StatusOK {
		return unhealthyError{fmt.Errorf("%s answered %s", req.URL, resp.Status)}
	}
	return nil
}
