package front_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane/launch"
	"github.com/xdsctl/xdsctl/internal/cmd/front"
	"github.com/xdsctl/xdsctl/internal/cmd/front/frontgen"
	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/cmd/tree"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

var dump = filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json")

// handOver records what xdsctl would run instead of running it.
type handOver struct {
	argv  [][]string
	code  int   // the exit status the fake program returns
	find  error // Find's error (the program is missing)
	execE error // Exec's error
}

func (h *handOver) runner() launch.Runner {
	return launch.Runner{
		Find: func() (string, error) {
			if h.find != nil {
				return "", h.find
			}
			return "/opt/xdsctl/xdsctl-live", nil
		},
		Exec: func(path string, args []string) error {
			if path != "/opt/xdsctl/xdsctl-live" {
				return errors.New("unexpected path " + path)
			}
			h.argv = append(h.argv, args)
			if h.execE != nil {
				return h.execE
			}
			if h.code != 0 {
				return &cmdutil.ExitStatus{Code: h.code}
			}
			return nil
		},
	}
}

// runFront runs xdsctl's command tree in-process.
func runFront(t *testing.T, h *handOver, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code = front.Run(context.Background(), ios, args, h.runner())
	return code, out.String(), errOut.String()
}

// runLive runs xdsctl-live's command tree in-process.
func runLive(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	code = root.Run(context.Background(), root.NewFactory(ios), args)
	return code, out.String(), errOut.String()
}

// TestRunsItself: what needs neither Kubernetes nor gRPC runs in xdsctl, and prints exactly what
// xdsctl-live prints for the same command line: help, flag errors, completion scripts, views of
// saved dumps.
func TestRunsItself(t *testing.T) {
	cases := [][]string{
		{"--help"},
		{"help"},
		{"version"},
		{"version", "-o", "json"},
		{"completion", "bash"},
		{"completion", "zsh"},
		{"completion", "fish"},
		{"completion", "powershell"},
		{"pc", "--help"},
		{"proxy-config", "listeners", "--help"},
		{"controlplane", "--help"},
		{"pc", "listeners", "-f", dump},
		{"pc", "clusters", "-f", dump, "-o", "json", "--jq", ".[0].name"},
		{"-n", "default", "--kubeconfig", "/nonexistent", "pc", "routes", "-f", dump},
		{"pc", "all", "--demo", "--with-headers"},
		{"pc", "listeners"},
		{"pc", "listeners", "-f", dump, "--bogus"},
		{"pc", "listeners", "-f", filepath.Join(t.TempDir(), "missing.json")},
		{"bogus"},
		{"--request-timeout"},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			h := &handOver{}
			code, out, errOut := runFront(t, h, args...)
			assert.Empty(t, h.argv, "handed over")
			wantCode, wantOut, wantErr := runLive(t, args...)
			assert.Equal(t, wantCode, code)
			assert.Equal(t, wantOut, out)
			assert.Equal(t, wantErr, errOut)
		})
	}
}

// TestHandsOver: every command line that needs Kubernetes, gRPC or a live admin API goes to
// xdsctl-live unchanged, flags before the command included, and its exit status is xdsctl's.
func TestHandsOver(t *testing.T) {
	cases := [][]string{
		{"proxy-status"},
		{"ps", "--fail-on-unsynced", "-o", "json"},
		{"-n", "istio-system", "--context", "kind", "proxy-status", "istiod-0"},
		{"proxy-status", "--help"},
		{"help", "proxy-status"},
		{"help", "describe", "pod"},
		{"describe", "pod", "reviews-v1.default", "--fail-on-mismatch"},
		{"describe", "pod", "x", "--k8s-file", "objects.yaml", "-f", dump},
		{"pc", "listeners", "reviews-v1-abc.default"},
		{"proxy-config", "clusters", "deployment/reviews", "--fqdn", "x"},
		{"pc", "endpoints", "-l", "app=reviews", "-A"},
		{"pc", "listeners", "--admin", "http://127.0.0.1:15000"},
		{"--as", "admin", "--as-group", "a", "--as-group", "b", "pc", "log", "mypod", "--level", "debug"},
		{"__complete", "pc", "listeners", ""},
		{"__completeNoDesc", "describe", ""},
	}
	for _, args := range cases {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			for _, status := range []int{0, 3} {
				h := &handOver{code: status}
				code, out, errOut := runFront(t, h, args...)
				require.Len(t, h.argv, 1, "stdout %q stderr %q", out, errOut)
				assert.Equal(t, append([]string{"xdsctl-live"}, args...), h.argv[0])
				assert.Equal(t, status, code)
				assert.Empty(t, out)
				assert.Empty(t, errOut)
			}
		})
	}
}

// TestHandOverFails: without xdsctl-live, a live command fails with one line naming the program
// and a hint; completion falls back to what xdsctl completes itself; a program that hands the
// command back is caught instead of looping.
func TestHandOverFails(t *testing.T) {
	missing := cmdutil.WithHint(errors.New("proxy-status, describe and proxy-config of live proxies (a pod, -l, --admin) are in a separate program, xdsctl-live, and it is not next to /opt/xdsctl/xdsctl or on PATH"), "install both")
	for _, args := range [][]string{{"proxy-status"}, {"pc", "listeners", "mypod"}, {"help", "describe"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			code, out, errOut := runFront(t, &handOver{find: missing}, args...)
			assert.Equal(t, cmdutil.ExitError, code)
			assert.Empty(t, out)
			assert.Equal(t, "Error: "+missing.Error()+"\nHint: install both\n", errOut)
		})
	}
	t.Run("exec fails", func(t *testing.T) {
		code, _, errOut := runFront(t, &handOver{execE: errors.New("run /opt/xdsctl/xdsctl-live: permission denied")}, "ps")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Equal(t, "Error: run /opt/xdsctl/xdsctl-live: permission denied\n", errOut)
	})
	t.Run("completion without xdsctl-live", func(t *testing.T) {
		code, out, _ := runFront(t, &handOver{find: missing}, "__complete", "pc", "ep", "--status", "")
		assert.Equal(t, 0, code)
		assert.True(t, strings.HasPrefix(out, "HEALTHY\nUNHEALTHY\n"), out)
	})
	t.Run("handed back", func(t *testing.T) {
		t.Setenv(front.EnvHandedOver, "1")
		h := &handOver{}
		code, _, errOut := runFront(t, h, "ps")
		assert.Empty(t, h.argv)
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Equal(t, "Error: /opt/xdsctl/xdsctl-live is not the xdsctl-live program: it handed the command back to xdsctl\n"+
			"Hint: reinstall xdsctl's programs together (go install github.com/xdsctl/xdsctl/cmd/...@latest), or set XDSCTL_LIVE to the path of xdsctl-live\n", errOut)
	})
	t.Run("environment restored", func(t *testing.T) {
		runFront(t, &handOver{}, "ps")
		_, set := os.LookupEnv(front.EnvHandedOver)
		assert.False(t, set)
	})
}

// TestKubeFlags: xdsctl declares kubectl's flags exactly as cli-runtime's ConfigFlags does in
// xdsctl-live: names, shorthands, types, defaults, usage, hidden and deprecated.
func TestKubeFlags(t *testing.T) {
	describe := func(fs *pflag.FlagSet) []string {
		var d []string
		fs.VisitAll(func(f *pflag.Flag) {
			d = append(d, strings.Join([]string{f.Name, f.Shorthand, f.Value.Type(), f.DefValue, f.NoOptDefVal, f.Usage, f.Deprecated, map[bool]string{true: "hidden"}[f.Hidden]}, "|"))
		})
		return d
	}
	ios, _, _, _ := iostreams.Test()
	want := pflag.NewFlagSet("live", pflag.ContinueOnError)
	genericclioptions.NewConfigFlags(true).AddFlags(want)
	have := pflag.NewFlagSet("front", pflag.ContinueOnError)
	front.NewFactory(ios, &front.Delegate{}).KubeFlags.AddFlags(have)
	assert.Equal(t, describe(want), describe(have))
	require.NotEmpty(t, describe(have))

	t.Setenv("KUBECACHEDIR", "/var/cache/kube")
	assert.Equal(t, "/var/cache/kube", front.DefaultCacheDir())
}

// TestGeneratedUpToDate: zz_generated.go is what xdsctl-live's tree generates now. After changing
// a live-only command's help or upgrading cli-runtime, run `make docs` (or `make golden`).
func TestGeneratedUpToDate(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	live := root.NewCmdRoot(root.NewFactory(ios))
	shared := tree.New(&cmdutil.Factory{IOStreams: ios, KubeFlags: genericclioptions.NewConfigFlags(true)})
	src, err := frontgen.Generate(live, shared, front.DefaultCacheDir())
	require.NoError(t, err)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		require.NoError(t, os.WriteFile("zz_generated.go", src, 0o644))
	}
	have, err := os.ReadFile("zz_generated.go")
	require.NoError(t, err)
	assert.Equal(t, string(src), string(have), "zz_generated.go is stale; run make docs")
}

// TestLinksNoLiveLibraries: the xdsctl program links none of what makes start-up slow; the
// benchmark in cmd/xdsctl shows the start-up itself.
func TestLinksNoLiveLibraries(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", "github.com/xdsctl/xdsctl/cmd/xdsctl").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	require.Contains(t, deps, "github.com/xdsctl/xdsctl/internal/cmd/front")
	for _, d := range deps {
		switch {
		case d == "k8s.io/client-go/util/homedir": // --cache-dir's default, as cli-runtime computes it
		case strings.HasPrefix(d, "k8s.io/"),
			strings.HasPrefix(d, "google.golang.org/grpc"),
			strings.HasPrefix(d, "github.com/envoyproxy/"),
			d == "net/http",
			d == "github.com/xdsctl/xdsctl/internal/kube",
			d == "github.com/xdsctl/xdsctl/internal/adminhttp",
			d == "github.com/xdsctl/xdsctl/internal/cmd/root":
			t.Errorf("xdsctl links %s", d)
		}
	}
}
