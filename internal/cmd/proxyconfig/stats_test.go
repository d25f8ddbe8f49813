package proxyconfig

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

var statsSamples = []string{"sidecar.txt", "sidecar.json", "sidecar.prom"}

func statsSample(name string) string {
	return filepath.Join("..", "..", "..", "pkg", "stats", "testdata", name)
}

// TestGoldenStats: every form of /stats in every output, and the --type and --filter selections.
// Goldens: testdata/stats/<sample>.<case>.golden.
func TestGoldenStats(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"short", nil},
		{"wide", []string{"-o", "wide"}},
		{"json", []string{"-o", "json"}},
		{"yaml-clusters", []string{"-o", "yaml", "--type", "clusters"}},
		{"prom", []string{"-o", "prom"}},
		{"listeners", []string{"--type", "listeners"}},
		{"server-rejected", []string{"-t", "SERVER", "--filter", "update_(rejected|failure)"}},
		{"jq", []string{"--jq", `[.[] | select(.type == "histogram") | .name]`}},
	}
	for _, sample := range statsSamples {
		for _, c := range cases {
			t.Run(sample+"/"+c.name, func(t *testing.T) {
				r := run(t, append([]string{"stats", "-f", statsSample(sample)}, c.args...)...)
				require.NoError(t, r.err)
				assert.Empty(t, r.stderr)
				assertGolden(t, r.stdout, filepath.Join("stats", sample+"."+c.name))
			})
		}
	}
}

func TestStatsBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		return p
	}
	yaml := filepath.Join("..", "..", "..", "testdata", "static", "front-proxy.yaml")
	dump := filepath.Join("..", "..", "..", "testdata", "dumps", "istio", "proxyconfig__config_dump.json")
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
		errOut string
	}{
		{"unknown --type", []string{"-f", statsSample("sidecar.txt"), "--type", "nodes"}, cmdutil.ExitUsage, "",
			"Error: --type \"nodes\" is not a part of a proxy: use one of server, clusters, listeners\n"},
		{"bad --filter", []string{"-f", statsSample("sidecar.txt"), "--filter", "("}, cmdutil.ExitUsage, "",
			"Error: --filter \"(\" is not a regular expression: missing closing ): `(`\n"},
		{"-o prom with --jq", []string{"-f", statsSample("sidecar.txt"), "-o", "prom", "--jq", "."}, cmdutil.ExitUsage, "",
			"Error: --jq works on JSON output; drop -o prom\n"},
		{"unknown -o", []string{"-f", statsSample("sidecar.txt"), "-o", "csv"}, cmdutil.ExitUsage, "",
			"Error: unknown output format \"csv\": use one of short, wide, json, yaml\n"},
		{"a YAML file", []string{"-f", yaml}, cmdutil.ExitError, "",
			"Error: file \"" + yaml + "\": input is not Envoy statistics (it starts with \"static_resources:\"; want /stats, /stats?format=json or /stats/prometheus)\n"},
		{"a config dump", []string{"-f", dump}, cmdutil.ExitError, "",
			"Error: file \"" + dump + "\": input is a /config_dump, not Envoy statistics; use it with the other proxy-config views\n"},
		{"missing file", []string{"-f", filepath.Join(dir, "stats.txt")}, cmdutil.ExitError, "",
			"Error: file \"" + filepath.Join(dir, "stats.txt") + "\" does not exist\nHint: give the path of saved /stats output (curl localhost:15000/stats > stats.txt), or - to read standard input\n"},
		{"a directory", []string{"-f", dir}, cmdutil.ExitError, "",
			"Error: file \"" + dir + "\" is a directory; give the path of saved Envoy /stats output\n"},
		{"empty", []string{"-f", write("empty.txt", "")}, cmdutil.ExitError, "",
			"Error: file \"" + filepath.Join(dir, "empty.txt") + "\": input is empty\n"},
		{"a few bad lines", []string{"-f", write("some.txt", "server.live: 1\nserver.state: 0\nWARNING: x\n")}, 0,
			"NAME           VALUE\nserver.live    1\nserver.state   0\n",
			"Warning: line 3: WARNING has no number (\"x\"); left out\n"},
		{"nothing matches", []string{"-f", statsSample("sidecar.txt"), "--filter", "^nomatch$"}, 0,
			"NAME   VALUE\n", "Note: no statistics: none match the filters\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, append([]string{"stats"}, tt.args...)...)
			assert.Equal(t, tt.code, cmdutil.ExitCode(r.err))
			assert.Equal(t, tt.stdout, r.stdout)
			errOut := r.stderr + r.errText()
			if i := strings.Index(errOut, "\n\nRun '"); i >= 0 { // usage errors end with the pointer to --help
				errOut = errOut[:i+1]
			}
			assert.Equal(t, tt.errOut, errOut)
		})
	}
}

// TestStatsLive: a live proxy is asked for /stats?format=json, or /stats/prometheus for -o prom
// (Envoy's own types and tags).
func TestStatsLive(t *testing.T) {
	js, err := os.ReadFile(statsSample("sidecar.json"))
	require.NoError(t, err)
	prom, err := os.ReadFile(statsSample("sidecar.prom"))
	require.NoError(t, err)
	for _, tt := range []struct {
		args []string
		path string
		head string
	}{
		{nil, admin.PathStatsJSON, "NAME "},
		{[]string{"-o", "prom"}, admin.PathStatsPrometheus, "# TYPE envoy_cluster_update_rejected counter\n"},
	} {
		t.Run(tt.path, func(t *testing.T) {
			emu := &fakeAdmin{bodies: map[string][]byte{admin.PathStatsJSON: js, admin.PathStatsPrometheus: prom}}
			res := &fakeResolver{targets: []admin.Target{{Name: "reviews.default", Client: emu}}}
			f, b := testFactory(parityDay)
			f.Resolver = func() (cmdutil.TargetResolver, error) { return res, nil }
			r := runPC(t, f, b, append([]string{"stats", "reviews.default"}, tt.args...)...)
			require.NoError(t, r.err)
			assert.Equal(t, []string{tt.path}, emu.asked)
			assert.True(t, strings.HasPrefix(r.stdout, tt.head), r.stdout)
		})
	}
}

// TestInvalidUTF8Escaped: a name with bytes that are not UTF-8 is escaped in the table, with one
// warning, in every view (here a cluster of a static file and a stat).
func TestInvalidUTF8Escaped(t *testing.T) {
	dir := t.TempDir()
	cluster := filepath.Join(dir, "cluster.json")
	require.NoError(t, os.WriteFile(cluster, []byte("{\"name\":\"bad\xffname\",\"type\":\"EDS\"}"), 0o644))
	r := run(t, "clusters", "-f", cluster)
	require.NoError(t, r.err)
	assert.Equal(t, "SERVICE FQDN     PORT     SUBSET     DIRECTION     TYPE     DESTINATION RULE\nbad\\xffname      -        -          -             EDS      \n", r.stdout)
	assert.Equal(t, "Warning: a name holds bytes that are not UTF-8; the table shows them as \\xNN\n", r.stderr)

	r = run(t, "clusters", "-f", cluster, "-o", "yaml")
	require.NoError(t, r.err)
	assert.Contains(t, r.stdout, "name: bad\uFFFDname\n")
	assert.Equal(t, "Warning: a name holds bytes that are not UTF-8; the output shows them as U+FFFD\n", r.stderr)

	r = run(t, "all", "-f", cluster)
	require.NoError(t, r.err)
	assert.Contains(t, r.stdout, "cluster/bad\\xffname")
	assert.Contains(t, r.stderr, "Warning: a name holds bytes that are not UTF-8; the table shows them as \\xNN\n")

	st := filepath.Join(dir, "stats.txt")
	require.NoError(t, os.WriteFile(st, []byte("cluster.\xc3.upstream_cx_total: 1\n"), 0o644))
	r = run(t, "stats", "-f", st)
	require.NoError(t, r.err)
	assert.Equal(t, "NAME                             VALUE\ncluster.\\xc3.upstream_cx_total   1\n", r.stdout)
	assert.Contains(t, r.stderr, "not UTF-8")
}
