package xdsres

import (
	"bytes"
	"encoding/json"
	"sort"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// Entry is one dynamic resource as a config dump shows it.
type Entry struct {
	TypeURL     string
	Name        string
	Version     string     // version_info of the update that brought Resource
	Resource    *anypb.Any // nil when no version was ever accepted (only Failure is shown)
	LastUpdated time.Time
	Failure     *Failure // the last rejected update of this resource, if any
	// ClientStatus is left UNKNOWN (omitted) unless the producer knows it.
	ClientStatus adminv3.ClientResourceStatus
	// Warming marks a cluster waiting for its endpoints or a listener waiting for its routes
	// (Envoy lists them as dynamic_warming_clusters and warming_state).
	Warming bool
}

// Failure is an UpdateFailureState.
type Failure struct {
	Details    string
	Version    string
	At         time.Time
	Configured *anypb.Any // failed_configuration
}

func (f *Failure) proto() *adminv3.UpdateFailureState {
	if f == nil {
		return nil
	}
	return &adminv3.UpdateFailureState{
		FailedConfiguration: RedactSecret(f.Configured),
		LastUpdateAttempt:   ts(f.At),
		Details:             f.Details,
		VersionInfo:         f.Version,
	}
}

func ts(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	return timestamppb.New(t)
}

// Dump is what a config dump is built from: the dynamic entries, the version last accepted per
// type (the section's version_info), and optional static sections a real Envoy would also show.
type Dump struct {
	Entries      []Entry
	TypeVersions map[string]string
	Bootstrap    *adminv3.BootstrapConfigDump // first section when set
	// StaticClusters are clusters from the bootstrap (Envoy lists them in static_clusters).
	StaticClusters []*anypb.Any
	// StaticEndpoints are the load assignments of StaticClusters, shown with include_eds.
	StaticEndpoints []*anypb.Any
	StaticUpdated   time.Time
}

// ConfigDump builds an admin ConfigDump in the order Envoy's /config_dump lists its sections:
// bootstrap, clusters, listeners, scoped routes, routes, secrets, and endpoints with includeEDS.
func (d *Dump) ConfigDump(includeEDS bool) *adminv3.ConfigDump {
	entries := append([]Entry(nil), d.Entries...)
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
	byType := map[string][]Entry{}
	for _, e := range entries {
		byType[e.TypeURL] = append(byType[e.TypeURL], e)
	}
	out := &adminv3.ConfigDump{}
	add := func(m proto.Message) {
		a, err := anypb.New(m)
		if err == nil {
			out.Configs = append(out.Configs, a)
		}
	}
	if d.Bootstrap != nil {
		add(d.Bootstrap)
	}

	clusters := &adminv3.ClustersConfigDump{VersionInfo: d.TypeVersions[resource.ClusterType]}
	for _, c := range d.StaticClusters {
		clusters.StaticClusters = append(clusters.StaticClusters, &adminv3.ClustersConfigDump_StaticCluster{Cluster: c, LastUpdated: ts(d.StaticUpdated)})
	}
	for _, e := range byType[resource.ClusterType] {
		dc := &adminv3.ClustersConfigDump_DynamicCluster{
			VersionInfo: e.Version, Cluster: e.Resource, LastUpdated: ts(e.LastUpdated),
			ErrorState: e.Failure.proto(), ClientStatus: e.ClientStatus,
		}
		if e.Warming {
			clusters.DynamicWarmingClusters = append(clusters.DynamicWarmingClusters, dc)
		} else {
			clusters.DynamicActiveClusters = append(clusters.DynamicActiveClusters, dc)
		}
	}
	add(clusters)

	listeners := &adminv3.ListenersConfigDump{VersionInfo: d.TypeVersions[resource.ListenerType]}
	for _, e := range byType[resource.ListenerType] {
		dl := &adminv3.ListenersConfigDump_DynamicListener{Name: e.Name, ErrorState: e.Failure.proto(), ClientStatus: e.ClientStatus}
		if e.Resource != nil {
			st := &adminv3.ListenersConfigDump_DynamicListenerState{VersionInfo: e.Version, Listener: e.Resource, LastUpdated: ts(e.LastUpdated)}
			if e.Warming {
				dl.WarmingState = st
			} else {
				dl.ActiveState = st
			}
		}
		listeners.DynamicListeners = append(listeners.DynamicListeners, dl)
	}
	add(listeners)

	add(&adminv3.ScopedRoutesConfigDump{})

	routes := &adminv3.RoutesConfigDump{}
	for _, e := range byType[resource.RouteType] {
		routes.DynamicRouteConfigs = append(routes.DynamicRouteConfigs, &adminv3.RoutesConfigDump_DynamicRouteConfig{
			VersionInfo: e.Version, RouteConfig: e.Resource, LastUpdated: ts(e.LastUpdated),
			ErrorState: e.Failure.proto(), ClientStatus: e.ClientStatus,
		})
	}
	add(routes)

	secrets := &adminv3.SecretsConfigDump{}
	for _, e := range byType[resource.SecretType] {
		ds := &adminv3.SecretsConfigDump_DynamicSecret{
			Name: e.Name, VersionInfo: e.Version, LastUpdated: ts(e.LastUpdated), Secret: RedactSecret(e.Resource),
			ErrorState: e.Failure.proto(), ClientStatus: e.ClientStatus,
		}
		if e.Warming {
			secrets.DynamicWarmingSecrets = append(secrets.DynamicWarmingSecrets, ds)
		} else {
			secrets.DynamicActiveSecrets = append(secrets.DynamicActiveSecrets, ds)
		}
	}
	add(secrets)

	if includeEDS {
		eps := &adminv3.EndpointsConfigDump{}
		for _, a := range d.StaticEndpoints {
			eps.StaticEndpointConfigs = append(eps.StaticEndpointConfigs, &adminv3.EndpointsConfigDump_StaticEndpointConfig{EndpointConfig: a, LastUpdated: ts(d.StaticUpdated)})
		}
		for _, e := range byType[resource.EndpointType] {
			eps.DynamicEndpointConfigs = append(eps.DynamicEndpointConfigs, &adminv3.EndpointsConfigDump_DynamicEndpointConfig{
				VersionInfo: e.Version, EndpointConfig: e.Resource, LastUpdated: ts(e.LastUpdated),
				ErrorState: e.Failure.proto(), ClientStatus: e.ClientStatus,
			})
		}
		add(eps)
	}
	return out
}

// RedactSecret replaces private keys and generic secrets with "[redacted]", as Envoy's
// /config_dump does. Other resources are returned unchanged.
func RedactSecret(a *anypb.Any) *anypb.Any {
	if a == nil || a.GetTypeUrl() != resource.SecretType {
		return a
	}
	s := &tlsv3.Secret{}
	if err := a.UnmarshalTo(s); err != nil {
		return a
	}
	redacted := func() *corev3.DataSource {
		return &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: "[redacted]"}}
	}
	changed := false
	if c := s.GetTlsCertificate(); c != nil && c.GetPrivateKey() != nil {
		c.PrivateKey = redacted()
		changed = true
	}
	if g := s.GetGenericSecret(); g != nil && g.GetSecret() != nil {
		g.Secret = redacted()
		changed = true
	}
	if !changed {
		return a
	}
	out, err := anypb.New(s)
	if err != nil {
		return a
	}
	return out
}

// MarshalJSON renders a message the way Envoy's admin API does: proto field names, two-space
// indent; every type of the Envoy API inside an Any is rendered (from envoydesc's descriptors:
// the Go types linked here are a handful), any other type as its "@type" alone. The output is stable (protojson's own spacing varies from build to build on purpose).
func MarshalJSON(m proto.Message) ([]byte, error) {
	b, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: dumpTypes{}}.Marshal(m)
	if err != nil {
		return nil, err
	}
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, err
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// dumpTypes resolves the types inside Anys for MarshalJSON: every type of the Envoy API, and any
// other as google.protobuf.Empty, so that a rejected resource naming an extension nobody knows
// renders as its "@type" alone instead of failing the whole dump.
type dumpTypes struct{ envoydesc.Types }

func (t dumpTypes) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	if mt, err := t.Types.FindMessageByURL(url); err == nil {
		return mt, nil
	}
	return (&emptypb.Empty{}).ProtoReflect().Type(), nil
}

// DumpFromClientConfig rebuilds a control plane's view of one node's config from its CSDS
// ClientConfig: the entries with a name carry the resource sent (xds_config), its version, time
// and error; the per-type entries without a name give each section's version_info. This is how
// the bundled control plane's per-node config dump is reachable over gRPC CSDS (istiod offers
// the same view as its istio.io/debug/config_dump type).
func DumpFromClientConfig(cc *statusv3.ClientConfig) *Dump {
	d := &Dump{TypeVersions: map[string]string{}}
	for _, g := range cc.GetGenericXdsConfigs() {
		if g.GetName() == "" {
			d.TypeVersions[g.GetTypeUrl()] = g.GetVersionInfo()
			continue
		}
		if g.GetXdsConfig() == nil {
			continue // requested, never sent
		}
		e := Entry{TypeURL: g.GetTypeUrl(), Name: g.GetName(), Version: g.GetVersionInfo(), Resource: g.GetXdsConfig(), ClientStatus: g.GetClientStatus()}
		if t := g.GetLastUpdated(); t != nil {
			e.LastUpdated = t.AsTime()
		}
		if es := g.GetErrorState(); es != nil {
			e.Failure = &Failure{Details: es.GetDetails(), Version: es.GetVersionInfo(), Configured: es.GetFailedConfiguration()}
			if t := es.GetLastUpdateAttempt(); t != nil {
				e.Failure.At = t.AsTime()
			}
		}
		d.Entries = append(d.Entries, e)
	}
	return d
}
