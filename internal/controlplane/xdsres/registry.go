// Package xdsres holds what the bundled control plane and the Envoy emulator share about xDS
// resources: the type URLs they serve, the extension types they can decode, resource names, and
// the Envoy-shaped admin ConfigDump built from a set of resources.
package xdsres

import (
	"errors"
	"fmt"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/xdsctl/xdsctl/pkg/xdstype"

	// Extension types a snapshot may name in typed_config. protojson and anypb resolve `@type`
	// through the global registry, so every type a snapshot or a response may carry is linked here.
	_ "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/clusters/aggregate/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/cors/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/fault/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/health_check/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/listener/tls_inspector/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/tcp_proxy/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/load_balancing_policies/round_robin/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
)

// Kind is one of the resource types the bundled control plane serves.
type Kind struct {
	Key      string // the key in a snapshot file: "clusters"
	Short    string // the column in status tables: "CDS"
	Singular string // in messages: "cluster"
	TypeURL  string
}

// Kinds are the served types in the order Envoy subscribes to them (and status tables list them).
var Kinds = []Kind{
	{Key: "clusters", Short: "CDS", Singular: "cluster", TypeURL: resource.ClusterType},
	{Key: "endpoints", Short: "EDS", Singular: "endpoint", TypeURL: resource.EndpointType},
	{Key: "listeners", Short: "LDS", Singular: "listener", TypeURL: resource.ListenerType},
	{Key: "routes", Short: "RDS", Singular: "route", TypeURL: resource.RouteType},
	{Key: "secrets", Short: "SDS", Singular: "secret", TypeURL: resource.SecretType},
}

// KindOf returns the Kind of a type URL.
func KindOf(typeURL string) (Kind, bool) {
	for _, k := range Kinds {
		if k.TypeURL == typeURL {
			return k, true
		}
	}
	return Kind{}, false
}

// ShortName returns "CDS" for the cluster type URL, or the type URL itself for a type xdstype
// does not know. It is xdstype.ShortOrURL.
func ShortName(typeURL string) string { return xdstype.ShortOrURL(typeURL) }

// Name returns the name of an xDS resource (cluster_name for a ClusterLoadAssignment).
func Name(m proto.Message) string {
	r, ok := m.(types.Resource)
	if !ok {
		return ""
	}
	return cachev3.GetResourceName(r)
}

// Decode unpacks a resource from an Any, refusing a type that is not the one expected.
func Decode(a *anypb.Any, typeURL string) (proto.Message, error) {
	if a == nil {
		return nil, errors.New("empty resource")
	}
	if typeURL != "" && a.GetTypeUrl() != typeURL {
		return nil, fmt.Errorf("resource of type %q in a response of type %q", a.GetTypeUrl(), typeURL)
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", a.GetTypeUrl(), err)
	}
	return m, nil
}

// LegacyWildcard tells whether a request naming no resources of typeURL subscribes to all of
// them (the xDS protocol's legacy wildcard): true for listeners and clusters, which Envoy asks for
// that way, false for endpoints, routes and secrets, which clients always name (an empty list
// there means "none", as gRPC sends when it drops its last watch). The server and the tracker
// both follow this.
func LegacyWildcard(typeURL string) bool {
	switch typeURL {
	case resource.EndpointType, resource.RouteType, resource.SecretType:
		return false
	}
	return true
}

// NamedOnlyTypes are the types LegacyWildcard is false for.
var NamedOnlyTypes = []string{resource.EndpointType, resource.RouteType, resource.SecretType}
