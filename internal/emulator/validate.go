package emulator

import (
	"errors"
	"fmt"
	"strings"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
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
func decodeResources(typeURL string, anys []*anypb.Any) ([]decoded, error) {
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
			d.err = validateResource(m)
		}
		out = append(out, d)
	}
	return out, nil
}

type allValidator interface{ ValidateAll() error }

// validateResource is proto constraint validation (what Envoy's MessageUtil::validate does) plus
// the checks Envoy makes when it builds a listener or cluster from the proto.
func validateResource(m proto.Message) error {
	if err := validateProto(m); err != nil {
		return err
	}
	switch r := m.(type) {
	case *listenerv3.Listener:
		return validateListener(r)
	case *clusterv3.Cluster:
		if ts := r.GetTransportSocket(); ts != nil {
			if _, err := unpackTyped(ts.GetName(), ts.GetTypedConfig()); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateProto runs the proto constraints (protoc-gen-validate) and words the first violation
// as Envoy's MessageUtil::validate does: "Proto constraint validation failed
// (ClusterValidationError.ConnectTimeout: value must be greater than 0s)", with "| caused by"
// for a violation inside an embedded message.
func validateProto(m proto.Message) error {
	v, ok := m.(allValidator)
	if !ok {
		return nil
	}
	err := v.ValidateAll()
	if err == nil {
		return nil
	}
	if multi, ok := err.(interface{ AllErrors() []error }); ok && len(multi.AllErrors()) > 0 {
		err = multi.AllErrors()[0]
	}
	return fmt.Errorf("Proto constraint validation failed (%s)", envoyWording(err))
}

// pgvError is what protoc-gen-validate's generated errors offer.
type pgvError interface {
	Field() string
	Reason() string
	Cause() error
	Key() bool
	ErrorName() string
}

func envoyWording(err error) string {
	pe, ok := err.(pgvError)
	if !ok {
		return oneLine(err.Error())
	}
	s := pe.ErrorName() + "." + upperFirst(pe.Field()) + ": " + pe.Reason()
	if c := pe.Cause(); c != nil {
		if multi, ok := c.(interface{ AllErrors() []error }); ok && len(multi.AllErrors()) > 0 {
			c = multi.AllErrors()[0]
		}
		s += " | caused by " + envoyWording(c)
	}
	return s
}

// upperFirst turns PGV's Go field path ("ConnectTimeout", "Endpoints[0]") into Envoy's (the same,
// capitalised): both name fields in CamelCase.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// protoErr is a protobuf error's text without the non-breaking space protobuf-go puts in it at
// random, to keep callers from matching its messages.
func protoErr(err error) string {
	return strings.ReplaceAll(err.Error(), "\u00a0", " ")
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// unpackTyped resolves a typed_config the way Envoy finds an extension factory.
func unpackTyped(name string, a *anypb.Any) (proto.Message, error) {
	if a == nil {
		return nil, fmt.Errorf("extension %q has no typed_config", name)
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		return nil, fmt.Errorf("Didn't find a registered implementation for '%s' with type URL: '%s'", name, strings.TrimPrefix(a.GetTypeUrl(), "type.googleapis.com/"))
	}
	if err := validateProto(m); err != nil {
		return nil, err
	}
	return m, nil
}

func validateListener(l *listenerv3.Listener) error {
	if l.GetAddress() == nil && l.GetInternalListener() == nil {
		return fmt.Errorf("error adding listener named '%s': address is necessary", l.GetName())
	}
	chains := append([]*listenerv3.FilterChain(nil), l.GetFilterChains()...)
	if dc := l.GetDefaultFilterChain(); dc != nil {
		chains = append(chains, dc)
	}
	for _, fc := range chains {
		if ts := fc.GetTransportSocket(); ts != nil {
			if _, err := unpackTyped(ts.GetName(), ts.GetTypedConfig()); err != nil {
				return err
			}
		}
		for _, f := range fc.GetFilters() {
			m, err := unpackTyped(f.GetName(), f.GetTypedConfig())
			if err != nil {
				return err
			}
			if hcm, ok := m.(*hcmv3.HttpConnectionManager); ok {
				if err := validateHCM(hcm); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func validateHCM(h *hcmv3.HttpConnectionManager) error {
	if h.GetRds() == nil && h.GetRouteConfig() == nil && h.GetScopedRoutes() == nil {
		return errors.New("http_connection_manager has neither rds nor route_config")
	}
	filters := h.GetHttpFilters()
	for i, f := range filters {
		m, err := unpackTyped(f.GetName(), f.GetTypedConfig())
		if err != nil {
			return err
		}
		_, terminal := m.(*routerv3.Router)
		if terminal && i != len(filters)-1 {
			return fmt.Errorf("Error: terminal filter named %s of type envoy.filters.http.router must be the last filter in a http filter chain.", f.GetName())
		}
		if !terminal && i == len(filters)-1 {
			return fmt.Errorf("Error: non-terminal filter named %s of type %s is the last filter in a http filter chain.", f.GetName(), strings.TrimPrefix(f.GetTypedConfig().GetTypeUrl(), "type.googleapis.com/"))
		}
	}
	return nil
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
