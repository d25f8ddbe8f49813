// Package configdiff compares the configuration a control plane sent a proxy with what the proxy
// holds, both as Envoy /config_dump JSON documents, per kind (clusters, listeners, routes, secrets),
// semantically: version_info and last_updated, key order, the order of lists Envoy treats as sets,
// v2/v3 type URL spellings, camelCase or snake_case keys and default values spelled out or left out
// make no difference. It reports, per kind, a match or a unified diff of only the resources that
// differ. It does no I/O.
package configdiff

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Kind is a kind of resource compared.
type Kind string

// The kinds compared, in the order they are reported.
const (
	Clusters  Kind = "Clusters"
	Listeners Kind = "Listeners"
	Routes    Kind = "Routes"
	Secrets   Kind = "Secrets"
)

// Kinds are all kinds, in report order.
var Kinds = []Kind{Clusters, Listeners, Routes, Secrets}

// kindInfo says where a kind lives in a config dump.
type kindInfo struct {
	section  configdump.SectionKind
	message  string   // full name of the resource message
	lists    []string // dynamic lists, later ones win for the same name (warming is newer than active)
	resKey   string   // field of a list entry holding the resource
	stateKey []string // for listeners: the states holding the resource, later ones win
}

var kinds = map[Kind]kindInfo{
	Clusters: {section: configdump.SectionClusters, message: "envoy.config.cluster.v3.Cluster",
		lists: []string{"dynamic_active_clusters", "dynamic_warming_clusters"}, resKey: "cluster"},
	Listeners: {section: configdump.SectionListeners, message: "envoy.config.listener.v3.Listener",
		lists: []string{"dynamic_listeners"}, resKey: "listener", stateKey: []string{"active_state", "warming_state"}},
	Routes: {section: configdump.SectionRoutes, message: "envoy.config.route.v3.RouteConfiguration",
		lists: []string{"dynamic_route_configs"}, resKey: "route_config"},
	Secrets: {section: configdump.SectionSecrets, message: "envoy.extensions.transport_sockets.tls.v3.Secret",
		lists: []string{"dynamic_active_secrets", "dynamic_warming_secrets"}, resKey: "secret"},
}

// Options tune Compare.
type Options struct {
	// Kinds to compare (default all).
	Kinds []Kind
	// Context is the number of unchanged lines around each change in a diff (default 3).
	Context int
	// ControlPlane and Proxy name the two sides in diff headers.
	ControlPlane, Proxy string
	// Opaque are type URLs of payloads the control plane side could not show (types xdsctl does not
	// know, from a binary answer): such payloads are compared by type only, on both sides.
	Opaque []string
}

// Result is the comparison of all kinds.
type Result struct {
	Kinds []KindResult `json:"kinds"`
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
// the proxy holds (proxy). Only dynamic resources are compared (static ones come from the proxy's
// bootstrap, not from the control plane); for a resource both active and warming, the warming one
// (the newest received) is compared. Secret material is redacted on both sides before comparing:
// Envoy never shows it.
func Compare(controlPlane, proxy []byte, o Options) (*Result, error) {
	if o.Context <= 0 {
		o.Context = 3
	}
	if len(o.Kinds) == 0 {
		o.Kinds = Kinds
	}
	if o.ControlPlane == "" {
		o.ControlPlane = "control plane"
	}
	if o.Proxy == "" {
		o.Proxy = "proxy"
	}
	cd, err := configdump.Parse(controlPlane)
	if err != nil {
		return nil, fmt.Errorf("read the control plane's config: %w", err)
	}
	pd, err := configdump.Parse(proxy)
	if err != nil {
		return nil, fmt.Errorf("read the proxy's config dump: %w", err)
	}
	w := configdump.NewWarnings()
	c := &canonicalizer{opaque: map[string]bool{}}
	for _, u := range o.Opaque {
		c.opaque[canonicalTypeURL(u)] = true
	}
	res := &Result{}
	if !haveSchema() {
		res.Warnings = append(res.Warnings, "xdsctl has no Envoy API schema linked: resources are compared as JSON, without unifying defaults and spellings")
	}
	for _, k := range o.Kinds {
		info, ok := kinds[k]
		if !ok {
			return nil, fmt.Errorf("unknown kind %q", k)
		}
		kr, err := compareKind(k, info, cd, pd, c, w, o)
		if err != nil {
			return nil, err
		}
		res.Kinds = append(res.Kinds, kr)
	}
	if cd.Partial != "" {
		res.Warnings = append(res.Warnings, "control plane config: "+cd.Partial)
	}
	if pd.Partial != "" {
		res.Warnings = append(res.Warnings, "proxy config dump: "+pd.Partial)
	}
	res.Warnings = append(res.Warnings, w.List()...)
	for _, u := range slices.Sorted(maps.Keys(c.opaque)) {
		res.Warnings = append(res.Warnings, fmt.Sprintf("payloads of type %s are compared by type only: xdsctl cannot decode what the control plane sent", u))
	}
	return res, nil
}

func compareKind(k Kind, info kindInfo, cd, pd *configdump.Dump, c *canonicalizer, w *configdump.Warnings, o Options) (KindResult, error) {
	kr := KindResult{Kind: k}
	if !cd.Has(info.section) {
		kr.NotCompared = "the control plane reported none"
		return kr, nil
	}
	cps, _, err := extract(cd, info)
	if err != nil {
		return kr, fmt.Errorf("read the control plane's %s: %w", strings.ToLower(string(k)), err)
	}
	prs, last, err := extract(pd, info)
	if err != nil {
		return kr, fmt.Errorf("read the proxy's %s: %w", strings.ToLower(string(k)), err)
	}
	kr.Compared, kr.ControlPlane, kr.Proxy, kr.LastUpdated = true, len(cps), len(prs), last
	canon := func(r jsonscan.Value) (string, error) {
		norm, err := configdump.Normalize(r.Raw(), configdump.NormalizeOptions{Warnings: w, Type: info.message})
		if err != nil {
			return "", err
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(string(norm)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return "", err
		}
		return pretty(c.value(v, lookup(info.message))), nil
	}
	names := map[string]bool{}
	for n := range cps {
		names[n] = true
	}
	for n := range prs {
		names[n] = true
	}
	var a, b []block
	for _, n := range slices.Sorted(maps.Keys(names)) {
		cr, inCP := cps[n]
		pr, inProxy := prs[n]
		var ct, pt string
		if inCP {
			if ct, err = canon(cr); err != nil {
				return kr, fmt.Errorf("control plane %s %q: %w", singular(k), n, err)
			}
		}
		if inProxy {
			if pt, err = canon(pr); err != nil {
				return kr, fmt.Errorf("proxy %s %q: %w", singular(k), n, err)
			}
		}
		switch {
		case inCP && !inProxy:
			kr.OnlyControlPlane = append(kr.OnlyControlPlane, n)
			a = append(a, block{name: n, text: ct})
			b = append(b, block{name: n})
		case inProxy && !inCP:
			kr.OnlyProxy = append(kr.OnlyProxy, n)
			a = append(a, block{name: n})
			b = append(b, block{name: n, text: pt})
		case ct != pt:
			kr.Differ = append(kr.Differ, n)
			a = append(a, block{name: n, text: ct})
			b = append(b, block{name: n, text: pt})
		}
	}
	kr.Match = len(a) == 0
	if !kr.Match {
		kr.Diff = unified(a, b, o.ControlPlane, o.Proxy, o.Context, singular(k))
	}
	return kr, nil
}

func singular(k Kind) string {
	switch k {
	case Clusters:
		return "cluster"
	case Listeners:
		return "listener"
	case Routes:
		return "route configuration"
	case Secrets:
		return "secret"
	}
	return string(k)
}

// extract reads the dynamic resources of a kind by name, and the newest last_updated.
func extract(d *configdump.Dump, info kindInfo) (map[string]jsonscan.Value, string, error) {
	out := map[string]jsonscan.Value{}
	last := ""
	for _, sec := range d.SectionsOf(info.section) {
		for _, list := range info.lists {
			var ferr error
			err := sec.Get(list).Items(func(_ int, e jsonscan.Value) bool {
				if e.Kind() != jsonscan.Object {
					return true
				}
				if lu := e.Get("last_updated").Str(); lu > last {
					last = lu
				}
				var r jsonscan.Value
				if len(info.stateKey) == 0 {
					r = e.Get(info.resKey)
				} else {
					for _, st := range info.stateKey {
						s := e.Get(st)
						if lu := s.Get("last_updated").Str(); lu > last {
							last = lu
						}
						if x := s.Get(info.resKey); x.Exists() {
							r = x
						}
					}
				}
				if !r.Exists() {
					return true // only an error_state: the proxy never had it
				}
				if r.Kind() != jsonscan.Object {
					ferr = errors.New("a resource is not a JSON object")
					return false
				}
				name := r.Get("name").Str()
				if name == "" {
					name = e.Get("name").Str()
				}
				out[name] = r
				return true
			})
			if ferr != nil {
				return nil, "", ferr
			}
			if err != nil {
				return nil, "", err
			}
		}
	}
	return out, last, nil
}
