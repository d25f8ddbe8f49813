package analyze

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/analyze"
)

// testNow is when the broken.json test dump is analyzed: its certificate "default" expires 12h later.
var testNow = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

type result struct {
	stdout, stderr string
	err            error
	code           int
}

// runAnalyze runs `xdsctl analyze <args>` in-process, as main would (errors printed by cmdutil.Report).
func runAnalyze(t *testing.T, resolver cmdutil.TargetResolver, now time.Time, args string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       func() time.Time { return now },
		Resolver: func() (cmdutil.TargetResolver, error) {
			if resolver == nil {
				return nil, errors.New("no Kubernetes cluster in tests")
			}
			return resolver, nil
		},
	}
	argv := testutil.Args(args)
	cmd := NewCmdAnalyze(f, nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetArgs(argv)
	cmd.SetOut(ios.Out)
	cmd.SetErr(ios.ErrOut)
	_, err := cmd.ExecuteContextC(context.Background())
	code := cmdutil.Report(context.Background(), ios.ErrOut, err, nil)
	return result{stdout: out.String(), stderr: errOut.String(), err: err, code: code}
}

const broken = "-f testdata/broken.json --clusters testdata/broken-clusters.json"

// TestGoldenOutput: the findings of a dump made to hold one of most problems, in every format,
// and of a real sidecar dump; stderr and the exit code go to a golden of their own.
func TestGoldenOutput(t *testing.T) {
	bookinfo := filepath.Join("..", "..", "..", "testdata", "dumps", "bookinfo-1.5", "productpage-config-dump@istio1.5.4-strictmtls.json")
	for _, tc := range []struct {
		name string
		now  time.Time
		args string
	}{
		{"broken.short", testNow, broken},
		{"broken.wide", testNow, broken + " -o wide"},
		{"broken.json", testNow, broken + " -o json"},
		{"broken.yaml", testNow, broken + " -o yaml"},
		{"broken.schema", testNow, broken + " --schema"},
		{"broken.stats", testNow, broken + " --stats ../../../pkg/stats/testdata/sidecar.prom " + suppressAllBut("XDS0901")},
		{"broken.jq", testNow, broken + ` --jq '[.[] | select(.severity == "error") | .code] | unique'`},
		{"broken.no-headers", testNow, broken + " --no-headers --failure-threshold error"},
		{"broken.suppressed", testNow, broken + " --suppress XDS0301=Secret/old --suppress xds0601 --suppress 'XDS0602=*reviews*'"},
		{"broken.threshold-error", testNow, "-f testdata/broken.json --suppress XDS0101 --suppress XDS0102 --suppress XDS0103 --suppress XDS0104 --suppress XDS0201 --suppress XDS0301 --suppress XDS0401 --suppress XDS0502 --suppress XDS0701 --failure-threshold error"},
		{"static.short", testNow, "-f " + filepath.Join("..", "..", "..", "testdata", "static", "front-proxy.yaml") + " -o wide"},
		{"bookinfo.short", time.Date(2020, 5, 14, 12, 0, 0, 0, time.UTC), "-f " + bookinfo},
		{"bookinfo.json", time.Date(2020, 5, 14, 12, 0, 0, 0, time.UTC), "-f " + bookinfo + " -o json --cert-warn 6h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runAnalyze(t, nil, tc.now, tc.args)
			testutil.Golden(t, filepath.Join("testdata", "analyze", tc.name+".golden"), []byte(r.stdout))
			testutil.Golden(t, filepath.Join("testdata", "analyze", tc.name+".stderr.golden"), []byte(fmt.Sprintf("%s[exit %d]\n", r.stderr, r.code)))
		})
	}
}

func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args string
		code int
	}{
		{broken, cmdutil.ExitProblems},
		{"-f testdata/broken.json --failure-threshold info --suppress XDS0101", cmdutil.ExitProblems},
		// only the info finding is left: below the default threshold
		{"-f testdata/broken.json " + suppressAllBut("XDS0601"), cmdutil.ExitOK},
		{"-f testdata/broken.json --failure-threshold info " + suppressAllBut("XDS0601"), cmdutil.ExitProblems},
		{"-f testdata/missing.json", cmdutil.ExitError},
		{"-f testdata/broken-clusters.json", cmdutil.ExitError},
	} {
		t.Run(tc.args, func(t *testing.T) {
			r := runAnalyze(t, nil, testNow, tc.args)
			assert.Equal(t, tc.code, r.code, "stderr: %s", r.stderr)
		})
	}
}

// suppressAllBut writes --suppress flags for every code but keep.
func suppressAllBut(keep string) string {
	var b strings.Builder
	for _, c := range analyze.Codes {
		if c.ID != keep {
			b.WriteString(" --suppress " + c.ID)
		}
	}
	return b.String()
}

func TestBadInput(t *testing.T) {
	for _, tc := range []struct {
		args, want string
		code       int
	}{
		{"", "give a <pod>[.<namespace>], -l <selector>, --admin <url> or --file <path>", cmdutil.ExitUsage},
		{"-f x.json --failure-threshold fatal", `--failure-threshold: unknown severity "fatal": use one of info, warning, error`, cmdutil.ExitUsage},
		{"-f x.json --cert-warn soon", `--cert-warn "soon": want a duration such as 7d or 36h`, cmdutil.ExitUsage},
		{"-f x.json --cert-warn -3d", `want a duration of 0 or more`, cmdutil.ExitUsage},
		{"-f x.json --suppress XDS9999", `--suppress "XDS9999": no finding has code "XDS9999"`, cmdutil.ExitUsage},
		{"-f x.json -o table", `unknown output format "table"`, cmdutil.ExitUsage},
		{"pod --clusters c.json", "--clusters reads a saved /clusters?format=json beside -f", cmdutil.ExitUsage},
		{"-f - --clusters -", "only one of -f, --clusters and --stats can read standard input", cmdutil.ExitUsage},
		{"pod --stats s.txt", "--stats reads a saved /stats beside -f", cmdutil.ExitUsage},
		{"-f testdata/broken.json --stats testdata/broken.json", `--stats "testdata/broken.json"`, cmdutil.ExitError},
		{"-f testdata/nope.json", `"testdata/nope.json"`, cmdutil.ExitError},
		{"-f testdata/broken.json --clusters testdata/broken.json", `--clusters "testdata/broken.json"`, cmdutil.ExitError},
	} {
		t.Run(tc.args, func(t *testing.T) {
			r := runAnalyze(t, nil, testNow, tc.args)
			assert.Equal(t, tc.code, r.code)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, r.stdout)
		})
	}
}

func TestSuppression(t *testing.T) {
	f := analyze.Finding{Code: "XDS0203", Resource: analyze.Resource{Kind: "Cluster", Name: "outbound|80|canary|web.default.svc.cluster.local"}}
	for _, tc := range []struct {
		spec string
		want bool
	}{
		{"XDS0203", true},
		{"xds0203", true},
		{"XDS0203=Cluster/outbound|*|canary|*", true},
		{"XDS0203=outbound|80|canary|web.default.svc.cluster.local", true},
		{"XDS0203=*web.default*", true},
		{"XDS0203=Listener/*", false},
		{"XDS0203=outbound|80||*", false},
		{"XDS0602", false},
	} {
		s, err := ParseSuppression(tc.spec)
		require.NoError(t, err)
		assert.Equal(t, tc.want, s.Matches(&f), tc.spec)
	}
}

// emulatedAdmin is an emulated Envoy admin API (not Envoy): fixed bodies per path.
type emulatedAdmin struct{ bodies map[string][]byte }

func (a *emulatedAdmin) Get(_ context.Context, path string) ([]byte, error) {
	if b, ok := a.bodies[path]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("emulated admin API: no body for %s", path)
}
func (a *emulatedAdmin) Post(ctx context.Context, path string) ([]byte, error) {
	return a.Get(ctx, path)
}
func (a *emulatedAdmin) Close() error { return nil }

type fakeResolver struct {
	mu      sync.Mutex
	targets []admin.Target
}

func (r *fakeResolver) Resolve(context.Context, cmdutil.TargetQuery) ([]admin.Target, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.targets, nil
}

// TestManyProxies: -l analyzes every proxy (reading /clusters?format=json when it answers), adds a
// PROXY column and a summary; a proxy that cannot be read makes the command fail (exit 1) after
// the others are printed.
func TestManyProxies(t *testing.T) {
	dumpBody, err := os.ReadFile("testdata/broken.json")
	require.NoError(t, err)
	health, err := os.ReadFile("testdata/broken-clusters.json")
	require.NoError(t, err)
	counters, err := os.ReadFile("../../../pkg/stats/testdata/sidecar.json")
	require.NoError(t, err)
	ok := &emulatedAdmin{bodies: map[string][]byte{admin.PathConfigDumpWithEDS: dumpBody, admin.PathClustersJSON: health, admin.PathStatsJSON: counters}}
	noHealth := &emulatedAdmin{bodies: map[string][]byte{admin.PathConfigDumpWithEDS: dumpBody}}
	dead := &emulatedAdmin{bodies: map[string][]byte{}}
	for _, tc := range []struct {
		name    string
		targets []admin.Target
		args    string
	}{
		{"two", []admin.Target{{Name: "web-1.default", Client: ok}, {Name: "web-2.default", Client: noHealth}}, "-l app=web --suppress XDS0101 --suppress XDS0301 --suppress XDS0401 --suppress XDS0501 --suppress XDS0502"},
		{"two.json", []admin.Target{{Name: "web-1.default", Client: ok}, {Name: "web-2.default", Client: noHealth}}, "-l app=web -o json --suppress XDS0101 --suppress XDS0301 --suppress XDS0401 --suppress XDS0501 --suppress XDS0502 --suppress XDS0102 --suppress XDS0103 --suppress XDS0104 --suppress XDS0201 --suppress XDS0701"},
		{"one-dead", []admin.Target{{Name: "web-1.default", Client: ok}, {Name: "web-2.default", Client: dead}}, "-l app=web --failure-threshold error " + suppressAllBut("XDS0204")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runAnalyze(t, &fakeResolver{targets: tc.targets}, testNow, tc.args)
			testutil.Golden(t, filepath.Join("testdata", "analyze", "many-"+tc.name+".golden"), []byte(r.stdout))
			testutil.Golden(t, filepath.Join("testdata", "analyze", "many-"+tc.name+".stderr.golden"), []byte(fmt.Sprintf("%s[exit %d]\n", r.stderr, r.code)))
		})
	}
}

// TestTruncatedInput: a dump cut short is analyzed as far as it goes, with a warning, and the
// summary does not claim more than that.
func TestTruncatedInput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio-history", "istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json"))
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "cut.json")
	require.NoError(t, os.WriteFile(p, data[:300000], 0o644))
	r := runAnalyze(t, nil, testNow, "-f "+p)
	assert.Equal(t, cmdutil.ExitOK, r.code)
	assert.Contains(t, r.stderr, "Warning: input is truncated")
	assert.Contains(t, r.stderr, "No problems found in the part of the input that could be read")
	assert.Empty(t, r.stdout)
}

// TestDemo: the example sidecar built into xdsctl is a working proxy: analyze finds only the
// outbound traffic policy (info), at a time its certificates are valid, and exits 0.
func TestDemo(t *testing.T) {
	r := runAnalyze(t, nil, time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), "--demo")
	assert.Equal(t, 0, r.code, r.stderr)
	testutil.Golden(t, filepath.Join("testdata", "analyze", "demo.golden"), []byte(r.stdout))
	assert.Equal(t, "Found 1 info\n", r.stderr)
	r = runAnalyze(t, nil, testNow, "--demo -f x.json")
	assert.Equal(t, 2, r.code)
}
