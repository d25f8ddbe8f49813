package proxyconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

// parityDay is when the istioctl reference outputs were made: VALID CERT depends on it.
var parityDay = time.Date(2026, 11, 21, 14, 10, 0, 0, time.UTC)

// errNoCluster is what the test factory's resolver answers: tests that read files never reach it.
var errNoCluster = errors.New("no Kubernetes cluster in tests")

// testFactory returns a Factory with buffer streams, a pinned clock and a resolver that fails.
func testFactory(now time.Time) (*cmdutil.Factory, *iostreamsBuffers) {
	ios, in, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       func() time.Time { return now },
		Resolver:  func() (cmdutil.TargetResolver, error) { return nil, errNoCluster },
	}
	return f, &iostreamsBuffers{in: in, out: out, errOut: errOut}
}

type iostreamsBuffers struct{ in, out, errOut *bytes.Buffer }

// result is what one run of `proxy-config ...` gave: stdout and stderr apart, and the error.
type result struct {
	stdout, stderr string
	err            error
}

// errText is the error as main prints it: "Error: ..." and a "Hint: ..." line when there is one.
func (r result) errText() string {
	if r.err == nil {
		return ""
	}
	s := "Error: " + r.err.Error() + "\n"
	if h := cmdutil.HintOf(r.err); h != "" {
		s += "Hint: " + h + "\n"
	}
	return s
}

// runPC runs `xdsctl proxy-config <args>` in-process.
func runPC(t *testing.T, f *cmdutil.Factory, b *iostreamsBuffers, args ...string) result {
	t.Helper()
	cmd := NewCmdProxyConfig(f)
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	cmd.SetArgs(args)
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	_, err := cmd.ExecuteContextC(context.Background())
	return result{stdout: b.out.String(), stderr: b.errOut.String(), err: err}
}

// run is runPC with a fresh factory at the parity day.
func run(t *testing.T, args ...string) result {
	t.Helper()
	f, b := testFactory(parityDay)
	return runPC(t, f, b, args...)
}

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, got, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), []byte(got))
}

// dumpFile is one shared input: its short name (the file name without .json) and path.
type dumpFile struct{ name, path string }

// sharedDumps are the real dumps in the repository's testdata/dumps, plus the hand-made dump with
// warming, draining and rejected resources.
func sharedDumps(t *testing.T) []dumpFile {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "dumps", "*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "no shared dumps in testdata/dumps")
	files = append(files, filepath.Join("..", "..", "..", "pkg", "configdump", "testdata", "states.json"))
	var out []dumpFile
	for _, p := range files {
		out = append(out, dumpFile{strings.TrimSuffix(filepath.Base(p), ".json"), p})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// fakeAdmin is an emulated Envoy admin API (not Envoy): it serves fixed bodies per path and
// records what was asked.
type fakeAdmin struct {
	mu     sync.Mutex
	bodies map[string][]byte
	asked  []string
}

func (a *fakeAdmin) Get(_ context.Context, path string) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.asked = append(a.asked, path)
	b, ok := a.bodies[path]
	if !ok {
		return nil, fmt.Errorf("emulated admin API: no body for %s", path)
	}
	return b, nil
}

func (a *fakeAdmin) Post(ctx context.Context, path string) ([]byte, error) { return a.Get(ctx, path) }
func (a *fakeAdmin) Close() error                                          { return nil }

// fakeResolver resolves any query to the given proxies.
type fakeResolver struct {
	targets []admin.Target
	query   cmdutil.TargetQuery
}

func (r *fakeResolver) Resolve(_ context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	r.query = q
	return r.targets, nil
}
