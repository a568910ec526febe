package deploy_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kin-comms/kinrt/internal/testenv"
)

// podman runs podman with args and returns its combined output.
func podman(args ...string) (string, error) {
	out, err := exec.Command("podman", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// runFlags finds how this machine runs a container of image: podman's
// defaults first; then, where those fail, runc with limits the process
// may set (see docs/deploy.md, "podman on a restricted host"): crun
// refuses a cgroup hybrid hierarchy whose cgroup2 part has controllers,
// and without CAP_SYS_RESOURCE the default rlimits podman asks for
// cannot be set. When neither runs `kinrt version`, podman cannot run
// containers here: the test fails in CI and skips elsewhere (testenv).
func runFlags(t *testing.T, image string) []string {
	t.Helper()
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	nofile := min(lim.Cur, 65536)
	candidates := [][]string{
		nil,
		{"--runtime", "runc", "--ulimit", fmt.Sprintf("nofile=%d:%d", nofile, nofile), "--ulimit", "nproc=4096:4096"},
	}
	var failures []string
	for _, flags := range candidates {
		args := append(append([]string{"run", "--rm", "--health-interval", "disable"}, flags...), image, "version")
		var stdout, stderr bytes.Buffer
		cmd := exec.Command("podman", args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		if err == nil && strings.HasPrefix(stdout.String(), "kinrt ") {
			t.Logf("podman %s: %s", strings.Join(args, " "), stdout.String())
			return flags
		}
		failures = append(failures, fmt.Sprintf("podman %s: %v: %s%s", strings.Join(args, " "), err, stdout.String(), stderr.String()))
	}
	testenv.Missing(t, "podman cannot run containers here:\n%s", strings.Join(failures, "\n"))
	return nil
}

// TestContainerImage builds the image with deploy/build-image and runs
// it with podman: it runs as 65532, not root; /readyz answers 200; its
// HEALTHCHECK (kinrt healthcheck) reports healthy; the SQLite database is
// created on the /data volume, owned by the image's user.
func TestContainerImage(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("podman"); err != nil {
		testenv.Missing(t, "podman not found: run scripts/test, which installs Debian's podman")
	}
	if out, err := podman("info", "--format", "{{.Host.OCIRuntime.Name}}"); err != nil {
		testenv.Missing(t, "podman info: %v: %s", err, out)
	}
	id := testenv.RandomID()
	image := "localhost/kinrt-test:" + id
	build := exec.Command("bash", "build-image", image)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("deploy/build-image: %v\n%s", err, out)
	}
	t.Cleanup(func() { _, _ = podman("rmi", "-f", image) })

	if user, err := podman("image", "inspect", "--format", "{{.Config.User}}", image); err != nil || user != "65532:65532" {
		t.Errorf("image user %q (%v), want 65532:65532", user, err)
	}
	if hc, err := podman("image", "inspect", "--format", "{{json .Config.Healthcheck}}", image); err != nil || !strings.Contains(hc, `"healthcheck"`) {
		t.Errorf("image health check %s (%v), want kinrt healthcheck", hc, err)
	}
	flags := runFlags(t, image)

	port := freePort(t)
	volume, name := "kinrt-test-data-"+id, "kinrt-test-"+id
	if out, err := podman("volume", "create", volume); err != nil {
		t.Fatalf("podman volume create: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = podman("volume", "rm", "-f", volume) })
	// The host's network: the node listens on the host's loopback, and
	// no container network (private addresses) is involved.
	args := append([]string{"run", "-d", "--name", name, "--network", "host", "--health-interval", "disable",
		"-e", "NEXTAUTH_SECRET=container-test-secret", "-e", "PORT=" + port, "-e", "KIN_ADMIN_ADDR=off",
		"-v", volume + ":/data"}, flags...)
	if out, err := podman(append(args, image)...); err != nil {
		t.Fatalf("podman run: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if t.Failed() {
			logs, _ := podman("logs", name)
			t.Logf("container log:\n%s", logs)
		}
		_, _ = podman("rm", "-f", "-t", "0", name)
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://127.0.0.1:" + port + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if state, _ := podman("inspect", "--format", "{{.State.Status}}", name); state == "exited" {
			t.Fatalf("the container exited")
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never answered 200 from the container: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if out, err := podman("healthcheck", "run", name); err != nil {
		t.Errorf("podman healthcheck run: %v: %s", err, out)
	}
	pid, err := podman("inspect", "--format", "{{.State.Pid}}", name)
	if err != nil {
		t.Fatalf("podman inspect: %v: %s", err, pid)
	}
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	if uid := field(status, "Uid:"); !strings.HasPrefix(uid, "65532\t") {
		t.Errorf("the service runs as uid %q, want 65532", uid)
	}
	mount, err := podman("volume", "inspect", "--format", "{{.Mountpoint}}", volume)
	if err != nil {
		t.Fatalf("podman volume inspect: %v: %s", err, mount)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(mount, "kin.db"), &st); err != nil {
		t.Errorf("no database on the volume: %v", err)
	} else if st.Uid != 65532 {
		t.Errorf("kin.db is owned by uid %d, want 65532", st.Uid)
	}
}

// field returns the value of a "Name:\tvalue" line of a /proc status file.
func field(status []byte, name string) string {
	for _, line := range bytes.Split(status, []byte("\n")) {
		if v, ok := bytes.CutPrefix(line, []byte(name)); ok {
			return strings.TrimSpace(string(v))
		}
	}
	return ""
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}
