package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/config"
	"github.com/kin-comms/kinrt/internal/simulate"
	"github.com/kin-comms/kinrt/internal/twilio"
)

// TestFavicon: the dashboard's icon and /favicon.ico (which browsers ask
// for on pages that name none) answer an image, and the demo's sign-in
// page names its icon, so no page load ends in a 404.
func TestFavicon(t *testing.T) {
	t.Parallel()
	for _, demo := range []bool{false, true} {
		_, hs := startServer(t, func(c *config.Config) { c.Demo = demo })
		for path, want := range map[string]string{"/favicon.ico": "image/x-icon", "/favicon.svg": "image/svg+xml"} {
			resp, err := http.Get(hs.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want || len(body) == 0 {
				t.Errorf("demo %v: GET %s: %d %q (%d bytes), want 200 %s", demo, path, resp.StatusCode, resp.Header.Get("Content-Type"), len(body), want)
			}
			if path == "/favicon.ico" && !bytes.HasPrefix(body, []byte{0, 0, 1, 0}) {
				t.Errorf("GET /favicon.ico: not an ICO file: % x", body[:min(8, len(body))])
			}
		}
	}
	_, hs := startServer(t, func(c *config.Config) { c.Demo = true })
	resp, err := http.Get(hs.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `<link rel="icon" type="image/svg+xml" href="/favicon.svg">`) {
		t.Errorf("the sign-in page names no icon:\n%s", body)
	}
}

// TestWebhookRefusalNamesURL: a webhook with a bad signature is refused
// (403) with the URL the service verified against, which is its public
// URL and the path, and nothing of the auth token.
func TestWebhookRefusalNamesURL(t *testing.T) {
	t.Parallel()
	_, hs := startServer(t, func(c *config.Config) { c.PublicURL = "http://localhost:3000" })
	form := url.Values{"MessageSid": {"SM1"}, "From": {"+15550009999"}, "To": {"+15550001111"}, "Body": {"hi"}}
	for _, sig := range []string{"", "bm9wZQ==", twilio.Sign(twilioToken, hs.URL+"/api/webhooks/twilio/sms", form)} {
		req, _ := http.NewRequest(http.MethodPost, hs.URL+"/api/webhooks/twilio/sms?x=1", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if sig != "" {
			req.Header.Set("X-Twilio-Signature", sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body.Error, "verified against http://localhost:3000/api/webhooks/twilio/sms ") {
			t.Errorf("signature %q: %d %q, want 403 naming http://localhost:3000/api/webhooks/twilio/sms", sig, resp.StatusCode, body.Error)
		}
		if strings.Contains(body.Error, twilioToken) {
			t.Errorf("the refusal tells the auth token: %q", body.Error)
		}
	}
}

// TestSimulateLoopbackSignsLikeService: a service at 127.0.0.1 whose
// public URL is the default http://localhost:PORT accepts the simulator's
// webhooks aimed at 127.0.0.1 without a public URL; a simulator that signs
// for another URL gets a SignatureError naming both URLs.
func TestSimulateLoopbackSignsLikeService(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	target := "http://127.0.0.1:" + strconv.Itoa(port)
	public := "http://localhost:" + strconv.Itoa(port)
	if got := simulate.DefaultPublicURL(target); got != public {
		t.Fatalf("DefaultPublicURL(%s) = %s, want %s", target, got, public)
	}
	srv, _ := startServer(t, func(c *config.Config) {
		c.PublicURL = public
		c.NumberDepartments = map[string]string{salesNumber: "sales", supportNumber: "support"}
	})
	hs := &http.Server{Handler: srv.Handler()}
	ln, err = net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
	if err != nil {
		t.Skipf("the free port was taken meanwhile: %v", err)
	}
	go func() { _ = hs.Serve(ln) }()
	t.Cleanup(func() { _ = hs.Close() })

	numbers := map[string]string{"sales": salesNumber, "support": supportNumber}
	sim, err := simulate.New(simulate.Config{Target: target, AuthToken: twilioToken, Numbers: numbers})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if err := sim.Sequence(context.Background()); err != nil {
			t.Fatalf("sequence %d to %s signed for %s: %v", i, target, sim.PublicURL(), err)
		}
	}

	wrong, err := simulate.New(simulate.Config{Target: target, PublicURL: target, AuthToken: twilioToken, Numbers: numbers})
	if err != nil {
		t.Fatal(err)
	}
	err = wrong.Sequence(context.Background())
	var se *simulate.SignatureError
	if !errors.As(err, &se) || !strings.HasPrefix(se.SignedURL, target+"/api/webhooks/") ||
		!strings.Contains(se.Service, "verified against "+public+"/api/webhooks/") {
		t.Fatalf("signing for %s: %v, want a SignatureError naming both URLs", target, err)
	}
	if !strings.Contains(err.Error(), se.SignedURL) || !strings.Contains(err.Error(), public) {
		t.Errorf("the error %q names neither URL", err)
	}
}

// TestDemoCommandsFindSecrets runs the newcomer's path with the binary:
// kinrt serve --demo in a fresh folder keeps its generated secrets in
// data/demo-secrets.json (0600, never logged) and prints the token and
// simulate commands; those commands, run in the same folder, work against
// it; simulate aimed at 127.0.0.1 agrees with the service's
// http://localhost public URL, and a wrong one fails with the URLs and a
// hint; a restart keeps the sessions.
func TestDemoCommandsFindSecrets(t *testing.T) {
	bin := kinrtBinary(t)
	dir := t.TempDir()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()
	target, public := "http://127.0.0.1:"+port, "http://localhost:"+port
	env := []string{"KIN_ADMIN_ADDR=off"}
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "NEXTAUTH_SECRET", "AUTH_SECRET", "TWILIO_AUTH_TOKEN", "KIN_PUBLIC_URL", "DATABASE_URL", "REDIS_URL",
			"PORT", "KIN_SIMULATE_API_TOKEN", "KIN_ADMIN_ADDR", "KIN_LOG_FORMAT", "KIN_LOG_LEVEL":
		default:
			env = append(env, kv)
		}
	}
	command := func(args ...string) (string, string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Env = dir, env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}

	serve := func() (log func() string, stop func()) {
		cmd := exec.Command(bin, "serve", "--demo", "--simulate=false", "--addr", "127.0.0.1:"+port, "--public-url", public)
		cmd.Dir, cmd.Env = dir, env
		var mu sync.Mutex
		buf := new(bytes.Buffer)
		cmd.Stdout, cmd.Stderr = lockedWriter{&mu, buf}, lockedWriter{&mu, buf}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		log = func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
		stop = func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-done }
		t.Cleanup(func() {
			_ = cmd.Process.Signal(syscall.SIGKILL)
			<-done
			if t.Failed() {
				t.Logf("log of kinrt serve --demo:\n%s", log())
			}
		})
		deadline := time.Now().Add(30 * time.Second)
		for {
			if resp, err := http.Get(target + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					return log, stop
				}
			}
			select {
			case <-done:
				t.Fatalf("kinrt serve --demo exited at start:\n%s", log())
			default:
			}
			if time.Now().After(deadline) {
				t.Fatalf("kinrt serve --demo never became ready:\n%s", log())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	me := func(token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, target+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	log, stop := serve()
	file := filepath.Join(dir, "data", config.DemoSecretsFile)
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s has mode %v, want 0600", file, fi.Mode().Perm())
	}
	secrets, err := config.ReadDemoSecrets(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(secrets.NextAuthSecret) < 32 || len(secrets.TwilioAuthToken) < 16 || secrets.PublicURL != public || secrets.Target != target {
		t.Fatalf("the demo's secrets file holds %+v", secrets)
	}
	for _, s := range []string{secrets.NextAuthSecret, secrets.TwilioAuthToken, secrets.NextAuthSecret[:12], secrets.TwilioAuthToken[:12]} {
		if strings.Contains(log(), s) {
			t.Errorf("the log shows a secret (%.4s…)", s)
		}
	}
	for _, want := range []string{"kinrt token --demo --user demo-sales-1", "kinrt simulate --demo", "created=true"} {
		if !logged(log, want) {
			t.Errorf("the demo's log does not say %q", want)
		}
	}

	// kinrt token --demo: a session the demo accepts.
	out, stderr, err := command("token", "--demo", "--user", "demo-sales-1")
	if err != nil {
		t.Fatalf("kinrt token --demo: %v\n%s", err, stderr)
	}
	token := strings.TrimSpace(out)
	if status, body := me(token); status != http.StatusOK || !strings.Contains(body, `"userId":"demo-sales-1"`) || !strings.Contains(body, `"department":"sales"`) {
		t.Fatalf("GET /api/me with kinrt token --demo's token: %d %s", status, body)
	}

	// kinrt simulate --demo: every webhook accepted (a refusal exits 2).
	if _, stderr, err := command("simulate", "--demo", "--rate", "40", "--duration", "500ms"); err != nil {
		t.Fatalf("kinrt simulate --demo: %v\n%s", err, stderr)
	}
	// Aimed at 127.0.0.1 without a public URL: signed for http://localhost:PORT.
	if _, stderr, err := command("simulate", "--target", target, "--twilio-auth-token", secrets.TwilioAuthToken, "--rate", "40", "--duration", "300ms"); err != nil {
		t.Fatalf("kinrt simulate --target %s: %v\n%s", target, err, stderr)
	}
	// Signed for the wrong URL: the URLs of both sides, and a hint.
	_, stderr, err = command("simulate", "--target", target, "--public-url", target, "--twilio-auth-token", secrets.TwilioAuthToken, "--duration", "300ms")
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("kinrt simulate signing for %s: %v, want exit status 2\n%s", target, err, stderr)
	}
	for _, want := range []string{"signed for " + target + "/api/webhooks/", "verified against " + public + "/api/webhooks/", "hint: --public-url"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("kinrt simulate's error does not say %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, secrets.TwilioAuthToken) {
		t.Error("kinrt simulate's error shows the auth token")
	}

	// A restart keeps the secrets, so the session still works.
	stop()
	log, _ = serve()
	if again, err := config.ReadDemoSecrets(file); err != nil || again != secrets {
		t.Fatalf("after a restart the secrets file holds %+v (%v), want %+v", again, err, secrets)
	}
	if !logged(log, "created=false") {
		t.Error("the restarted demo did not reuse its secrets file")
	}
	if status, body := me(token); status != http.StatusOK {
		t.Fatalf("GET /api/me after a restart: %d %s", status, body)
	}
}

// logged reports whether the log of a child process says want. The child
// writes its start-up lines before it serves, but they reach log through
// a pipe that another goroutine copies: it waits for them, up to a
// deadline.
func logged(log func() string, want string) bool {
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(log(), want) {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}
