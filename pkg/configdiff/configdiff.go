// Package configdiff compares two Envoy configurations resource by resource: two proxies, a proxy
// before and after, or what a control plane sent a proxy and what the proxy holds. Resources are
// matched by kind and name and compared semantically: version_info and last_updated, key order,
// the order of lists Envoy treats as sets, v2/v3 type URL spellings, camelCase or snake_case keys
// and default values spelled out or left out make no difference, and more fields can be ignored
// by path. Diff reports added, removed and changed resources, the paths of the fields that changed
// and a unified diff of each changed resource's normalized YAML; Compare is proxy-status's form of
// the same comparison (per kind, Match or a JSON diff). It does no I/O.
package configdiff

import (
	"fmt"
	"strings"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Kind is a kind of resource compared.
type Kind string

// The kinds compared, in the order they are reported.
const (
	Bootstrap Kind = "Bootstrap"
	Clusters  Kind = "Clusters"
	Endpoints Kind = "Endpoints"
	// Extensions are filter configurations sent by ECDS.
	Extensions Kind = "Extensions"
	Listeners  Kind = "Listeners"
	Routes     Kind = "Routes"
	Secrets    Kind = "Secrets"
)

// Kinds are the kinds a control plane sends and proxy-status compares, in report order.
var Kinds = []Kind{Clusters, Listeners, Routes, Secrets}

// AllKinds are every kind Diff compares, in report order.
var AllKinds = []Kind{Bootstrap, Clusters, Endpoints, Extensions, Listeners, Routes, Secrets}

// ParseKind reads a kind as users write it: clusters, cluster, Clusters; routes or
// route_configs; endpoints or eds.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "bootstrap":
		return Bootstrap, nil
	case "clusters", "cluster", "cds":
		return Clusters, nil
	case "endpoints", "endpoint", "eds":
		return Endpoints, nil
	case "extensions", "extension", "ecds":
		return Extensions, nil
	case "listeners", "listener", "lds":
		return Listeners, nil
	case "routes", "route", "route_configs", "rds":
		return Routes, nil
	case "secrets", "secret", "sds":
		return Secrets, nil
	}
	return "", fmt.Errorf("unknown kind %q: use %s", s, KindNames())
}

// KindNames lists the kinds as --kinds takes them.
func KindNames() string {
	names := make([]string, len(AllKinds))
	for i, k := range AllKinds {
		names[i] = k.Flag()
	}
	return strings.Join(names, ", ")
}

// Flag is the kind as --kinds and the tables write it: "clusters".
func (k Kind) Flag() string { return strings.ToLower(string(k)) }

// kindInfo says where a kind lives in a config dump.
type kindInfo struct {
	section      configdump.SectionKind
	message      string   // full name of the resource message
	static       string   // the list of static resources
	lists        []string // dynamic lists, later ones win for the same name (warming is newer than active)
	resKey       string   // field of a list entry holding the resource
	stateKey     []string // for listeners: the states holding the resource, later ones win
	nameKey      string   // the resource's field naming it
	bootstrapKey string   // the bootstrap's static_resources list of the kind
}

var kinds = map[Kind]kindInfo{
	Bootstrap: {section: configdump.SectionBootstrap, message: "envoy.config.bootstrap.v3.Bootstrap"},
	Clusters: {section: configdump.SectionClusters, message: "envoy.config.cluster.v3.Cluster", static: "static_clusters",
		lists: []string{"dynamic_active_clusters", "dynamic_warming_clusters"}, resKey: "cluster", nameKey: "name", bootstrapKey: "clusters"},
	Endpoints: {section: configdump.SectionEndpoints, message: "envoy.config.endpoint.v3.ClusterLoadAssignment", static: "static_endpoint_configs",
		lists: []string{"dynamic_endpoint_configs"}, resKey: "endpoint_config", nameKey: "cluster_name"},
	Extensions: {section: configdump.SectionEcds, message: "envoy.config.core.v3.TypedExtensionConfig",
		lists: []string{"ecds_filters"}, resKey: "ecds_filter", nameKey: "name"},
	Listeners: {section: configdump.SectionListeners, message: "envoy.config.listener.v3.Listener", static: "static_listeners",
		lists: []string{"dynamic_listeners"}, resKey: "listener", stateKey: []string{"active_state", "warming_state"}, nameKey: "name", bootstrapKey: "listeners"},
	Routes: {section: configdump.SectionRoutes, message: "envoy.config.route.v3.RouteConfiguration", static: "static_route_configs",
		lists: []string{"dynamic_route_configs"}, resKey: "route_config", nameKey: "name"},
	Secrets: {section: configdump.SectionSecrets, message: "envoy.extensions.transport_sockets.tls.v3.Secret", static: "static_secrets",
		lists: []string{"dynamic_active_secrets", "dynamic_warming_secrets"}, resKey: "secret", nameKey: "name", bootstrapKey: "secrets"},
}

// Options tune Compare.
type Options struct {
	// Kinds to compare (default Kinds).
	Kinds []Kind
	// Context is the number of unchanged lines around each change in a diff (default 3).
	Context int
	// ControlPlane and Proxy name the two sides in diff headers.
	ControlPlane, Proxy string
	// Opaque are type URLs of payloads the control plane side could not show (types xdsctl does not
	// know, from a binary answer): such payloads are compared by type only, on both sides.
	Opaque []string
	// Ignore and NormalizePod are Diff's (xdsctl diff's --ignore and --normalize-pod).
	Ignore       []string
	NormalizePod bool
}

// Result is the comparison of all kinds.
type Result struct {
	Kinds []KindResult `json:"kinds"`
	// Report is Diff's report the result was made from (xdsctl diff's form of it).
	Report *Report `json:"-"`
	// Warnings are things the comparison could not fully do.
	Warnings []string `json:"warnings,omitempty"`
}

// Match tells whether every kind compared matches.
func (r *Result) Match() bool {
	for _, k := range r.Kinds {
		if k.Compared && !k.Match {
			return false
		}
	}
	return true
}

// KindResult is the comparison of one kind.
type KindResult struct {
	Kind Kind `json:"kind"`
	// Compared is false when the control plane side has no such section (istiod does not serve
	// secrets to sidecars: istio-agent does); NotCompared says why.
	Compared    bool   `json:"compared"`
	NotCompared string `json:"notCompared,omitempty"`
	Match       bool   `json:"match"`
	// ControlPlane and Proxy count the resources of each side.
	ControlPlane int `json:"controlPlane"`
	Proxy        int `json:"proxy"`
	// OnlyControlPlane were sent but are not on the proxy; OnlyProxy are on the proxy but were not
	// sent; Differ are on both and differ.
	OnlyControlPlane []string `json:"onlyControlPlane,omitempty"`
	OnlyProxy        []string `json:"onlyProxy,omitempty"`
	Differ           []string `json:"differ,omitempty"`
	// Diff is a unified diff (control plane → proxy) of the resources that differ, as canonical JSON.
	Diff string `json:"diff,omitempty"`
	// LastUpdated is the proxy's newest last_updated of the kind, as the dump spells it.
	LastUpdated string `json:"lastUpdated,omitempty"`
}

// Compare compares two /config_dump documents: what the control plane sent (controlPlane) and what
// the proxy holds (proxy), with Diff. Only dynamic resources are compared (static ones come from the
// proxy's bootstrap, not from the control plane); for a resource both active and warming, the
// warming one (the newest received) is compared. Secret material is redacted on both sides before
// comparing: Envoy never shows it.
func Compare(controlPlane, proxy []byte, o Options) (*Result, error) {
	if len(o.Kinds) == 0 {
		o.Kinds = Kinds
	}
	if o.ControlPlane == "" {
		o.ControlPlane = "control plane"
	}
	if o.Proxy == "" {
		o.Proxy = "proxy"
	}
	if o.Context <= 0 {
		o.Context = 3
	}
	rep, err := Diff(Input{Name: o.ControlPlane, Dump: controlPlane, Opaque: o.Opaque}, Input{Name: o.Proxy, Dump: proxy},
		DiffOptions{Kinds: o.Kinds, Ignore: o.Ignore, NormalizePod: o.NormalizePod, DynamicOnly: true, FirstSideDecides: true, Context: o.Context, Format: JSON})
	if err != nil {
		return nil, err
	}
	res := &Result{Warnings: rep.Warnings, Report: rep}
	for _, ks := range rep.Kinds {
		kr := KindResult{Kind: ks.Kind, Compared: ks.Compared, ControlPlane: ks.A, Proxy: ks.B, LastUpdated: ks.LastUpdated}
		if !ks.Compared {
			kr.NotCompared = "the control plane reported none"
			kr.ControlPlane, kr.Proxy, kr.LastUpdated = 0, 0, ""
			res.Kinds = append(res.Kinds, kr)
			continue
		}
		var a, b []block
		for _, c := range rep.Changes {
			if c.Kind != ks.Kind {
				continue
			}
			switch c.Change {
			case Removed:
				kr.OnlyControlPlane = append(kr.OnlyControlPlane, c.Name)
			case Added:
				kr.OnlyProxy = append(kr.OnlyProxy, c.Name)
			default:
				kr.Differ = append(kr.Differ, c.Name)
			}
			a = append(a, block{name: c.Name, text: c.textA})
			b = append(b, block{name: c.Name, text: c.textB})
		}
		kr.Match = len(a) == 0
		if !kr.Match {
			kr.Diff = unified(a, b, o.ControlPlane, o.Proxy, o.Context, singular(ks.Kind))
		}
		res.Kinds = append(res.Kinds, kr)
	}
	return res, nil
}

func singular(k Kind) string {
	switch k {
	case Bootstrap:
		return "bootstrap"
	case Clusters:
		return "cluster"
	case Endpoints:
		return "cluster load assignment"
	case Extensions:
		return "extension config"
	case Listeners:
		return "listener"
	case Routes:
		return "route configuration"
	case Secrets:
		return "secret"
	}
	return string(k)
}
