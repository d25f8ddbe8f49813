package main

import (
	"fmt"
	"strings"
)

// keptListeners are the real sidecar's outbound listeners for the Services the demo keeps (same
// cluster, same ClusterIPs), plus virtualOutbound and virtualInbound.
var keptListeners = []string{
	"10.96.0.10_53", "10.108.65.203_443", "10.108.65.203_15012", "10.100.160.191_15021",
	"0.0.0.0_9080", "0.0.0.0_80", "10.96.0.10_9153", "0.0.0.0_15014", "0.0.0.0_15010",
	"virtualOutbound", "virtualInbound",
}

// The real sidecar was httpbin's (port 80, Service port 8000, AuthorizationPolicies); the demo's
// is productpage's (port 9080).
var podRewrites = map[string]string{
	"httpbin": "productpage",
	"httpbin,service.name=httpbin,service.version=v1": "productpage,service.name=productpage,service.version=v1",
	"httpbin.default.svc.cluster.local:8000/*":        "productpage.default.svc.cluster.local:9080/*",
	"inbound|http|8000":                               "inbound|http|9080",
	"inbound|80||":                                    "inbound|9080||",
	"inbound_0.0.0.0_80":                              "inbound_0.0.0.0_9080",
	// that cluster's ingress was a Gateway API gateway on this ClusterIP; the demo's is istio-ingressgateway
	"outbound|15021||gateway-istio.istio-ingress.svc.cluster.local": "outbound|15021||istio-ingressgateway.istio-system.svc.cluster.local",
}

// droppedFilters belong to the httpbin sidecar's AuthorizationPolicies, which the demo has not.
var droppedFilters = map[string]bool{
	"envoy.filters.http.rbac": true, "envoy.filters.http.ext_authz": true, "envoy.filters.network.rbac": true,
}

func listenersSection(realLDS *obj, boot *obj, wasmFilter string) (*obj, error) {
	byName := map[string]*obj{}
	for _, l := range atList(realLDS, "dynamic_listeners") {
		byName[atStr(l, "name")] = l.(*obj)
	}
	var dynamic []any
	for i, n := range keptListeners {
		l, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("the real LDS dump has no listener %q", n)
		}
		l = cloneObj(l)
		if n == "virtualInbound" {
			if err := productpageInbound(atObj(l, "active_state", "listener"), wasmFilter); err != nil {
				return nil, err
			}
		}
		mapStrings(l, func(s string) string {
			if r, ok := podRewrites[s]; ok {
				return r
			}
			return s
		})
		atObj(l, "active_state").set("version_info", xdsVersion(1)).set("last_updated", ts(1210+i))
		dynamic = append(dynamic, l)
	}
	// the ingress gateway's 443 port: a TCP listener of the same shape as kubernetes.default's
	gw := retarget(byName["10.96.0.1_443"], "10.96.0.1", "10.100.160.191", "kubernetes.default", "istio-ingressgateway.istio-system")
	atObj(gw, "active_state").set("version_info", xdsVersion(1)).set("last_updated", ts(1210+len(dynamic)))
	dynamic = append(dynamic, gw)
	var static []any
	for _, l := range atList(boot, "static_resources", "listeners") {
		lc := cloneObj(l.(*obj))
		lc.fields = append([]field{{"@type", "type.googleapis.com/envoy.config.listener.v3.Listener"}}, lc.fields...)
		static = append(static, o("listener", lc, "last_updated", ts(4)))
	}
	return o("@type", "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "version_info", xdsVersion(1),
		"static_listeners", static, "dynamic_listeners", dynamic), nil
}

// retarget copies a VIP listener for another Service on the same port.
func retarget(l *obj, fromIP, toIP, fromSvc, toSvc string) *obj {
	c := cloneObj(l)
	mapStrings(c, func(s string) string {
		s = strings.ReplaceAll(s, fromIP, toIP)
		return strings.ReplaceAll(s, fromSvc+".svc.cluster.local", toSvc+".svc.cluster.local")
	})
	return c
}

// productpageInbound turns the httpbin sidecar's virtualInbound into productpage's under STRICT
// mTLS: the TLS filter chains only, without the authorization filters, the port-80 chain moved to
// 9080 with the WasmPlugin's ECDS filter before the router.
func productpageInbound(l *obj, wasmFilter string) error {
	var chains []any
	for _, fc := range atList(l, "filter_chains") {
		fc := fc.(*obj)
		name := atStr(fc, "name")
		match := atObj(fc, "filter_chain_match")
		if name != "virtualInbound-blackhole" && atStr(match, "transport_protocol") != "tls" {
			continue
		}
		if name == "0.0.0.0_80" {
			fc.set("name", "0.0.0.0_9080")
			match.set("destination_port", 9080)
		}
		var filters []any
		for _, f := range atList(fc, "filters") {
			if !droppedFilters[atStr(f, "name")] {
				filters = append(filters, f)
			}
		}
		fc.set("filters", filters)
		for _, f := range filters {
			tc, ok := at(f, "typed_config").(*obj)
			if !ok || atStr(f, "name") != "envoy.filters.network.http_connection_manager" {
				continue
			}
			var kept []any
			for _, hf := range atList(tc, "http_filters") {
				hn := atStr(hf, "name")
				if droppedFilters[hn] {
					continue
				}
				if hn == "envoy.filters.http.router" && name == "0.0.0.0_80" {
					kept = append(kept, ecdsRef(wasmFilter))
				}
				kept = append(kept, hf)
			}
			tc.set("http_filters", kept)
		}
		chains = append(chains, fc)
	}
	l.set("filter_chains", chains)
	// the http_inspector is off for the ports known to be HTTP: now 9080, not 80
	for _, lf := range atList(l, "listener_filters") {
		for _, r := range atList(lf, "filter_disabled", "or_match", "rules") {
			if rng, ok := at(r, "destination_port_range").(*obj); ok && fmt.Sprint(rng.get("start")) == "80" {
				rng.set("start", 9080).set("end", 9081)
			}
		}
	}
	return nil
}

// ecdsRef is how istiod places a WasmPlugin in an HTTP filter chain: by name, fetched over ADS.
func ecdsRef(name string) *obj {
	return o("name", name, "config_discovery", o(
		"config_source", o("ads", o(), "initial_fetch_timeout", "0s", "resource_api_version", "V3"),
		"type_urls", []any{"type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm",
			"type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC"}))
}

// inlineRouteConfigs are the route configurations written inside listeners: Envoy lists each in
// the RoutesConfigDump's static_route_configs.
func inlineRouteConfigs(listeners *obj) []*obj {
	var out []*obj
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case *obj:
			if atStr(t, "@type") == "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager" {
				if rc, ok := t.get("route_config").(*obj); ok {
					out = append(out, rc)
				}
			}
			for _, f := range t.fields {
				walk(f.v)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(listeners)
	return out
}
