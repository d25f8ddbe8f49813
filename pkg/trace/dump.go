package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// FromDump builds a trace's Config from a config dump: the listeners that can take conn
// (decoded now), and route configurations and clusters looked up when the trace reaches them.
// status is /clusters?format=json output, or nil; when given it is where endpoints and their
// health come from (what Envoy balances to now), else the dump's EDS section, else the cluster's
// own load_assignment.
func FromDump(d *configdump.Dump, status *configdump.Clusters, conn *Connection, w *configdump.Warnings) (*Config, error) {
	if !d.Has(configdump.SectionListeners) {
		return nil, fmt.Errorf("%w: the dump has no listeners (ListenersConfigDump)", configdump.ErrNoSection)
	}
	heads, total := pickListenerHeads(d, conn)
	if total == 0 {
		return nil, fmt.Errorf("%w: the input has no listeners in use", configdump.ErrNoSection)
	}
	cfg := &Config{AllListeners: total}
	for _, h := range heads {
		l, err := decodeListener(h.raw.Raw(), w)
		if err != nil {
			w.Add("listener "+h.name, fmt.Sprintf("listener %q: %v (skipped)", h.name, err))
			continue
		}
		cfg.Listeners = append(cfg.Listeners, l)
	}
	cfg.RouteConfig = func(name string) (*RouteConfiguration, error) {
		v, ok := findNamed(d, configdump.SectionRoutes, "name", name)
		if !ok {
			return nil, nil
		}
		return decodeRoutes(v.Raw(), w)
	}
	cfg.Cluster = func(name string) *ClusterInfo {
		v, ok := findNamed(d, configdump.SectionClusters, "name", name)
		if !ok {
			return nil
		}
		ci := &ClusterInfo{Name: name, Type: v.Get("type").Str()}
		if ci.Type == "" {
			if ct := v.Get("cluster_type", "name"); ct.Exists() {
				ci.Type = ct.Str()
			} else {
				ci.Type = "STATIC" // the default of Cluster.type
			}
		}
		ci.UpstreamTLS = upstreamTLS(v)
		if status != nil { // what Envoy balances to now, with health checks and outlier ejection
			for i := range status.Statuses {
				if status.Statuses[i].Name == name {
					ci.EndpointsFrom = "/clusters"
					for _, h := range status.Statuses[i].Hosts {
						health := h.Status
						if h.FailedOutlierCheck {
							health += " (outlier ejected)"
						}
						ci.Endpoints = append(ci.Endpoints, EndpointInfo{Address: h.Endpoint(), Health: health, Weight: h.Weight, Source: "clusters"})
					}
				}
			}
		}
		if ci.EndpointsFrom == "" {
			if eps, ok := edsEndpoints(d, name); ok {
				ci.EndpointsFrom, ci.Endpoints = "EDS in the dump", eps
			}
		}
		if ci.EndpointsFrom == "" && ci.Type != "EDS" && ci.Type != "ORIGINAL_DST" {
			if la := v.Get("load_assignment"); la.Exists() {
				n, err := configdump.Normalize(la.Raw(), configdump.NormalizeOptions{Warnings: configdump.NewWarnings(), Type: "envoy.config.endpoint.v3.ClusterLoadAssignment"})
				if err == nil {
					if eps, ok := claEndpoints(n); ok {
						for i := range eps {
							eps[i].Source = "load_assignment"
						}
						ci.EndpointsFrom, ci.Endpoints = "the cluster's load_assignment", eps
					}
				}
			}
		}
		return ci
	}
	return cfg, nil
}

// decodeListener and decodeRoutes normalize field names first. Normalize's warnings about types
// it does not know are about showing them; a trace only names such filters, so they are dropped.
func decodeListener(raw []byte, _ *configdump.Warnings) (*Listener, error) {
	n, err := configdump.Normalize(raw, configdump.NormalizeOptions{Warnings: configdump.NewWarnings(), Type: "envoy.config.listener.v3.Listener"})
	if err != nil {
		return nil, err
	}
	return ParseListener(n)
}

func decodeRoutes(raw []byte, _ *configdump.Warnings) (*RouteConfiguration, error) {
	n, err := configdump.Normalize(raw, configdump.NormalizeOptions{Warnings: configdump.NewWarnings(), Type: "envoy.config.route.v3.RouteConfiguration"})
	if err != nil {
		return nil, err
	}
	return ParseRouteConfiguration(n)
}

// NamedRoutes is a route configuration found in a dump: from RDS (or static), or inline in a
// listener's HTTP connection manager.
type NamedRoutes struct {
	Name  string
	Where string // "RDS" or "inline in listener NAME"
	raw   []byte
	w     *configdump.Warnings
}

// Parse decodes and compiles the route configuration.
func (n *NamedRoutes) Parse() (*RouteConfiguration, error) { return decodeRoutes(n.raw, n.w) }

// RouteConfigs lists a dump's route configurations in use: RDS and static ones, then those
// inline in listeners (active and static).
func RouteConfigs(d *configdump.Dump, w *configdump.Warnings) ([]NamedRoutes, error) {
	var out []NamedRoutes
	rcs, err := d.Routes()
	if err != nil && !errors.Is(err, configdump.ErrNoSection) {
		return nil, err
	}
	for i := range rcs {
		if rcs[i].IsShort() && rcs[i].Raw.Exists() {
			out = append(out, NamedRoutes{Name: rcs[i].Name, Where: "RDS", raw: rcs[i].Raw.Raw(), w: w})
		}
	}
	views, err := d.Listeners()
	if err != nil && !errors.Is(err, configdump.ErrNoSection) {
		return nil, err
	}
	for i := range views {
		v := &views[i]
		if !v.IsShort() || !v.Raw.Exists() {
			continue
		}
		l, err := decodeListener(v.Raw.Raw(), w)
		if err != nil {
			continue
		}
		chains := l.FilterChains
		if l.DefaultFilterChain != nil {
			chains = append(chains, l.DefaultFilterChain)
		}
		for _, c := range chains {
			for j := range c.Filters {
				var h hcm
				if !c.Filters[j].is(namesHCM, ".HttpConnectionManager") || c.Filters[j].decode(&h) != nil || len(h.RouteConfig) == 0 {
					continue
				}
				var named struct {
					Name string `json:"name"`
				}
				_ = json.Unmarshal(h.RouteConfig, &named)
				out = append(out, NamedRoutes{Name: named.Name, Where: "inline in listener " + l.Name, raw: h.RouteConfig, w: w})
			}
		}
	}
	return out, nil
}

// upstreamTLS describes a cluster's transport socket: TLS, or TLS for the endpoints that
// transport_socket_matches select (Istio: mTLS to endpoints labelled tlsMode: istio).
func upstreamTLS(c jsonscan.Value) string {
	isTLS := func(ts jsonscan.Value) bool {
		n := ts.Get("name").Str()
		return n == "envoy.transport_sockets.tls" || n == "tls" || strings.HasSuffix(ts.Get("typed_config", "@type").Str(), ".UpstreamTlsContext")
	}
	var matched []string
	_ = c.Get("transport_socket_matches").Items(func(_ int, m jsonscan.Value) bool {
		if isTLS(m.Get("transport_socket")) {
			name := m.Get("name").Str()
			if name == "" {
				name = "(unnamed)"
			}
			matched = append(matched, name)
		}
		return true
	})
	if len(matched) > 0 {
		s := "TLS for endpoints that transport_socket_matches " + strings.Join(matched, ", ") + " select"
		if isTLS(c.Get("transport_socket")) {
			return s + ", TLS for the others"
		}
		return s + ", plaintext for the others"
	}
	if isTLS(c.Get("transport_socket")) {
		return "TLS"
	}
	return ""
}
