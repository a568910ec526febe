package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/server"
	"github.com/kin-comms/kinrt/internal/testenv"
)

// TestNextJSExampleInChromium is issue 16's scenario: the web package packed
// with npm pack, installed from its tarball into examples/nextjs (a Next.js
// App Router app with next-auth), built once with next build, then run with
// next start beside kinrt on another origin, twice: with the session cookie
// (kinrt on localhost, another port: same site) and with the token route
// (kinrt on 127.0.0.1: another site, the cookie does not reach it). In
// Chromium: users sign in through next-auth's form, a signed Twilio webhook
// makes a voicemail that appears live, "mark listened" goes through kinrt's
// REST API cross-origin and shows in a second user's browser, and a
// supervisor's announcement (route handler → the package's ./server → kinrt)
// toasts for sales and not for support.
func TestNextJSExampleInChromium(t *testing.T) {
	example, err := filepath.Abs(filepath.Join("..", "..", "examples", "nextjs"))
	if err != nil {
		t.Fatal(err)
	}
	webDir, err := filepath.Abs(filepath.Join("..", "..", "web"))
	if err != nil {
		t.Fatal(err)
	}
	node := testenv.Node(t, filepath.Join("node_modules", "playwright-core"),
		filepath.Join(example, "node_modules", "next"), filepath.Join(webDir, "node_modules", "typescript"))
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "npm not found: scripts/test installs Node.js")
	}
	chromium := os.Getenv("CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		testenv.Missing(t, "%s not found: scripts/test installs Debian's chromium", chromium)
	}

	// Pack the package as a publisher would (prepack builds it).
	start := time.Now()
	packDir := t.TempDir()
	out := run(t, webDir, nil, 3*time.Minute, npm, "pack", "--pack-destination", packDir, "--loglevel=error")
	tarballs, _ := filepath.Glob(filepath.Join(packDir, "*.tgz"))
	if len(tarballs) != 1 {
		t.Fatalf("npm pack made %d tarballs:\n%s", len(tarballs), out)
	}
	tarball := tarballs[0]
	t.Logf("npm pack: %s in %v", filepath.Base(tarball), time.Since(start).Round(time.Millisecond))

	// Install the tarball into the example, beside what its lockfile pinned
	// (scripts/test's npm ci); --no-save leaves package.json and the lock alone.
	start = time.Now()
	run(t, example, nil, 3*time.Minute, npm, "install", "--no-save", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball)
	t.Logf("npm install <tarball>: %v", time.Since(start).Round(time.Millisecond))
	checkInstalledFromTarball(t, example)

	// One build serves both modes: the app reads kinrt's URL and mode at request time.
	// From scratch: nothing of an earlier build (or its cache) is reused.
	if err := os.RemoveAll(filepath.Join(example, ".next")); err != nil {
		t.Fatal(err)
	}
	env := []string{"NEXT_TELEMETRY_DISABLED=1"}
	start = time.Now()
	run(t, example, env, 5*time.Minute, node, filepath.Join("node_modules", "next", "dist", "bin", "next"), "build")
	t.Logf("next build: %v", time.Since(start).Round(time.Millisecond))

	for _, mode := range []string{"cookie", "token"} {
		t.Run(mode, func(t *testing.T) {
			start := time.Now()
			runNextJSScenario(t, node, chromium, example, mode)
			t.Logf("%s mode: %v", mode, time.Since(start).Round(time.Millisecond))
		})
	}
}

// checkInstalledFromTarball: the package is a copy from the tarball (not a
// link into web/), and its socket.io-client is the one the example's
// lockfile pins (no second, drifting copy).
func checkInstalledFromTarball(t *testing.T, example string) {
	t.Helper()
	pkg := filepath.Join(example, "node_modules", "@kin-comms", "kinrt-web")
	if fi, err := os.Lstat(pkg); err != nil || fi.Mode()&os.ModeSymlink != 0 {
		t.Fatalf("%s is not an installed copy: %v", pkg, err)
	}
	if _, err := os.Stat(filepath.Join(pkg, "src")); err == nil {
		t.Errorf("the installed package holds its sources (src/): its files list should ship the build only")
	}
	if _, err := os.Stat(filepath.Join(pkg, "node_modules", "socket.io-client")); err == nil {
		t.Errorf("the package got a socket.io-client of its own: it does not share the example's pinned one")
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	readJSON(t, filepath.Join(example, "package-lock.json"), &lock)
	var installed struct{ Version string }
	readJSON(t, filepath.Join(example, "node_modules", "socket.io-client", "package.json"), &installed)
	if want := lock.Packages["node_modules/socket.io-client"].Version; want == "" || installed.Version != want {
		t.Errorf("socket.io-client %q installed, the lockfile pins %q", installed.Version, want)
	}
}

// runNextJSScenario starts kinrt and next start for one mode and runs nextjs.mjs.
func runNextJSScenario(t *testing.T, node, chromium, example, mode string) {
	secret, apiKey, twilioToken := randomHex(t), randomHex(t), randomHex(t)
	const password = "e2e-password"

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	kinrtPort := ln.Addr().(*net.TCPAddr).Port
	kinrtHost := "localhost" // same site as the app: the session cookie reaches kinrt
	if mode == "token" {
		kinrtHost = "127.0.0.1" // another site: it does not
	}
	kinrtURL := fmt.Sprintf("http://%s:%d", kinrtHost, kinrtPort)

	// next start first (kinrt's port is already ours): its port is only
	// known free once it listens, and kinrt's CORS names its origin.
	next, nextURL := startNextOnFreePort(t, node, example, func(nextURL string) []string {
		return []string{
			"NEXT_TELEMETRY_DISABLED=1",
			"NEXTAUTH_URL=" + nextURL,
			"NEXTAUTH_SECRET=" + secret,
			"KINRT_URL=" + kinrtURL,
			"KINRT_AUTH=" + mode,
			"KIN_INTERNAL_API_KEY=" + apiKey,
			"DEMO_PASSWORD=" + password,
		}
	})

	// kinrt, configured through the environment as its README says.
	kenv := map[string]string{
		"NEXTAUTH_SECRET":        secret,
		"SOCKET_IO_CORS_ORIGIN":  nextURL,
		"KIN_INTERNAL_API_KEY":   apiKey,
		"TWILIO_AUTH_TOKEN":      twilioToken,
		"KIN_PUBLIC_URL":         kinrtURL,
		"KIN_NUMBER_DEPARTMENTS": "+15550001111=sales,+15550002222=support",
		"DATABASE_URL":           "sqlite:" + filepath.Join(t.TempDir(), "kin.db"),
	}
	cfg, err := config.Load(nil, func(k string) string { return kenv[k] })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(srv.Handler())
	_ = hs.Listener.Close()
	hs.Listener = ln
	hs.Start()
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})

	spec, _ := json.Marshal(map[string]string{
		"mode": mode, "next": nextURL, "kinrt": kinrtURL, "kinrtDirect": hs.URL, "publicUrl": cfg.PublicURL,
		"twilioToken": twilioToken, "password": password, "shots": "screenshots",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "nextjs.mjs", string(spec))
	cmd.Env = append(os.Environ(), "CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("nextjs.mjs (%s mode) failed: %v\n%s\nnext start:\n%s", mode, err, out, next.output())
	}
	for _, shot := range []string{"voicemails-sales-agent", "voicemails-sales-supervisor", "toast-sales-agent",
		"overview-support-agent", "announce-admin"} {
		name := fmt.Sprintf("nextjs-%s-%s.png", mode, shot)
		if st, err := os.Stat(filepath.Join("screenshots", name)); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s missing or empty: %v", name, err)
		}
	}
}

// nextProcess is a running next start and what it printed.
type nextProcess struct {
	cmd    *exec.Cmd
	exited chan struct{}
	mu     sync.Mutex
	out    bytes.Buffer
	ready  chan struct{}
}

func (p *nextProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// startNext runs next start on port; it is killed at the end of the test.
func startNext(t *testing.T, node, example string, port int, env []string) *nextProcess {
	t.Helper()
	cmd := exec.Command(node, filepath.Join("node_modules", "next", "dist", "bin", "next"), "start", "-p", fmt.Sprint(port))
	cmd.Dir = example
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("next start: %v", err)
	}
	p := &nextProcess{cmd: cmd, exited: make(chan struct{}), ready: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(pipe)
		signalled := false
		for sc.Scan() {
			p.mu.Lock()
			p.out.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if !signalled && strings.Contains(sc.Text(), "Ready in") {
				close(p.ready)
				signalled = true
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	return p
}

// startNextOnFreePort runs next start, with the environment env gives for
// its URL (what the app reads at request time), on a port found free, and
// waits until it is ready. A port taken between the check and next's own
// listen (by another test's connection, say) is tried again with another.
func startNextOnFreePort(t *testing.T, node, example string, env func(url string) []string) (*nextProcess, string) {
	t.Helper()
	for attempt := 1; ; attempt++ {
		port := freePort(t)
		url := fmt.Sprintf("http://localhost:%d", port)
		p := startNext(t, node, example, port, env(url))
		select {
		case <-p.ready:
			waitNextReady(t, p, url)
			return p, url
		case <-p.exited:
			if attempt < 5 && strings.Contains(p.output(), "EADDRINUSE") {
				t.Logf("next start: port %d was taken meanwhile; another", port)
				continue
			}
			t.Fatalf("next start exited:\n%s", p.output())
		case <-time.After(60 * time.Second):
			t.Fatalf("next start is not ready after 60s:\n%s", p.output())
		}
	}
}

// waitNextReady waits for next-auth to answer on a started next.
func waitNextReady(t *testing.T, p *nextProcess, url string) {
	t.Helper()
	res, err := http.Get(url + "/api/auth/providers")
	if err != nil {
		t.Fatalf("next start: %v\n%s", err, p.output())
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "credentials") {
		t.Fatalf("next-auth's providers answered %d: %s\n%s", res.StatusCode, body, p.output())
	}
}

// run runs a command in dir and returns its output; failing, it fails the test.
func run(t *testing.T, dir string, env []string, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s (in %s): %v\n%s", filepath.Base(name), strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// freePort is a port nobody listened on a moment ago on any address, as
// next start binds it (on ::), chosen below Linux's ephemeral range
// (32768-60999 by default) so that the connections of tests running
// meanwhile do not take it.
func freePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + mrand.IntN(12000)
		ln, err := net.Listen("tcp", fmt.Sprintf(":%d", port))
		if err != nil {
			continue
		}
		_ = ln.Close()
		return port
	}
	t.Fatal("no free port in 20000-31999")
	return 0
}
