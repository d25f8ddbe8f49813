package status

import "strings"

// StandardTypes are the columns every status table shows, in this order.
var StandardTypes = []string{"CDS", "LDS", "EDS", "RDS", "ECDS"}

func standardIndex(short string) int {
	for i, s := range StandardTypes {
		if s == short {
			return i
		}
	}
	return -1
}

// shortNames maps message names (type URL without the prefix) of v3 and v2 xDS resources to short names.
var shortNames = map[string]string{
	"envoy.config.cluster.v3.Cluster":                  "CDS",
	"envoy.api.v2.Cluster":                             "CDS",
	"envoy.config.listener.v3.Listener":                "LDS",
	"envoy.api.v2.Listener":                            "LDS",
	"envoy.config.endpoint.v3.ClusterLoadAssignment":   "EDS",
	"envoy.api.v2.ClusterLoadAssignment":               "EDS",
	"envoy.config.route.v3.RouteConfiguration":         "RDS",
	"envoy.api.v2.RouteConfiguration":                  "RDS",
	"envoy.config.core.v3.TypedExtensionConfig":        "ECDS",
	"envoy.extensions.transport_sockets.tls.v3.Secret": "SDS",
	"envoy.api.v2.auth.Secret":                         "SDS",
	"envoy.config.route.v3.ScopedRouteConfiguration":   "SRDS",
	"envoy.api.v2.ScopedRouteConfiguration":            "SRDS",
	"envoy.config.route.v3.VirtualHost":                "VHDS",
	"envoy.api.v2.route.VirtualHost":                   "VHDS",
	"envoy.service.runtime.v3.Runtime":                 "RTDS",
	"envoy.service.discovery.v2.Runtime":               "RTDS",
	"envoy.config.endpoint.v3.LbEndpoint":              "LEDS",
	"istio.workload.Address":                           "WDS",
	"istio.security.Authorization":                     "WADS",
}

// ShortType maps a type URL (v3 or v2 spelling, with or without the type.googleapis.com/ prefix) to its
// short name: CDS, LDS, EDS, RDS, ECDS, SDS, SRDS, VHDS, RTDS, LEDS, WDS, WADS. Unknown types get the last
// segment of their message name (type.googleapis.com/foo.v1.Bar → Bar); an empty URL gives "".
func ShortType(typeURL string) string {
	name := typeURL
	if i := strings.LastIndexByte(name, '/'); i >= 0 && strings.Contains(name[:i], ".") {
		// type.googleapis.com/x.y.Z or another host; istio.io/debug/syncz has no dot before its last slash
		name = name[i+1:]
	}
	if s, ok := shortNames[name]; ok {
		return s
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// V3TypeURL is the canonical v3 type URL of a short name (for the standard types and SDS).
func V3TypeURL(short string) string {
	switch short {
	case "CDS":
		return "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	case "LDS":
		return "type.googleapis.com/envoy.config.listener.v3.Listener"
	case "EDS":
		return "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	case "RDS":
		return "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	case "ECDS":
		return "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"
	case "SDS":
		return "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
	case "SRDS":
		return "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration"
	}
	return ""
}
