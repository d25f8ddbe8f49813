package main

import (
	"fmt"
)

func staticCluster(name, timeout string, addr *obj, extra ...any) *obj {
	c := o("name", name, "alt_stat_name", name+";", "type", "STATIC", "connect_timeout", timeout)
	for i := 0; i+1 < len(extra); i += 2 {
		c.set(extra[i].(string), extra[i+1])
	}
	return c.set("lb_policy", "ROUND_ROBIN").set("load_assignment", o("cluster_name", name, "endpoints", []any{
		o("lb_endpoints", []any{o("endpoint", o("address", addr))})}))
}

func socket(ip string, port int) *obj {
	return o("socket_address", o("address", ip, "port_value", port))
}

func pipe(path string) *obj { return o("pipe", o("path", path)) }

func h2Options() *obj {
	return o("envoy.extensions.upstreams.http.v3.HttpProtocolOptions", o(
		"@type", "type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
		"explicit_http_config", o("http2_protocol_options", o())))
}

func xdsSource() *obj {
	return o("ads", o(), "initial_fetch_timeout", "0s", "resource_api_version", "V3")
}

// bootstrap is what pilot-agent writes into envoy-rev.json for an Istio 1.27 sidecar (the parts a
// reader of proxy-config meets: node, static listeners and clusters, ADS, admin), with the node's
// user agent as Envoy fills it in.
func bootstrap(realLDS *obj) (*obj, error) {
	statics := atList(realLDS, "static_listeners")
	if len(statics) != 2 {
		return nil, fmt.Errorf("the real LDS dump has %d static listeners, want the 15090 and 15021 ones", len(statics))
	}
	var listeners []any
	for _, s := range statics {
		l := cloneObj(atObj(s, "listener"))
		l.del("@type")
		port := at(l, "address", "socket_address", "port_value")
		// Istio names them since 1.2x (unnamed, Envoy gives a static listener a random UUID)
		l.fields = append([]field{{"name", fmt.Sprintf("0.0.0.0_%v", port)}}, l.fields...)
		listeners = append(listeners, l)
	}
	labels := o("app", "productpage", "pod-template-hash", "7bbd79f8fd", "security.istio.io/tlsMode", "istio",
		"service.istio.io/canonical-name", "productpage", "service.istio.io/canonical-revision", "v1", "version", "v1")
	md := o(
		"ANNOTATIONS", o("istio.io/rev", "default", "kubectl.kubernetes.io/default-container", "productpage",
			"kubectl.kubernetes.io/default-logs-container", "productpage", "kubernetes.io/config.seen", "2026-11-16T08:28:44.160522831Z",
			"kubernetes.io/config.source", "api", "prometheus.io/path", "/stats/prometheus", "prometheus.io/port", "15020",
			"prometheus.io/scrape", "true", "sidecar.istio.io/status", `{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}`),
		"APP_CONTAINERS", "productpage",
		"CLUSTER_ID", "Kubernetes",
		"ENVOY_PROMETHEUS_PORT", 15090,
		"ENVOY_STATUS_PORT", 15021,
		"INSTANCE_IPS", podIP,
		"INTERCEPTION_MODE", "REDIRECT",
		"ISTIO_PROXY_SHA", proxySHA,
		"ISTIO_VERSION", istioVersion,
		"LABELS", labels,
		"MESH_ID", trustDomain,
		"NAME", podName,
		"NAMESPACE", podNS,
		"NODE_NAME", "kind-control-plane",
		"OWNER", "kubernetes://apis/apps/v1/namespaces/default/deployments/productpage-v1",
		"PILOT_SAN", []any{"istiod.istio-system.svc"},
		"POD_PORTS", `[{"containerPort":9080,"protocol":"TCP"}]`,
		"PROXY_CONFIG", o("binaryPath", "/usr/local/bin/envoy", "configPath", "./etc/istio/proxy",
			"controlPlaneAuthPolicy", "MUTUAL_TLS", "discoveryAddress", "istiod.istio-system.svc:15012",
			"drainDuration", "45s", "proxyAdminPort", 15000, "serviceCluster", "istio-proxy", "statNameLength", 189,
			"statusPort", 15020, "terminationDrainDuration", "5s"),
		"SERVICE_ACCOUNT", serviceAcct,
		"WORKLOAD_NAME", "productpage-v1",
	)
	node := o("id", fmt.Sprintf("sidecar~%s~%s.%s~%s.svc.cluster.local", podIP, podName, podNS, podNS),
		"cluster", "productpage.default",
		"metadata", md,
		"locality", o(),
		"user_agent_name", "envoy",
		"user_agent_build_version", o("version", o("major_number", envoyMajor, "minor_number", envoyMinor, "patch", envoyPatch),
			"metadata", o("build.label", "dev", "build.type", "RELEASE", "revision.sha", proxySHA,
				"revision.status", "Clean", "ssl.version", "BoringSSL")),
	)
	clusters := []any{
		staticCluster("prometheus_stats", "0.250s", socket("127.0.0.1", 15000)),
		staticCluster("agent", "0.250s", socket("127.0.0.1", 15020)),
		staticCluster("sds-grpc", "1s", pipe("./var/run/secrets/workload-spiffe-uds/socket"), "typed_extension_protocol_options", h2Options()),
		staticCluster("xds-grpc", "1s", pipe("./etc/istio/proxy/XDS"), "typed_extension_protocol_options", h2Options(),
			"circuit_breakers", o("thresholds", []any{
				o("priority", "DEFAULT", "max_connections", 100000, "max_pending_requests", 100000, "max_requests", 100000),
				o("priority", "HIGH", "max_connections", 100000, "max_pending_requests", 100000, "max_requests", 100000)}),
			"upstream_connection_options", o("tcp_keepalive", o("keepalive_time", 300)),
			"max_requests_per_connection", 1),
	}
	boot := o(
		"node", node,
		"static_resources", o("listeners", listeners, "clusters", clusters),
		"dynamic_resources", o("lds_config", xdsSource(), "cds_config", xdsSource(),
			"ads_config", o("api_type", "DELTA_GRPC", "grpc_services", []any{o("envoy_grpc", o("cluster_name", "xds-grpc"))},
				"set_node_on_first_message_only", true, "transport_api_version", "V3")),
		"admin", o("address", socket("127.0.0.1", 15000), "profile_path", "/var/lib/istio/data/envoy.prof",
			"access_log", []any{o("name", "envoy.access_loggers.file", "typed_config", o(
				"@type", "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog", "path", "/dev/null"))}),
		"layered_runtime", o("layers", []any{
			o("name", "global config", "static_layer", o("envoy.reloadable_features.http_reject_path_with_fragment", false,
				"overload.global_downstream_max_connections", "2147483647", "re2.max_program_size.error_level", "32768")),
			o("name", "admin", "admin_layer", o())}),
		"bootstrap_extensions", []any{o("name", "envoy.bootstrap.internal_listener", "typed_config", o(
			"@type", "type.googleapis.com/udpa.type.v1.TypedStruct",
			"type_url", "type.googleapis.com/envoy.extensions.bootstrap.internal_listener.v3.InternalListener",
			"value", o("buffer_size_kb", 64)))},
	)
	return boot, nil
}
