package proxyconfig_test

// Bad input, command by command: each case runs xdsctl in-process (root.Run, as main does) and
// checks stdout, stderr and the exit code separately. What is wrong is said in one line that
// names the input; nothing panics; partial results come with a warning.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

const (
	shared             = "../../../testdata/dumps/"
	dumpTemplate       = shared + "synthetic/template-sidecar.json"
	dumpAuthz          = shared + "istio/authz__configdump.json" // listeners only
	syncz              = shared + "istio/writer__pilot__multiXdsStatusSinglePilot.json"
	sharedClustersJSON = shared + "istio-history/istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"
)

type run struct {
	code           int
	stdout, stderr string
}

// runXdsctl runs a command line in-process with stdin as standard input.
func runXdsctl(t *testing.T, stdin []byte, args ...string) run {
	t.Helper()
	ios, in, out, errOut := iostreams.Test()
	in.Write(stdin)
	code := root.Run(context.Background(), root.NewFactory(ios), args)
	return run{code: code, stdout: out.String(), stderr: errOut.String()}
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	return data
}

// cutAfter returns the template dump cut just after the section whose @type ends with typ
// (the rest of the document is missing, as after an interrupted copy).
func cutAfter(t *testing.T, typ string) []byte {
	t.Helper()
	data := mustRead(t, dumpTemplate)
	i := bytes.Index(data, []byte(typ+`"`))
	require.Positive(t, i)
	// the next section starts with `{\n   "@type"`; cut in the middle of its @type
	j := bytes.Index(data[i:], []byte(`"@type": "type.googleapis.com/envoy.admin.v3.`))
	require.Positive(t, j)
	return data[:i+j+20]
}

func TestCommandBadInput(t *testing.T) {
	empty := write(t, "empty.json", nil)
	blank := write(t, "blank.json", []byte("\n\n   \n"))
	notJSON := write(t, "pod.yaml", []byte("apiVersion: v1\nkind: Pod\n"))
	yamlDump := write(t, "dump.yaml", []byte("configs:\n- '@type': x\n"))
	binary := write(t, "dump.gz", []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xed\x5d"))
	other := write(t, "other.json", []byte(`{"apiVersion": "v1", "kind": "Pod"}`))
	csds := write(t, "csds.json", []byte(`{"config": [{"node": {"id": "sidecar~10.1.1.1~a.b~b.svc.cluster.local"}, "genericXdsConfigs": []}]}`))
	single := write(t, "cluster.json", []byte(`{"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "outbound|80||a.b.svc.cluster.local"}`))
	cutEarly := write(t, "cut-early.json", mustRead(t, dumpTemplate)[:300])
	cutLate := write(t, "cut-late.json", cutAfter(t, "ListenersConfigDump"))
	dir := t.TempDir()
	missing := filepath.Join(dir, "nope.json")
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(3<<30)) // sparse: 3 GiB that take no disk, and must not be read
	require.NoError(t, f.Close())

	fullClusters := runXdsctl(t, nil, "pc", "clusters", "-f", dumpTemplate)
	require.Equal(t, 0, fullClusters.code, fullClusters.stderr)
	fullListeners := runXdsctl(t, nil, "pc", "listeners", "-f", dumpTemplate)
	require.Equal(t, 0, fullListeners.code, fullListeners.stderr)

	tests := []struct {
		name   string
		args   []string
		stdin  []byte
		code   int
		stdout string
		stderr string
	}{
		{"empty file", []string{"pc", "listeners", "-f", empty}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is empty\n", empty)},
		{"white space only", []string{"pc", "clusters", "-f", blank}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is empty\n", blank)},
		{"YAML that is no Envoy config", []string{"pc", "routes", "-f", notJSON}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is a Kubernetes Pod, not an Envoy config; want a /config_dump, an Envoy bootstrap, or xDS resources (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret)\n", notJSON)},
		{"a YAML dump without the section", []string{"pc", "routes", "-f", yamlDump}, nil, 1, "",
			fmt.Sprintf("Warning: config dump section \"x\" is not known to xdsctl; it is kept in -o json/yaml of 'all'\nError: file %q: no such section: the dump has no routes (RoutesConfigDump)\n"+
				"Hint: the dump may have been saved with a mask; save a full one with: xdsctl proxy-config all <pod> --save dump.json\n", yamlDump)},
		{"binary", []string{"pc", "listeners", "-f", binary}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is binary data, not JSON\n", binary)},
		{"JSON that is not admin output", []string{"pc", "clusters", "-f", other}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is a Kubernetes Pod, not an Envoy config; want a /config_dump, an Envoy bootstrap, or xDS resources (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret)\n", other)},
		{"syncz DiscoveryResponse", []string{"pc", "listeners", "-f", syncz}, nil, 1, "",
			fmt.Sprintf("Error: file %q: an xDS DiscoveryResponse (e.g. istiod syncz), not Envoy admin output; use proxy-status --file for it\n", syncz)},
		{"CSDS response", []string{"pc", "routes", "-f", csds}, nil, 1, "",
			fmt.Sprintf("Error: file %q: a CSDS ClientStatusResponse, not Envoy admin output; use proxy-status --file for it\n", csds)},
		{"a single resource is read as a static config", []string{"pc", "clusters", "-f", single}, nil, 0,
			"SERVICE FQDN              PORT     SUBSET     DIRECTION     TYPE       DESTINATION RULE\na.b.svc.cluster.local     80       -          outbound      STATIC     \n", ""},
		{"/clusters JSON for a config dump view", []string{"pc", "listeners", "-f", sharedClustersJSON}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is /clusters?format=json output, which has endpoints only; use it with proxy-config endpoints\n", sharedClustersJSON)},
		{"truncated before any section is complete", []string{"pc", "listeners", "-f", cutEarly}, nil, 1, "",
			fmt.Sprintf("Error: file %q: input is truncated: JSON ends early at byte 300 of 300; no complete section to show\n", cutEarly)},
		{"truncated: the complete sections are shown", []string{"pc", "clusters", "-f", cutLate}, nil, 0, fullClusters.stdout,
			fmt.Sprintf("Warning: file %q: input is truncated: JSON ends early at byte 409802 of 409802; showing the 4 complete section(s)\n", cutLate) + fullClusters.stderr},
		{"truncated: the last complete section", []string{"pc", "listeners", "-f", cutLate}, nil, 0, fullListeners.stdout,
			fmt.Sprintf("Warning: file %q: input is truncated: JSON ends early at byte 409802 of 409802; showing the 4 complete section(s)\n", cutLate) + fullListeners.stderr},
		{"truncated: the section asked for is missing", []string{"pc", "routes", "-f", cutLate}, nil, 1, "",
			fmt.Sprintf("Warning: file %q: input is truncated: JSON ends early at byte 409802 of 409802; showing the 4 complete section(s)\n", cutLate) +
				fmt.Sprintf("Error: file %q: no such section: the dump has no routes (RoutesConfigDump)\n", cutLate) +
				"Hint: the dump may have been saved with a mask; save a full one with: xdsctl proxy-config all <pod> --save dump.json\n"},
		{"a dump without the section asked for", []string{"pc", "clusters", "-f", dumpAuthz}, nil, 1, "",
			fmt.Sprintf("Error: file %q: no such section: the dump has no clusters (ClustersConfigDump)\n", dumpAuthz) +
				"Hint: the dump may have been saved with a mask; save a full one with: xdsctl proxy-config all <pod> --save dump.json\n"},
		{"missing file", []string{"pc", "listeners", "-f", missing}, nil, 1, "",
			fmt.Sprintf("Error: file %q does not exist\nHint: give the path of a saved Envoy /config_dump (or - to read standard input)\n", missing)},
		{"a directory", []string{"pc", "clusters", "-f", dir}, nil, 1, "",
			fmt.Sprintf("Error: file %q is a directory; give the path of a saved Envoy /config_dump\n", dir)},
		{"a 3 GiB file is refused without reading it", []string{"pc", "listeners", "-f", huge}, nil, 1, "",
			fmt.Sprintf("Error: file %q is 3072 MiB, more than the 1024 MiB xdsctl reads; it cannot be Envoy admin output\n", huge)},
		{"standard input", []string{"pc", "clusters", "-f", "-"}, mustRead(t, dumpTemplate), 0, fullClusters.stdout, fullClusters.stderr},
		{"standard input, empty", []string{"pc", "listeners", "-f", "-"}, nil, 1, "",
			"Error: standard input: input is empty\n"},
		{"standard input, truncated", []string{"pc", "listeners", "-f", "-"}, mustRead(t, dumpTemplate)[:1000], 1, "",
			"Warning: standard input: input is truncated: JSON ends early at byte 1000 of 1000; showing the 1 complete section(s)\n" +
				"Error: standard input: no such section: the dump has no listeners (ListenersConfigDump)\n" +
				"Hint: the dump may have been saved with a mask; save a full one with: xdsctl proxy-config all <pod> --save dump.json\n"},
		{"standard input, truncated in the first section", []string{"pc", "listeners", "-f", "-"}, mustRead(t, dumpTemplate)[:300], 1, "",
			"Error: standard input: input is truncated: JSON ends early at byte 300 of 300; no complete section to show\n"},
		{"standard input, not JSON", []string{"pc", "routes", "-f", "-"}, []byte("<html><body>503</body></html>"), 1, "",
			"Error: standard input: input is not JSON, nor an Envoy config in YAML (it starts with \"<html><body>503</bod\"); want a /config_dump, an Envoy bootstrap, or xDS resources (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret)\n"},
		{"a file and a pod", []string{"pc", "listeners", "-f", dumpTemplate, "productpage"}, nil, 2, "",
			"Error: give only one of <pod>, -l <selector>, --admin <url> or --file <path>\n\nRun 'xdsctl proxy-config listeners --help' for usage.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runXdsctl(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.code, r.code, "exit code")
			assert.Equal(t, tt.stdout, r.stdout, "stdout")
			assert.Equal(t, tt.stderr, r.stderr, "stderr")
			assert.NotContains(t, r.stderr, "goroutine")
			assert.NotContains(t, r.stderr, "panic")
		})
	}
}

// TestBadInputEveryView: every view of proxy-config meets the same bad inputs with the same
// one-line errors.
func TestCommandBadInputEveryView(t *testing.T) {
	empty := write(t, "empty.json", nil)
	garbage := write(t, "garbage.json", []byte(`{"configs": [{"@type": `+strings.Repeat("[", 50)))
	for _, view := range viewsOf(t) {
		t.Run(view, func(t *testing.T) {
			r := runXdsctl(t, nil, "pc", view, "-f", empty)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Equal(t, fmt.Sprintf("Error: file %q: input is empty\n", empty), r.stderr)

			r = runXdsctl(t, nil, "pc", view, "-f", garbage)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, fmt.Sprintf("Error: file %q: ", garbage))
			assert.Equal(t, 1, strings.Count(r.stderr, "Error:"))
			assert.NotContains(t, r.stderr, "goroutine")
		})
	}
}

// viewsOf lists the views proxy-config has (they are added over time), from its help.
func viewsOf(t *testing.T) []string {
	t.Helper()
	r := runXdsctl(t, nil, "pc", "--help")
	require.Equal(t, 0, r.code)
	var views []string
	inCommands := false
	for _, line := range strings.Split(r.stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "Available Commands:"):
			inCommands = true
		case inCommands && strings.HasPrefix(line, "  "):
			name := strings.Fields(line)[0]
			if name != "log" && name != "stats" && name != "help" && name != "completion" { // log needs a live proxy; stats reads /stats, not a dump
				views = append(views, name)
			}
		case inCommands:
			inCommands = false
		}
	}
	require.NotEmpty(t, views)
	return views
}
