package uiapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// TestInlineGoldens: a route configuration written inline in an HTTP connection manager is in
// the graph as one of RDS is: the chain names it by its InlineKey, and it answers with its
// virtual hosts, routes and JSON. On the demo sidecar's Prometheus listener, and on Envoy's
// envoyproxy.io sandbox (a static envoy.yaml read as a dump).
func TestInlineGoldens(t *testing.T) {
	for _, tc := range []struct {
		name, dump, clusters, listener, cluster string
	}{
		{"demo", dumps[0].dump, dumps[0].clusters, "0.0.0.0_15090", "prometheus_stats"},
		{"static", "../../testdata/static/envoyproxy-io-proxy.yaml", "", "listener_0", "service_envoyproxy_io"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := load(t, tc.dump, tc.clusters)
			h := a.Handler()
			dir := filepath.Join("testdata", tc.name)
			golden := func(file, path string) []byte {
				t.Helper()
				code, body := get(t, h, path)
				require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
				testutil.Golden(t, filepath.Join(dir, file), body)
				return body
			}
			var l ListenerDetail
			require.NoError(t, json.Unmarshal(golden("inline-listener.json", "/api/listener/"+url.PathEscape(tc.listener)), &l))
			require.NotEmpty(t, l.Chains)
			key := InlineKey(tc.listener, 0)
			assert.Equal(t, key, l.Chains[0].RouteConfig)
			assert.True(t, l.Chains[0].Inline)

			var rc RouteConfigDetail
			require.NoError(t, json.Unmarshal(golden("inline-routeconfig.json", "/api/routeconfig/"+url.PathEscape(key)), &rc))
			require.NotNil(t, rc.Inline)
			assert.Equal(t, InlineAt{Listener: tc.listener, FilterChain: 0, Name: rc.Inline.Name}, *rc.Inline)
			require.NotEmpty(t, rc.VirtualHosts)
			require.NotEmpty(t, rc.VirtualHosts[0].Routes)
			assert.Equal(t, tc.cluster, rc.VirtualHosts[0].Routes[0].Cluster)
			golden("inline-resource.json", "/api/resource/routeconfig/"+url.PathEscape(key))
		})
	}
}

// TestInlineTrace: a trace through an inline route configuration names it on its path.
func TestInlineTrace(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	ans, err := a.Trace(TraceQuery{To: "10.244.0.5:15090", Path: "/stats/prometheus"})
	require.NoError(t, err)
	assert.Equal(t, []Hop{{KindListener, "0.0.0.0_15090"}, {KindRouteConfig, InlineKey("0.0.0.0_15090", 0)}, {KindCluster, "prometheus_stats"}}, ans.Path)
}

// TestInlineSameName: Envoy's front-proxy sandbox writes local_route inline in two listeners:
// each chain leads to its own.
func TestInlineSameName(t *testing.T) {
	data, err := os.ReadFile("../../testdata/static/front-proxy.yaml")
	require.NoError(t, err)
	a, err := New(Source{Name: "front-proxy", Dump: data, Now: testNow})
	require.NoError(t, err)
	require.Len(t, a.inline, 1, "the two listeners have no name: the API answers for the first")
	rc, err := a.RouteConfig(InlineKey("", 0))
	require.NoError(t, err)
	assert.Equal(t, "local_route", rc.Inline.Name)
	assert.Equal(t, 2, rc.VirtualHosts[0].TotalRoutes)
	_, err = a.RouteConfig(InlineKey("", 1))
	assert.ErrorIs(t, err, ErrNotFound)
}
