package analyze_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Minimal config dumps: each helper writes one section of a v3 dump.

func dump(sections ...string) string {
	return `{"configs":[` + strings.Join(sections, ",") + `]}`
}

// clusters writes a ClustersConfigDump with the given active clusters (JSON objects) and warming ones.
func clusters(active []string, warming ...string) string {
	var a, w []string
	for _, c := range active {
		a = append(a, `{"version_info":"1","cluster":`+c+`}`)
	}
	for _, c := range warming {
		w = append(w, `{"version_info":"1","cluster":`+c+`}`)
	}
	return `{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[` + strings.Join(a, ",") +
		`],"dynamic_warming_clusters":[` + strings.Join(w, ",") + `]}`
}

func cluster(name string, extra ...string) string {
	return `{"name":"` + name + `","type":"STATIC","connect_timeout":"1s"` + prefixComma(extra) + `}`
}

func edsCluster(name string, extra ...string) string {
	return `{"name":"` + name + `","type":"EDS","eds_cluster_config":{"eds_config":{"ads":{}}}` + prefixComma(extra) + `}`
}

func prefixComma(extra []string) string {
	if len(extra) == 0 {
		return ""
	}
	return "," + strings.Join(extra, ",")
}

// listeners writes a ListenersConfigDump with active listeners.
func listeners(ls ...string) string {
	var out []string
	for _, l := range ls {
		out = append(out, `{"name":"x","active_state":{"version_info":"1","listener":`+l+`}}`)
	}
	return `{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[` + strings.Join(out, ",") + `]}`
}

func listener(name string, port int, chains ...string) string {
	return fmt.Sprintf(`{"name":%q,"address":{"socket_address":{"address":"0.0.0.0","port_value":%d}},"filter_chains":[%s]}`, name, port, strings.Join(chains, ","))
}

func hcmRDS(route string) string {
	return `{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","stat_prefix":"s","rds":{"config_source":{"ads":{}},"route_config_name":"` + route + `"}}}]}`
}

func tcpProxy(cluster string) string {
	return `{"filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"s","cluster":"` + cluster + `"}}]}`
}

// routes writes a RoutesConfigDump with dynamic route configurations.
func routes(rcs ...string) string {
	var out []string
	for _, r := range rcs {
		out = append(out, `{"version_info":"1","route_config":`+r+`}`)
	}
	return `{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[` + strings.Join(out, ",") + `]}`
}

// routeConfig writes a route configuration; each vhost is "name|domain,domain|route;route" with
// routes as JSON objects.
func routeConfig(name string, vhosts ...string) string {
	var vs []string
	for _, v := range vhosts {
		p := strings.SplitN(v, "|", 3)
		doms := `"` + strings.Join(strings.Split(p[1], ","), `","`) + `"`
		vs = append(vs, fmt.Sprintf(`{"name":%q,"domains":[%s],"routes":[%s]}`, p[0], doms, strings.ReplaceAll(p[2], ";", ",")))
	}
	return fmt.Sprintf(`{"name":%q,"virtual_hosts":[%s]}`, name, strings.Join(vs, ","))
}

func route(match, cluster string) string {
	return `{"match":` + match + `,"route":{"cluster":"` + cluster + `"}}`
}

func eds(las ...string) string {
	var out []string
	for _, l := range las {
		out = append(out, `{"version_info":"1","endpoint_config":`+l+`}`)
	}
	return `{"@type":"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump","dynamic_endpoint_configs":[` + strings.Join(out, ",") + `]}`
}

func cla(name string, addrs ...string) string {
	var lbs []string
	for _, a := range addrs {
		lbs = append(lbs, `{"endpoint":{"address":{"socket_address":{"address":"`+a+`","port_value":80}}}}`)
	}
	return `{"@type":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","cluster_name":"` + name + `","endpoints":[{"lb_endpoints":[` + strings.Join(lbs, ",") + `]}]}`
}

func secrets(entries ...string) string {
	return `{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamic_active_secrets":[` + strings.Join(entries, ",") + `]}`
}

func secretEntry(name string) string {
	return `{"name":"` + name + `","version_info":"1","secret":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret","name":"` + name + `"}}`
}

func sdsSocket(names ...string) string {
	var cfgs []string
	for _, n := range names {
		cfgs = append(cfgs, `{"name":"`+n+`","sds_config":{"ads":{}}}`)
	}
	return `"transport_socket":{"name":"envoy.transport_sockets.tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"tls_certificate_sds_secret_configs":[` + strings.Join(cfgs, ",") + `]}}}`
}

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func run(t *testing.T, doc string, health string, schema bool) []analyze.Finding {
	t.Helper()
	d, err := configdump.Parse([]byte(doc))
	require.NoError(t, err)
	in := analyze.Input{Dump: d}
	if health != "" {
		in.Health, err = configdump.ParseClusters([]byte(health))
		require.NoError(t, err)
	}
	res, err := analyze.Analyze(in, analyze.Options{Now: testNow, Schema: schema})
	require.NoError(t, err)
	return res.Findings
}

func codes(fs []analyze.Finding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, f.Code)
	}
	slices.Sort(out)
	return out
}

func TestChecks(t *testing.T) {
	catchAll := `{"prefix":"/"}`
	tests := []struct {
		name   string
		dump   string
		health string
		want   []string
		// in is a word every finding's message must hold (the names involved)
		in string
		// schema runs pkg/validate too
		schema bool
	}{
		// references
		{name: "route to a missing cluster", dump: dump(clusters(nil), routes(routeConfig("r", "v|*|"+route(catchAll, "nope")))),
			want: []string{"XDS0101"}, in: `cluster "nope"`},
		{name: "route to a present cluster", dump: dump(clusters([]string{cluster("c")}), routes(routeConfig("r", "v|*|"+route(catchAll, "c")))),
			want: []string{}},
		{name: "weighted cluster missing", dump: dump(clusters([]string{cluster("a")}), routes(routeConfig("r",
			`v|*|{"match":{"prefix":"/"},"route":{"weighted_clusters":{"clusters":[{"name":"a","weight":50},{"name":"b","weight":50}]}}}`))),
			want: []string{"XDS0101"}, in: `weighted cluster "b"`},
		{name: "mirror cluster missing", dump: dump(clusters([]string{cluster("a")}), routes(routeConfig("r",
			`v|*|{"match":{"prefix":"/"},"route":{"cluster":"a","request_mirror_policies":[{"cluster":"shadow"}]}}`))),
			want: []string{"XDS0107"}, in: `"shadow"`},
		{name: "route to a warming cluster", dump: dump(clusters(nil, edsCluster("w")), routes(routeConfig("r", "v|*|"+route(catchAll, "w")))),
			want: []string{"XDS0106", "XDS0202"}, in: `"w"`},
		{name: "aggregate cluster names a missing cluster", dump: dump(clusters([]string{cluster("a"), `{"name":"agg","connect_timeout":"1s","lb_policy":"CLUSTER_PROVIDED","cluster_type":{"name":"envoy.clusters.aggregate","typed_config":{"@type":"type.googleapis.com/envoy.extensions.clusters.aggregate.v3.ClusterConfig","clusters":["a","b"]}}}`})),
			want: []string{"XDS0108"}, in: `aggregate cluster "agg" names cluster "b"`},
		{name: "ext_authz names a missing cluster", dump: dump(clusters(nil), listeners(listener("l", 80, `{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","stat_prefix":"s","http_filters":[{"name":"envoy.filters.http.ext_authz","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz","grpc_service":{"envoy_grpc":{"cluster_name":"ext-authz"}}}}]}}]}`))),
			want: []string{"XDS0109"}, in: `http_filters[0].typed_config.grpc_service.envoy_grpc names cluster "ext-authz"`},
		{name: "SDS config source cluster present", dump: dump(clusters([]string{cluster("sds-grpc"), cluster("c", `"transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"tls_certificate_sds_secret_configs":[{"name":"default","sds_config":{"api_config_source":{"api_type":"GRPC","grpc_services":[{"envoy_grpc":{"cluster_name":"sds-grpc"}}]}}}]}}}`)}), secrets(secretEntry("default"))),
			want: []string{}},
		{name: "rds missing", dump: dump(listeners(listener("l", 80, hcmRDS("80"))), routes()),
			want: []string{"XDS0102"}, in: `route configuration "80"`},
		{name: "rds present", dump: dump(listeners(listener("l", 80, hcmRDS("80"))), routes(routeConfig("80"))),
			want: []string{}},
		{name: "rds not checked without a routes section", dump: dump(listeners(listener("l", 80, hcmRDS("80")))),
			want: []string{}},
		{name: "tcp_proxy cluster missing", dump: dump(listeners(listener("l", 80, tcpProxy("db"))), clusters(nil)),
			want: []string{"XDS0103"}, in: `cluster "db"`},
		{name: "tcp_proxy cluster present", dump: dump(listeners(listener("l", 80, tcpProxy("db"))), clusters([]string{cluster("db")})),
			want: []string{}},
		{name: "sds secret missing", dump: dump(clusters([]string{cluster("c", sdsSocket("default", "ROOTCA"))}), secrets(secretEntry("default"))),
			want: []string{"XDS0104"}, in: `secret "ROOTCA"`},
		{name: "sds secrets present", dump: dump(clusters([]string{cluster("c", sdsSocket("default"))}), secrets(secretEntry("default"))),
			want: []string{}},
		{name: "eds assignment missing", dump: dump(clusters([]string{edsCluster("e")}), eds()),
			want: []string{"XDS0105"}, in: `"e"`},
		{name: "eds assignment by service_name", dump: dump(clusters([]string{`{"name":"e","type":"EDS","eds_cluster_config":{"service_name":"svc"}}`}), eds(cla("svc", "10.0.0.1"))),
			want: []string{}},
		// state
		{name: "rejected cluster", dump: dump(`{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"error_state":{"failed_configuration":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"bad"},"details":"Proto constraint validation failed"}}]}`),
			want: []string{"XDS0201"}, in: `Proto constraint validation failed`},
		{name: "rejected update of an active listener", dump: dump(`{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"l","active_state":{"version_info":"1","listener":` + listener("l", 80) + `},"error_state":{"details":"error adding listener '0.0.0.0:80': bad\nthings","version_info":"2"}}]}`),
			want: []string{"XDS0201"}, in: `update of listener "l" (version 2) and keeps the version it had: error adding listener '0.0.0.0:80': bad things`},
		{name: "warming listener waits for its routes", dump: dump(`{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"l","warming_state":{"version_info":"1","listener":`+listener("l", 80, hcmRDS("80"))+`}}]}`, routes()),
			want: []string{"XDS0102", "XDS0202"}, in: `route configuration "80"`},
		{name: "eds without endpoints", dump: dump(clusters([]string{edsCluster("e")}), eds(cla("e"))),
			want: []string{"XDS0203"}, in: `"e"`},
		{name: "eds with endpoints", dump: dump(clusters([]string{edsCluster("e")}), eds(cla("e", "10.0.0.1"))),
			want: []string{}},
		{name: "istio subset without endpoints", dump: dump(clusters([]string{edsCluster("outbound|9080|v2|reviews.default.svc.cluster.local",
			`"metadata":{"filter_metadata":{"istio":{"config":"/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"}}}`)}),
			eds(cla("outbound|9080|v2|reviews.default.svc.cluster.local"))),
			want: []string{"XDS0602"}, in: `subset "v2" of DestinationRule reviews.default`},
		{name: "no healthy host", dump: dump(clusters([]string{cluster("c")})),
			health: `{"cluster_statuses":[{"name":"c","host_statuses":[{"address":{"socket_address":{"address":"10.0.0.1","port_value":80}},"health_status":{"eds_health_status":"UNHEALTHY"}},{"address":{"socket_address":{"address":"10.0.0.2","port_value":80}},"health_status":{"failed_outlier_check":true}}]}]}`,
			want:   []string{"XDS0204"}, in: `1 UNHEALTHY, 1 failed_outlier_check`},
		{name: "eds cluster without hosts in /clusters", dump: dump(clusters([]string{edsCluster("e"), cluster("BlackHoleCluster")})),
			health: `{"cluster_statuses":[{"name":"e"},{"name":"BlackHoleCluster"}]}`,
			want:   []string{"XDS0203"}, in: `EDS cluster "e" has no endpoints`},
		{name: "one healthy host", dump: dump(clusters([]string{cluster("c")})),
			health: `{"cluster_statuses":[{"name":"c","host_statuses":[{"address":{"socket_address":{"address":"10.0.0.1","port_value":80}},"health_status":{"eds_health_status":"UNHEALTHY"}},{"address":{"socket_address":{"address":"10.0.0.2","port_value":80}},"health_status":{"eds_health_status":"HEALTHY"}}]}]}`,
			want:   []string{}},
		// routing
		{name: "domain in two virtual hosts", dump: dump(routes(routeConfig("r", "a|a.com,B.com|", "b|b.com|"))),
			want: []string{"XDS0401"}, in: `"b.com" is in virtual hosts "a" and "b"`},
		{name: "domain twice in one virtual host", dump: dump(routes(routeConfig("r", "a|a.com,A.COM|"))),
			want: []string{"XDS0401"}, in: `"A.COM" is twice in virtual host "a"`},
		{name: "distinct domains", dump: dump(routes(routeConfig("r", "a|a.com|", "b|b.com,*|"))),
			want: []string{}},
		{name: "route after a catch-all", dump: dump(routes(routeConfig("r", "v|*|"+route(catchAll, "a")+";"+route(`{"path":"/x","headers":[{"name":"h","present_match":true}]}`, "b")))),
			want: []string{"XDS0402"}, in: `route 0 before it (prefix "/")`},
		{name: "route after a regex catch-all", dump: dump(routes(routeConfig("r", "v|*|"+route(`{"safe_regex":{"regex":".*"}}`, "a")+";"+route(`{"prefix":"/b"}`, "b")))),
			want: []string{"XDS0402"}, in: `safe_regex ".*"`},
		{name: "longer prefix after a shorter one", dump: dump(routes(routeConfig("r", "v|*|"+route(`{"prefix":"/api"}`, "a")+";"+route(`{"prefix":"/api/v1"}`, "b")))),
			want: []string{"XDS0402"}},
		{name: "specific route first", dump: dump(routes(routeConfig("r", "v|*|"+route(`{"prefix":"/api/v1"}`, "a")+";"+route(`{"prefix":"/api"}`, "b")+";"+route(catchAll, "c")))),
			want: []string{}},
		{name: "catch-all with a header condition", dump: dump(routes(routeConfig("r", "v|*|"+route(`{"prefix":"/","headers":[{"name":"x","exact_match":"1"}]}`, "a")+";"+route(`{"prefix":"/b"}`, "b")))),
			want: []string{}},
		{name: "case-insensitive later route", dump: dump(routes(routeConfig("r", "v|*|"+route(`{"prefix":"/api"}`, "a")+";"+route(`{"prefix":"/api/v1","case_sensitive":false}`, "b")))),
			want: []string{}},
		{name: "exact duplicate", dump: dump(routes(routeConfig("r", "v|*|"+route(`{"path":"/a","headers":[{"name":"x","exact_match":"1"}]}`, "a")+";"+route(`{"headers":[{"name":"x","exact_match":"1"}],"path":"/a"}`, "b")))),
			want: []string{"XDS0403"}},
		// listeners
		{name: "identical filter chain matches", dump: dump(listeners(`{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[{"filter_chain_match":{"server_names":["a"]},"filters":[]},{"filter_chain_match":{"server_names":["a"]},"filters":[]}]}`)),
			want: []string{"XDS0501"}, schema: true, in: `listener "l"`},
		{name: "overlapping filter chain matches", dump: dump(listeners(`{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":443}},"filter_chains":[{"name":"a","filter_chain_match":{"server_names":["a.com","b.com"]},"filters":[]},{"name":"b","filter_chain_match":{"server_names":["b.com"]},"filters":[]}]}`)),
			want: []string{"XDS0501"}, schema: true, in: `filter chain 'b' overlaps filter chain 'a' (filter_chains[0]): both match server name b.com`},
		{name: "distinct filter chain matches", dump: dump(listeners(`{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[{"filter_chain_match":{"server_names":["a"]},"filters":[]},{"filters":[]}]}`)),
			want: []string{}, schema: true},
		{name: "filter_chain_matcher ignores matches", dump: dump(listeners(`{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chain_matcher":{},"filter_chains":[{"name":"a","filters":[]},{"name":"b","filters":[]}]}`)),
			want: []string{}},
		{name: "two listeners on one port", dump: dump(listeners(listener("a", 80), listener("b", 80))),
			want: []string{"XDS0502"}, in: `"a" and "b" both bind 0.0.0.0:80`},
		{name: "bind_to_port false", dump: dump(listeners(listener("a", 80), `{"name":"b","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"bind_to_port":false}`)),
			want: []string{}},
		{name: "udp and tcp on one port", dump: dump(listeners(listener("a", 53), `{"name":"b","address":{"socket_address":{"address":"0.0.0.0","port_value":53,"protocol":"UDP"}}}`)),
			want: []string{}},
		// schema
		{name: "schema: connect_timeout 0", dump: dump(clusters([]string{`{"name":"c","connect_timeout":"0s"}`})), schema: true,
			want: []string{"XDS0801"}, in: "connect_timeout"},
		{name: "schema: unknown field", dump: dump(clusters([]string{`{"name":"c","connect_timeout":"1s","conect_timeout":"1s"}`})), schema: true,
			want: []string{"XDS0801"}, in: `unknown field "conect_timeout"`},
		{name: "schema: unknown extension", dump: dump(listeners(listener("l", 80, `{"filters":[{"name":"x","typed_config":{"@type":"type.googleapis.com/acme.Filter","a":1}}]}`))), schema: true,
			want: []string{"XDS0802"}, in: "acme.Filter"},
		{name: "schema off", dump: dump(clusters([]string{`{"name":"c","connect_timeout":"0s"}`})),
			want: []string{}},
		{name: "schema: valid", dump: dump(listeners(listener("l", 80, tcpProxy("c"))), clusters([]string{cluster("c")})), schema: true,
			want: []string{}},
		// Istio
		{name: "allow any", dump: dump(listeners(listener("virtualOutbound", 15001, tcpProxy("PassthroughCluster"))), clusters([]string{cluster("PassthroughCluster")})),
			want: []string{"XDS0601"}, in: "ALLOW_ANY"},
		{name: "registry only", dump: dump(listeners(listener("virtualOutbound", 15001, tcpProxy("BlackHoleCluster"))), clusters([]string{cluster("BlackHoleCluster")})),
			want: []string{"XDS0601"}, in: "REGISTRY_ONLY"},
		// limits
		{name: "ring too large", dump: dump(clusters([]string{cluster("c", `"lb_policy":"RING_HASH","ring_hash_lb_config":{"minimum_ring_size":"9000000"}`)})),
			want: []string{"XDS0701"}, in: "8388608", schema: true},
		{name: "ring too large (typed policy)", dump: dump(clusters([]string{cluster("c", `"load_balancing_policy":{"policies":[{"typed_extension_config":{"name":"r","typed_config":{"@type":"type.googleapis.com/envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash","maximum_ring_size":"9000000"}}}]}`)})),
			want: []string{"XDS0701"}, in: "maximum_ring_size", schema: true},
		{name: "ring min above max", dump: dump(clusters([]string{cluster("c", `"lb_policy":"RING_HASH","ring_hash_lb_config":{"minimum_ring_size":"4096","maximum_ring_size":"2048"}`)})),
			want: []string{"XDS0702"}},
		{name: "ring within limits", dump: dump(clusters([]string{cluster("c", `"lb_policy":"RING_HASH","ring_hash_lb_config":{"minimum_ring_size":"8388608"}`)})),
			want: []string{}},
		{name: "maglev not prime", dump: dump(clusters([]string{cluster("c", `"lb_policy":"MAGLEV","maglev_lb_config":{"table_size":65536}`)})),
			want: []string{"XDS0703"}},
		{name: "maglev prime (typed policy)", dump: dump(clusters([]string{cluster("c", `"load_balancing_policy":{"policies":[{"typed_extension_config":{"name":"m","typed_config":{"@type":"type.googleapis.com/envoy.extensions.load_balancing_policies.maglev.v3.Maglev","table_size":65537}}}]}`)})),
			want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := run(t, tt.dump, tt.health, tt.schema)
			assert.Equal(t, tt.want, codes(fs), "%v", fs)
			for _, f := range fs {
				if tt.in != "" && f.Code == tt.want[0] {
					assert.Contains(t, f.Message, tt.in)
				}
				assert.NotContains(t, f.Message, "\n")
				c, ok := analyze.LookupCode(f.Code)
				require.True(t, ok)
				assert.Equal(t, c.Severity, f.Severity)
				assert.NotEmpty(t, f.Hint)
			}
		})
	}
}
