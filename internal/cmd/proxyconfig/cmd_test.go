package proxyconfig

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// capture runs one view's command with a runF that records the options instead of running.
func capture[O any](t *testing.T, newCmd func(*cmdutil.Factory, func(*O) error) *cobra.Command, args ...string) (*O, error) {
	t.Helper()
	f, _ := testFactory(parityDay)
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	err := cmd.Execute()
	return got, err
}

func TestEndpointsOptions(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want EndpointsOptions
	}{
		{"file", []string{"-f", "x.json"}, EndpointsOptions{}},
		{"filters", []string{"pod.ns", "--address", "10.0.0.1", "--port", "9080", "--cluster", "c", "--status", "healthy"},
			EndpointsOptions{Filter: configdump.EndpointFilter{Address: "10.0.0.1", Port: 9080, Cluster: "c", Status: "healthy"}}},
		{"eds", []string{"pod", "--eds", "-o", "wide"}, EndpointsOptions{EDS: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := capture(t, NewCmdEndpoints, tt.args...)
			require.NoError(t, err)
			assert.Equal(t, tt.want.Filter, o.Filter)
			assert.Equal(t, tt.want.EDS, o.EDS)
		})
	}
	o, err := capture(t, NewCmdEndpoints, "pod.ns")
	require.NoError(t, err)
	assert.Equal(t, admin.PathClustersJSON, o.path())
	assert.Equal(t, []string{"pod.ns"}, o.Source.Targets)
	assert.Equal(t, "short", o.Output.Format)
	o, err = capture(t, NewCmdEndpoints, "pod.ns", "--eds")
	require.NoError(t, err)
	assert.Equal(t, admin.PathConfigDumpWithEDS, o.path())
}

func TestAllOptions(t *testing.T) {
	o, err := capture(t, NewCmdAll, "-f", "d.json", "--fqdn", "reviews", "--direction", "outbound", "--subset", "v1", "--port", "9080",
		"--address", "0.0.0.0", "--type", "HTTP", "--name", "9080", "--verbose=false", "--with-headers")
	require.NoError(t, err)
	assert.Equal(t, configdump.ClusterFilter{FQDN: "reviews", Port: 9080, Subset: "v1", Direction: "outbound"}, o.Clusters)
	assert.Equal(t, configdump.ListenerFilter{Address: "0.0.0.0", Port: 9080, Type: "HTTP"}, o.Listeners)
	assert.Equal(t, configdump.RouteFilter{Name: "9080"}, o.Routes)
	assert.False(t, o.Verbose)
	assert.True(t, o.WithHeaders)
	assert.Equal(t, parityDay, o.Now())

	o, err = capture(t, NewCmdAll, "pod", "--save", "out.json", "-o", "json")
	require.NoError(t, err)
	assert.Equal(t, "out.json", o.Save)
	assert.Equal(t, "json", o.Output.Format)
}

func TestOtherOptions(t *testing.T) {
	b, err := capture(t, NewCmdBootstrap, "pod")
	require.NoError(t, err)
	assert.Equal(t, "json", b.Output.Format, "bootstrap prints JSON by default, as istioctl")
	s, err := capture(t, NewCmdSecrets, "--demo", "-o", "wide", "--no-headers")
	require.NoError(t, err)
	assert.True(t, s.Demo)
	assert.True(t, s.Output.NoHeaders)
	assert.Equal(t, parityDay, s.Now())
	e, err := capture(t, NewCmdEcds, "--admin", "http://127.0.0.1:9901", "--jq", ".[].name")
	require.NoError(t, err)
	assert.Equal(t, "http://127.0.0.1:9901", e.Source.AdminURL)
	assert.Equal(t, "json", e.Output.Format, "--jq implies JSON")
	l, err := capture(t, NewCmdListeners, "-l", "app=reviews", "-A", "--port", "15006", "--show-secrets")
	require.NoError(t, err)
	assert.Equal(t, "app=reviews", l.Source.Selector)
	assert.True(t, l.Source.AllNamespaces)
	assert.Equal(t, uint32(15006), l.Filter.Port)
	assert.True(t, l.Output.ShowSecrets)
}

// TestFlagErrors: usage errors are FlagErrors (exit 2) that say what is wrong.
func TestFlagErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no source", []string{"clusters"}, "give a <pod>[.<namespace>], -l <selector>, --admin <url> or --file <path>"},
		{"two sources", []string{"routes", "pod", "-f", "x.json"}, "give only one of"},
		{"demo and file", []string{"listeners", "--demo", "-f", "x.json"}, "--demo reads the built-in example"},
		{"demo and pod", []string{"secrets", "--demo", "pod"}, "--demo reads the built-in example"},
		{"bad format", []string{"ecds", "-f", "x.json", "-o", "table"}, `unknown output format "table"`},
		{"jq with yaml", []string{"endpoints", "-f", "x.json", "-o", "yaml", "--jq", "."}, "--jq works on JSON output"},
		{"bad port", []string{"endpoints", "-f", "x.json", "--port", "70000"}, "--port 70000 is not a port number"},
		{"negative port", []string{"all", "-f", "x.json", "--port", "-1"}, "--port -1 is not a port number"},
		{"bad status", []string{"endpoints", "-f", "x.json", "--status", "ok"}, `--status "ok" is not a health status`},
		{"save with demo", []string{"all", "--demo", "--save", "x.json"}, "--save writes a proxy's admin output"},
		{"save with selector", []string{"all", "-l", "app=x", "--save", "x.json"}, "--save writes one proxy's config dump"},
		{"save with two pods", []string{"all", "a", "b", "--save", "x.json"}, "accepts at most 1 arg"},
		{"bad jq", []string{"bootstrap", "-f", "../../../testdata/dumps/istio/proxyconfig__config_dump.json", "--jq", ".["}, `--jq ".["`},
		{"bad timeout", []string{"clusters", "pod", "--timeout", "0s"}, "--timeout must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.args...)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tt.want)
			var fe *cmdutil.FlagError
			if !strings.Contains(tt.want, "accepts at most") {
				assert.True(t, errors.As(r.err, &fe), "want a usage error, got %T: %v", r.err, r.err)
			}
			assert.Empty(t, r.stdout)
		})
	}
}

func TestAliases(t *testing.T) {
	for alias, view := range map[string]string{"l": "listeners", "listener": "listeners", "c": "clusters", "cluster": "clusters",
		"r": "routes", "route": "routes", "ep": "endpoints", "endpoint": "endpoints", "s": "secrets", "secret": "secrets",
		"b": "bootstrap", "ec": "ecds", "a": "all"} {
		f, _ := testFactory(parityDay)
		cmd, _, err := NewCmdProxyConfig(f).Find([]string{alias})
		require.NoError(t, err, alias)
		assert.Equal(t, view, cmd.Name(), alias)
	}
}

// TestDemo: every view runs on the built-in example with no cluster and no file.
func TestDemo(t *testing.T) {
	for _, view := range views {
		for _, format := range []string{"short", "wide", "json"} {
			t.Run(view+"/"+format, func(t *testing.T) {
				r := run(t, view, "--demo", "-o", format)
				require.NoError(t, r.err)
				assert.GreaterOrEqual(t, strings.Count(r.stdout, "\n"), 2, "a header and a row at least")
				if format != "json" {
					assert.NotContains(t, r.stderr, "Warning") // JSON names Istio-only types it keeps verbatim
				}
			})
		}
	}
	r := run(t, "endpoints", "--demo")
	require.NoError(t, r.err)
	assert.True(t, strings.HasPrefix(r.stdout, "ENDPOINT "), "the demo's endpoints come from /clusters?format=json")
	r = run(t, "endpoints", "--demo", "--eds")
	require.NoError(t, r.err)
	assert.True(t, strings.HasPrefix(r.stdout, "NAME "), "with --eds, from the config dump")
}

// TestLivePaths: each view asks a live proxy for the admin path it needs (an emulated admin API).
func TestLivePaths(t *testing.T) {
	dump, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json"))
	require.NoError(t, err)
	clusters, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio-history", "istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"))
	require.NoError(t, err)
	tests := []struct {
		args []string
		path string
		head string
	}{
		{[]string{"listeners"}, admin.PathConfigDump, "ADDRESSES"},
		{[]string{"secrets"}, admin.PathConfigDump, "RESOURCE NAME"},
		{[]string{"endpoints"}, admin.PathClustersJSON, "ENDPOINT"},
		{[]string{"endpoints", "--eds"}, admin.PathConfigDumpWithEDS, "NAME"},
		{[]string{"all"}, admin.PathConfigDumpWithEDS, "Istio Version"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			emu := &fakeAdmin{bodies: map[string][]byte{
				admin.PathConfigDump: dump, admin.PathConfigDumpWithEDS: dump, admin.PathClustersJSON: clusters,
			}}
			res := &fakeResolver{targets: []admin.Target{{Name: "waypoint.default", Client: emu}}}
			f, b := testFactory(parityDay)
			f.Resolver = func() (cmdutil.TargetResolver, error) { return res, nil }
			r := runPC(t, f, b, append(tt.args, "waypoint.default")...)
			require.NoError(t, r.err)
			assert.Equal(t, []string{tt.path}, emu.asked)
			assert.Equal(t, []string{"waypoint.default"}, res.query.Args)
			assert.True(t, strings.HasPrefix(r.stdout, tt.head), r.stdout)
		})
	}
}

// TestLiveSeveralProxies: each proxy gets a header line; one that fails is listed at the end and
// makes the command fail, after the others are printed.
func TestLiveSeveralProxies(t *testing.T) {
	dump, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json"))
	require.NoError(t, err)
	good := &fakeAdmin{bodies: map[string][]byte{admin.PathConfigDump: dump}}
	bad := &fakeAdmin{bodies: map[string][]byte{}}
	res := &fakeResolver{targets: []admin.Target{{Name: "a.ns", Client: good}, {Name: "b.ns", Client: bad}}}
	f, b := testFactory(parityDay)
	f.Resolver = func() (cmdutil.TargetResolver, error) { return res, nil }
	r := runPC(t, f, b, "bootstrap", "-o", "short", "-l", "app=x")
	require.ErrorIs(t, r.err, cmdutil.SilentError)
	assert.Equal(t, "a.ns:\nIstio Version:       1.21.0-1226\nIstio Proxy Version: ee85c5f28702f00621aed895915fca565796b9e4\nEnvoy Version:       0.0.0\n", r.stdout)
	assert.Equal(t, "Error: 1 of 2 proxies failed:\n  b.ns: emulated admin API: no body for /config_dump\n", r.stderr)

	f, b = testFactory(parityDay)
	f.Resolver = func() (cmdutil.TargetResolver, error) { return res, nil }
	r = runPC(t, f, b, "bootstrap", "-l", "app=x", "--jq", ".[] | .proxy")
	require.ErrorIs(t, r.err, cmdutil.SilentError)
	assert.Equal(t, "a.ns\n", r.stdout)
}

// refusingAdmin is an admin API nobody answers on: its error carries a hint, as the port-forward's does.
type refusingAdmin struct{ fakeAdmin }

func (*refusingAdmin) Get(context.Context, string) ([]byte, error) {
	return nil, cmdutil.WithHint(errors.New("nothing listens on port 15000 in the pod"), "is Envoy's admin API on another port? Pass --proxy-admin-port")
}

// TestLiveSeveralProxiesHints: the proxies that failed are listed, then each distinct hint once.
func TestLiveSeveralProxiesHints(t *testing.T) {
	dump, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json"))
	require.NoError(t, err)
	good := &fakeAdmin{bodies: map[string][]byte{admin.PathConfigDump: dump}}
	res := &fakeResolver{targets: []admin.Target{
		{Name: "a.ns", Client: good}, {Name: "b.ns", Client: &refusingAdmin{}}, {Name: "c.ns", Client: &fakeAdmin{}}, {Name: "d.ns", Client: &refusingAdmin{}},
	}}
	f, b := testFactory(parityDay)
	f.Resolver = func() (cmdutil.TargetResolver, error) { return res, nil }
	r := runPC(t, f, b, "bootstrap", "-o", "short", "-l", "app=x")
	require.ErrorIs(t, r.err, cmdutil.SilentError)
	assert.True(t, strings.HasPrefix(r.stdout, "a.ns:\n"), r.stdout)
	assert.Equal(t, "Error: 3 of 4 proxies failed:\n"+
		"  b.ns: nothing listens on port 15000 in the pod\n"+
		"  c.ns: emulated admin API: no body for /config_dump\n"+
		"  d.ns: nothing listens on port 15000 in the pod\n"+
		"Hint: is Envoy's admin API on another port? Pass --proxy-admin-port\n", r.stderr)
}

func TestAllSave(t *testing.T) {
	src := filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json")
	want, err := os.ReadFile(src)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), "saved.json")
	r := run(t, "all", "-f", src, "--save", out)
	require.NoError(t, r.err)
	assert.Empty(t, r.stdout, "--save prints nothing on stdout")
	assert.Equal(t, "Note: saved 56136 bytes to "+out+"\n", r.stderr)
	got, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, want, got, "the raw body, byte for byte")

	// live: the /config_dump?include_eds answer is what is saved
	emu := &fakeAdmin{bodies: map[string][]byte{admin.PathConfigDumpWithEDS: []byte(`{"configs":[]}`)}}
	f, b := testFactory(parityDay)
	f.Resolver = func() (cmdutil.TargetResolver, error) {
		return &fakeResolver{targets: []admin.Target{{Name: "p.ns", Client: emu}}}, nil
	}
	out2 := filepath.Join(t.TempDir(), "live.json")
	r = runPC(t, f, b, "all", "p.ns", "--save", out2)
	require.NoError(t, r.err)
	got, err = os.ReadFile(out2)
	require.NoError(t, err)
	assert.JSONEq(t, `{"configs":[]}`, string(got))
	assert.Equal(t, []string{admin.PathConfigDumpWithEDS}, emu.asked)

	// an unwritable destination is an error naming it
	r = run(t, "all", "-f", src, "--save", filepath.Join(t.TempDir(), "no", "such", "dir", "x.json"))
	require.Error(t, r.err)
	assert.Contains(t, r.err.Error(), "save to")
	assert.Contains(t, r.err.Error(), "no such file or directory")

	// what is not a config dump is not saved: exit 1, no file
	for body, why := range map[string]string{
		`{"cluster_statuses":[]}`: "it is Envoy's /clusters output",
		`{"stats":[]}`:            `JSON without "configs" or "cluster_statuses"`,
	} {
		emu = &fakeAdmin{bodies: map[string][]byte{admin.PathConfigDumpWithEDS: []byte(body)}}
		f, b = testFactory(parityDay)
		f.Resolver = func() (cmdutil.TargetResolver, error) {
			return &fakeResolver{targets: []admin.Target{{Name: "p.ns", Client: emu}}}, nil
		}
		out3 := filepath.Join(t.TempDir(), "not.json")
		r = runPC(t, f, b, "all", "p.ns", "--save", out3)
		require.Error(t, r.err, body)
		assert.Equal(t, cmdutil.ExitError, cmdutil.ExitCode(r.err))
		assert.Contains(t, r.err.Error(), fmt.Sprintf(`not saved to %q: the %d bytes are not a config dump: %s`, out3, len(body), why))
		assert.NoFileExists(t, out3)
	}
}

func TestJQAndNoHeaders(t *testing.T) {
	dump := filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json")
	r := run(t, "secrets", "-f", dump, "--jq", ".[].name")
	require.NoError(t, r.err)
	assert.Equal(t, "default\nROOTCA\n", r.stdout)
	r = run(t, "bootstrap", "-f", dump, "--jq", ".bootstrap.node.metadata.ISTIO_VERSION")
	require.NoError(t, r.err)
	assert.Equal(t, "1.21.0-1226\n", r.stdout)
	r = run(t, "endpoints", "-f", dump, "--jq", "[.[].cluster_name]")
	require.NoError(t, r.err)
	assert.Equal(t, "[\n  \"inbound-vip|8100|http|httpbin.default.svc.cluster.local\",\n  \"prometheus_stats\"\n]\n", r.stdout)
	r = run(t, "all", "-f", dump, "--jq", "[.configs[][\"@type\"] | split(\".\") | last]")
	require.NoError(t, r.err)
	assert.Contains(t, r.stdout, `"EndpointsConfigDump"`)
	r = run(t, "endpoints", "-f", dump, "--no-headers")
	require.NoError(t, r.err)
	assert.Equal(t, "envoy://connect_originate/192.168.195.248:800     HEALTHY          inbound-vip|8100|http|httpbin.default.svc.cluster.local\n127.0.0.1:15000                                   HEALTHY          prometheus_stats\n", r.stdout)
	r = run(t, "all", "-f", dump, "--no-headers", "--name", "nothing", "--port", "1")
	require.NoError(t, r.err)
	assert.NotContains(t, r.stdout, "NAME")
}

// TestSecretsClock: VALID CERT follows the injected clock (the default cert of this dump is valid
// from 2023-05-15T01:30:52Z to 2023-05-16T01:32:52Z).
func TestSecretsClock(t *testing.T) {
	dump := filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "writer__envoy__configdump__secret__istio__config_dump.json")
	for _, tt := range []struct {
		now   time.Time
		valid string
	}{
		{time.Date(2023, 5, 15, 12, 0, 0, 0, time.UTC), "true"},
		{time.Date(2023, 5, 15, 1, 30, 0, 0, time.UTC), "false"}, // not yet valid
		{time.Date(2023, 5, 16, 1, 32, 53, 0, time.UTC), "false"},
	} {
		f, b := testFactory(tt.now)
		r := runPC(t, f, b, "secrets", "-f", dump)
		require.NoError(t, r.err)
		var line string
		for _, l := range strings.Split(r.stdout, "\n") {
			if strings.HasPrefix(l, "default ") {
				line = l
			}
		}
		assert.Equal(t, tt.valid, strings.Fields(line)[4], "%s: %s", tt.now, line)
	}
}

// TestBadInput: the views fail with one line naming the input, exit 1, and print nothing.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	tests := []struct {
		view, path, want string
	}{
		{"endpoints", write("empty.json", ""), "input is empty"},
		{"secrets", write("text.json", "hello"), "not JSON"},
		{"ecds", write("array.json", "[1,2]"), "not an Envoy config: a list with no Envoy resource"},
		{"endpoints", write("clusters-text.txt", "outbound|80||a::10.0.0.1:80::cx_active::0\n"), "fetch /clusters?format=json instead"},
		{"bootstrap", filepath.Join(dir, "missing.json"), "does not exist"},
		{"all", dir, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.view+" "+filepath.Base(tt.path), func(t *testing.T) {
			r := run(t, tt.view, "-f", tt.path)
			require.Error(t, r.err)
			assert.Contains(t, r.err.Error(), tt.want)
			assert.NotContains(t, r.err.Error(), "\n")
			assert.Equal(t, cmdutil.ExitError, cmdutil.ExitCode(r.err))
			assert.Empty(t, r.stdout)
		})
	}
}

// TestTruncatedInput: a cut-short input still shows what is complete, with a warning that names
// the file.
func TestTruncatedInput(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio-history", "istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"))
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "cut.json")
	require.NoError(t, os.WriteFile(p, data[:len(data)*2/3], 0o644))
	r := run(t, "endpoints", "-f", p)
	require.NoError(t, r.err)
	assert.Contains(t, r.stderr, fmt.Sprintf("Warning: file %q: input is truncated", p))
	assert.Contains(t, r.stdout, "ENDPOINT")
}

func TestClustersRoutesOptions(t *testing.T) {
	c, err := capture(t, NewCmdClusters, "-f", "d.json", "--fqdn", "reviews", "--port", "9080", "--subset", "v1", "--direction", "inbound", "-o", "wide")
	require.NoError(t, err)
	assert.Equal(t, configdump.ClusterFilter{FQDN: "reviews", Port: 9080, Subset: "v1", Direction: "inbound"}, c.Filter)
	assert.Equal(t, "wide", c.Output.Format)
	r, err := capture(t, NewCmdRoutes, "pod.ns", "--name", "9080", "--verbose=false", "-o", "yaml")
	require.NoError(t, err)
	assert.Equal(t, configdump.RouteFilter{Name: "9080"}, r.Filter)
	assert.False(t, r.Verbose)
	assert.Equal(t, "yaml", r.Output.Format)
	l, err := capture(t, NewCmdListeners, "-f", "-", "--address", "0.0.0.0", "--type", "TCP")
	require.NoError(t, err)
	assert.Equal(t, configdump.ListenerFilter{Address: "0.0.0.0", Type: "TCP"}, l.Filter)
	assert.True(t, l.Verbose, "verbose by default, as istioctl")
	assert.Equal(t, "-", l.Source.File)
}

// TestStdin: -f - reads standard input, and the endpoints view tells its format from the content.
func TestStdin(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", "istio-history", "istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"))
	require.NoError(t, err)
	f, b := testFactory(parityDay)
	b.in.Write(data)
	r := runPC(t, f, b, "ep", "-f", "-", "--cluster", "inbound_9092")
	require.NoError(t, r.err)
	assert.Equal(t, "ENDPOINT                      STATUS      OUTLIER CHECK     CLUSTER\nunix:///sock/mixer.socket     HEALTHY     OK                inbound_9092\n", r.stdout)
	assert.Empty(t, r.stderr)
}
