package uiapi

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// TestTraceFieldsGoldens: the trace form's fields beyond to/host/path change what the engine
// decides. The demo's reviews route splits 50/50 between v1 and v3: random-value 75 picks v3
// (0, the default, picks v1); inbound mTLS with ALPN istio-http/1.1 takes the 9080 chain.
func TestTraceFieldsGoldens(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	h := a.Handler()
	for _, tc := range []struct {
		name, query, cluster string
	}{
		{"trace-random", "to=10.96.0.10:9080&host=reviews&random-value=75", "outbound|9080|v3|reviews.default.svc.cluster.local"},
		{"trace-inbound-alpn", "to=10.244.0.194:9080&inbound=1&tls=1&alpn=istio-http/1.1&source=10.244.0.7:41234&host=productpage",
			"inbound|9080||"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := get(t, h, "/api/trace?"+tc.query)
			require.Equal(t, http.StatusOK, code, "%s", body)
			testutil.Golden(t, filepath.Join("testdata", "demo", tc.name+".json"), body)
			var ans struct {
				Cluster string `json:"cluster"`
			}
			require.NoError(t, json.Unmarshal(body, &ans))
			assert.Equal(t, tc.cluster, ans.Cluster)
		})
	}
	// Without random-value, the same request goes to v1.
	ans, err := a.Trace(TraceQuery{To: "10.96.0.10:9080", Host: "reviews"})
	require.NoError(t, err)
	assert.Equal(t, "outbound|9080|v1|reviews.default.svc.cluster.local", ans.Cluster)
}

// sourceDump: a listener whose first filter chain takes clients of 10.1.0.0/16 only, to the
// "internal" cluster; others go to "public".
const sourceDump = `{"configs":[
{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","static_listeners":[{"listener":{
 "@type":"type.googleapis.com/envoy.config.listener.v3.Listener","name":"edge",
 "address":{"socket_address":{"address":"0.0.0.0","port_value":8080}},
 "filter_chains":[
  {"name":"from-internal","filter_chain_match":{"source_prefix_ranges":[{"address_prefix":"10.1.0.0","prefix_len":16}]},
   "filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"i","cluster":"internal"}}]},
  {"name":"others",
   "filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"p","cluster":"public"}}]}]}}]}]}`

// TestTraceSource: the source field picks the filter chain matched on the client's address.
func TestTraceSource(t *testing.T) {
	a, err := New(Source{Name: "source", Dump: []byte(sourceDump), Now: testNow})
	require.NoError(t, err)
	for _, tc := range []struct{ source, chain, cluster string }{
		{"10.1.2.3", "from-internal", "internal"},
		{"10.1.2.3:5555", "from-internal", "internal"},
		{"192.168.0.9", "others", "public"},
		{"", "others", "public"},
	} {
		t.Run(tc.source, func(t *testing.T) {
			ans, err := a.Trace(TraceQuery{To: "10.0.0.1:8080", TCP: true, Source: tc.source})
			require.NoError(t, err)
			assert.Equal(t, tc.chain, ans.FilterChain)
			assert.Equal(t, tc.cluster, ans.Cluster)
		})
	}
}

func TestTraceFieldsBadQuery(t *testing.T) {
	h := load(t, dumps[0].dump, dumps[0].clusters).Handler()
	for q, want := range map[string]string{
		"to=10.96.0.10:9080&source=pod-a":                  `source \"pod-a\" is not an ip or ip:port`,
		"to=10.96.0.10:9080&random-value=-1":               `random-value \"-1\" is not a whole number`,
		"to=10.96.0.10:9080&random-value=half":             `random-value \"half\" is not a whole number`,
		"to=10.96.0.10:9080&tcp=1&random-value=3":          "tcp traces a connection that is not HTTP: leave out random-value",
		"to=10.96.0.10:9080&inbound=1&listener=virtualOut": "give one of them",
	} {
		code, body := get(t, h, "/api/trace?"+q)
		assert.Equal(t, http.StatusBadRequest, code, "%q: %s", q, body)
		assert.Contains(t, string(body), want, q)
	}
	// listener starts at a named listener; alpn may repeat or be comma-separated.
	q := ParseTraceQuery(map[string][]string{"alpn": {"h2, http/1.1", "istio"}, "listener": {" virtualOutbound "}})
	assert.Equal(t, []string{"h2", "http/1.1", "istio"}, q.ALPN)
	assert.Equal(t, "virtualOutbound", q.Listener)
	code, body := get(t, h, "/api/trace?to=10.96.0.10:9080&listener=0.0.0.0_9080&host=reviews")
	require.Equal(t, http.StatusOK, code, "%s", body)
	assert.Contains(t, string(body), `"listener": "0.0.0.0_9080"`)
}
