package e2e

import (
	"bytes"
	"encoding/json"
	"net"
	"net/http"
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
)

// TestDemoWalkInChromium is issue 17's walk: the real binary, kinrt serve
// --demo (without its simulated traffic: the test makes its own, signed as
// Twilio signs it, with the secrets the demo keeps in its data folder),
// and walk.mjs, which visits every page as the admin, the sales supervisor
// and a sales agent, on a desktop and a phone: content routed for the role,
// live updates, links from toasts and the feed to their records, at most 3
// toasts (1 on a phone) and "+N more", nothing covered, no console errors.
func TestDemoWalkInChromium(t *testing.T) {
	browserTools(t) // before the build: skips (or fails with CI=true) without them
	url, dir := startDemoBinary(t)
	secrets, err := config.ReadDemoSecrets(filepath.Join(dir, "data", config.DemoSecretsFile))
	if err != nil {
		t.Fatal(err)
	}
	if secrets.TwilioAuthToken == "" || secrets.PublicURL == "" {
		t.Fatalf("the demo kept no Twilio token or public URL: %+v", secrets.PublicURL)
	}
	spec, _ := json.Marshal(map[string]string{
		"url": url, "publicUrl": secrets.PublicURL, "twilioToken": secrets.TwilioAuthToken, "shots": "screenshots",
	})
	start := time.Now()
	runBrowser(t, "walk.mjs", string(spec), 5*time.Minute)
	t.Logf("walk.mjs: %v", time.Since(start).Round(time.Millisecond))
	for _, role := range []string{"admin", "supervisor", "agent"} {
		for _, vp := range []string{"desktop", "phone"} {
			for _, step := range []string{"overview", "live", "voicemail", "conversation", "taskrouter", "task", "toasts"} {
				shot := filepath.Join("screenshots", "walk-"+role+"-"+vp+"-"+step+".png")
				if st, err := os.Stat(shot); err != nil || st.Size() < 1000 || st.ModTime().Before(start) {
					t.Errorf("screenshot %s missing, empty or old: %v", shot, err)
				}
			}
		}
	}
}

// startDemoBinary builds cmd/kinrt and runs kinrt serve --demo
// --simulate=false in a folder of its own on a free port, as a newcomer
// would (the public URL is http://localhost:PORT, it is reached at
// 127.0.0.1); it returns the URL and the folder once /readyz answers.
func startDemoBinary(t *testing.T) (string, string) {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "kinrt")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/kinrt").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	_ = ln.Close()
	url := "http://127.0.0.1:" + port
	// The demo's own configuration only: none of the environment's.
	env := []string{"KIN_ADMIN_ADDR=off"}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "KIN_") || strings.HasPrefix(k, "TWILIO_") ||
			k == "NEXTAUTH_SECRET" || k == "AUTH_SECRET" || k == "DATABASE_URL" || k == "REDIS_URL" || k == "PORT" {
			continue
		}
		env = append(env, kv)
	}
	cmd := exec.Command(bin, "serve", "--demo", "--simulate=false", "--addr", "127.0.0.1:"+port, "--public-url", "http://localhost:"+port)
	cmd.Dir, cmd.Env = dir, env
	var mu sync.Mutex
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = lockedWriter{&mu, &buf}, lockedWriter{&mu, &buf}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	log := func() string { mu.Lock(); defer mu.Unlock(); return buf.String() }
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("log of kinrt serve --demo:\n%s", log())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if resp, err := http.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return url, dir
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

// lockedWriter guards a process's log buffer.
type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
