package status

import (
	"fmt"
	"strings"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Report is what one or more control planes said about their proxies.
type Report struct {
	Proxies []ProxyStatus `json:"proxies"`
	// Warnings are things skipped while decoding (an unknown resource type, a config without a node).
	Warnings []string `json:"-"`
}

// FromClientStatus turns a CSDS ClientStatusResponse into proxy statuses. controlPlane names the server
// that answered (its address) and becomes each proxy's ControlPlane.
func FromClientStatus(resp *statusv3.ClientStatusResponse, controlPlane string) *Report {
	r := &Report{Proxies: make([]ProxyStatus, 0, len(resp.GetConfig()))}
	for i, cc := range resp.GetConfig() {
		if cc.GetNode() == nil && len(cc.GetGenericXdsConfigs()) == 0 && len(cc.GetXdsConfig()) == 0 {
			r.Warnings = append(r.Warnings, fmt.Sprintf("client config %d is empty", i))
			continue
		}
		p := FromClientConfig(cc)
		p.ControlPlane = controlPlane
		r.Proxies = append(r.Proxies, p)
	}
	Sort(r.Proxies)
	return r
}

// DecodeClientStatusJSON decodes a ClientStatusResponse in protojson form (camelCase or snake_case) and
// calls FromClientStatus. Config payloads of types xdsctl does not know are dropped, never an error.
func DecodeClientStatusJSON(b []byte, controlPlane string) (*Report, error) {
	var resp statusv3.ClientStatusResponse
	if err := tolerantJSON.Unmarshal(b, &resp); err != nil {
		return nil, fmt.Errorf("decode CSDS response: %w", err)
	}
	return FromClientStatus(&resp, controlPlane), nil
}

// tolerantJSON decodes protojson with unknown Any types and fields skipped.
var tolerantJSON = protojson.UnmarshalOptions{DiscardUnknown: true, Resolver: tolerantResolver{}}

// FromClientConfig turns one CSDS ClientConfig into a ProxyStatus (ControlPlane left empty). Per-resource
// generic_xds_configs are folded per type; legacy per-type xds_config entries are used for the types that
// generic_xds_configs do not cover.
func FromClientConfig(cc *statusv3.ClientConfig) ProxyStatus {
	p := proxyFromNode(cc.GetNode())
	type acc struct {
		url         string
		rs          []ResourceStatus
		sent, acked []string
	}
	byShort := map[string]*acc{}
	var order []string
	for _, g := range cc.GetGenericXdsConfigs() {
		short := ShortType(g.GetTypeUrl())
		if short == "" {
			continue
		}
		a := byShort[short]
		if a == nil {
			a = &acc{url: g.GetTypeUrl()}
			byShort[short] = a
			order = append(order, short)
		}
		rs, sent, acked := resourceFromGeneric(g)
		a.rs = append(a.rs, rs)
		a.sent = append(a.sent, sent)
		a.acked = append(a.acked, acked)
	}
	types := make(map[string]TypeStatus, len(byShort)+2)
	for _, short := range order {
		a := byShort[short]
		types[short] = foldResources(short, a.url, a.rs, a.sent, a.acked)
	}
	for _, x := range cc.GetXdsConfig() {
		t, ok := fromPerXds(x)
		if !ok {
			continue
		}
		if _, done := types[t.Type]; !done {
			types[t.Type] = t
		}
	}
	p.Types = finishTypes(types)
	return p
}

// resourceFromGeneric computes the state of one generic_xds_configs entry, plus the versions it tells.
//
// The control plane's config_status wins when set (SYNCED, STALE, NOT_SENT, ERROR); a client's own
// client_status is used otherwise (ACKED → SYNCED, NACKED/RECEIVED_ERROR → ERROR, REQUESTED,
// DOES_NOT_EXIST, TIMEOUT → NOT SENT). Either side saying ERROR/NACKED gives ERROR. With neither
// status set, an error_state gives ERROR, a version SYNCED, and nothing at all IGNORED (istiod reports
// UNKNOWN for types the proxy does not watch).
func resourceFromGeneric(g *statusv3.ClientConfig_GenericXdsConfig) (r ResourceStatus, sent, acked string) {
	r = ResourceStatus{Name: g.GetName(), Version: g.GetVersionInfo(), LastUpdated: ts(g.GetLastUpdated())}
	cs, cl := g.GetConfigStatus(), g.GetClientStatus()
	if cl != adminv3.ClientResourceStatus_UNKNOWN {
		r.ClientStatus = cl.String()
	}
	if es := g.GetErrorState(); es != nil {
		r.Error = oneLine(es.GetDetails())
		if r.LastUpdated.IsZero() {
			r.LastUpdated = ts(es.GetLastUpdateAttempt())
		}
	}
	switch {
	case cs == statusv3.ConfigStatus_ERROR || cl == adminv3.ClientResourceStatus_NACKED || cl == adminv3.ClientResourceStatus_RECEIVED_ERROR:
		r.State = StateError
	case cs == statusv3.ConfigStatus_SYNCED:
		r.State = StateSynced
	case cs == statusv3.ConfigStatus_STALE:
		r.State = StateStale
	case cs == statusv3.ConfigStatus_NOT_SENT:
		r.State = StateNotSent
	case cl == adminv3.ClientResourceStatus_ACKED:
		r.State = StateSynced
	case cl == adminv3.ClientResourceStatus_REQUESTED, cl == adminv3.ClientResourceStatus_DOES_NOT_EXIST, cl == adminv3.ClientResourceStatus_TIMEOUT:
		r.State = StateNotSent
	case g.GetErrorState() != nil:
		r.State = StateError
	case g.GetVersionInfo() != "" || g.GetXdsConfig() != nil:
		r.State = StateSynced
	default:
		r.State = StateIgnored
	}
	if r.State == StateError && r.Error == "" {
		r.Error = "rejected (no details)"
	}
	// Versions: a control plane reports the version it sent; a client the version it accepted, and in
	// error_state the version it rejected.
	if cs != statusv3.ConfigStatus_UNKNOWN {
		sent = g.GetVersionInfo()
		if cs == statusv3.ConfigStatus_SYNCED {
			acked = sent
		}
	} else {
		acked = g.GetVersionInfo()
		if cl == adminv3.ClientResourceStatus_ACKED {
			sent = acked
		}
	}
	if v := g.GetErrorState().GetVersionInfo(); v != "" {
		sent = v
	}
	return r, sent, acked
}

// fromPerXds reads a legacy per-type xds_config entry (status plus the type's config dump).
func fromPerXds(x *statusv3.PerXdsConfig) (TypeStatus, bool) {
	var short string
	var version string
	var facts dumpFacts
	switch c := x.GetPerXdsConfig().(type) {
	case *statusv3.PerXdsConfig_ListenerConfig:
		short, version = "LDS", c.ListenerConfig.GetVersionInfo()
		for _, l := range c.ListenerConfig.GetDynamicListeners() {
			facts.add(l.GetErrorState(), l.GetActiveState().GetLastUpdated(), l.GetWarmingState().GetLastUpdated())
		}
	case *statusv3.PerXdsConfig_ClusterConfig:
		short, version = "CDS", c.ClusterConfig.GetVersionInfo()
		for _, cl := range c.ClusterConfig.GetDynamicActiveClusters() {
			facts.add(cl.GetErrorState(), cl.GetLastUpdated())
		}
		for _, cl := range c.ClusterConfig.GetDynamicWarmingClusters() {
			facts.add(cl.GetErrorState(), cl.GetLastUpdated())
		}
	case *statusv3.PerXdsConfig_RouteConfig:
		short = "RDS"
		for _, rc := range c.RouteConfig.GetDynamicRouteConfigs() {
			facts.add(rc.GetErrorState(), rc.GetLastUpdated())
		}
	case *statusv3.PerXdsConfig_ScopedRouteConfig:
		short = "SRDS"
		for _, rc := range c.ScopedRouteConfig.GetDynamicScopedRouteConfigs() {
			facts.add(rc.GetErrorState(), rc.GetLastUpdated())
		}
	case *statusv3.PerXdsConfig_EndpointConfig:
		short = "EDS"
		for _, e := range c.EndpointConfig.GetDynamicEndpointConfigs() {
			facts.add(e.GetErrorState(), e.GetLastUpdated())
		}
	default:
		return TypeStatus{}, false
	}
	t := TypeStatus{Type: short, TypeURL: V3TypeURL(short), LastUpdated: facts.last, Error: strings.Join(facts.errs, "; ")}
	switch {
	case x.GetStatus() == statusv3.ConfigStatus_ERROR || x.GetClientStatus() == statusv3.ClientConfigStatus_CLIENT_NACKED ||
		x.GetClientStatus() == statusv3.ClientConfigStatus_CLIENT_RECEIVED_ERROR:
		t.State = StateError
	case x.GetStatus() == statusv3.ConfigStatus_SYNCED:
		t.State = StateSynced
	case x.GetStatus() == statusv3.ConfigStatus_STALE:
		t.State = StateStale
	case x.GetStatus() == statusv3.ConfigStatus_NOT_SENT:
		t.State = StateNotSent
	case x.GetClientStatus() == statusv3.ClientConfigStatus_CLIENT_ACKED:
		t.State = StateSynced
	case x.GetClientStatus() == statusv3.ClientConfigStatus_CLIENT_REQUESTED:
		t.State = StateNotSent
	case len(facts.errs) > 0:
		t.State = StateError
	default:
		t.State = StateIgnored
	}
	if t.State == StateError && t.Error == "" {
		t.Error = "rejected (no details)"
	}
	if x.GetStatus() != statusv3.ConfigStatus_UNKNOWN {
		t.VersionSent = version
		if t.State == StateSynced {
			t.VersionAcked = version
		}
	} else {
		t.VersionAcked = version
	}
	return t, true
}

type dumpFacts struct {
	last time.Time
	errs []string
}

func (f *dumpFacts) add(es *adminv3.UpdateFailureState, times ...*timestamppb.Timestamp) {
	for _, t := range times {
		if tt := ts(t); tt.After(f.last) {
			f.last = tt
		}
	}
	if d := oneLine(es.GetDetails()); d != "" {
		f.errs = append(f.errs, d)
	}
}

// proxyFromNode fills the identity columns from an xDS node.
func proxyFromNode(n *corev3.Node) ProxyStatus {
	p := ProxyStatus{Name: n.GetId()}
	md := n.GetMetadata().GetFields()
	p.Namespace = str(md["NAMESPACE"])
	if p.Namespace == "" {
		p.Namespace = namespaceFromIstioID(n.GetId())
	}
	p.Cluster = str(md["CLUSTER_ID"])
	if p.Cluster == "" {
		p.Cluster = n.GetCluster()
	}
	p.Version = str(md["ISTIO_VERSION"])
	if p.Version == "" {
		v := n.GetUserAgentVersion()
		if bv := n.GetUserAgentBuildVersion().GetVersion(); v == "" && bv != nil {
			v = fmt.Sprintf("%d.%d.%d", bv.GetMajorNumber(), bv.GetMinorNumber(), bv.GetPatch())
		}
		p.Version = strings.TrimSpace(n.GetUserAgentName() + " " + v)
	}
	if l := md["LABELS"].GetStructValue(); l != nil && len(l.GetFields()) > 0 {
		p.Labels = make(map[string]string, len(l.GetFields()))
		for k, v := range l.GetFields() {
			p.Labels[k] = str(v)
		}
	}
	return p
}

// namespaceFromIstioID reads the namespace from an Istio node ID: type~ip~pod.namespace~domain.
func namespaceFromIstioID(id string) string {
	parts := strings.Split(id, "~")
	if len(parts) != 4 {
		return ""
	}
	if i := strings.LastIndexByte(parts[2], '.'); i > 0 {
		return parts[2][i+1:]
	}
	return ""
}

func str(v *structpb.Value) string {
	if v == nil {
		return ""
	}
	if s, ok := v.GetKind().(*structpb.Value_StringValue); ok {
		return s.StringValue
	}
	return ""
}

func ts(t *timestamppb.Timestamp) time.Time {
	if t == nil || (t.GetSeconds() == 0 && t.GetNanos() == 0) {
		return time.Time{}
	}
	return t.AsTime()
}

// oneLine collapses a multi-line NACK message so it fits a table cell.
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n\t") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
