package main

import (
	"fmt"
	"sort"
)

const typeRouteConfig = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"

// retryPolicy is istiod's default retry policy on outbound HTTP routes.
func retryPolicy() *obj {
	return o("retry_on", "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes",
		"num_retries", 2, "retry_host_predicate", []any{o("name", "envoy.retry_host_predicates.previous_hosts",
			"typed_config", o("@type", "type.googleapis.com/envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate"))},
		"host_selection_retry_max_attempts", "5", "retriable_status_codes", []any{503})
}

// domains: the names a client in the pod's namespace may use for the Service, and its ClusterIP
// (istiod sets ignore_port_in_host_matching, so no host:port variants).
func domains(s service) []any {
	ds := []any{s.host()}
	if s.ns == podNS {
		ds = append(ds, s.name)
	}
	ds = append(ds, s.name+"."+s.ns+".svc", s.name+"."+s.ns, s.vip)
	return ds
}

func vhost(s service, port int) *obj {
	route := o("match", o("prefix", "/"))
	var action *obj
	if s.name == "reviews" {
		// the bookinfo sample's virtual-service-reviews-50-v3.yaml: half to v1, half to v3
		action = o("weighted_clusters", o("clusters", []any{
			o("name", outboundName(port, "v1", s.host()), "weight", 50),
			o("name", outboundName(port, "v3", s.host()), "weight", 50)}))
	} else {
		action = o("cluster", outboundName(port, "", s.host()))
	}
	action.set("timeout", "0s").set("retry_policy", retryPolicy()).set("max_grpc_timeout", "0s")
	route.set("route", action)
	if s.name == "reviews" {
		route.set("metadata", o("filter_metadata", o("istio", o("config", "/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews"))))
		route.set("decorator", o("operation", fmt.Sprintf("reviews:%d/*", port)))
	} else {
		route.set("decorator", o("operation", fmt.Sprintf("%s:%d/*", s.host(), port)))
		route.set("name", "default")
	}
	return o("name", fmt.Sprintf("%s:%d", s.host(), port), "domains", domains(s), "routes", []any{route},
		"include_request_attempt_count", true)
}

func allowAny() *obj {
	return o("name", "allow_any", "domains", []any{"*"}, "routes", []any{o("match", o("prefix", "/"),
		"route", o("cluster", "PassthroughCluster", "timeout", "0s", "max_grpc_timeout", "0s"), "name", "allow_any")},
		"include_request_attempt_count", true)
}

// routesSection: istiod's route configurations for the HTTP listeners (by port for 0.0.0.0
// listeners, by host:port for VIP ones), and the inline ones Envoy lists as static.
func routesSection(listeners *obj) *obj {
	byRoute := map[string][]*obj{}
	for _, s := range mesh {
		for _, p := range s.ports {
			if !p.http {
				continue
			}
			name := fmt.Sprint(p.port)
			if s.name == "kube-dns" { // its listener is on the ClusterIP, not 0.0.0.0
				name = fmt.Sprintf("%s:%d", s.host(), p.port)
			}
			byRoute[name] = append(byRoute[name], vhost(s, p.port))
		}
	}
	names := make([]string, 0, len(byRoute))
	for n := range byRoute {
		names = append(names, n)
	}
	sort.Strings(names)
	var dynamic []any
	for i, n := range names {
		var vhs []any
		for _, v := range byRoute[n] {
			vhs = append(vhs, v)
		}
		vhs = append(vhs, allowAny())
		rc := o("@type", typeRouteConfig, "name", n, "virtual_hosts", vhs, "validate_clusters", false,
			"max_direct_response_body_size_bytes", 1048576, "ignore_port_in_host_matching", true)
		dynamic = append(dynamic, dynamicEntry(xdsVersion(1), "route_config", rc, ts(1290+i)))
	}
	var static []any
	for _, rc := range inlineRouteConfigs(listeners) {
		c := cloneObj(rc)
		c.fields = append([]field{{"@type", typeRouteConfig}}, c.fields...)
		static = append(static, o("route_config", c, "last_updated", ts(1250)))
	}
	return o("@type", "type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
		"static_route_configs", static, "dynamic_route_configs", dynamic)
}
