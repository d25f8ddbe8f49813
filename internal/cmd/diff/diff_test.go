package diff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

const template = "../../../testdata/dumps/synthetic/template-sidecar.json"

func readTemplate(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(template)
	require.NoError(t, err)
	return b
}

// planted is the template with a cluster's connect timeout and a cluster load assignment's
// overprovisioning factor changed, and every version bumped (which makes no difference).
func planted(t *testing.T) []byte {
	t.Helper()
	b := readTemplate(t)
	b = bytes.Replace(b, []byte(`"connect_timeout": "10s"`), []byte(`"connect_timeout": "7s"`), 1)
	b = bytes.Replace(b, []byte(`"overprovisioning_factor": 140`), []byte(`"overprovisioning_factor": 150`), 1)
	b = bytes.ReplaceAll(b, []byte(`"version_info": "2`), []byte(`"version_info": "3`))
	return b
}

// fakeAdmin is an emulated Envoy admin API (not Envoy) serving one config dump.
type fakeAdmin struct {
	dump  []byte
	asked []string
}

func (a *fakeAdmin) Get(_ context.Context, path string) ([]byte, error) {
	a.asked = append(a.asked, path)
	if path != admin.PathConfigDumpWithEDS {
		return nil, fmt.Errorf("emulated admin API: no body for %s", path)
	}
	return a.dump, nil
}
func (a *fakeAdmin) Post(ctx context.Context, path string) ([]byte, error) { return a.Get(ctx, path) }
func (a *fakeAdmin) Close() error                                          { return nil }

// fakeResolver resolves pods by name and admin URLs to emulated admin APIs.
type fakeResolver struct{ proxies map[string]*fakeAdmin }

func (r *fakeResolver) Resolve(_ context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	key := q.AdminURL
	if len(q.Args) == 1 {
		key = q.Args[0]
	}
	a, ok := r.proxies[key]
	if !ok {
		return nil, fmt.Errorf("pod %q not found", key)
	}
	return []admin.Target{{Name: key, Client: a}}, nil
}

type result struct {
	stdout, stderr string
	code           int
}

func runDiff(t *testing.T, args string, stdin []byte, proxies map[string]*fakeAdmin) result {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.Write(stdin)
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
	if proxies != nil {
		f.Resolver = func() (cmdutil.TargetResolver, error) { return &fakeResolver{proxies: proxies}, nil }
	} else {
		f.Resolver = func() (cmdutil.TargetResolver, error) { return nil, errors.New("no Kubernetes cluster in tests") }
	}
	argv := testutil.Args(args)
	cmd := NewCmdDiff(f, nil)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(out)
	cmd.SetErr(errOut)
	code := cmdutil.Execute(context.Background(), cmd, errOut, argv)
	return result{stdout: out.String(), stderr: errOut.String(), code: code}
}

func golden(t *testing.T, got, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", "diff", name+".golden"), []byte(got))
}

func TestDiffFiles(t *testing.T) {
	tests := []struct {
		name, args string
		code       int
		stderr     string
	}{
		{"short", template + " -", 3, "../../../testdata/dumps/synthetic/template-sidecar.json → stdin: 2 resources differ: 0 added, 0 removed, 2 changed\n"},
		{"stat", template + " - --stat", 3, ""},
		{"json", template + " - -o json", 3, ""},
		{"yaml", template + " - -o yaml", 3, ""},
		{"jq", template + ` - --jq '[.changes[] | .kind + " " + .name + " " + (.fields[0].path)]'`, 3, ""},
		{"kinds", template + " - --kinds endpoints", 3, ""},
		{"ignored", template + " - --ignore clusters:connect_timeout --ignore policy", 0,
			"../../../testdata/dumps/synthetic/template-sidecar.json and stdin: no differences (115 resources compared)\n"},
		{"no headers", template + " - --stat --no-headers", 3, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDiff(t, tt.args, planted(t), nil)
			assert.Equal(t, tt.code, r.code, r.stderr)
			if tt.stderr != "" {
				assert.Equal(t, tt.stderr, r.stderr)
			}
			golden(t, r.stdout, strings.ReplaceAll(tt.name, " ", "-")+".txt")
		})
	}
}

// TestDiffStaticFiles: bootstraps and bare resources (configdump.ParseInput) are sides too.
func TestDiffStaticFiles(t *testing.T) {
	const dir = "../../../testdata/static/"
	r := runDiff(t, dir+"front-proxy.yaml "+dir+"double-proxy-frontend.yaml", nil, nil)
	assert.Equal(t, 3, r.code, r.stderr)
	golden(t, r.stdout, "static-bootstraps.txt")
	r = runDiff(t, dir+"synthetic-routes.yaml "+dir+"front-proxy.yaml --kinds routes --stat", nil, nil)
	assert.Equal(t, 3, r.code, r.stderr)
	golden(t, r.stdout, "bare-routes-stat.txt")
	// bare resources have only the kinds they hold
	r = runDiff(t, dir+"synthetic-routes.yaml "+dir+"front-proxy.yaml --stat", nil, nil)
	assert.Equal(t, 3, r.code)
	assert.Equal(t, "Warning: bootstrap not compared: ../../../testdata/static/synthetic-routes.yaml has none\n"+
		"Warning: clusters not compared: ../../../testdata/static/synthetic-routes.yaml has none\n"+
		"Warning: listeners not compared: ../../../testdata/static/synthetic-routes.yaml has none\n"+
		"../../../testdata/static/synthetic-routes.yaml → ../../../testdata/static/front-proxy.yaml: 7 resources differ: 4 added, 3 removed, 0 changed\n", r.stderr)
}

// TestDiffSecrets: a new private key is no difference (both sides redacted) unless --show-secrets.
func TestDiffSecrets(t *testing.T) {
	a := readTemplate(t)
	const key = `"private_key": {`
	require.Contains(t, string(a), key)
	i := bytes.Index(a, []byte(key))
	j := i + bytes.IndexByte(a[i:], '}')
	b := append(append(append([]byte{}, a[:i]...), []byte(`"private_key": {"inline_bytes": "bmV3LWtleQ=="`)...), a[j:]...)
	proxies := map[string]*fakeAdmin{"a": {dump: a}, "b": {dump: b}}
	r := runDiff(t, "a b", nil, proxies)
	assert.Equal(t, 0, r.code, r.stdout)
	r = runDiff(t, "a b --show-secrets", nil, proxies)
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Contains(t, r.stdout, "   private_key:\n-    inline_bytes: W3JlZGFjdGVkXQ==\n+    inline_bytes: bmV3LWtleQ==\n")
}

func TestDiffEqual(t *testing.T) {
	r := runDiff(t, template+" "+template, nil, nil)
	assert.Equal(t, 0, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, ": no differences (115 resources compared)\n")
}

func TestDiffLive(t *testing.T) {
	proxies := map[string]*fakeAdmin{
		"http://127.0.0.1:9901": {dump: readTemplate(t)},
		"reviews-v1.bookinfo":   {dump: planted(t)},
	}
	r := runDiff(t, "http://127.0.0.1:9901 reviews-v1.bookinfo --stat", nil, proxies)
	assert.Equal(t, 3, r.code, r.stderr)
	assert.Equal(t, "http://127.0.0.1:9901 → reviews-v1.bookinfo: 2 resources differ: 0 added, 0 removed, 2 changed\n", r.stderr)
	assert.Equal(t, []string{admin.PathConfigDumpWithEDS}, proxies["reviews-v1.bookinfo"].asked)
	golden(t, r.stdout, "live-stat.txt")
}

// TestNormalizePod: twin replicas (the same config but for the pod's IP and name) differ without
// --normalize-pod and are equal with it.
func TestNormalizePod(t *testing.T) {
	a := readTemplate(t)
	const ip, pod = "192.168.252.229", "httpbin-istio-waypoint-58f646c5ff-dbfkz"
	require.Contains(t, string(a), ip)
	twin := bytes.ReplaceAll(a, []byte(ip), []byte("192.168.7.31"))
	twin = bytes.ReplaceAll(twin, []byte(pod), []byte("httpbin-istio-waypoint-58f646c5ff-q2x9z"))
	twin = bytes.ReplaceAll(twin, []byte(`"10.244.0.192"`), []byte(`"10.244.0.193"`)) // another pod's IP: a real difference
	proxies := map[string]*fakeAdmin{"a": {dump: a}, "b": {dump: twin}}
	r := runDiff(t, "a b --kinds bootstrap,listeners", nil, proxies)
	assert.Equal(t, 3, r.code, r.stderr)
	golden(t, r.stdout, "twins.txt")
	r = runDiff(t, "a b --kinds bootstrap,listeners --normalize-pod", nil, proxies)
	assert.Equal(t, 0, r.code, r.stdout)
	r = runDiff(t, "a b --normalize-pod --stat", nil, proxies)
	assert.Equal(t, 3, r.code)
	golden(t, r.stdout, "twins-normalized-stat.txt")
}

func TestDiffErrors(t *testing.T) {
	tests := []struct {
		name, args string
		code       int
		stderr     string
	}{
		{"one side", "a.json", 2, "Error: give two configs to compare: diff <A> <B> (got 1)\n"},
		{"three sides", "a b c", 2, "Error: give two configs to compare: diff <A> <B> (got 3)\n"},
		{"two stdins", "- -", 2, "Error: only one side can be standard input (-)\n"},
		{"bad kind", template + " - --kinds clusters,pods", 2, "Error: --kinds: unknown kind \"pods\": use bootstrap, clusters, endpoints, extensions, listeners, routes, secrets\n"},
		{"bad ignore", template + " - --ignore clusters:", 2, "Error: --ignore: ignore path \"clusters:\" names no field: give e.g. metadata or clusters:circuit_breakers.thresholds\n"},
		{"bad ignore kind", template + " - --ignore pods:x", 2, "Error: --ignore: ignore path \"pods:x\": unknown kind \"pods\": use bootstrap, clusters, endpoints, extensions, listeners, routes, secrets\n"},
		{"stat and json", template + " - --stat -o json", 2, "Error: --stat is a table; drop -o json\n"},
		{"bad output", template + " - -o xml", 2, "Error: unknown output format \"xml\": use one of short, wide, json, yaml\n"},
		{"cp without pod", "cp: " + template, 2, "Error: cp: names no pod: give cp:<pod>[.<namespace>]\n"},
		{"missing file", "missing.json " + template, 1, "Error: \"missing.json\" is neither a file nor a proxy: no such file\nHint: give a config dump file, -, an admin URL (http://host:port), cp:<pod>, or a <pod>[.<namespace>]\n"},
		{"not a dump", "diff.go " + template, 1, "Error: file \"diff.go\": input is neither JSON nor valid YAML: yaml: line 4: could not find expected ':'\n"},
		{"no cluster", "reviews-v1 " + template, 1, "Error: no Kubernetes cluster in tests\n"},
		{"control plane, no cluster", "cp:reviews-v1 " + template, 1, "Error: no Kubernetes cluster in tests\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDiff(t, tt.args, nil, nil)
			assert.Equal(t, tt.code, r.code)
			assert.Empty(t, r.stdout)
			first, _, _ := strings.Cut(r.stderr, "\n\nRun")
			if !strings.HasSuffix(first, "\n") {
				first += "\n"
			}
			assert.Equal(t, tt.stderr, first)
		})
	}
}

func TestSourceKind(t *testing.T) {
	tests := []struct {
		in   string
		want source
	}{
		{"-", sourceStdin},
		{"cp:reviews-v1.bookinfo", sourceControlPlane},
		{"http://127.0.0.1:15000", sourceAdmin},
		{"https://envoy:9901", sourceAdmin},
		{"diff.go", sourceFile},
		{"missing.json", sourceFile},
		{"dumps/a/b", sourceFile},
		{"./reviews", sourceFile},
		{"reviews-v1-7f9c", sourcePod},
		{"reviews-v1-7f9c.bookinfo", sourcePod},
		{"deployment/reviews-v1", sourcePod},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, sourceKind(tt.in), tt.in)
	}
}

func TestCheckSide(t *testing.T) {
	for in, want := range map[string]string{
		"":                    "the side is empty: give a pod, an admin URL, a file or cp:<pod>",
		"cp:":                 "cp: names no pod: give cp:<pod>[.<namespace>]",
		"cp:reviews-v1":       "",
		"before.json":         "",
		"http://127.0.0.1":    "",
		"reviews-v1.bookinfo": "",
	} {
		err := CheckSide(in)
		if want == "" {
			assert.NoError(t, err, in)
		} else {
			assert.EqualError(t, err, want, in)
		}
	}
}
