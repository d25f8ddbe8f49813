package uiapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// TestFindingsGoldens: analyze's findings of the demo sidecar and of the dump with warming,
// NACKed and errored resources, with a badge per resource.
func TestFindingsGoldens(t *testing.T) {
	for _, d := range dumps {
		if d.name == "istio-proxyconfig" {
			continue
		}
		t.Run(d.name, func(t *testing.T) {
			a := load(t, d.dump, d.clusters)
			code, body := get(t, a.Handler(), "/api/findings")
			require.Equal(t, http.StatusOK, code, "%s", body)
			testutil.Golden(t, filepath.Join("testdata", d.name, "findings.json"), body)

			var f Findings
			require.NoError(t, json.Unmarshal(body, &f))
			require.NotEmpty(t, f.Findings, "both dumps have findings")
			require.Equal(t, len(f.Findings), f.Total, "fewer than MaxFindings: all listed")
			// Every badge counts the findings on its resource and shows the worst of them.
			for _, b := range f.Badges {
				n, worst := 0, ""
				for _, fd := range f.Findings {
					node := fd.Node
					if node == KindEndpoints {
						node = KindCluster
					}
					if node == b.Kind && fd.Resource.Name == b.Name {
						n++
						if worst == "" || worse(fd.Severity.String(), worst) {
							worst = fd.Severity.String()
						}
					}
				}
				assert.Equal(t, n, b.Count, "%s/%s", b.Kind, b.Name)
				assert.Equal(t, worst, b.Worst, "%s/%s", b.Kind, b.Name)
			}
			// Asked again, the same answer (analyze runs once).
			_, again := get(t, a.Handler(), "/api/findings")
			assert.Equal(t, string(body), string(again))
		})
	}
}

// TestTraceGoldens: a request to reviews through the demo sidecar down to its cluster, and one
// to the Prometheus listener that stops for want of a route (404 NR).
func TestTraceGoldens(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	h := a.Handler()
	for _, tc := range []struct {
		name, query string
		stopped     bool
	}{
		{"trace-reviews", "to=10.96.0.10:9080&host=reviews&path=/", false},
		{"trace-no-route", "to=10.244.0.5:15090&path=/nope", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, h, "/api/trace?"+tc.query)
			require.Equal(t, http.StatusOK, code, "%s", body)
			testutil.Golden(t, filepath.Join("testdata", "demo", tc.name+".json"), body)
			var ans struct {
				Cluster string `json:"cluster"`
				Stop    string `json:"stop"`
				Path    []Hop  `json:"path"`
			}
			require.NoError(t, json.Unmarshal(body, &ans))
			if tc.stopped {
				assert.NotEmpty(t, ans.Stop)
				assert.Empty(t, ans.Cluster)
				return
			}
			assert.Empty(t, ans.Stop)
			require.NotEmpty(t, ans.Path)
			assert.Equal(t, Hop{KindCluster, ans.Cluster}, ans.Path[len(ans.Path)-1])
		})
	}
}

func TestTraceBadQuery(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	h := a.Handler()
	for _, q := range []string{
		"",
		"to=reviews:9080",
		"to=10.96.0.10:9080&path=nope",
		"to=10.96.0.10:9080&header=novalue",
		"to=10.96.0.10:9080&sni=x",
		"to=10.96.0.10:9080&tcp=1&host=x",
	} {
		code, body := get(t, h, "/api/trace?"+q)
		assert.Equal(t, http.StatusBadRequest, code, "%q: %s", q, body)
		assert.Contains(t, string(body), `"error"`)
	}
	// A TCP connection and a header are traced.
	code, body := get(t, h, "/api/trace?to=10.96.0.10:9080&tcp=1")
	assert.Equal(t, http.StatusOK, code, "%s", body)
	code, body = get(t, h, "/api/trace?to=10.96.0.10:9080&host=reviews&header=end-user:%20jason")
	assert.Equal(t, http.StatusOK, code, "%s", body)
}

// TestFindingsBounded: a proxy with more findings than MaxFindings lists the first ones and
// counts them all; a badge counts every finding on its resource.
func TestFindingsBounded(t *testing.T) {
	var routes []string
	for i := range MaxFindings + 10 {
		routes = append(routes, fmt.Sprintf(`{"match":{"prefix":"/%d"},"route":{"cluster":"missing-%d"}}`, i, i))
	}
	dump := `{"configs":[
{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"present","type":"STATIC"}}]},
{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"r","virtual_hosts":[{"name":"v","domains":["*"],"routes":[` + strings.Join(routes, ",") + `]}]}}]}]}`
	a, err := New(Source{Name: "many", Dump: []byte(dump), Now: testNow})
	require.NoError(t, err)
	f, err := a.Findings()
	require.NoError(t, err)
	require.Len(t, f.Findings, MaxFindings)
	assert.GreaterOrEqual(t, f.Total, MaxFindings+10)
	assert.Equal(t, f.Total, f.Counts["error"]+f.Counts["warning"]+f.Counts["info"])
	var onR *Badge
	for i := range f.Badges {
		if f.Badges[i].Kind == KindRouteConfig && f.Badges[i].Name == "r" {
			onR = &f.Badges[i]
		}
	}
	require.NotNil(t, onR, "%+v", f.Badges)
	assert.GreaterOrEqual(t, onR.Count, MaxFindings+10, "the badge counts the findings not listed too")
	assert.Equal(t, "error", onR.Worst)
}
