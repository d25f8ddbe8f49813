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
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

func TestAssignIDs(t *testing.T) {
	active, draining := configdump.Meta{State: configdump.StateActive}, configdump.Meta{State: configdump.StateDraining}
	for _, tc := range []struct {
		name  string
		names []string
		metas []configdump.Meta
		want  []string
	}{
		{"unique", []string{"a", "b"}, []configdump.Meta{active, active}, []string{"a", "b"}},
		{"unnamed", []string{"", "", ""}, []configdump.Meta{{}, {}, {}}, []string{Unnamed, Unnamed + " [2]", Unnamed + " [3]"}},
		{"draining first keeps the name for the active", []string{"l", "l"}, []configdump.Meta{draining, active}, []string{"l [2]", "l"}},
		{"a name like a disambiguated one", []string{"x [2]", "x", "x"}, []configdump.Meta{active, active, active}, []string{"x [2]", "x", "x [3]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ids, by := assignIDs(len(tc.names), func(i int) string { return tc.names[i] }, func(i int) configdump.Meta { return tc.metas[i] })
			assert.Equal(t, tc.want, ids)
			for i, id := range ids {
				assert.Equal(t, i, by[id])
			}
		})
	}
}

// TestUnnamedListeners: Envoy's front-proxy sandbox has two listeners without a name, each with
// its own inline route configuration: both are listed with their own id and open, expand and
// trace to their own.
func TestUnnamedListeners(t *testing.T) {
	data, err := os.ReadFile("../../testdata/static/front-proxy.yaml")
	require.NoError(t, err)
	a, err := New(Source{Name: "front-proxy", Dump: data, Now: testNow})
	require.NoError(t, err)
	h := a.Handler()
	golden := func(file, path string) []byte {
		t.Helper()
		code, body := get(t, h, path)
		require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
		testutil.Golden(t, filepath.Join("testdata", "static", file), body)
		return body
	}
	var ls ListenerList
	require.NoError(t, json.Unmarshal(golden("unnamed-listeners.json", "/api/listeners"), &ls))
	require.Len(t, ls.Listeners, 2)
	second := Unnamed + " [2]"
	assert.Equal(t, []string{Unnamed, second}, []string{ls.Listeners[0].Name, ls.Listeners[1].Name})
	assert.Equal(t, []uint32{8080, 8443}, []uint32{ls.Listeners[0].Port, ls.Listeners[1].Port})

	var l ListenerDetail
	require.NoError(t, json.Unmarshal(golden("unnamed-listener-2.json", "/api/listener/"+url.PathEscape(second)), &l))
	assert.Equal(t, uint32(8443), l.Port)
	require.Len(t, l.Chains, 1)
	assert.Equal(t, InlineKey(second, 0), l.Chains[0].RouteConfig)
	var rc RouteConfigDetail
	require.NoError(t, json.Unmarshal(golden("unnamed-routeconfig-2.json", "/api/routeconfig/"+url.PathEscape(InlineKey(second, 0))), &rc))
	assert.Equal(t, InlineAt{Listener: second, FilterChain: 0, Name: "local_route"}, *rc.Inline)
	assert.Equal(t, 2, rc.VirtualHosts[0].TotalRoutes)
	body := golden("unnamed-resource-2.json", "/api/resource/listener/"+url.PathEscape(second))
	assert.Contains(t, string(body), `"port_value":8443`)
	assert.NotContains(t, string(body), "BEGIN PRIVATE KEY", "private keys are redacted")

	// The search and a trace name each by its id.
	assert.Equal(t, []Hit{{Kind: KindListener, Name: second, Why: "port 8443"}}, a.Search("8443"))
	for _, tc := range []struct {
		q        TraceQuery
		listener string
	}{
		{TraceQuery{To: "10.0.0.1:8080", Path: "/service/1"}, Unnamed},
		{TraceQuery{To: "10.0.0.1:8443", TLS: true, Path: "/service/2"}, second},
	} {
		ans, err := a.Trace(tc.q)
		require.NoError(t, err)
		require.Len(t, ans.Path, 3, "%+v", ans.Result)
		assert.Equal(t, Hop{KindListener, tc.listener}, ans.Path[0])
		assert.Equal(t, Hop{KindRouteConfig, InlineKey(tc.listener, 0)}, ans.Path[1])
	}
}

// TestDuplicateNames: an active listener and its draining previous version have one name: the
// active one keeps it, the draining one is NAME [2], and each answers with its own state.
func TestDuplicateNames(t *testing.T) {
	a := load(t, dumps[2].dump, "")
	active, err := a.Listener("0.0.0.0_9080")
	require.NoError(t, err)
	assert.Equal(t, configdump.StateActive, active.State)
	draining, err := a.Listener("0.0.0.0_9080 [2]")
	require.NoError(t, err)
	assert.Equal(t, configdump.StateDraining, draining.State)
	assert.Equal(t, "DRAINING", draining.Status)
	code, body := get(t, a.Handler(), "/api/resource/listener/"+url.PathEscape("0.0.0.0_9080 [2]"))
	require.Equal(t, http.StatusOK, code, "%s", body)
	testutil.Golden(t, "testdata/states/resource-listener-draining.json", body)
	_, err = a.Listener("0.0.0.0_9080 [3]")
	assert.ErrorIs(t, err, ErrNotFound)
}

// TestInlineCountsAndBadges: the overview says how many route configurations are written inline
// (Envoy lists them among its static ones, as the static file's reading does), and a finding in one (a route to a cluster the proxy does not hold) badges its node.
func TestInlineCountsAndBadges(t *testing.T) {
	data, err := os.ReadFile("../../testdata/static/front-proxy.yaml")
	require.NoError(t, err)
	a, err := New(Source{Name: "front-proxy", Dump: data, Now: testNow})
	require.NoError(t, err)
	code, body := get(t, a.Handler(), "/api/overview")
	require.Equal(t, http.StatusOK, code)
	testutil.Golden(t, "testdata/static/unnamed-overview.json", body)
	o := a.Overview()
	assert.Equal(t, 2, o.Counts[KindRouteConfig])
	assert.Equal(t, 2, o.InlineRouteConfigs)

	const dump = `static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 0.0.0.0, port_value: 80}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: h
          route_config:
            virtual_hosts:
            - {name: vh, domains: ["*"], routes: [{match: {prefix: /}, route: {cluster: nope}}]}
  clusters:
  - {name: c, type: STATIC}
`
	a, err = New(Source{Name: "inline-finding", Dump: []byte(dump), Now: testNow})
	require.NoError(t, err)
	f, err := a.Findings()
	require.NoError(t, err)
	var found bool
	for _, fd := range f.Findings {
		if fd.Resource.Kind == "Listener" && fd.Resource.Name == "l" && fd.Resource.Path != "" {
			found = true
			assert.Equal(t, KindRouteConfig, fd.Node, "%+v", fd)
			assert.Equal(t, InlineKey("l", 0), fd.ID)
		}
	}
	require.True(t, found, "analyze reports the route to a missing cluster: %+v", f.Findings)
	assert.Contains(t, f.Badges, Badge{Kind: KindRouteConfig, Name: InlineKey("l", 0), Count: 1, Worst: "error"})
}
