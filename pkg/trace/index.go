package trace

import (
	"encoding/json"
	"net/netip"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// The lookups below read only the few fields they need straight from the dump's lazy JSON, so
// that one trace on a 100 MB dump decodes a handful of resources instead of building the views of
// thousands (configdump's views flatten every listener, route and cluster).

// activeLists are the lists of a config dump section that hold resources in use (active or
// static), and the field of each entry that holds the resource.
var activeLists = map[configdump.SectionKind][]string{
	configdump.SectionListeners: {"dynamic_listeners", "dynamic_active_listeners", "static_listeners"},
	configdump.SectionRoutes:    {"dynamic_route_configs", "static_route_configs"},
	configdump.SectionClusters:  {"dynamic_active_clusters", "static_clusters"},
	configdump.SectionEndpoints: {"dynamic_endpoint_configs", "static_endpoint_configs"},
}

var resKeys = map[configdump.SectionKind]string{
	configdump.SectionListeners: "listener",
	configdump.SectionRoutes:    "route_config",
	configdump.SectionClusters:  "cluster",
	configdump.SectionEndpoints: "endpoint_config",
}

// eachActive calls fn with each resource in use in the dump's sections of kind k, until fn
// returns false.
func eachActive(d *configdump.Dump, k configdump.SectionKind, fn func(res jsonscan.Value) bool) {
	resKey := resKeys[k]
	for _, sec := range d.SectionsOf(k) {
		goOn := true
		_ = sec.Fields(func(key []byte, list jsonscan.Value) bool {
			wanted := false
			for _, l := range activeLists[k] {
				if jsonscan.KeyIs(key, l) {
					wanted = true
				}
			}
			if !wanted {
				return true
			}
			_ = list.Items(func(_ int, e jsonscan.Value) bool {
				r := e.Get(resKey)
				if !r.Exists() {
					r = e.Get("active_state", resKey)
				}
				if r.Exists() {
					goOn = fn(r)
				}
				return goOn
			})
			return goOn
		})
		if !goOn {
			return
		}
	}
}

// listenerHead is what picking a listener needs to know of one, read without decoding it.
type listenerHead struct {
	raw       jsonscan.Value
	name      string
	origDst   bool
	binds     bool
	exact     bool // bound to the destination IP and port
	wildcard  bool // bound to 0.0.0.0 or :: on the destination port
	inboundVL bool // virtualInbound, or on port 15006
	redirect  bool // has an original_dst listener filter: iptables sends traffic there
}

func readHead(v jsonscan.Value, ip netip.Addr, port uint32) listenerHead {
	h := listenerHead{raw: v, name: v.Get("name").Str(), binds: true}
	h.origDst = v.Get("use_original_dst").Bool()
	if b := v.Get("bind_to_port"); b.Exists() {
		h.binds = b.Bool()
	} else if b := v.Get("deprecated_v1", "bind_to_port"); b.Exists() {
		h.binds = b.Bool()
	}
	check := func(a jsonscan.Value) {
		sa := a.Get("socket_address")
		p, _ := sa.Get("port_value").Int()
		la, err := netip.ParseAddr(sa.Get("address").Str())
		if err != nil {
			return
		}
		if p == 15006 {
			h.inboundVL = true
		}
		if uint32(p) != port {
			return
		}
		if la.Unmap() == ip {
			h.exact = true
		} else if la.IsUnspecified() {
			h.wildcard = true
		}
	}
	check(v.Get("address"))
	_ = v.Get("additional_addresses").Items(func(_ int, a jsonscan.Value) bool {
		check(a.Get("address"))
		return true
	})
	if h.name == "virtualInbound" {
		h.inboundVL = true
	}
	_ = v.Get("listener_filters").Items(func(_ int, lf jsonscan.Value) bool {
		nc := NamedConfig{Name: lf.Get("name").Str(), TypedConfig: lf.Get("typed_config").Raw()}
		if nc.is(namesOriginalDst, ".OriginalDst") {
			h.redirect = true
			return false
		}
		return true
	})
	return h
}

// pickListenerHeads keeps the listeners pickListener can choose for conn: the first of each kind.
func pickListenerHeads(d *configdump.Dump, conn *Connection) (keep []listenerHead, total int) {
	var outbound, inbound, exact, wild, exactBound, wildBound *listenerHead
	var heads []listenerHead
	eachActive(d, configdump.SectionListeners, func(v jsonscan.Value) bool {
		heads = append(heads, readHead(v, conn.DestIP, conn.DestPort))
		return true
	})
	for i := range heads {
		h := &heads[i]
		if h.origDst && (outbound == nil || h.name == "virtualOutbound" && outbound.name != "virtualOutbound") {
			outbound = h
		}
		if h.inboundVL && (inbound == nil || h.name == "virtualInbound" && inbound.name != "virtualInbound") {
			inbound = h
		}
		if h.exact && exact == nil && !h.origDst {
			exact = h
		}
		if h.wildcard && wild == nil && !h.origDst {
			wild = h
		}
		if h.exact && h.binds && exactBound == nil {
			exactBound = h
		}
		if h.wildcard && h.binds && wildBound == nil {
			wildBound = h
		}
	}
	seen := map[*listenerHead]bool{}
	for i := range heads {
		h := &heads[i]
		named := conn.Listener != "" && h.name == conn.Listener
		if !seen[h] && (named || h.redirect || h == outbound || h == inbound || h == exact || h == wild || h == exactBound || h == wildBound) {
			seen[h] = true
			keep = append(keep, *h)
		}
	}
	return keep, len(heads)
}

// findNamed returns the first resource in use of kind k whose name is name.
func findNamed(d *configdump.Dump, k configdump.SectionKind, nameKey, name string) (jsonscan.Value, bool) {
	var found jsonscan.Value
	eachActive(d, k, func(v jsonscan.Value) bool {
		if v.Get(nameKey).StrIs(name) {
			found = v
			return false
		}
		return true
	})
	return found, found.Exists()
}

// edsEndpoints reads a cluster's load assignment from the dump's EDS section.
func edsEndpoints(d *configdump.Dump, cluster string) ([]EndpointInfo, bool) {
	v, ok := findNamed(d, configdump.SectionEndpoints, "cluster_name", cluster)
	if !ok {
		return nil, false
	}
	n, err := configdump.Normalize(v.Raw(), configdump.NormalizeOptions{Warnings: configdump.NewWarnings(), Type: "envoy.config.endpoint.v3.ClusterLoadAssignment"})
	if err != nil {
		return nil, false
	}
	eps, ok := claEndpoints(n)
	return eps, ok
}

type cla struct {
	Endpoints []struct {
		LbEndpoints []struct {
			Endpoint struct {
				Address Address `json:"address"`
			} `json:"endpoint"`
			HealthStatus        enum       `json:"health_status"`
			LoadBalancingWeight *uint64Str `json:"load_balancing_weight"`
		} `json:"lb_endpoints"`
	} `json:"endpoints"`
}

var healthNames = []string{"UNKNOWN", "HEALTHY", "UNHEALTHY", "DRAINING", "TIMEOUT", "DEGRADED"}

func claEndpoints(raw []byte) ([]EndpointInfo, bool) {
	var c cla
	if json.Unmarshal(raw, &c) != nil {
		return nil, false
	}
	out := []EndpointInfo{}
	for _, le := range c.Endpoints {
		for _, e := range le.LbEndpoints {
			h := string(e.HealthStatus)
			if h == "" {
				h = "UNKNOWN"
			} else if len(h) == 1 && h[0] >= '0' && h[0] <= '5' {
				h = healthNames[h[0]-'0']
			}
			ei := EndpointInfo{Address: e.Endpoint.Address.String(), Health: h, Source: "eds"}
			if e.LoadBalancingWeight != nil {
				ei.Weight = uint32(*e.LoadBalancingWeight)
			}
			out = append(out, ei)
		}
	}
	return out, true
}
