package proxyconfig

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// views are the proxy-config views, by the name their goldens are filed under.
var views = []string{"listeners", "clusters", "routes", "endpoints", "secrets", "bootstrap", "ecds", "all"}

// TestGoldenViews runs every view on every shared dump, short and wide. stdout is compared with
// testdata/<view>/<dump>.<format>.golden; what went to stderr and the error (as main prints them)
// with testdata/<view>/stderr.<format>.golden, one entry per dump. A failed run must print nothing
// on stdout.
func TestGoldenViews(t *testing.T) {
	dumps := sharedDumps(t)
	for _, view := range views {
		for _, format := range []string{"short", "wide"} {
			t.Run(view+"/"+format, func(t *testing.T) {
				var stderr strings.Builder
				for _, d := range dumps {
					r := run(t, view, "-f", d.path, "-o", format)
					if r.err != nil {
						assert.Empty(t, r.stdout, "%s failed but printed", d.name)
					} else {
						assertGolden(t, r.stdout, filepath.Join(view, d.name+"."+format))
					}
					if r.stderr != "" || r.err != nil {
						fmt.Fprintf(&stderr, "== %s\n%s%s", d.name, r.stderr, r.errText())
					}
				}
				assertGolden(t, stderr.String(), filepath.Join(view, "stderr."+format))
			})
		}
	}
}

// TestGoldenStructured prints JSON and YAML for a representative set: Envoy's proto field names
// whatever the input's spelling, key order kept, private keys redacted.
func TestGoldenStructured(t *testing.T) {
	tests := []struct {
		view, dump, format string
		extra              []string
	}{
		{"listeners", "istio/proxyconfig__config_dump.json", "json", nil},
		{"listeners", "istio/proxyconfig__config_dump.json", "yaml", nil},
		{"clusters", "istio/describe__describe__http_config.json", "json", nil},
		{"clusters", "istio-history/istioctl__pkg__util__configdump__testdata__configdump@2018-07-02.json", "json", []string{"--fqdn", "details"}},
		{"routes", "istio/writer__envoy__configdump__routes__istio-gateway-http-route-prefix__configdump.json", "json", nil},
		{"routes", "istio/writer__envoy__configdump__routes__istio-gateway-http-route-prefix__configdump.json", "yaml", nil},
		{"endpoints", "istio-history/istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json", "json", []string{"--status", "unhealthy"}},
		{"endpoints", "istio/proxyconfig__config_dump.json", "json", nil},
		{"endpoints", "osm/pkg__cli__verifier__testdata__sample-envoy-config-dump-bookstore.json", "yaml", []string{"--port", "14001"}},
		{"secrets", "istio/writer__envoy__configdump__secret__istio__config_dump.json", "json", nil},
		{"secrets", "istio/writer__envoy__configdump__secret__spire__config_dump.json", "yaml", nil},
		{"bootstrap", "istio/writer__envoy__configdump__configdump.json", "json", nil},
		{"bootstrap", "istio/writer__envoy__configdump__bootstrapdump.json", "yaml", nil},
		{"ecds", "istio/writer__envoy__configdump__ecds__configdump.json", "json", nil},
		{"ecds", "istio/writer__envoy__configdump__ecds__configdump.json", "yaml", nil},
		{"all", "istio/writer__envoy__configdump__secret__istio__config_dump.json", "json", nil},
		{"all", "istio/writer__envoy__configdump__routes__empty-gateway__configdump.json", "yaml", nil},
	}
	for _, tt := range tests {
		name := strings.TrimSuffix(filepath.Base(tt.dump), ".json")
		t.Run(tt.view+"/"+name+"."+tt.format, func(t *testing.T) {
			args := append([]string{tt.view, "-f", filepath.Join("..", "..", "..", "testdata", "dumps", tt.dump), "-o", tt.format}, tt.extra...)
			r := run(t, args...)
			if !assert.NoError(t, r.err) {
				return
			}
			assertGolden(t, r.stdout, filepath.Join(tt.view, name+"."+tt.format))
		})
	}
	// the hand-made dump with states, as JSON, for every view
	states := filepath.Join("..", "..", "..", "pkg", "configdump", "testdata", "states.json")
	for _, view := range views {
		t.Run(view+"/states.json", func(t *testing.T) {
			r := run(t, view, "-f", states, "-o", "json")
			if !assert.NoError(t, r.err) {
				return
			}
			assertGolden(t, r.stdout, filepath.Join(view, "states.json"))
		})
	}
}

// TestTerminalCutsLongCells: on a terminal, a cell longer than the terminal allows (a NACK
// message) is cut with "…"; to a pipe, -o wide keeps it whole.
func TestTerminalCutsLongCells(t *testing.T) {
	states := filepath.Join("..", "..", "..", "pkg", "configdump", "testdata", "states.json")
	f, b := testFactory(parityDay)
	f.IOStreams.SetStdoutTTY(true)
	f.IOStreams.SetTerminalWidth(60)
	r := runPC(t, f, b, "listeners", "-f", states, "-o", "wide")
	require.NoError(t, r.err)
	assertGolden(t, r.stdout, filepath.Join("listeners", "states.wide.tty"))
	assert.Contains(t, r.stdout, "…")
	for _, line := range strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n") {
		for _, cell := range strings.Fields(line) {
			assert.LessOrEqual(t, utf8.RuneCountInString(cell), 60, line)
		}
	}
	piped := run(t, "listeners", "-f", states, "-o", "wide")
	require.NoError(t, piped.err)
	assert.NotContains(t, piped.stdout, "…")
}
