package configdump

import (
	"bytes"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// InlineRouteConfig is a route configuration an HTTP connection manager holds inline
// (route_config) rather than naming one of RDS: Envoy sandboxes' and static configs' local_route,
// an Istio sidecar's Prometheus and health listeners.
type InlineRouteConfig struct {
	// Chain is the filter chain's index in Listener.FilterChains (the default chain is last).
	Chain int
	RouteConfig
}

// InlineRouteConfigs returns the inline route configurations of l's filter chains, in chain order
// (a chain whose first HTTP connection manager uses RDS has none). Each carries the listener's Meta.
func (l *Listener) InlineRouteConfigs() []InlineRouteConfig {
	raw := l.Raw.Raw()
	if !bytes.Contains(raw, []byte(`route_config"`)) && !bytes.Contains(raw, []byte(`routeConfig"`)) {
		return nil
	}
	var chains []jsonscan.Value
	_ = l.Raw.Get("filter_chains").Items(func(_ int, c jsonscan.Value) bool {
		chains = append(chains, c)
		return true
	})
	if d := l.Raw.Get("default_filter_chain"); d.Exists() {
		chains = append(chains, d)
	}
	var out []InlineRouteConfig
	for i, c := range chains {
		_ = itemsOrOne(c.Get("filters"), func(_ int, f jsonscan.Value) bool {
			tc := f.Get("typed_config")
			if !isHCM(f.Get("name").Str(), tc) {
				return true
			}
			if rc := tc.Get("route_config"); rc.Exists() {
				r := readRouteConfig(rc)
				r.Meta = l.Meta
				out = append(out, InlineRouteConfig{Chain: i, RouteConfig: r})
			}
			return false // the first HTTP connection manager decides, as describeHCM does
		})
	}
	return out
}
