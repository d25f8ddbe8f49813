package proxystatus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
)

const recordedSyncz = "istio/writer__pilot__multiXdsStatusSinglePilot.json"

func synced(ago time.Duration) istiodemu.Watch {
	return istiodemu.Watch{NonceSent: "7", NonceAcked: "7", LastSent: t0.Add(-ago)}
}

func allSynced(ago time.Duration) map[string]istiodemu.Watch {
	return map[string]istiodemu.Watch{istiodemu.CDS: synced(ago), istiodemu.LDS: synced(ago), istiodemu.EDS: synced(ago), istiodemu.RDS: synced(ago)}
}

// replicaA and replicaB are the proxies connected to two istiod replicas of one revision.
func replicaA() []istiodemu.Proxy {
	return []istiodemu.Proxy{
		{ID: "reviews-v1-abc.bookinfo", ClusterID: "Kubernetes", IstioVersion: "1.28.0", Labels: map[string]string{"app": "reviews", "version": "v1"},
			Watches: map[string]istiodemu.Watch{
				istiodemu.CDS: synced(time.Minute),
				istiodemu.LDS: {NonceSent: "8", NonceAcked: "7", LastSent: t0.Add(-2 * time.Second)},
				istiodemu.EDS: {},
				istiodemu.RDS: {NonceSent: "9", NonceAcked: "8", LastSent: t0.Add(-time.Hour), LastError: "route rejected:\n  duplicate domain"},
			}},
		{ID: "ratings-v1-def.bookinfo", ClusterID: "Kubernetes", IstioVersion: "1.28.0", Labels: map[string]string{"app": "ratings", "version": "v1"},
			Watches: allSynced(5 * time.Minute)},
	}
}

func replicaB() []istiodemu.Proxy {
	return []istiodemu.Proxy{
		{ID: "productpage-v1-ghi.bookinfo", ClusterID: "Kubernetes", IstioVersion: "1.28.0", Labels: map[string]string{"app": "productpage"},
			Watches: allSynced(26 * time.Hour)},
		{ID: "istio-ingressgateway-xyz.istio-system", ClusterID: "Kubernetes", IstioVersion: "1.28.0", Labels: map[string]string{"app": "istio-ingressgateway"},
			Watches: allSynced(30 * time.Second)},
	}
}

func istioCluster(t *testing.T, o istiodemu.Options) *fakeCluster {
	t.Helper()
	oa, ob := o, o
	oa.ID, oa.Version, oa.Proxies = "istiod-7d4-a", "1.28.0", replicaA()
	ob.ID, ob.Version, ob.Proxies = "istiod-7d4-b", "1.28.0", replicaB()
	return &fakeCluster{
		pods: []corev1.Pod{
			pod("istiod-7d4-a", "istio-system", map[string]string{"app": "istiod", "istio.io/rev": "default"}),
			pod("istiod-7d4-b", "istio-system", map[string]string{"app": "istiod", "istio.io/rev": "default"}),
		},
		istiod: map[string]*istiodemu.Server{"istiod-7d4-a": startIstiod(t, oa), "istiod-7d4-b": startIstiod(t, ob)},
		token:  o.Token,
	}
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args string
		msg  string
	}{
		{"-o table", `unknown output format "table"`},
		{"--status FRESH", `--status: unknown status "FRESH"`},
		{"--timeout 0s", "--timeout must be positive"},
		{"--xds-address a:1 --from-proxies", "give only one of --xds-address or --from-proxies"},
		{"pod-a --from-proxies", "--from-proxies shows every proxy's status"},
		{"pod-a --file x.json", "give the proxy as <pod> or as --file <dump>, not both"},
		{"--control-plane-file cp.json", "--control-plane-file compares one proxy"},
		{"--control-plane-file cp.json --xds-address a:1 --file x", "give only one of --control-plane-file or --xds-address"},
		{"pod-a -w", "--watch refreshes the status table"},
		{"-w -o json", "--watch refreshes a table; drop -o json"},
		{"-w --file x.json", "--watch needs a live control plane"},
		{"-w --interval 1ms", "--interval must be at least 100ms"},
		{"pod-a --status ERROR", "--status, -l and -A select rows of the status table"},
		{"--plaintext --insecure", "--plaintext cannot be combined"},
		{"--cert c.pem", "give both --cert and --key"},
		{"--xds-port 70000", "--xds-port must be between 1 and 65535"},
		{"a b", "accepts at most 1 arg(s)"},
		{"--jq .[] -o yaml", "--jq works on JSON output"},
		{"--kinds clusters", "--kinds, --ignore, --normalize-pod and --stat tune the comparison with a proxy"},
		{"--stat --xds-address a:1", "--kinds, --ignore, --normalize-pod and --stat tune the comparison with a proxy"},
		{"pod-a --kinds pods", `--kinds: unknown kind "pods"`},
		{"pod-a --ignore a..b", `--ignore: ignore path "a..b" has an empty step`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			h := newHarness(t, nil)
			_, stderr, code := h.run(strings.Fields(tt.args)...)
			assert.Contains(t, stderr, tt.msg)
			if tt.args != "a b" {
				assert.Equal(t, cmdutil.ExitUsage, code, stderr)
			}
		})
	}
}

func TestRecordedSynczFile(t *testing.T) {
	file := sharedPath(recordedSyncz)
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{name: "short"},
		{name: "wide", args: []string{"-o", "wide"}},
		{name: "json", args: []string{"-o", "json"}},
		{name: "yaml", args: []string{"-o", "yaml"}},
		{name: "jq", args: []string{"--jq", `.[] | .name + " " + (.types[] | select(.state != "SYNCED") | .type + "=" + .state)`}},
		{name: "no-headers", args: []string{"--no-headers"}},
		{name: "status-stale", args: []string{"--status", "stale"}},
		{name: "status-not-synced", args: []string{"--status", "!SYNCED"}},
		{name: "status-error-none", args: []string{"--status", "ERROR"}, stderr: "No proxies found: the filters leave out all 1.\n"},
		{name: "fail-on-unsynced", args: []string{"--fail-on-unsynced"}, code: cmdutil.ExitProblems, stderr: "1 of 1 proxy is not SYNCED\n"},
		// istioctl#59377: -n must be honoured with -o json too
		{name: "namespace-json", args: []string{"-n", "elsewhere", "-o", "json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			stdout, stderr, code := h.run(append([]string{"--file", file}, tt.args...)...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Equal(t, tt.stderr, stderr)
			assertGolden(t, stdout, "recorded-syncz/"+tt.name)
		})
	}
}

// TestStdinTooLarge: standard input over the limit is an error naming it, never cut to the
// limit and parsed (or, worse, shown as a partial fleet).
func TestStdinTooLarge(t *testing.T) {
	data := readShared(t, recordedSyncz)
	defer func(m int64) { maxInput = m }(maxInput)
	maxInput = int64(len(data) - 1)

	h := newHarness(t, nil)
	in := &bytes.Buffer{}
	h.ios.In = io.NopCloser(in)
	in.Write(data)
	stdout, stderr, code := h.run("--file", "-")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, fmt.Sprintf("Error: standard input is more than the %d bytes xdsctl reads; it cannot be a saved status or config dump\n", maxInput), stderr)

	cp := readShared(t, "istio/writer__compare__configdump.json") // 53281 bytes; the proxy's dump is 52870
	maxInput = int64(len(cp) - 1)
	in.Reset()
	in.Write(cp)
	stdout, stderr, code = h.run("--file", sharedPath("istio/writer__compare__configdump_diff.json"), "--control-plane-file", "-")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, fmt.Sprintf("Error: standard input (--control-plane-file -) is more than the %d bytes xdsctl reads; it cannot be a saved status or config dump\n", maxInput), stderr)

	maxInput = int64(len(data))
	in.Reset()
	in.Write(data)
	stdout, _, code = h.run("--file", "-")
	assert.Equal(t, 0, code)
	assert.NotEmpty(t, stdout)
}

// TestStdinNamed: a message about what came on standard input says so, not file "-".
func TestStdinNamed(t *testing.T) {
	h := newHarness(t, nil)
	in := &bytes.Buffer{}
	h.ios.In = io.NopCloser(in)

	in.WriteString(`{"hello":"world"}`)
	_, stderr, code := h.run("--file", "-")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "Error: standard input is not a syncz, CSDS or /debug/syncz response, nor an Envoy config dump\n")

	in.Reset()
	in.WriteString(`{"hello":"world"}`)
	_, stderr, code = h.run("--file", sharedPath("istio/writer__compare__configdump_diff.json"), "--control-plane-file", "-")
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: standard input (--control-plane-file -) is not a config dump, nor istiod's config_dump or a CSDS response\n", stderr)
}

// TestMissingFiles: a missing --file or --control-plane-file is named, with what to give.
func TestMissingFiles(t *testing.T) {
	h := newHarness(t, nil)
	missing := filepath.Join(t.TempDir(), "syncz.json")
	_, stderr, code := h.run("--file", missing)
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: file \""+missing+"\" does not exist\nHint: give the path of a saved syncz or CSDS response (with a proxy: its config dump), or - to read standard input\n", stderr)

	_, stderr, code = h.run("--file", sharedPath("istio/writer__compare__configdump_diff.json"), "--control-plane-file", missing)
	assert.Equal(t, 1, code)
	assert.Equal(t, "Error: --control-plane-file \""+missing+"\" does not exist\nHint: give the path of the control plane's view of the proxy: a config dump, or a saved istiod config_dump or CSDS response\n", stderr)
}

// TestBadJQ: a bad --jq is a usage error found before any control plane or file is read.
func TestBadJQ(t *testing.T) {
	for _, args := range [][]string{
		{"--xds-address", "127.0.0.1:1", "--plaintext"}, // nothing listens there: reaching it would be another error
		{"--file", "/nonexistent/syncz.json"},
		{"waypoint-abc", "--file", "/nonexistent/dump.json"},
	} {
		stdout, stderr, code := newHarness(t, nil).run(append(args, "--jq", ".[ | x")...)
		assert.Equal(t, cmdutil.ExitUsage, code, stderr)
		assert.Empty(t, stdout)
		assert.True(t, strings.HasPrefix(stderr, `Error: --jq ".[ | x": `), stderr)
	}
}

func TestIstiodReplicas(t *testing.T) {
	pki, err := istiodemu.NewPKI()
	require.NoError(t, err)
	tests := []struct {
		name   string
		emu    istiodemu.Options
		args   []string
		golden string
		code   int
	}{
		{name: "tls-token", emu: istiodemu.Options{TLS: pki.Server, Token: "istio-ca-token"}, golden: "all"},
		{name: "plaintext", args: []string{"--plaintext"}, golden: "all"},
		{name: "wide", args: []string{"--plaintext", "-o", "wide"}, golden: "wide"},
		{name: "namespace", args: []string{"--plaintext", "-n", "bookinfo"}, golden: "bookinfo"},
		{name: "all-namespaces-wins", args: []string{"--plaintext", "-n", "bookinfo", "-A"}, golden: "all"},
		{name: "labels", args: []string{"--plaintext", "-l", "app in (reviews,ratings),version=v1"}, golden: "labels"},
		{name: "unsynced", args: []string{"--plaintext", "--status", "UNSYNCED", "--fail-on-unsynced"}, golden: "unsynced", code: cmdutil.ExitProblems},
		{name: "json-namespace", args: []string{"--plaintext", "-n", "istio-system", "-o", "json"}, golden: "istio-system.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := istioCluster(t, tt.emu)
			h := newHarness(t, cl)
			stdout, stderr, code := h.run(tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assertGolden(t, stdout, "istiod/"+tt.golden)
			if tt.code == 0 {
				assert.Empty(t, stderr)
			}
		})
	}
	t.Run("each replica asked once, with a token on 15012", func(t *testing.T) {
		cl := istioCluster(t, istiodemu.Options{TLS: pki.Server, Token: "istio-ca-token"})
		_, stderr, code := newHarness(t, cl).run()
		require.Equal(t, 0, code, stderr)
		assert.ElementsMatch(t, []string{"istiod-7d4-a:15012", "istiod-7d4-b:15012"}, cl.forwards)
		assert.Equal(t, 1, cl.tokenReqs)
		for _, emu := range cl.istiod {
			reqs := emu.Requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, "istio-ca-token", reqs[0].Token)
			assert.Equal(t, "event", reqs[0].Metadata["GENERATOR"])
		}
	})
	t.Run("one replica down: the others are shown, with a warning", func(t *testing.T) {
		cl := istioCluster(t, istiodemu.Options{})
		cl.istiod["istiod-7d4-b"].Stop()
		stdout, stderr, code := newHarness(t, cl).run("--plaintext")
		assert.Equal(t, 0, code)
		assert.Contains(t, stdout, "reviews-v1-abc.bookinfo")
		assert.NotContains(t, stdout, "productpage")
		assert.Contains(t, stderr, `Warning: ask for istio.io/debug/syncz from istiod pod "istiod-7d4-b" (port 15010): connection refused; its proxies are missing`)
	})
	t.Run("HTTP :15014 fallback", func(t *testing.T) {
		cl := istioCluster(t, istiodemu.Options{NoSyncz: true})
		stdout, stderr, code := newHarness(t, cl).run("--plaintext")
		assert.Equal(t, 0, code)
		assertGolden(t, stdout, "istiod/http-fallback")
		assert.Contains(t, stderr, `Note: istiod pod "istiod-7d4-a" did not answer istio.io/debug/syncz over xDS`)
	})
	t.Run("labels unknown to the control plane", func(t *testing.T) {
		cl := istioCluster(t, istiodemu.Options{})
		for _, emu := range cl.istiod {
			var ps []istiodemu.Proxy
			for _, p := range replicaA() {
				p.Labels = nil
				ps = append(ps, p)
			}
			emu.SetProxies(ps)
		}
		stdout, stderr, code := newHarness(t, cl).run("--plaintext", "-l", "app=reviews")
		assert.Equal(t, 0, code)
		assert.Empty(t, stdout)
		assert.Contains(t, stderr, `Note: istiod reports no labels for its proxies, so -l "app=reviews" matches none of them`)
	})
}

func TestIstiodErrors(t *testing.T) {
	pki, err := istiodemu.NewPKI()
	require.NoError(t, err)
	tests := []struct {
		name   string
		cl     func(t *testing.T) *fakeCluster
		args   []string
		stderr []string
	}{
		{"no istiod pods", func(*testing.T) *fakeCluster { return &fakeCluster{} }, nil,
			[]string{`Error: no istiod pods (label app=istiod) in namespace "istio-system": no istiod`, "Hint: pass -i/--istio-namespace"}},
		{"other namespace", func(t *testing.T) *fakeCluster { return istioCluster(t, istiodemu.Options{}) }, []string{"-i", "istio-canary", "--plaintext"},
			[]string{`in namespace "istio-canary"`}},
		{"bad token", func(t *testing.T) *fakeCluster {
			cl := istioCluster(t, istiodemu.Options{TLS: pki.Server, Token: "good"})
			cl.token = "bad"
			return cl
		}, nil, []string{"the control plane refused the credentials", "Hint: pass a valid bearer token with --token"}},
		{"plaintext to a TLS port", func(t *testing.T) *fakeCluster { return istioCluster(t, istiodemu.Options{TLS: pki.Server}) }, []string{"--plaintext"},
			[]string{"Hint: the server may want TLS: drop --plaintext"}},
		{"no kubeconfig", func(*testing.T) *fakeCluster { return nil }, nil, []string{"Error: no kubeconfig in this test"}},
		{"no kubeconfig: proxy-status's hint", func(*testing.T) *fakeCluster {
			return &fakeCluster{listErr: cmdutil.WithHint(fmt.Errorf("%w found", kube.ErrNoConfig), "use --admin")}
		}, nil, []string{"Error: no Kubernetes configuration found\n", "Hint: pass --kubeconfig or set KUBECONFIG; outside Kubernetes ask a control plane with --xds-address"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := newHarness(t, tt.cl(t)).run(append(tt.args, "--timeout", "3s")...)
			assert.Equal(t, cmdutil.ExitError, code)
			assert.Empty(t, stdout)
			for _, s := range tt.stderr {
				assert.Contains(t, stderr, s)
			}
			assert.LessOrEqual(t, strings.Count(stderr, "\n"), 2, "one line and a hint:\n%s", stderr)
		})
	}
}

func TestJSONIsTheView(t *testing.T) {
	cl := istioCluster(t, istiodemu.Options{})
	stdout, _, code := newHarness(t, cl).run("--plaintext", "-o", "json")
	require.Equal(t, 0, code)
	var got []struct {
		Name         string `json:"name"`
		Namespace    string `json:"namespace"`
		ControlPlane string `json:"controlPlane"`
		Types        []struct {
			Type, State, Error string
		} `json:"types"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got))
	require.Len(t, got, 4)
	assert.Equal(t, "istio-ingressgateway-xyz.istio-system", got[0].Name)
	assert.Equal(t, "reviews-v1-abc.bookinfo", got[3].Name)
	assert.Equal(t, "istiod-7d4-a", got[3].ControlPlane)
	assert.Equal(t, "ERROR", got[3].Types[3].State)
	assert.Equal(t, "route rejected: duplicate domain", got[3].Types[3].Error)
}

// TestIstiodRefusesPlaintextDebug: a default istiod refuses debug requests on its plaintext port;
// the hint points to 15012 with TLS and a token, not to --token on 15010.
func TestIstiodRefusesPlaintextDebug(t *testing.T) {
	cl := istioCluster(t, istiodemu.Options{DebugNeedsIdentity: true})
	stdout, stderr, code := newHarness(t, cl).run("--plaintext", "--timeout", "3s")
	assert.Equal(t, cmdutil.ExitError, code)
	assert.Empty(t, stdout)
	assertGolden(t, stderr, "hints/istiod-plaintext")
}
