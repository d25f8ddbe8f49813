package uiapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
)

// Two dumps of one Istio sidecar (productpage-v1-7bbd79f8fd-k6j79), seven months apart: 51
// listeners added, the bootstrap and one listener changed.
const (
	history2019 = "../../testdata/dumps/istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2019-09-13.json"
	history2020 = "../../testdata/dumps/istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json"
)

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// plantedDemo is the demo sidecar's dump as it was "before": one cluster's connect_timeout
// other, and details' cluster under another name (so after it, details is added and the old
// name removed).
func plantedDemo(t *testing.T) []byte {
	t.Helper()
	orig := readFile(t, dumps[0].dump)
	b := bytes.Replace(orig, []byte(`"connect_timeout": "10s"`), []byte(`"connect_timeout": "5s"`), 1)
	b = bytes.Replace(b, []byte(`"name": "outbound|9080||details.default.svc.cluster.local"`), []byte(`"name": "outbound|9080||details-old.default.svc.cluster.local"`), 1)
	require.NotEqual(t, orig, b)
	return b
}

// TestDiffGoldens asks /api/diff and /api/diff/{kind}/{name} of three comparisons: the two
// productpage dumps (a page of the list, the last page, a changed and an added resource), the
// demo against an edited copy of it, and the demo against itself.
func TestDiffGoldens(t *testing.T) {
	cases := []struct {
		name        string
		shown       string
		base        func(t *testing.T) configdiff.Input
		pages       map[string]string // golden → path
		wantChanges int
	}{
		{
			name: "history", shown: history2020,
			base: func(t *testing.T) configdiff.Input {
				return configdiff.Input{Name: "productpage@2019-09-13", Dump: readFile(t, history2019)}
			},
			pages: map[string]string{
				"summary.json":           "/api/diff?limit=20",
				"last-page.json":         "/api/diff?offset=40&limit=20",
				"changed-bootstrap.json": "/api/diff/bootstrap/bootstrap",
				"changed-listener.json":  "/api/diff/listeners/" + url.PathEscape("(unnamed)"),
				"added-listener.json":    "/api/diff/listeners/0.0.0.0_9080",
			},
			wantChanges: 53,
		},
		{
			name: "planted", shown: dumps[0].dump,
			base: func(t *testing.T) configdiff.Input {
				return configdiff.Input{Name: "before.json", Dump: plantedDemo(t)}
			},
			pages: map[string]string{
				"summary.json":         "/api/diff",
				"changed-cluster.json": "/api/diff/clusters/" + url.PathEscape("BlackHoleCluster"),
				"removed-cluster.json": "/api/diff/clusters/" + url.PathEscape("outbound|9080||details-old.default.svc.cluster.local"),
			},
			wantChanges: 3,
		},
		{
			name: "self", shown: dumps[0].dump,
			base: func(t *testing.T) configdiff.Input {
				return configdiff.Input{Name: "config_dump.json", Dump: readFile(t, dumps[0].dump)}
			},
			pages: map[string]string{"summary.json": "/api/diff"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := load(t, tc.shown, "")
			d, err := a.Diff(tc.base(t))
			require.NoError(t, err)
			assert.Equal(t, tc.wantChanges == 0, d.Equal())
			h := d.Handler()
			for file, path := range tc.pages {
				code, body := get(t, h, path)
				require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
				testutil.Golden(t, filepath.Join("testdata", "diff", tc.name, file), body)
			}
			s, err := d.Summary(0, 0)
			require.NoError(t, err)
			assert.Equal(t, tc.wantChanges, s.Total)
		})
	}
}

// TestDiffPages: paging through the list gives each resource that differs once, in order, and
// the per-kind counts add up to the total.
func TestDiffPages(t *testing.T) {
	a := load(t, history2020, "")
	d, err := a.Diff(configdiff.Input{Name: "before", Dump: readFile(t, history2019)})
	require.NoError(t, err)
	var seen []string
	for off := 0; ; {
		s, err := d.Summary(off, 7)
		require.NoError(t, err)
		for _, c := range s.Changes {
			seen = append(seen, c.Kind+"/"+c.Name)
		}
		off += len(s.Changes)
		assert.Equal(t, s.Total-off, s.More)
		if s.More == 0 {
			break
		}
	}
	all, err := d.Summary(0, 0)
	require.NoError(t, err)
	require.Len(t, seen, all.Total)
	for i, c := range all.Changes {
		assert.Equal(t, c.Kind+"/"+c.Name, seen[i])
	}
	sum := 0
	for _, k := range all.Kinds {
		sum += k.Added + k.Removed + k.Changed
	}
	assert.Equal(t, all.Total, sum)

	past, err := d.Summary(all.Total+5, 0)
	require.NoError(t, err)
	assert.Empty(t, past.Changes)
	assert.Zero(t, past.More)
}

// TestDiffBounded: a list longer than MaxDiffChanges is answered a page at a time with the
// count of the rest; a resource with more than MaxDiffFields changed fields lists that many and
// counts the rest; a huge value and a huge diff are cut, saying so.
func TestDiffBounded(t *testing.T) {
	const n = MaxDiffChanges + 20
	dump := func(timeout string, vhosts int, domain string) []byte {
		var b strings.Builder
		b.WriteString(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c%04d","connect_timeout":"%s"}}`, i, timeout)
		}
		b.WriteString(`]},{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"big","virtual_hosts":[`)
		for i := range vhosts {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"name":"vh%d","domains":["%s%d"]}`, i, domain, i)
		}
		b.WriteString("]}}]}]}")
		return []byte(b.String())
	}
	long := strings.Repeat("x", 3000)
	a, err := New(Source{Name: "after", Dump: dump("2s", 3000, long)})
	require.NoError(t, err)
	d, err := a.Diff(configdiff.Input{Name: "before", Dump: dump("1s", 3000, "d")})
	require.NoError(t, err)

	s, err := d.Summary(0, 0)
	require.NoError(t, err)
	assert.Equal(t, n+1, s.Total)
	assert.Len(t, s.Changes, MaxDiffChanges)
	assert.Equal(t, n+1-MaxDiffChanges, s.More)
	s, err = d.Summary(0, MaxDiffChanges*10)
	require.NoError(t, err)
	assert.Len(t, s.Changes, MaxDiffChanges, "no page is longer than MaxDiffChanges")

	c, err := d.Change("routes", "big")
	require.NoError(t, err)
	assert.Equal(t, 3000, c.Fields)
	assert.Len(t, c.FieldChanges, MaxDiffFields)
	assert.Equal(t, 3000-MaxDiffFields, c.MoreFields)
	assert.LessOrEqual(t, len(c.Diff), MaxDiffText)
	assert.True(t, strings.HasSuffix(c.Diff, "\n"), "cut at a line end")
	assert.Regexp(t, `^\d+ more lines: xdsctl diff shows them all$`, c.Cut)
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.Less(t, len(b), MaxDiffText+MaxDiffFields*2*(MaxDiffValue+200), "the answer is bounded")

	// a whole virtual host as one field's value is cut
	a, err = New(Source{Name: "after", Dump: dump("1s", 1, long)})
	require.NoError(t, err)
	d, err = a.Diff(configdiff.Input{Name: "before", Dump: dump("1s", 0, "")})
	require.NoError(t, err)
	c, err = d.Change("routes", "big")
	require.NoError(t, err)
	require.Len(t, c.FieldChanges, 1)
	v, ok := c.FieldChanges[0].New.(string)
	require.True(t, ok, "a long value becomes a string: %T", c.FieldChanges[0].New)
	assert.Contains(t, v, " bytes in all: the diff below has it)")
	assert.Less(t, len(v), MaxDiffValue+100)
}

func TestDiffErrors(t *testing.T) {
	a := load(t, dumps[0].dump, "")
	d, err := a.Diff(configdiff.Input{Name: "before", Dump: plantedDemo(t)})
	require.NoError(t, err)
	h := d.Handler()
	for path, want := range map[string]int{
		"/api/diff/clusters/nope": http.StatusNotFound,
		"/api/diff/nope/":         http.StatusNotFound,
		"/api/diff?offset=-1":     http.StatusBadRequest,
		"/api/diff?limit=x":       http.StatusBadRequest,
		"/api/diff/listeners/" + url.PathEscape("virtualInbound"): http.StatusNotFound, // the same on both sides
	} {
		code, body := get(t, h, path)
		assert.Equal(t, want, code, path)
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(body, &e), path)
		assert.NotEmpty(t, e.Error, path)
	}
	_, err = a.Diff(configdiff.Input{Name: "junk.json", Dump: []byte("not json")})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "junk.json")
}

// TestResourceUnknownType: a resource holding a payload of a type xdsctl does not know (Istio's
// mixer filters of 2020) is shown as it came, with no panic.
func TestResourceUnknownType(t *testing.T) {
	a := load(t, history2020, "")
	b, err := a.Resource(KindListener, "0.0.0.0_9080")
	require.NoError(t, err)
	assert.Contains(t, string(b), "istio.mixer.v1.config.client")
}
