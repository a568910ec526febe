package main

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/auth"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// selfSigned makes a self-signed certificate for localhost and 127.0.0.1
// named cn and writes it and its key to certFile and keyFile, each
// through a rename, as a certificate renewal replaces them.
func selfSigned(t *testing.T, cn, certFile, keyFile string) *x509.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:        true, BasicConstraintsValid: true, // its own root, for the clients' pools
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeAtomic(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeAtomic(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func writeAtomic(t *testing.T, name string, data []byte) {
	t.Helper()
	tmp := name + ".new"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// TestCertReloader: a reload serves the new pair from the next handshake;
// a bad pair (missing, mismatched, not PEM) is refused and the one served
// stays.
func TestCertReloader(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := selfSigned(t, "first", certFile, keyFile)
	r, err := newCertReloader(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	served := func() string {
		c, err := r.getCertificate(nil)
		if err != nil || c == nil || c.Leaf == nil {
			t.Fatalf("getCertificate = %v, %v", c, err)
		}
		return c.Leaf.Subject.CommonName
	}
	if got := served(); got != first.Subject.CommonName {
		t.Fatalf("served %q, want %q", got, first.Subject.CommonName)
	}
	otherDir := t.TempDir()
	selfSigned(t, "other", filepath.Join(otherDir, "cert.pem"), filepath.Join(otherDir, "key.pem"))
	otherKey, _ := os.ReadFile(filepath.Join(otherDir, "key.pem"))
	tests := []struct {
		name    string
		prepare func(t *testing.T) string // returns the name served afterwards
		wantErr bool
	}{
		{"renewed", func(t *testing.T) string { return selfSigned(t, "second", certFile, keyFile).Subject.CommonName }, false},
		{"key of another certificate", func(t *testing.T) string { writeAtomic(t, keyFile, otherKey); return "second" }, true},
		{"not PEM", func(t *testing.T) string { writeAtomic(t, certFile, []byte("garbage")); return "second" }, true},
		{"missing", func(t *testing.T) string { _ = os.Remove(certFile); return "second" }, true},
		{"renewed again", func(t *testing.T) string { return selfSigned(t, "third", certFile, keyFile).Subject.CommonName }, false},
	}
	for _, tt := range tests { // in order: each starts from the state the previous left
		want := tt.prepare(t)
		leaf, err := r.reload()
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: reload error %v, want error %v", tt.name, err, tt.wantErr)
		}
		if err == nil && leaf.Subject.CommonName != want {
			t.Errorf("%s: reload returned %q", tt.name, leaf.Subject.CommonName)
		}
		if got := served(); got != want {
			t.Errorf("%s: served %q, want %q", tt.name, got, want)
		}
	}
	if _, err := newCertReloader(filepath.Join(dir, "none.pem"), keyFile); err == nil || !strings.Contains(err.Error(), "none.pem") {
		t.Errorf("newCertReloader of a missing file: %v, want an error naming it", err)
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// kinrtBinary builds this command once per test binary.
func kinrtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kinrt-tls-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "kinrt")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// syncBuffer is a process's log, written by exec's copier and read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitFor polls cond every 20 ms until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool, log fmt.Stringer) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; log:\n%s", what, within, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// handshakeName dials addr and returns the common name of the certificate
// it is served.
func handshakeName(addr string) (string, error) {
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 2 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].Subject.CommonName, nil
}

// TestTLSReloadOnSIGHUP runs kinrt serve with a certificate, holds a
// connection open, renews the certificate's files and sends SIGHUP: new
// connections get the new certificate while the held one goes on with
// the old; a bad renewal keeps the certificate served and logs an error.
func TestTLSReloadOnSIGHUP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	first := selfSigned(t, "kinrt-first", certFile, keyFile)
	addr := freeAddr(t)
	log := new(syncBuffer)
	cmd := exec.Command(kinrtBinary(t), "serve", "--addr", addr, "--tls-cert", certFile, "--tls-key", keyFile)
	cmd.Env = append(os.Environ(), "NEXTAUTH_SECRET=tls-test-secret", "KIN_ADMIN_ADDR=off", "REDIS_URL=",
		"DATABASE_URL=sqlite:"+filepath.Join(dir, "kin.db"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })

	pool := x509.NewCertPool()
	pool.AddCert(first)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	t.Cleanup(client.CloseIdleConnections)
	waitFor(t, "https /readyz 200", 30*time.Second, func() bool {
		resp, err := client.Get("https://" + addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, log)
	if !strings.Contains(log.String(), "url=https://"+addr) {
		t.Errorf("the listening line does not name the https URL:\n%s", log)
	}

	// A connection held across the reload, verified against the first
	// certificate.
	held, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	heldReader := bufio.NewReader(held)
	get := func() int {
		t.Helper()
		if _, err := io.WriteString(held, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"); err != nil {
			t.Fatalf("held connection: %v", err)
		}
		resp, err := http.ReadResponse(heldReader, nil)
		if err != nil {
			t.Fatalf("held connection: %v", err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(); code != http.StatusOK {
		t.Fatalf("held connection: /healthz %d", code)
	}

	second := selfSigned(t, "kinrt-second", certFile, keyFile)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the renewed certificate on a new connection", 10*time.Second, func() bool {
		name, err := handshakeName(addr)
		return err == nil && name == second.Subject.CommonName
	}, log)
	if code := get(); code != http.StatusOK {
		t.Errorf("held connection after the reload: /healthz %d", code)
	}
	if name := held.ConnectionState().PeerCertificates[0].Subject.CommonName; name != first.Subject.CommonName {
		t.Errorf("held connection's certificate %q, want %q", name, first.Subject.CommonName)
	}
	waitFor(t, "the reload logged", 5*time.Second, func() bool { return strings.Contains(log.String(), "TLS certificate reloaded") }, log)

	// A bad renewal: the key of another certificate.
	selfSigned(t, "kinrt-stray", filepath.Join(dir, "stray-cert.pem"), filepath.Join(dir, "stray-key.pem"))
	stray, _ := os.ReadFile(filepath.Join(dir, "stray-key.pem"))
	writeAtomic(t, keyFile, stray)
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed reload logged", 10*time.Second, func() bool { return strings.Contains(log.String(), "was not reloaded") }, log)
	if name, err := handshakeName(addr); err != nil || name != second.Subject.CommonName {
		t.Errorf("after a bad renewal: served %q (%v), want %q still", name, err, second.Subject.CommonName)
	}
	if code := get(); code != http.StatusOK {
		t.Errorf("held connection after a bad renewal: /healthz %d", code)
	}
	select {
	case <-exited:
		t.Fatalf("kinrt exited:\n%s", log)
	default:
	}

	t.Run("socket.io-client over wss", func(t *testing.T) { socketIOOverTLS(t, addr, certFile) })

	// kinrt healthcheck finds the node from the same environment.
	_, port, _ := net.SplitHostPort(addr)
	hc := exec.Command(kinrtBinary(t), "healthcheck")
	hc.Env = append(os.Environ(), "PORT="+port, "KIN_TLS_CERT="+certFile)
	if out, err := hc.CombinedOutput(); err != nil {
		t.Errorf("kinrt healthcheck: %v\n%s", err, out)
	}
}

// socketIOOverTLS connects the real socket.io-client (test/interop's) to
// the node at https://localhost, trusting the certificate in certFile
// (NODE_EXTRA_CA_CERTS: verified, not skipped): the handshake by
// long-polling over HTTPS, then the upgrade to WebSocket over TLS.
func socketIOOverTLS(t *testing.T, addr, certFile string) {
	interop := filepath.Join("..", "..", "test", "interop")
	node := testenv.Node(t, filepath.Join(interop, "node_modules", "socket.io-client"))
	v, err := auth.NewVerifier(auth.Options{Secrets: []string{"tls-test-secret"}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := v.Mint(auth.Principal{UserID: "tls-agent", Role: "agent", Department: "sales"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(addr)
	const script = `
const { io } = require("socket.io-client");
const s = io(process.env.URL, { auth: { token: process.env.TOKEN }, reconnection: false, timeout: 10000 });
const fail = (why) => { console.log("FAIL " + why); process.exit(1); };
setTimeout(() => fail("timeout"), 20000).unref();
s.on("connect_error", (err) => fail("connect_error " + err.message));
s.on("connect", () => {
  const engine = s.io.engine;
  const done = () => { console.log("OK " + engine.transport.name + " " + s.id); s.close(); process.exit(0); };
  if (engine.transport.name === "websocket") done(); else engine.once("upgrade", done);
});`
	cmd := exec.Command(node, "-e", script)
	cmd.Dir = interop // require finds test/interop/node_modules
	cmd.Env = append(os.Environ(), "URL=https://localhost:"+port, "TOKEN="+tok, "NODE_EXTRA_CA_CERTS="+certFile)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK websocket ") {
		t.Fatalf("socket.io-client over TLS: %v\n%s", err, out)
	}
}

// TestHealthcheckExitCodes: 0 when /healthz answers 200, 1 (Docker's
// "unhealthy") when it answers otherwise or nothing listens.
func TestHealthcheckExitCodes(t *testing.T) {
	t.Parallel()
	ok := httptestServer(t, http.StatusOK)
	failing := httptestServer(t, http.StatusServiceUnavailable)
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"healthy", []string{"healthcheck", "--url", ok}, 0},
		{"answers 503", []string{"healthcheck", "--url", failing}, 1},
		{"nothing listens", []string{"healthcheck", "--url", "http://" + freeAddr(t), "--timeout", "2s"}, 1},
		{"not a URL", []string{"healthcheck", "--url", "ftp://x"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			if got := mainCode(tt.args, io.Discard, &stderr); got != tt.want {
				t.Errorf("exit %d, want %d: %s", got, tt.want, stderr.String())
			}
		})
	}
}

// httptestServer serves /healthz with status; it returns its URL.
func httptestServer(t *testing.T, status int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// TestVersion: kinrt version and --version print the build information
// on one line; kinrt alone lists the command.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"version", "--version", "-version"} {
		var out bytes.Buffer
		if code := mainCode([]string{arg}, &out, io.Discard); code != 0 {
			t.Errorf("%s: exit %d", arg, code)
		}
		if s := out.String(); !strings.HasPrefix(s, "kinrt ") || !strings.Contains(s, "go1.") || !strings.Contains(s, "revision ") {
			t.Errorf("%s printed %q", arg, s)
		}
	}
	var usageOut bytes.Buffer
	mainCode(nil, io.Discard, &usageOut)
	if !strings.Contains(usageOut.String(), "\n  version ") || !strings.Contains(usageOut.String(), "\n  healthcheck ") {
		t.Errorf("kinrt alone does not list version and healthcheck:\n%s", usageOut.String())
	}
}

// TestLoopbackClient: simulated traffic skips certificate verification
// only for https:// to a loopback address (the node itself, whose
// certificate names the public host).
func TestLoopbackClient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		target string
		skip   bool
	}{
		{"http://127.0.0.1:3000", false},
		{"https://127.0.0.1:3443", true},
		{"https://localhost:3443", true},
		{"https://[::1]:3443", true},
		{"https://rt.example.com", false},
		{"https://10.0.0.1:3443", false},
	}
	for _, tt := range tests {
		c := loopbackClient(tt.target)
		skip := c != nil && c.Transport.(*http.Transport).TLSClientConfig.InsecureSkipVerify
		if skip != tt.skip {
			t.Errorf("loopbackClient(%q) skips verification: %v, want %v", tt.target, skip, tt.skip)
		}
	}
}
