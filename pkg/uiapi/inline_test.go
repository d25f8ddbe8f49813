package uiapi

import (
	"encoding/json"
	"net/http"
	"net/url"
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
