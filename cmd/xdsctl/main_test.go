package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The programs as users run them: built once for the package into a temporary directory.
var (
	binDir string // xdsctl and xdsctl-live side by side
	xdsctl string
	alone  string // xdsctl with no xdsctl-live next to it
)

var dump = filepath.Join("..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json")

func TestMain(m *testing.M) {
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "xdsctl-main-test")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		binDir = filepath.Join(tmp, "bin")
		xdsctl = filepath.Join(binDir, "xdsctl")
		alone = filepath.Join(tmp, "alone", "xdsctl")
		for _, b := range []struct{ out, pkg string }{{xdsctl, "."}, {filepath.Join(binDir, "xdsctl-live"), "../xdsctl-live"}, {alone, "."}} {
			cmd := exec.Command("go", "build", "-trimpath", "-o", b.out, b.pkg)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(os.Stderr, "go build %s: %v\n%s", b.pkg, err, out)
				return 1
			}
		}
		return m.Run()
	}())
}

// runProg runs a program with PATH holding nothing of xdsctl's and XDSCTL_LIVE unset.
func runProg(t testing.TB, prog string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(prog, args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "KUBECONFIG=" + filepath.Join(t.TempDir(), "none")}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("run %s: %v", prog, err)
	}
	return code, out.String(), errOut.String()
}

// emulatedAdmin is an emulation of Envoy's admin API (not Envoy): it answers /config_dump with
// a saved dump.
func emulatedAdmin(t *testing.T) string {
	body, err := os.ReadFile(dump)
	require.NoError(t, err)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/config_dump" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestLiveCommandsRunInXdsctlLive: xdsctl hands a live command to the xdsctl-live next to it,
// which answers with xdsctl's streams and exit code.
func TestLiveCommandsRunInXdsctlLive(t *testing.T) {
	url := emulatedAdmin(t)
	code, fromFile, errOut := runProg(t, xdsctl, "pc", "listeners", "-f", dump)
	require.Equal(t, 0, code, errOut)
	code, live, errOut := runProg(t, xdsctl, "pc", "listeners", "--admin", url)
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, fromFile, live)
	assert.Contains(t, live, "ADDRESSES")

	code, out, errOut := runProg(t, xdsctl, "proxy-status", "--bogus")
	assert.Equal(t, 2, code)
	assert.Empty(t, out)
	assert.Equal(t, "Error: unknown flag: --bogus\n\nRun 'xdsctl proxy-status --help' for usage.\n", errOut)

	code, out, _ = runProg(t, xdsctl, "help", "proxy-status")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "--fail-on-unsynced", "xdsctl-live's help, with the command's flags")
}

// TestWithoutXdsctlLive: xdsctl alone runs what it can and says what is missing for the rest.
func TestWithoutXdsctlLive(t *testing.T) {
	code, out, errOut := runProg(t, alone, "version")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "xdsctl ")
	code, out, errOut = runProg(t, alone, "pc", "clusters", "-f", dump)
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "SERVICE FQDN")

	code, out, errOut = runProg(t, alone, "pc", "listeners", "--admin", emulatedAdmin(t))
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Equal(t, "Error: proxy-status, describe and proxy-config of live proxies (a pod, -l, --admin) are in a separate program, xdsctl-live, and it is not next to "+alone+" or on PATH\n"+
		"Hint: install xdsctl's programs together (go install github.com/xdsctl/xdsctl/cmd/...@latest, or 'make build' into bin/), or set XDSCTL_LIVE to the path of xdsctl-live\n", errOut)
}

// BenchmarkStartup: a whole `xdsctl version` process, start to exit (target: under 20 ms on the
// 2-core VM of docs/performance.md). xdsctl links no Kubernetes client, cli-runtime or gRPC.
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		if err := exec.Command(xdsctl, "version").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartupLive: the same in xdsctl-live, which links everything, for comparison.
func BenchmarkStartupLive(b *testing.B) {
	for b.Loop() {
		if err := exec.Command(filepath.Join(binDir, "xdsctl-live"), "version").Run(); err != nil {
			b.Fatal(err)
		}
	}
}
