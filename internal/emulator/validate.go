package emulator

import (
	"errors"
	"fmt"
	"strings"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
	"github.com/xdsctl/xdsctl/pkg/validate"
)

// decoded is one resource of a response.
type decoded struct {
	name string
	raw  *anypb.Any
	msg  proto.Message
	err  error // why this resource is rejected (the others of the response may still be accepted)
	skip bool  // ignored without a NACK, as Envoy ignores an api_listener sent over LDS
}

// decodeResources checks the resources of a response as Envoy does before applying them. A
// non-nil error rejects the whole response (a resource of another type, an undecodable one, a
// duplicate name); otherwise each resource carries its own validation error, if any.
func decodeResources(typeURL string, anys []*anypb.Any, rejectUnknown bool) ([]decoded, error) {
	kind, ok := xdsres.KindOf(typeURL)
	if !ok {
		return nil, fmt.Errorf("unknown type URL %s", typeURL)
	}
	out := make([]decoded, 0, len(anys))
	seen := map[string]bool{}
	for _, a := range anys {
		if a.GetTypeUrl() != typeURL {
			return nil, fmt.Errorf("type URL %s embedded in an individual Any does not match the message-wide type URL %s in DiscoveryResponse", a.GetTypeUrl(), typeURL)
		}
		m, err := a.UnmarshalNew()
		if err != nil {
			return nil, fmt.Errorf("unable to unpack as %s: %s", strings.TrimPrefix(typeURL, "type.googleapis.com/"), protoErr(err))
		}
		name := xdsres.Name(m)
		if seen[name] {
			return nil, fmt.Errorf("duplicate %s %s found", kind.Singular, name)
		}
		seen[name] = true
		d := decoded{name: name, raw: a, msg: m}
		if l, ok := m.(*listenerv3.Listener); ok && l.GetApiListener() != nil {
			d.skip = true // Envoy: "lds: add/update listener '<name>' skipped"
		} else {
			d.err = envoyCheck(m, rejectUnknown)
		}
		out = append(out, d)
	}
	return out, nil
}

// envoyCheck is what Envoy checks before it applies a resource (pkg/validate, the one validator
// xdsctl has): the first error, in Envoy's words. A typed_config of a type the Envoy API does not
// declare is rejected too (Envoy has no factory for it); field numbers the API does not declare
// are ignored, as Envoy ignores them in dynamic config, unless rejectUnknown (Envoy's
// --reject-unknown-dynamic-fields).
func envoyCheck(m proto.Message, rejectUnknown bool) error {
	for _, p := range validate.Message(m) {
		switch {
		case p.Severity == validate.Error,
			p.Kind == validate.KindUnknownType && strings.HasSuffix(p.Path, "typed_config"),
			p.Kind == validate.KindUnknownField && rejectUnknown:
			return errors.New(p.Envoy)
		}
	}
	return nil
}

// protoErr is a protobuf error's text without the non-breaking space protobuf-go puts in it at
// random, to keep callers from matching its messages.
func protoErr(err error) string {
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}

// edsNames are the EDS service names of the EDS clusters.
func edsNames(clusters []proto.Message) []string {
	var out []string
	for _, m := range clusters {
		c, ok := m.(*clusterv3.Cluster)
		if !ok || c.GetType() != clusterv3.Cluster_EDS {
			continue
		}
		name := c.GetEdsClusterConfig().GetServiceName()
		if name == "" {
			name = c.GetName()
		}
		out = append(out, name)
	}
	return out
}

// rdsNames are the route configurations the listeners' HTTP connection managers fetch over RDS.
func rdsNames(listeners []proto.Message) []string {
	var out []string
	for _, m := range listeners {
		l, ok := m.(*listenerv3.Listener)
		if !ok {
			continue
		}
		for _, fc := range append(append([]*listenerv3.FilterChain(nil), l.GetFilterChains()...), l.GetDefaultFilterChain()) {
			for _, f := range fc.GetFilters() {
				h := &hcmv3.HttpConnectionManager{}
				if f.GetTypedConfig().MessageIs(h) && f.GetTypedConfig().UnmarshalTo(h) == nil && h.GetRds() != nil {
					out = append(out, h.GetRds().GetRouteConfigName())
				}
			}
		}
	}
	return out
}

// sdsNames are the secrets clusters and listeners fetch over ADS.
func sdsNames(clusters, listeners []proto.Message) []string {
	var out []string
	addCommon := func(c *tlsv3.CommonTlsContext) {
		for _, s := range c.GetTlsCertificateSdsSecretConfigs() {
			if isADS(s.GetSdsConfig()) {
				out = append(out, s.GetName())
			}
		}
		if s := c.GetValidationContextSdsSecretConfig(); s != nil && isADS(s.GetSdsConfig()) {
			out = append(out, s.GetName())
		}
		if s := c.GetCombinedValidationContext().GetValidationContextSdsSecretConfig(); s != nil && isADS(s.GetSdsConfig()) {
			out = append(out, s.GetName())
		}
	}
	for _, m := range clusters {
		if c, ok := m.(*clusterv3.Cluster); ok {
			u := &tlsv3.UpstreamTlsContext{}
			if a := c.GetTransportSocket().GetTypedConfig(); a.MessageIs(u) && a.UnmarshalTo(u) == nil {
				addCommon(u.GetCommonTlsContext())
			}
		}
	}
	for _, m := range listeners {
		if l, ok := m.(*listenerv3.Listener); ok {
			for _, fc := range l.GetFilterChains() {
				d := &tlsv3.DownstreamTlsContext{}
				if a := fc.GetTransportSocket().GetTypedConfig(); a.MessageIs(d) && a.UnmarshalTo(d) == nil {
					addCommon(d.GetCommonTlsContext())
				}
			}
		}
	}
	return out
}

func isADS(c *corev3.ConfigSource) bool { return c != nil && c.GetAds() != nil }
