package main

import (
	"fmt"
	"sort"
)

const (
	typeCluster = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	typeCLA     = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

func maxThresholds() *obj {
	return o("thresholds", []any{o("max_connections", int64(4294967295), "max_pending_requests", int64(4294967295),
		"max_requests", int64(4294967295), "max_retries", int64(4294967295), "track_remaining", true)})
}

func metadataExchange() *obj {
	return o("name", "istio.metadata_exchange", "typed_config", o(
		"@type", "type.googleapis.com/envoy.tcp.metadataexchange.config.MetadataExchange", "protocol", "istio-peer-exchange"))
}

func originalDstProtocolOptions() *obj {
	return o("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", o(
		"@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
		"common_http_protocol_options", o("idle_timeout", "3600s"),
		"use_downstream_protocol_config", o("http_protocol_options", o(), "http2_protocol_options", o())))
}

// outboundCluster derives one outbound cluster from the real istiod-made subset cluster of the
// describe fixture (field order, TLS settings, metadata shape as istiod writes them).
func outboundCluster(tmpl *obj, s service, port int, subset string) *obj {
	c := cloneObj(tmpl)
	name := outboundName(port, subset, s.host())
	c.set("name", name)
	atObj(c, "eds_cluster_config").set("service_name", name)
	md := o("default_original_port", port, "services", []any{o("host", s.host(), "name", s.name, "namespace", s.ns)})
	if s.dr != "" {
		md.set("config", "/apis/networking.istio.io/v1alpha3/namespaces/"+s.ns+"/destination-rule/"+s.dr)
		if subset != "" {
			md.set("subset", subset)
		}
	}
	c.set("metadata", o("filter_metadata", o("istio", md)))
	for _, m := range atList(c, "transport_socket_matches") {
		tc := at(m, "transport_socket", "typed_config")
		if atStr(tc, "@type") != "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext" {
			continue
		}
		tc.(*obj).set("sni", sni(port, subset, s.host()))
		dvc := atObj(tc, "common_tls_context", "combined_validation_context", "default_validation_context")
		var sans []any
		for _, a := range s.accounts {
			sans = append(sans, o("exact", a))
		}
		if len(sans) == 0 {
			dvc.del("match_subject_alt_names")
		} else {
			dvc.set("match_subject_alt_names", sans)
		}
	}
	return c
}

func dynamicEntry(version string, key string, v *obj, updated string) *obj {
	return o("version_info", version, key, v, "last_updated", updated)
}

// clustersSection: the bootstrap's four static clusters, then what istiod sent: one cluster per
// Service port, the DestinationRule's subsets, and the sidecar's own specials.
func clustersSection(boot *obj, tmpl *obj) *obj {
	var static []any
	for _, c := range atList(boot, "static_resources", "clusters") {
		cc := cloneObj(c.(*obj))
		cc.fields = append([]field{{"@type", typeCluster}}, cc.fields...)
		static = append(static, o("cluster", cc, "last_updated", ts(6)))
	}
	dyn := map[string]*obj{}
	for _, s := range mesh {
		for _, p := range s.ports {
			dyn[outboundName(p.port, "", s.host())] = outboundCluster(tmpl, s, p.port, "")
			for _, sub := range s.subsets {
				dyn[outboundName(p.port, sub, s.host())] = outboundCluster(tmpl, s, p.port, sub)
			}
		}
	}
	dyn["BlackHoleCluster"] = o("@type", typeCluster, "name", "BlackHoleCluster", "type", "STATIC", "connect_timeout", "10s")
	dyn["PassthroughCluster"] = o("@type", typeCluster, "name", "PassthroughCluster", "type", "ORIGINAL_DST",
		"connect_timeout", "10s", "lb_policy", "CLUSTER_PROVIDED", "circuit_breakers", maxThresholds(),
		"typed_extension_protocol_options", originalDstProtocolOptions(), "filters", []any{metadataExchange()})
	bind127 := o("source_address", o("address", "127.0.0.6", "port_value", 0))
	dyn["InboundPassthroughClusterIpv4"] = o("@type", typeCluster, "name", "InboundPassthroughClusterIpv4", "type", "ORIGINAL_DST",
		"connect_timeout", "10s", "lb_policy", "CLUSTER_PROVIDED", "circuit_breakers", maxThresholds(),
		"upstream_bind_config", bind127, "typed_extension_protocol_options", originalDstProtocolOptions(),
		"filters", []any{metadataExchange()})
	dyn["inbound|9080||"] = o("@type", typeCluster, "name", "inbound|9080||", "type", "ORIGINAL_DST",
		"connect_timeout", "10s", "lb_policy", "CLUSTER_PROVIDED", "circuit_breakers", maxThresholds(),
		"cleanup_interval", "60s", "upstream_bind_config", clone(bind127),
		"metadata", o("filter_metadata", o("istio", o("services", []any{o("host", "productpage.default.svc.cluster.local", "name", "productpage", "namespace", "default")}))),
		"typed_extension_protocol_options", originalDstProtocolOptions())
	names := make([]string, 0, len(dyn))
	for n := range dyn {
		names = append(names, n)
	}
	sort.Strings(names)
	var dynamic []any
	for i, n := range names {
		dynamic = append(dynamic, dynamicEntry(xdsVersion(1), "cluster", dyn[n], ts(1130+i)))
	}
	return o("@type", "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "version_info", xdsVersion(1),
		"static_clusters", static, "dynamic_active_clusters", dynamic)
}

// endpointsSection takes the real EDS dump of this productpage sidecar: the static clusters' and
// the kept Services' load assignments as Envoy printed them, the subsets cut from reviews' by the
// endpoints' version, and the empty ones Envoy prints for its STATIC and ORIGINAL_DST clusters.
func endpointsSection(realEDS *obj, clusters *obj) (*obj, error) {
	byName := map[string]*obj{}
	for _, k := range []string{"static_endpoint_configs", "dynamic_endpoint_configs"} {
		for _, e := range atList(realEDS, k) {
			byName[atStr(e, "endpoint_config", "cluster_name")] = e.(*obj)
		}
	}
	var static, dynamic []any
	for _, c := range atList(clusters, "static_clusters") {
		n := atStr(c, "cluster", "name")
		e, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("the real EDS dump has no %q", n)
		}
		static = append(static, cloneObj(e))
	}
	for _, c := range atList(clusters, "dynamic_active_clusters") {
		n := atStr(c, "cluster", "name")
		if e, ok := byName[n]; ok {
			dynamic = append(dynamic, cloneObj(e))
			continue
		}
		// a subset: the Service's assignment with only the endpoints of that version
		sub := atStr(c, "cluster", "metadata", "filter_metadata", "istio", "subset")
		port := at(c, "cluster", "metadata", "filter_metadata", "istio", "default_original_port")
		host := atStr(c, "cluster", "metadata", "filter_metadata", "istio", "services", 0, "host")
		base, ok := byName[outboundName(port.(int), "", host)]
		if sub == "" || !ok {
			return nil, fmt.Errorf("the real EDS dump has no %q", n)
		}
		e := cloneObj(base)
		cla := atObj(e, "endpoint_config")
		cla.set("cluster_name", n)
		for _, loc := range atList(cla, "endpoints") {
			var kept []any
			for _, lb := range atList(loc, "lb_endpoints") {
				if workloadVersion(lb.(*obj)) == sub {
					kept = append(kept, lb)
				}
			}
			loc.(*obj).set("lb_endpoints", kept)
			loc.(*obj).set("load_balancing_weight", len(kept))
		}
		dynamic = append(dynamic, e)
	}
	return o("@type", "type.googleapis.com/envoy.admin.v3.EndpointsConfigDump",
		"static_endpoint_configs", static, "dynamic_endpoint_configs", dynamic), nil
}

// adminClusters is /clusters?format=json for the same clusters: one host status per endpoint, as
// Envoy prints them, with small request counters on the bookinfo hosts productpage calls.
func adminClusters(eds *obj) *obj {
	var out []any
	for _, k := range []string{"static_endpoint_configs", "dynamic_endpoint_configs"} {
		for i, e := range atList(eds, k) {
			cla := atObj(e, "endpoint_config")
			name := atStr(cla, "cluster_name")
			var hosts []any
			for _, loc := range atList(cla, "endpoints") {
				for j, lb := range atList(loc, "lb_endpoints") {
					calls := 0
					if isBookinfo(name) {
						calls = 40 + 17*((i+j)%5)
					}
					stats := []any{
						stat("", "cx_connect_fail", 0), stat("", "cx_total", calls/20),
						stat("", "rq_error", 0), stat("", "rq_success", calls),
						stat("", "rq_timeout", 0), stat("", "rq_total", calls),
						stat("GAUGE", "cx_active", calls/40), stat("GAUGE", "rq_active", 0),
					}
					hosts = append(hosts, o("address", clone(at(lb, "endpoint", "address")), "stats", stats,
						"health_status", o("eds_health_status", atStr(lb, "health_status")),
						"weight", 1, "locality", o()))
				}
			}
			cs := o("name", name, "observability_name", name)
			if k == "dynamic_endpoint_configs" {
				cs.set("added_via_api", true)
			}
			cs.set("circuit_breakers", o("thresholds", []any{
				o("max_connections", int64(4294967295), "max_pending_requests", int64(4294967295), "max_requests", int64(4294967295), "max_retries", int64(4294967295)),
				o("priority", "HIGH", "max_connections", 1024, "max_pending_requests", 1024, "max_requests", 1024, "max_retries", 3)}))
			if len(hosts) > 0 {
				cs.set("host_statuses", hosts)
			}
			out = append(out, cs)
		}
	}
	return o("cluster_statuses", out)
}

// stat is one host statistic as Envoy prints it: type (when a gauge), value (a uint64 as a
// string, omitted when zero), name.
func stat(typ, name string, n int) *obj {
	s := &obj{}
	if typ != "" {
		s.set("type", typ)
	}
	if n != 0 {
		s.set("value", fmt.Sprint(n))
	}
	return s.set("name", name)
}

func isBookinfo(cluster string) bool {
	for _, s := range []string{"details", "reviews"} { // productpage does not call ratings: reviews does
		for _, p := range []string{"|9080||", "|9080|v1|", "|9080|v2|", "|9080|v3|"} {
			if cluster == "outbound"+p+s+".default.svc.cluster.local" {
				return true
			}
		}
	}
	return false
}
