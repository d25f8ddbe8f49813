package proxyconfig

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// staticConfigs are the static Envoy configs of the repository's testdata/static: Envoy's own
// sandbox bootstraps and resource files, and synthetic ones (see its PROVENANCE.tsv).
func staticConfigs(t *testing.T) []dumpFile {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "testdata", "static", "*.*"))
	require.NoError(t, err)
	var out []dumpFile
	for _, p := range files {
		if strings.HasSuffix(p, ".tsv") {
			continue
		}
		out = append(out, dumpFile{filepath.Base(p), p})
	}
	require.NotEmpty(t, out, "no static configs in testdata/static")
	return out
}

// TestGoldenStatic runs every view on every static config, short and wide, as TestGoldenViews does
// on dumps: a bootstrap file renders like the dump Envoy would write for it.
// Goldens: testdata/static/<view>/<file>.<format>.golden and testdata/static/<view>/stderr.<format>.golden.
func TestGoldenStatic(t *testing.T) {
	configs := staticConfigs(t)
	for _, view := range views {
		for _, format := range []string{"short", "wide"} {
			t.Run(view+"/"+format, func(t *testing.T) {
				var stderr strings.Builder
				for _, c := range configs {
					r := run(t, view, "-f", c.path, "-o", format)
					if r.err != nil {
						assert.Empty(t, r.stdout, "%s failed but printed", c.name)
					} else {
						assertGolden(t, r.stdout, filepath.Join("static", view, c.name+"."+format))
					}
					if r.stderr != "" || r.err != nil {
						fmt.Fprintf(&stderr, "== %s\n%s%s", c.name, r.stderr, r.errText())
					}
				}
				assertGolden(t, stderr.String(), filepath.Join("static", view, "stderr."+format))
			})
		}
	}
}

// TestGoldenStaticStructured: JSON and YAML of static configs use Envoy's field names whatever the
// file's spelling, and redact the private keys written inline.
func TestGoldenStaticStructured(t *testing.T) {
	tests := []struct{ view, file, format string }{
		{"listeners", "front-proxy.yaml", "json"},
		{"secrets", "synthetic-secrets-bootstrap.json", "yaml"},
		{"routes", "synthetic-routes.yaml", "json"},
		{"bootstrap", "dynamic-config-cp.yaml", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.view+"/"+tt.file+"."+tt.format, func(t *testing.T) {
			r := run(t, tt.view, "-f", filepath.Join("..", "..", "..", "testdata", "static", tt.file), "-o", tt.format)
			require.NoError(t, r.err)
			assert.NotContains(t, r.stdout, "BEGIN PRIVATE KEY")
			assertGolden(t, r.stdout, filepath.Join("static", tt.view, tt.file+"."+tt.format))
		})
	}
}
