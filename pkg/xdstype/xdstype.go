// Package xdstype names xDS resource types: the type URLs of the v3 types Envoy and Istio
// subscribe to, and the short names (CDS, LDS, EDS, RDS, ECDS, SDS...) that status tables and
// messages use for them. It is the one table of these names: pkg/status, the bundled control
// plane, its gRPC peer and the self-test all ask it.
package xdstype

import "strings"

// The v3 type URLs of the types Envoy's dynamic config is made of.
const (
	Cluster         = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	Listener        = "type.googleapis.com/envoy.config.listener.v3.Listener"
	Endpoint        = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
	Route           = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	ExtensionConfig = "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"
	Secret          = "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret"
	ScopedRoute     = "type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration"
)

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

// v3URLs are the canonical v3 type URLs of the short names that have one here.
var v3URLs = map[string]string{
	"CDS": Cluster, "LDS": Listener, "EDS": Endpoint, "RDS": Route, "ECDS": ExtensionConfig, "SDS": Secret, "SRDS": ScopedRoute,
}

// messageName is the type URL without its host (type.googleapis.com/ or another); a URL such as
// istio.io/debug/syncz, with no dot before its last slash, is kept whole.
func messageName(typeURL string) string {
	if i := strings.LastIndexByte(typeURL, '/'); i >= 0 && strings.Contains(typeURL[:i], ".") {
		return typeURL[i+1:]
	}
	return typeURL
}

// Short returns the short name of a known type URL (v3 or v2 spelling, with or without the
// type.googleapis.com/ prefix): CDS, LDS, EDS, RDS, ECDS, SDS, SRDS, VHDS, RTDS, LEDS, WDS, WADS.
// ok is false for a type it does not know.
func Short(typeURL string) (short string, ok bool) {
	short, ok = shortNames[messageName(typeURL)]
	return short, ok
}

// ShortName is Short for a known type; an unknown type gets the last segment of its message
// name (type.googleapis.com/foo.v1.Bar → Bar, istio.io/debug/syncz → syncz); "" gives "".
func ShortName(typeURL string) string {
	name := messageName(typeURL)
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

// ShortOrURL is Short for a known type and the type URL itself for another, for messages that
// must not lose an unknown type's full name.
func ShortOrURL(typeURL string) string {
	if s, ok := Short(typeURL); ok {
		return s
	}
	return typeURL
}

// V3URL is the canonical v3 type URL of a short name: CDS, LDS, EDS, RDS, ECDS, SDS and SRDS
// have one; other names give "".
func V3URL(short string) string {
	return v3URLs[short]
}
