package trace

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// FromDump builds a trace's Config from a config dump: the listeners that can take conn
// (decoded now), and route configurations and clusters looked up when the trace reaches them.
// status is /clusters?format=json output, or nil; it gives endpoint health when the dump has no
// EDS section.
func FromDump(d *configdump.Dump, status *configdump.Clusters, conn *Connection, w *configdump.Warnings) (*Config, error) {
	views, err := d.Listeners()
	if err != nil {
		return nil, err
	}
	cfg := &Config{AllListeners: len(views)}
	for i := range views {
		v := &views[i]
		if !v.IsShort() || !v.Raw.Exists() { // active and static only: what the proxy uses now
			continue
		}
		relevant := v.Port == conn.DestPort || v.Name == "virtualOutbound" || v.Name == "virtualInbound" ||
			v.Port == 15001 || v.Port == 15006 || v.Raw.Get("use_original_dst").Bool()
		if !relevant {
			continue
		}
		l, err := decodeListener(v.Raw.Raw(), w)
		if err != nil {
			w.Add("listener "+v.Name, fmt.Sprintf("listener %q: %v (skipped)", v.Name, err))
			continue
		}
		cfg.Listeners = append(cfg.Listeners, l)
	}
	cfg.RouteConfig = func(name string) (*RouteConfiguration, error) {
		rcs, err := d.Routes()
		if err != nil {
			if errors.Is(err, configdump.ErrNoSection) {
				return nil, nil
			}
			return nil, err
		}
		for i := range rcs {
			if rcs[i].Name == name && rcs[i].Raw.Exists() && rcs[i].IsShort() {
				return decodeRoutes(rcs[i].Raw.Raw(), w)
			}
		}
		return nil, nil
	}
	cfg.Cluster = func(name string) *ClusterInfo {
		cs, err := d.Clusters()
		if err != nil {
			return nil
		}
		var ci *ClusterInfo
		var raw []byte
		for i := range cs {
			if cs[i].Name == name && cs[i].IsShort() {
				ci = &ClusterInfo{Name: name, Type: cs[i].Type}
				raw = cs[i].Raw.Raw()
				break
			}
		}
		if ci == nil {
			return nil
		}
		if las, err := d.EDS(); err == nil {
			for i := range las {
				if las[i].Cluster == name {
					ci.EndpointsFrom = "EDS in the dump"
					for _, e := range las[i].Endpoints {
						ci.Endpoints = append(ci.Endpoints, EndpointInfo{Address: e.Name(), Health: e.Status, Weight: e.Weight, Source: "eds"})
					}
				}
			}
		}
		if ci.EndpointsFrom == "" && status != nil {
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
		if ci.EndpointsFrom == "" && ci.Type != "EDS" && ci.Type != "ORIGINAL_DST" {
			if eps, ok := loadAssignment(raw); ok {
				ci.EndpointsFrom = "the cluster's load_assignment"
				ci.Endpoints = eps
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

// loadAssignment reads the endpoints of a cluster's own load_assignment (STATIC, STRICT_DNS and
// LOGICAL_DNS clusters), whose health Envoy does not report in the config.
func loadAssignment(raw []byte) ([]EndpointInfo, bool) {
	var c struct {
		LoadAssignment *struct {
			Endpoints []struct {
				LbEndpoints []struct {
					Endpoint struct {
						Address Address `json:"address"`
					} `json:"endpoint"`
					HealthStatus enum `json:"health_status"`
				} `json:"lb_endpoints"`
			} `json:"endpoints"`
		} `json:"load_assignment"`
	}
	if json.Unmarshal(raw, &c) != nil || c.LoadAssignment == nil {
		return nil, false
	}
	out := []EndpointInfo{}
	for _, le := range c.LoadAssignment.Endpoints {
		for _, e := range le.LbEndpoints {
			h := string(e.HealthStatus)
			if h == "" {
				h = "UNKNOWN"
			} else if n, err := strconv.Atoi(h); err == nil {
				h = []string{"UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"}[min(n, 5)]
			}
			out = append(out, EndpointInfo{Address: e.Endpoint.Address.String(), Health: h, Source: "load_assignment"})
		}
	}
	return out, true
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
