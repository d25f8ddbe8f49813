package describe

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

// Inputs shared with pkg/describe's tests: the objects a user would have, and real dumps.
const (
	k8sDir   = "../../../pkg/describe/testdata/k8s/"
	dumpsDir = "../../../testdata/dumps/"

	dumpProductpage13 = dumpsDir + "istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json"
	dumpGateway13     = dumpsDir + "istio-history/istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj@2020-04-20.json"
	dumpProductpage15 = dumpsDir + "bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json"
	dumpGateway15     = dumpsDir + "bookinfo-1.5/ingressgateway_config_dump@istio1.5.4.json"
	dumpHTTPFragment  = dumpsDir + "istio/describe__describe__http_config.json"
	pod13             = "productpage-v1-7bbd79f8fd-k6j79"
	gw13              = "istio-ingressgateway-5bf6c9887-vvvmj.istio-system"
	pod15             = "productpage-v1-7d6cfb7dfd-ccspq"
	gw15              = "istio-ingressgateway-568476969c-v7xw7.istio-system"
)

func k8s(files ...string) string {
	var b strings.Builder
	for _, f := range files {
		b.WriteString(" --k8s-file " + k8sDir + f)
	}
	return b.String()
}

// testFactory is a Factory with test streams, kubectl's flags and a resolver that serves dumps
// from memory (an emulation of the admin API, not Envoy).
func testFactory(t *testing.T, dumps map[string]string) (*cmdutil.Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, KubeFlags: genericclioptions.NewConfigFlags(false)}
	f.Resolver = func() (cmdutil.TargetResolver, error) { return &memResolver{t: t, dumps: dumps}, nil }
	return f, out, errOut
}

type memResolver struct {
	t       *testing.T
	dumps   map[string]string // name.namespace -> dump path
	queries []cmdutil.TargetQuery
}

func (r *memResolver) Resolve(_ context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	r.queries = append(r.queries, q)
	var out []admin.Target
	for _, a := range q.Args {
		path, ok := r.dumps[a]
		if !ok {
			out = append(out, admin.Target{Name: a, Client: memClient{err: errors.New("connection refused")}})
			continue
		}
		data, err := os.ReadFile(path)
		require.NoError(r.t, err)
		out = append(out, admin.Target{Name: a, Client: memClient{data: data}})
	}
	return out, nil
}

type memClient struct {
	data []byte
	err  error
}

func (c memClient) Get(_ context.Context, path string) ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	if path != admin.PathConfigDump {
		return nil, errors.New("unexpected path " + path)
	}
	return c.data, nil
}
func (c memClient) Post(context.Context, string) ([]byte, error) { return nil, errors.New("no") }
func (c memClient) Close() error                                 { return nil }

// execute runs `describe <args>` as the root command would (kubectl's flags on the parent);
// capture, when set, receives the options instead of running.
func execute(t *testing.T, f *cmdutil.Factory, args string, capture func(*Options)) error {
	t.Helper()
	if capture == nil {
		return run(t, f, NewCmdDescribe(f), args)
	}
	runF := func(o *Options) error { capture(o); return nil }
	cmd := &cobra.Command{Use: "describe"}
	cmd.AddCommand(NewCmdPod(f, runF), NewCmdService(f, runF))
	return run(t, f, cmd, args)
}

// executeWith runs the command after prep adjusts its options (fake clients).
func executeWith(t *testing.T, f *cmdutil.Factory, args string, prep func(*Options)) error {
	t.Helper()
	runF := func(o *Options) error { prep(o); return o.run(context.Background()) }
	cmd := &cobra.Command{Use: "describe"}
	cmd.AddCommand(NewCmdPod(f, runF), NewCmdService(f, runF))
	return run(t, f, cmd, args)
}

func run(t *testing.T, f *cmdutil.Factory, cmd *cobra.Command, args string) error {
	t.Helper()
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return cmdutil.FlagErrorf("%s", err.Error()) })
	f.KubeFlags.AddFlags(cmd.PersistentFlags())
	cmd.SetArgs(strings.Fields(args))
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

func TestFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(*testing.T, *Options)
		wantErr string
	}{
		{name: "pod with namespace", args: "pod web-1.shop", check: func(t *testing.T, o *Options) {
			assert.Equal(t, "pod", o.Kind)
			assert.Equal(t, "web-1", o.Name)
			assert.Equal(t, "shop", o.Namespace)
			assert.True(t, o.NamespaceExplicit)
			assert.Equal(t, "short", o.Output)
			assert.Equal(t, "istio-system", o.IstioNamespace)
			assert.Equal(t, 10*time.Second, o.Timeout)
		}},
		{name: "namespace from -n", args: "po web-1 -n shop", check: func(t *testing.T, o *Options) {
			assert.Equal(t, "shop", o.Namespace)
		}},
		{name: "service alias and files", args: "svc web -f a.json -f web-2=b.json --k8s-file o.yaml -i istio-ctl -o yaml --proxy-admin-port 19000", check: func(t *testing.T, o *Options) {
			assert.Equal(t, "service", o.Kind)
			assert.Equal(t, []string{"a.json", "web-2=b.json"}, o.Files)
			assert.Equal(t, []string{"o.yaml"}, o.K8sFiles)
			assert.Equal(t, "istio-ctl", o.IstioNamespace)
			assert.Equal(t, "yaml", o.Output)
			assert.Equal(t, 19000, o.AdminPort)
		}},
		{name: "jq implies json", args: "pod web --jq .mismatches", check: func(t *testing.T, o *Options) { assert.Equal(t, "json", o.Output) }},
		{name: "no name", args: "pod", wantErr: "give one pod: <name>[.<namespace>]"},
		{name: "two names", args: "pod a b", wantErr: "give one pod: <name>[.<namespace>]"},
		{name: "kind in target", args: "pod deploy/web", wantErr: `invalid pod "deploy/web": use <name>[.<namespace>]`},
		{name: "bad output", args: "pod web -o wide", wantErr: `unknown output format "wide": use one of short, json, yaml`},
		{name: "jq with yaml", args: "pod web -o yaml --jq .", wantErr: "--jq works on JSON output; drop -o yaml"},
		{name: "bad timeout", args: "pod web --timeout 0s", wantErr: "--timeout must be positive, got 0s"},
		{name: "bad admin port", args: "pod web --proxy-admin-port 70000", wantErr: "--proxy-admin-port must be between 1 and 65535, got 70000"},
		{name: "two bare files", args: "svc web -f a.json -f b.json", wantErr: "give at most one --file without a pod name; name the others <pod>[.<namespace>]=<path>"},
		{name: "two stdin", args: "pod web -f - --k8s-file -", wantErr: "only one file can be standard input (-)"},
		{name: "empty path", args: "pod web -f web=", wantErr: `--file "web=" names no file: use [<pod>[.<namespace>]=]<path>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, _, _ := testFactory(t, nil)
			var got *Options
			err := execute(t, f, tt.args, func(o *Options) { got = o })
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))
				return
			}
			require.NoError(t, err)
			require.NotNil(t, got)
			tt.check(t, got)
		})
	}
}

func TestSplitFileFlag(t *testing.T) {
	tests := []struct{ in, pod, path string }{
		{"dump.json", "", "dump.json"},
		{"web-1=dump.json", "web-1", "dump.json"},
		{"web-1.shop=/tmp/a=b.json", "web-1.shop", "/tmp/a=b.json"},
		{"/tmp/a=b.json", "", "/tmp/a=b.json"},
		{"-", "", "-"},
	}
	for _, tt := range tests {
		pod, path := splitFileFlag(tt.in)
		assert.Equal(t, tt.pod, pod, tt.in)
		assert.Equal(t, tt.path, path, tt.in)
	}
}

// TestOffline runs the command on saved objects and dumps, as a user with a bug report does.
func TestOffline(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		golden  string
		stderr  string
		wantErr string
	}{
		{name: "pod with ingress, text", golden: "offline/ingress-lb.text",
			args: "pod " + pod13 + k8s("bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml") +
				" -f " + dumpProductpage13 + " -f " + gw13 + "=" + dumpGateway13},
		{name: "pod with ingress, json", golden: "offline/ingress-lb.json",
			args: "pod " + pod13 + ".default -o json" + k8s("bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml") +
				" -f " + dumpProductpage13 + " -f " + gw13 + "=" + dumpGateway13},
		{name: "gateway without address, yaml", golden: "offline/ingress-no-lb.yaml",
			args: "pod " + pod15 + " -o yaml" + k8s("bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml") +
				" -f " + pod15 + "=" + dumpProductpage15 + " -f " + gw15 + "=" + dumpGateway15},
		{name: "VirtualService bound to a gateway only, with weights", golden: "offline/gateway-weights.text",
			args: "pod " + pod13 + k8s("bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "virtualservice-gateway-weights.yaml") +
				" -f " + dumpProductpage13 + " -f " + gw13 + "=" + dumpHTTPFragment},
		{name: "a Gateway in front of two gateway Services: one URL each", golden: "offline/ingress-two-services.jq",
			args: "pod " + pod13 + " --jq .ingress[].urls[]" + k8s("bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml", "ingress-second-gateway.yaml") +
				" -f " + dumpProductpage13 + " -f " + gw13 + "=" + dumpGateway13 + " -f ingress.default=" + dumpHTTPFragment},
		{name: "mismatch kinds with jq", golden: "offline/missing-destinationrule.jq",
			args: "pod " + pod13 + " --jq .mismatches[].kind" + k8s("bookinfo-1.3.yaml", "virtualservice-subset-v1.yaml") + " -f " + dumpProductpage13},
		{name: "service, one dump for its one running pod with a proxy", golden: "offline/service.text",
			args: "service productpage" + k8s("bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "productpage-v2-pending.yaml") +
				" -f " + pod13 + "=" + dumpProductpage13},
		{name: "objects only: the proxy side is not read", golden: "offline/objects-only.text",
			args: "pod " + pod15 + k8s("bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml")},
		{name: "a gateway dump given, no gateway", golden: "offline/plain.text",
			args:   "pod " + pod15 + k8s("bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml") + " -f " + dumpProductpage15 + " -f " + gw15 + "=" + dumpGateway15,
			stderr: "Warning: --file " + gw15 + "=" + dumpGateway15 + ": pod " + gw15 + " is neither described nor a gateway of it, so the dump is not read\n"},
		{name: "pod not in the file", args: "pod nope" + k8s("bookinfo-1.5.yaml"),
			wantErr: `pod "nope" not found in namespace "default" in --k8s-file "` + k8sDir + `bookinfo-1.5.yaml"`},
		{name: "pod in another namespace of the file", args: "pod " + pod15 + " -n prod" + k8s("bookinfo-1.5.yaml"),
			wantErr: `pod "` + pod15 + `" not found in namespace "prod" in --k8s-file "` + k8sDir + `bookinfo-1.5.yaml"`},
		{name: "missing objects file", args: "pod web --k8s-file nope.yaml", wantErr: `--k8s-file "nope.yaml" does not exist`},
		{name: "bare file for two pods", args: "service productpage -f " + dumpProductpage13 + k8s("bookinfo-1.3.yaml", "productpage-v2-pending.yaml"),
			wantErr: `2 pods are described: name the pod of --file "` + dumpProductpage13 + `" as <pod>[.<namespace>]=` + dumpProductpage13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, out, errOut := testFactory(t, nil)
			err := execute(t, f, tt.args, nil)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Equal(t, tt.wantErr, err.Error())
				assert.Empty(t, out.String())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.stderr, errOut.String())
			assertGolden(t, out.Bytes(), tt.golden)
		})
	}
}

// TestFailOnMismatch: --fail-on-mismatch turns listed mismatches into exit code 3 (a ProblemsError)
// after the whole report is printed; without mismatches, or without the flag, the command succeeds.
func TestFailOnMismatch(t *testing.T) {
	withMismatches := "pod " + pod13 + " --jq .mismatches[].kind" + k8s("bookinfo-1.3.yaml", "virtualservice-subset-v1.yaml") + " -f " + dumpProductpage13
	clean := "pod " + pod15 + k8s("bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml")
	for _, tt := range []struct {
		name, args, problems string
	}{
		{"four mismatches", withMismatches + " --fail-on-mismatch", "4 mismatches between the declared config and the proxy's (--fail-on-mismatch)"},
		{"mismatches without the flag", withMismatches, ""},
		{"no mismatches", clean + " --fail-on-mismatch", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, out, _ := testFactory(t, nil)
			err := execute(t, f, tt.args, nil)
			assert.NotEmpty(t, out.String(), "the report is printed either way")
			if tt.problems == "" {
				require.NoError(t, err)
				return
			}
			var pe *cmdutil.ProblemsError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tt.problems, pe.Msg)
			assert.Equal(t, cmdutil.ExitProblems, cmdutil.ExitCode(err))
		})
	}
}

func TestOfflineHints(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	err := execute(t, f, "pod "+pod15+" -n prod"+k8s("bookinfo-1.5.yaml"), nil)
	require.Error(t, err)
	assert.Equal(t, `the file has pod "`+pod15+`" in namespace(s) default: name one with `+pod15+`.<namespace> or -n`, cmdutil.HintOf(err))

	f, _, _ = testFactory(t, nil)
	err = execute(t, f, "pod web --k8s-file "+dumpProductpage15, nil)
	require.Error(t, err)
	assert.Equal(t, `--k8s-file "`+dumpProductpage15+`": document 1 is an Envoy /config_dump, not Kubernetes objects`, err.Error())
	assert.Equal(t, "give the proxy's config dump with --file, and the objects (kubectl get -o yaml) with --k8s-file", cmdutil.HintOf(err))
}

func TestOfflineBadInputs(t *testing.T) {
	dir := t.TempDir()
	deploy := filepath.Join(dir, "objects.yaml")
	data, err := os.ReadFile(k8sDir + "bookinfo-1.5.yaml")
	require.NoError(t, err)
	data = append(data, []byte("\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: productpage-v1, namespace: default}\n")...)
	require.NoError(t, os.WriteFile(deploy, data, 0o644))
	broken := filepath.Join(dir, "broken.json")
	require.NoError(t, os.WriteFile(broken, []byte(`{"configs": [`), 0o644))

	f, out, errOut := testFactory(t, nil)
	require.NoError(t, execute(t, f, "pod "+pod15+" --k8s-file "+deploy+" -f "+broken, nil))
	assert.Equal(t, "Warning: --k8s-file \""+deploy+"\": skipped objects describe does not read: 1 Deployment.apps\n", errOut.String(),
		"warnings go to stderr, never into the report")
	assert.Contains(t, out.String(), "   Proxy config: not available from file \""+broken+"\": input is truncated: JSON ends early at byte 13 of 13; no complete section to show\n")
	assert.NotContains(t, out.String(), "Warning")
}

// TestStdin: the objects can come from standard input (kubectl get ... -o yaml | xdsctl describe ... --k8s-file -).
func TestStdin(t *testing.T) {
	ios, in, out, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, KubeFlags: genericclioptions.NewConfigFlags(false)}
	for _, name := range []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml"} {
		data, err := os.ReadFile(k8sDir + name)
		require.NoError(t, err)
		in.Write(data)
		in.WriteString("\n---\n")
	}
	require.NoError(t, execute(t, f, "pod "+pod15+" --k8s-file - -f "+dumpProductpage15, nil))
	assert.Empty(t, errOut.String())
	assert.Contains(t, out.String(), "Applied PeerAuthentication:\n   default.istio-system (mesh, STRICT)\n")
	assert.Contains(t, out.String(), "No mismatches found\n")
}

func TestParentAndConfig(t *testing.T) {
	f, _, _ := testFactory(t, nil)
	err := execute(t, f, "deployment web", nil)
	require.Error(t, err)
	assert.Equal(t, `unknown resource type "deployment": use describe pod or describe service`, err.Error())
	assert.Equal(t, cmdutil.ExitUsage, cmdutil.ExitCode(err))

	none := filepath.Join(t.TempDir(), "none")
	t.Setenv("KUBECONFIG", none)
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("HOME", t.TempDir())
	f, out, _ := testFactory(t, nil)
	err = execute(t, f, "pod web", nil)
	require.Error(t, err)
	assert.Equal(t, `no Kubernetes configuration found (KUBECONFIG="`+none+`" names no file that exists)`, err.Error())
	assert.Equal(t, "pass --kubeconfig or set KUBECONFIG; to describe from saved objects use --k8s-file (and --file for the proxy)", cmdutil.HintOf(err))
	assert.Empty(t, out.String())
}
