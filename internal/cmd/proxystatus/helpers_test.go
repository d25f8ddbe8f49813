package proxystatus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/adminhttp"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// fakeCluster stands in for Kubernetes: pods, port-forwards to emulated istiods and to emulated
// Envoy admin APIs (httptest servers serving real dumps: not Envoy), tokens.
type fakeCluster struct {
	pods   []corev1.Pod
	istiod map[string]*istiodemu.Server // istiod pod -> emulator
	admins map[string]string            // proxy pod.namespace -> admin URL of its emulated admin API
	token  string
	// listErr fails ListPods (a missing kubeconfig, RBAC)
	listErr error

	mu        sync.Mutex
	forwards  []string
	tokenReqs int
}

var _ Cluster = (*fakeCluster)(nil)

func (f *fakeCluster) DefaultNamespace() (string, error) { return "default", nil }

func (f *fakeCluster) ListPods(_ context.Context, ns, selector string) ([]corev1.Pod, error) {
	if f.listErr != nil {
		return nil, f.listErr
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, err
	}
	var out []corev1.Pod
	for _, p := range f.pods {
		if (ns == "" || p.Namespace == ns) && sel.Matches(labels.Set(p.Labels)) {
			out = append(out, p)
		}
	}
	return out, nil
}

func (f *fakeCluster) ForwardPort(_ context.Context, pod *corev1.Pod, port int) (string, func(), error) {
	f.mu.Lock()
	f.forwards = append(f.forwards, fmt.Sprintf("%s:%d", pod.Name, port))
	f.mu.Unlock()
	emu, ok := f.istiod[pod.Name]
	if !ok {
		return "", nil, fmt.Errorf("no emulator for pod %s", pod.Name)
	}
	if port == xdsclient.PortDebugHTTP {
		return emu.HTTPAddr, func() {}, nil
	}
	return emu.GRPCAddr, func() {}, nil
}

func (f *fakeCluster) ServiceAccountToken(context.Context, string, string, []string, time.Duration) (string, error) {
	f.mu.Lock()
	f.tokenReqs++
	f.mu.Unlock()
	return f.token, nil
}

func (f *fakeCluster) Resolve(_ context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	var out []admin.Target
	for _, a := range q.Args {
		name := a
		if !strings.Contains(a, ".") {
			name = a + ".default"
		}
		u, ok := f.admins[name]
		if !ok {
			return nil, cmdutil.WithHint(fmt.Errorf("pod %q not found", a), "list them with: kubectl get pods")
		}
		c, err := adminhttp.New(u, adminhttp.Options{Name: "pod " + name})
		if err != nil {
			return nil, err
		}
		out = append(out, admin.Target{Name: name, Client: c})
	}
	return out, nil
}

func (f *fakeCluster) TargetsForPods(pods []corev1.Pod, _ int, _ int64) []admin.Target {
	var out []admin.Target
	for _, p := range pods {
		name := p.Name + "." + p.Namespace
		c, err := adminhttp.New(f.admins[name], adminhttp.Options{Name: "pod " + name})
		if err != nil {
			panic(err)
		}
		out = append(out, admin.Target{Name: name, Client: c})
	}
	return out
}

func pod(name, ns string, lbls map[string]string) corev1.Pod {
	return corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: lbls,
			Annotations: map[string]string{"sidecar.istio.io/status": "{}"}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
}

// adminEmulator serves dumps as an Envoy admin API would (an emulator, not Envoy).
func adminEmulator(t *testing.T, dump []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/config_dump" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(dump)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func startIstiod(t *testing.T, o istiodemu.Options) *istiodemu.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := istiodemu.Start(ctx, o)
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", rel))
	require.NoError(t, err)
	return b
}

func sharedPath(rel string) string {
	return filepath.Join("..", "..", "..", "testdata", "dumps", rel)
}

// harness runs proxy-status like main does: output captured, the exit code computed.
type harness struct {
	t       *testing.T
	f       *cmdutil.Factory
	ios     *iostreams.IOStreams
	out     *bytes.Buffer
	errOut  *bytes.Buffer
	cluster *fakeCluster
	after   func(time.Duration) <-chan time.Time
	ctx     context.Context
}

func newHarness(t *testing.T, cl *fakeCluster) *harness {
	ios, _, out, errOut := iostreams.Test()
	h := &harness{t: t, ios: ios, out: out, errOut: errOut, cluster: cl}
	h.f = &cmdutil.Factory{
		IOStreams: ios, Now: func() time.Time { return t0 }, KubeFlags: genericclioptions.NewConfigFlags(false),
		Resolver: func() (cmdutil.TargetResolver, error) {
			if cl == nil {
				return nil, fmt.Errorf("no kubeconfig in this test")
			}
			return cl, nil
		},
	}
	return h
}

// run executes `proxy-status <args>` and returns stdout, stderr and the exit code main would use.
func (h *harness) run(args ...string) (string, string, int) {
	h.t.Helper()
	h.out.Reset()
	h.errOut.Reset()
	ctx := h.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	cmd := NewCmdProxyStatus(h.f, func(o *Options) error {
		o.after = h.after
		return run(ctx, o)
	})
	h.f.KubeFlags.AddFlags(cmd.PersistentFlags())
	cmd.SetArgs(args)
	cmd.SetOut(h.out)
	cmd.SetErr(h.errOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.ExecuteContext(context.Background())
	if pe, ok := err.(*cmdutil.ProblemsError); ok && pe.Msg != "" { //nolint:errorlint // as main does
		fmt.Fprintln(h.errOut, pe.Msg)
	} else if err != nil {
		fmt.Fprintf(h.errOut, "Error: %s\n", err)
		if hint := cmdutil.HintOf(err); hint != "" {
			fmt.Fprintf(h.errOut, "Hint: %s\n", hint)
		}
	}
	return h.out.String(), h.errOut.String(), cmdutil.ExitCode(err)
}

// assertGolden compares got with testdata/proxy-status/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, got string, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", "proxy-status", name+".golden"), []byte(got))
}

func writeFile(p string, data []byte) error { return os.WriteFile(p, data, 0o600) }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
