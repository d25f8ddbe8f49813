package testutil

import (
	"fmt"
	"strings"
)

// WideDump is a config dump whose resources have n children each, for tests of paging: listener
// "wide" with n filter chains (chain-i, each to route configuration "rc"), route configuration
// "rc" with n virtual hosts (vh-i; vh-0 with n routes /j, the others one), cluster "c" with n
// endpoints from EDS (10.9.i/256.i%256:8080).
func WideDump(n int) []byte {
	var b strings.Builder
	list := func(n int, item func(i int) string) {
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(item(i))
		}
	}
	b.WriteString(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"wide","active_state":{"listener":{"@type":"type.googleapis.com/envoy.config.listener.v3.Listener","name":"wide","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[`)
	list(n, func(i int) string {
		return fmt.Sprintf(`{"name":"chain-%d","filter_chain_match":{"server_names":["s%d.example"]},"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","stat_prefix":"h","rds":{"route_config_name":"rc"}}}]}`, i, i)
	})
	b.WriteString(`]}}}]},{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c","type":"EDS"}}]},`)
	b.WriteString(`{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"rc","virtual_hosts":[`)
	list(n, func(i int) string {
		routes := 1
		if i == 0 {
			routes = n
		}
		var r strings.Builder
		for j := range routes {
			if j > 0 {
				r.WriteString(",")
			}
			fmt.Fprintf(&r, `{"match":{"prefix":"/%d"},"route":{"cluster":"c"}}`, j)
		}
		return fmt.Sprintf(`{"name":"vh-%d","domains":["d%d.example"],"routes":[%s]}`, i, i, r.String())
	})
	b.WriteString(`]}}]},{"@type":"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump","dynamic_endpoint_configs":[{"endpoint_config":{"@type":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","cluster_name":"c","endpoints":[{"lb_endpoints":[`)
	list(n, func(i int) string {
		return fmt.Sprintf(`{"endpoint":{"address":{"socket_address":{"address":"10.9.%d.%d","port_value":8080}}},"health_status":"HEALTHY"}`, i/256, i%256)
	})
	b.WriteString(`]}]}}]}]}`)
	return []byte(b.String())
}
