package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// certReloader serves the public listener's certificate, read from its
// files at start and again on each reload (SIGHUP). A handshake reads
// the current certificate without a lock; a reload swaps it atomically,
// so connections already open keep theirs and new ones get the new one.
// A reload that cannot read a valid pair keeps the certificate served.
type certReloader struct {
	certFile, keyFile string
	cert              atomic.Pointer[tls.Certificate]
}

// newCertReloader reads the certificate and key files; an error names the
// one at fault, so a bad pair stops the start.
func newCertReloader(certFile, keyFile string) (*certReloader, error) {
	r := &certReloader{certFile: certFile, keyFile: keyFile}
	if _, err := r.reload(); err != nil {
		return nil, err
	}
	return r, nil
}

// reload reads the files again and, when they hold a valid pair, serves
// it from the next handshake on; it returns the new leaf certificate.
func (r *certReloader) reload() (*x509.Certificate, error) {
	c, err := tls.LoadX509KeyPair(r.certFile, r.keyFile)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", r.certFile, r.keyFile, err)
	}
	r.cert.Store(&c)
	return c.Leaf, nil // Go 1.23+ fills Leaf
}

// getCertificate is the tls.Config's GetCertificate.
func (r *certReloader) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return r.cert.Load(), nil
}

// tlsConfig is the public listener's TLS configuration: HTTP/2 and
// HTTP/1.1 (WebSocket upgrades take HTTP/1.1: Go's HTTP/2 server does not
// offer WebSocket over HTTP/2), TLS 1.2 at least.
func (r *certReloader) tlsConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1"},
		GetCertificate: r.getCertificate,
	}
}

// reloadAndLog reloads the certificate and logs the outcome: the new
// certificate's names and expiry, or the error and that the old one is
// still served.
func (r *certReloader) reloadAndLog(log *slog.Logger) {
	leaf, err := r.reload()
	if err != nil {
		log.Error("SIGHUP: the TLS certificate was not reloaded; the previous one is still served", "err", err)
		return
	}
	log.Info("SIGHUP: TLS certificate reloaded", certAttrs(leaf)...)
}

// certAttrs are the log attributes of a certificate.
func certAttrs(leaf *x509.Certificate) []any {
	if leaf == nil {
		return nil
	}
	return []any{"subject", leaf.Subject.String(), "dnsNames", leaf.DNSNames,
		"notAfter", leaf.NotAfter.UTC().Format(time.RFC3339)}
}
