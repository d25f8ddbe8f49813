package analyze

import (
	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Istio's names for the catch-all outbound listener and the clusters its policy sends to.
const (
	istioVirtualOutbound = "virtualOutbound"
	passthroughCluster   = "PassthroughCluster"
	blackHoleCluster     = "BlackHoleCluster"
)

// checkOutboundPolicy explains Istio's outbound traffic policy as the catch-all filter chain of
// the virtualOutbound listener shows it: tcp_proxy to PassthroughCluster is ALLOW_ANY, to
// BlackHoleCluster REGISTRY_ONLY.
func (a *analyzer) checkOutboundPolicy(name, path string, chain jsonscan.Value) {
	if name != istioVirtualOutbound || chain.Get("filter_chain_match").Len() > 0 {
		return
	}
	_ = chain.Get("filters").Items(func(_ int, f jsonscan.Value) bool {
		cfg := f.Get("typed_config")
		if !cfg.Exists() {
			cfg = f.Get("config")
		}
		res := Resource{Kind: KindListener, Name: name, Path: path}
		switch cfg.Get("cluster").Str() {
		case passthroughCluster:
			a.add(OutboundPolicy, res, "outbound traffic policy is ALLOW_ANY: connections to destinations outside the mesh's registry go out as they are, through %s of listener %q", passthroughCluster, name)
			return false
		case blackHoleCluster:
			a.add(OutboundPolicy, res, "outbound traffic policy is REGISTRY_ONLY: connections to destinations outside the mesh's registry are dropped by %s of listener %q", blackHoleCluster, name)
			return false
		}
		return true
	})
}
