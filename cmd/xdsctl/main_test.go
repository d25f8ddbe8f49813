package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The program as users run it: built once for the package into a temporary directory, alone
// (nothing else of xdsctl's next to it or on PATH).
var xdsctl string

var dump = filepath.Join("..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json")

func TestMain(m *testing.M) {
	os.Exit(func() int {
		tmp, err := os.MkdirTemp("", "xdsctl-main-test")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(tmp)
		xdsctl = filepath.Join(tmp, "bin", "xdsctl")
		// as the release builds it (goreleaser: -s -w): the benchmarks measure what users run
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", xdsctl, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}())
}

// runProg runs a program with PATH holding nothing of xdsctl's and no Kubernetes configuration.
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

// TestOneProgram: the one binary, alone, runs every command: offline views, a live proxy,
// proxy-status, describe, the control plane and the self-test's gRPC client.
func TestOneProgram(t *testing.T) {
	code, out, errOut := runProg(t, xdsctl, "version")
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "xdsctl "), out)

	code, fromFile, errOut := runProg(t, xdsctl, "pc", "listeners", "-f", dump)
	require.Equal(t, 0, code, errOut)
	code, live, errOut := runProg(t, xdsctl, "pc", "listeners", "--admin", emulatedAdmin(t))
	require.Equal(t, 0, code, errOut)
	assert.Equal(t, fromFile, live)
	assert.Contains(t, live, "ADDRESSES")

	for _, help := range [][]string{
		{"ps", "--help"}, {"help", "proxy-status"}, {"describe", "pod", "--help"}, {"selftest", "--help"},
		{"controlplane", "sidecar", "--help"}, {"controlplane", "serve", "--help"},
	} {
		code, out, errOut := runProg(t, xdsctl, help...)
		assert.Equal(t, 0, code, "%v: %s", help, errOut)
		assert.Empty(t, errOut, help)
		assert.Contains(t, out, "Usage:", help)
	}
	_, out, _ = runProg(t, xdsctl, "ps", "--help")
	assert.Contains(t, out, "--fail-on-unsynced")

	// the hidden gRPC peer is this program too: without a target it says so
	code, _, errOut = runProg(t, xdsctl, "grpc-peer")
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "give at least one -target")
}

// TestOnlyOneProgram: `go install ./cmd/...` installs xdsctl and nothing else.
func TestOnlyOneProgram(t *testing.T) {
	entries, err := os.ReadDir("..")
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"xdsctl"}, names)
}

// TestKubectlPlugin: renamed kubectl-xds, the program is a kubectl plugin and says so.
func TestKubectlPlugin(t *testing.T) {
	plugin := filepath.Join(t.TempDir(), "kubectl-xds")
	b, err := os.ReadFile(xdsctl)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(plugin, b, 0o755))
	code, out, errOut := runProg(t, plugin, "pc", "--help")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "kubectl xds proxy-config <view> [flags]")
	code, fromPlugin, errOut := runProg(t, plugin, "pc", "clusters", "-f", dump)
	require.Equal(t, 0, code, errOut)
	_, fromXdsctl, _ := runProg(t, xdsctl, "pc", "clusters", "-f", dump)
	assert.Equal(t, fromXdsctl, fromPlugin)
}

// TestUsageMistakes: what a newcomer mistypes gets a one-line error and exit 2, never help with
// exit 0 (each case printed help and exited 0, or exited 1, before).
func TestUsageMistakes(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"pc", "listner"}, "Error: unknown command \"listner\" for \"xdsctl proxy-config\"; did you mean \"listeners\"?\n\nRun 'xdsctl proxy-config --help' for usage.\n"},
		// --cluster (a kubeconfig flag, ignored offline) where --clusters was meant
		{[]string{"analyze", "--demo", "--cluster", "main.go"}, "Error: --cluster names a kubeconfig cluster, but \"main.go\" is a file: give a saved /clusters?format=json with --clusters\n\nRun 'xdsctl analyze --help' for usage.\n"},
		{[]string{"pc", "listner", "foo"}, "Error: unknown command \"listner\" for \"xdsctl proxy-config\"; did you mean \"listeners\"?\n\nRun 'xdsctl proxy-config --help' for usage.\n"},
		{[]string{"pc", "listner", "--demo"}, "Error: unknown command \"listner\" for \"xdsctl proxy-config\"; did you mean \"listeners\"?\n\nRun 'xdsctl proxy-config --help' for usage.\n"},
		{[]string{"-n", "default", "pc", "-o", "json", "listner"}, "Error: unknown command \"listner\" for \"xdsctl proxy-config\"; did you mean \"listeners\"?\n\nRun 'xdsctl proxy-config --help' for usage.\n"},
		{[]string{"controlplane", "sidecr"}, "Error: unknown command \"sidecr\" for \"xdsctl controlplane\"; did you mean \"sidecar\"?\n\nRun 'xdsctl controlplane --help' for usage.\n"},
		{[]string{"pc", "bogus"}, "Error: unknown command \"bogus\" for \"xdsctl proxy-config\"; the commands are \"all\", \"bootstrap\", \"clusters\", \"ecds\", \"endpoints\", \"listeners\", \"log\", \"routes\", \"secrets\", \"stats\"\n\nRun 'xdsctl proxy-config --help' for usage.\n"},
		{[]string{"versoin"}, "Error: unknown command \"versoin\" for \"xdsctl\"; did you mean \"version\"?\n\nRun 'xdsctl --help' for usage.\n"},
		{[]string{"pc", "listeners", "a", "b"}, "Error: accepts at most 1 arg(s), received 2\n\nRun 'xdsctl proxy-config listeners --help' for usage.\n"},
		{[]string{"pc", "listeners", "--demo", "--port", "abc"}, "Error: invalid value \"abc\" for --port: want a whole number, e.g. --port 10\n\nRun 'xdsctl proxy-config listeners --help' for usage.\n"},
		{[]string{"pc", "listeners", "--demo", "--timeout", "soon"}, "Error: invalid value \"soon\" for --timeout: want a duration such as 500ms, 30s or 2m\n\nRun 'xdsctl proxy-config listeners --help' for usage.\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			code, out, errOut := runProg(t, xdsctl, tc.args...)
			assert.Equal(t, 2, code)
			assert.Empty(t, out)
			assert.Equal(t, tc.stderr, errOut)
		})
	}
	// a group alone asks for its help
	code, out, errOut := runProg(t, xdsctl, "pc")
	assert.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "Available Commands:")
}

// TestLinks: what the one program may not link. Cloud providers' auth plugins pull in their SDKs
// (and their init) for every start; kubeconfigs that need them use exec credential plugins.
func TestLinks(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	for _, banned := range []string{
		"k8s.io/client-go/plugin/pkg/client/auth/gcp", // the in-tree cloud plugins; exec plugins need none of it
		"k8s.io/client-go/plugin/pkg/client/auth/azure",
		"k8s.io/client-go/plugin/pkg/client/auth/oidc",
		"cloud.google.com/go/storage",
		"github.com/Azure/",
		"github.com/aws/",
		"net/http/pprof",
		"expvar",
	} {
		for _, d := range deps {
			assert.False(t, strings.HasPrefix(d, banned), "xdsctl links %s (banned: %s)", d, banned)
		}
	}
}

// BenchmarkStartup: a whole `xdsctl version` process, start to exit (target: at most 25 ms
// median on an idle 2-core VM, and at most half of istioctl's, see BenchmarkStartupIstioctl).
func BenchmarkStartup(b *testing.B) {
	for b.Loop() {
		if err := exec.Command(xdsctl, "version").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProcessBig: whole xdsctl processes on hack/bigdumps.sh's 100 MB dump, output
// discarded; peak-RSS-MiB is the largest peak resident set (getrusage's maxrss) of a run: the
// binary's pages, the pages of the input it read and its heap. Target for `pc listeners -o json`:
// at most 0.6 s and 150 MiB. Skipped without testdata/big (make bench generates it).
func BenchmarkProcessBig(b *testing.B) {
	dump := filepath.Join("..", "..", "testdata", "big", "dump-100mb.json")
	if _, err := os.Stat(dump); err != nil {
		b.Skipf("%s missing: run make bench (hack/bigdumps.sh generates it)", dump)
	}
	// How a file was written decides its RSS once mapped: the kernel maps the page cache's folios
	// whole, and one 70 MB write makes large folios (~30 MiB more RSS for the same run). Run a
	// copy written in 32 KiB chunks, as tar and curl write an installed binary (go install's
	// linker output maps alike).
	bin := filepath.Join(b.TempDir(), "xdsctl")
	src, err := os.Open(xdsctl)
	require.NoError(b, err)
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	require.NoError(b, err)
	_, err = io.CopyBuffer(struct{ io.Writer }{dst}, struct{ io.Reader }{src}, make([]byte, 32<<10)) // no copy_file_range
	require.NoError(b, err)
	require.NoError(b, dst.Close())
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"pc-listeners-json", []string{"pc", "listeners", "-o", "json"}},
		{"pc-listeners", []string{"pc", "listeners"}},
		{"pc-clusters", []string{"pc", "clusters"}},
		{"analyze", []string{"analyze"}}, // exits 3: the generated dump has findings
	} {
		b.Run(bc.name, func(b *testing.B) {
			var peak int64
			for b.Loop() {
				cmd := exec.Command(bin, append(bc.args, "-f", dump)...) // stdout to /dev/null
				var errOut bytes.Buffer
				cmd.Stderr = &errOut
				var ee *exec.ExitError
				if err := cmd.Run(); err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 3) {
					b.Fatalf("%v: %s", err, errOut.String())
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					peak = max(peak, int64(ru.Maxrss)) // KiB on Linux
				}
			}
			b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		})
	}
}

// BenchmarkStartupIstioctl: `istioctl version --remote=false` in the same run, for the
// comparison; $ISTIOCTL names the binary (else istioctl on PATH), skipped without one.
func BenchmarkStartupIstioctl(b *testing.B) {
	istioctl := os.Getenv("ISTIOCTL")
	if istioctl == "" {
		var err error
		if istioctl, err = exec.LookPath("istioctl"); err != nil {
			b.Skip("no istioctl: set ISTIOCTL to its path")
		}
	}
	for b.Loop() {
		if err := exec.Command(istioctl, "version", "--remote=false").Run(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKubernetesErrorsNameInput: a missing kubeconfig names where it was looked for, an
// unreachable API server names its URL (both said only "not found"/"connection refused" before).
func TestKubernetesErrorsNameInput(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	require.NoError(t, os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters:
- {name: c, cluster: {server: "https://127.0.0.1:1"}}
contexts:
- {name: x, context: {cluster: c, user: u}}
current-context: x
users:
- {name: u, user: {token: abc}}
`), 0o600))
	nowhere := filepath.Join(dir, "nowhere")
	for _, tc := range []struct {
		name, kubeconfig string
		args             []string
		want             string
	}{
		{"pc, KUBECONFIG nowhere", nowhere, []string{"pc", "listeners", "foo"},
			"Error: no Kubernetes configuration found (KUBECONFIG=\"" + nowhere + "\" names no file that exists)\n"},
		{"describe, KUBECONFIG nowhere", nowhere, []string{"describe", "pod", "foo"},
			"Error: no Kubernetes configuration found (KUBECONFIG=\"" + nowhere + "\" names no file that exists)\n"},
		{"--kubeconfig nowhere", kc, []string{"--kubeconfig", nowhere, "pc", "listeners", "foo"},
			"Error: load the Kubernetes configuration (--kubeconfig \"" + nowhere + "\" does not exist): stat " + nowhere + ": no such file or directory\n"},
		{"pc, server down", kc, []string{"pc", "listeners", "foo"},
			"Error: cannot reach the Kubernetes API server at https://127.0.0.1:1: connection refused\n"},
		{"describe, server down", kc, []string{"describe", "pod", "foo"},
			"Error: cannot reach the Kubernetes API server at https://127.0.0.1:1: connection refused\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(xdsctl, tc.args...)
			cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "KUBECONFIG=" + tc.kubeconfig}
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee)
			assert.Equal(t, 1, ee.ExitCode())
			assert.Empty(t, out.String())
			first, _, _ := strings.Cut(errOut.String(), "Hint:")
			assert.Equal(t, tc.want, first)
		})
	}
}
