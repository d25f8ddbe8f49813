package describe

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Proxy is one proxy's configuration as describe gets it: a parsed /config_dump, or why there is none.
type Proxy struct {
	Dump *configdump.Dump
	// Source says where the dump came from, for the report: `live`, `file "x.json"`.
	Source string
	// Err is why the dump could not be read (the proxy is not running, the port-forward failed...).
	Err error
}

// proxyView is what describe reads out of a config dump: the configdump views it needs, read once,
// plus a few things only describe looks at (bootstrap metadata, filter chain TLS, RBAC policy names).
type proxyView struct {
	bootstrap bootstrapInfo
	clusters  []configdump.Cluster
	listeners []configdump.Listener
	routes    []configdump.RouteConfig
	// has* tell whether the dump had the section at all (a dump saved with a mask may not).
	hasClusters, hasListeners, hasRoutes bool
}

type bootstrapInfo struct {
	found        bool
	nodeID       string
	nodeType     string // sidecar, router, ...
	istioVersion string
	envoyVersion string
	podName      string
	podNamespace string
	adminPort    int
}

// newProxyView reads the views describe needs. Sections that are missing are remembered, not errors.
func newProxyView(d *configdump.Dump) (*proxyView, error) {
	v := &proxyView{bootstrap: readBootstrap(d)}
	var err error
	if v.clusters, err = d.Clusters(); err == nil {
		v.hasClusters = true
	} else if !errors.Is(err, configdump.ErrNoSection) {
		return nil, err
	}
	if v.listeners, err = d.Listeners(); err == nil {
		v.hasListeners = true
	} else if !errors.Is(err, configdump.ErrNoSection) {
		return nil, err
	}
	if v.routes, err = d.Routes(); err == nil {
		v.hasRoutes = true
	} else if !errors.Is(err, configdump.ErrNoSection) {
		return nil, err
	}
	return v, nil
}

func readBootstrap(d *configdump.Dump) bootstrapInfo {
	sec, ok := d.Section(configdump.SectionBootstrap)
	if !ok {
		return bootstrapInfo{}
	}
	b := sec.Get("bootstrap")
	node := b.Get("node")
	md := node.Get("metadata")
	bi := bootstrapInfo{
		found:        true,
		nodeID:       node.Get("id").Str(),
		istioVersion: configdump.IstioVersion(node),
		podName:      md.Get("NAME").Str(),
		podNamespace: md.Get("NAMESPACE").Str(),
	}
	if t, _, ok := strings.Cut(bi.nodeID, "~"); ok {
		bi.nodeType = t
	}
	if ver := node.Get("user_agent_build_version", "version"); ver.Exists() {
		ma, _ := ver.Get("major_number").Int()
		mi, _ := ver.Get("minor_number").Int()
		pa, _ := ver.Get("patch").Int()
		bi.envoyVersion = fmt.Sprintf("%d.%d.%d", ma, mi, pa)
	} else {
		bv := node.Get("build_version").Str()
		if bv == "" {
			bv = node.Get("hidden_envoy_deprecated_build_version").Str()
		}
		// sha/1.12.0-dev/Clean/RELEASE/BoringSSL
		if parts := strings.Split(bv, "/"); len(parts) > 1 {
			bi.envoyVersion = parts[1]
		}
	}
	if n, ok := b.Get("admin", "address", "socket_address", "port_value").Int(); ok {
		bi.adminPort = int(n)
	}
	return bi
}

// istioConfigRE reads the Istio config path in filter_metadata.istio.config; old proxies wrote
// /apis/networking/..., newer ones /apis/networking.istio.io/....
// Compiled on first use: package init runs on every xdsctl start.
var istioConfigRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^/apis/([a-z0-9.]+)/[^/]+/namespaces/([^/]+)/([a-z-]+)/([^/]+)$`)
})

// istioConfigRef turns an Istio config path into its kind ("virtual-service", "destination-rule")
// and "name.namespace".
func istioConfigRef(path string) (kind, id string) {
	m := istioConfigRE().FindStringSubmatch(path)
	if m == nil {
		return "", ""
	}
	return m[3], m[4] + "." + m[2]
}

// parseClusterName splits an Istio cluster name direction|port|subset|host; ok is false for
// another name or a port that is not a number.
func parseClusterName(name string) (configdump.IstioClusterName, bool) {
	n, ok := configdump.SplitIstioClusterName(name)
	return n, ok && n.Port != 0
}

// outboundClusters returns the outbound clusters of host:port (the service's and its subsets').
func (v *proxyView) outboundClusters(host string, port int) []LoadedCluster {
	var out []LoadedCluster
	for i := range v.clusters {
		c := &v.clusters[i]
		k, ok := parseClusterName(c.Name)
		if !ok || k.Direction != "outbound" || k.Port != port || k.FQDN != host {
			continue
		}
		lc := LoadedCluster{Name: c.Name, Subset: k.Subset, TLS: clusterTLS(c.Raw)}
		_, lc.DestinationRule = istioConfigRef(c.Raw.Get("metadata", "filter_metadata", "istio", "config").Str())
		if c.State != configdump.StateActive && c.State != configdump.StateStatic {
			lc.State = c.State
		}
		out = append(out, lc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Subset < out[j].Subset })
	return out
}

// TLS modes of an outbound cluster, as the proxy has it.
const (
	TLSIstioMutual = "ISTIO_MUTUAL"
	TLSAuto        = "AUTO"    // transport_socket_matches: mTLS to peers with a sidecar, plaintext to others
	TLSPlain       = "DISABLE" // no transport socket
	TLSOriginate   = "TLS"     // TLS that is not Istio's mTLS (SIMPLE or MUTUAL)
)

// clusterTLS tells how a cluster talks to its endpoints.
func clusterTLS(c jsonscan.Value) string {
	if ts := c.Get("transport_socket"); ts.Exists() {
		return tlsOfSocket(ts.Get("typed_config"), ts.Get("name").Str())
	}
	if tc := c.Get("tls_context"); tc.Exists() { // v2
		return tlsOfContext(tc)
	}
	if m := c.Get("transport_socket_matches"); m.Len() > 0 {
		auto := false
		_ = m.Items(func(_ int, e jsonscan.Value) bool {
			if e.Get("match", "tlsMode").Str() == "istio" || e.Get("match", "tls_mode").Str() == "istio" {
				auto = true
			}
			return true
		})
		if auto {
			return TLSAuto
		}
		return TLSOriginate
	}
	return TLSPlain
}

func tlsOfSocket(tc jsonscan.Value, name string) string {
	t := tc.Get("@type").Str()
	switch {
	case strings.HasSuffix(t, "UpstreamTlsContext") || name == "tls" || name == "envoy.transport_sockets.tls":
		return tlsOfContext(tc)
	case strings.HasSuffix(t, "RawBuffer") || strings.HasSuffix(name, "raw_buffer"):
		return TLSPlain
	}
	return TLSOriginate
}

// tlsOfContext tells Istio mTLS (ALPN istio*, SDS secret "default" or Istio cert files) from other TLS.
func tlsOfContext(tc jsonscan.Value) string {
	common := tc.Get("common_tls_context")
	for _, a := range common.Get("alpn_protocols").Strings() {
		if strings.HasPrefix(a, "istio") {
			return TLSIstioMutual
		}
	}
	if strings.HasPrefix(tc.Get("sni").Str(), "outbound_.") {
		return TLSIstioMutual
	}
	raw := string(common.Raw())
	if strings.Contains(raw, "/etc/certs/cert-chain.pem") {
		return TLSIstioMutual
	}
	return TLSOriginate
}

// LoadedRoute is a virtual host of the proxy's routes that serves a service, with its routes.
type routeMatchFn func(domains []string) bool

// routesFor returns the virtual hosts of route configs named routeNames (all when nil) whose
// domains the match function accepts, or whose routes send traffic to clusters of host:port.
func (v *proxyView) routesFor(routeNames map[string]bool, matchDomains routeMatchFn, host string, port int) []LoadedRoute {
	var out []LoadedRoute
	for i := range v.routes {
		rc := &v.routes[i]
		if routeNames != nil && !routeNames[rc.Name] {
			continue
		}
		_ = rc.Raw.Get("virtual_hosts").Items(func(_ int, vh jsonscan.Value) bool {
			domains := vh.Get("domains").Strings()
			lr := LoadedRoute{RouteConfig: rc.Name, VirtualHost: vh.Get("name").Str()}
			byDomain := matchDomains != nil && matchDomains(domains)
			toService := false
			_ = vh.Get("routes").Items(func(_ int, r jsonscan.Value) bool {
				e := readRouteEntry(r)
				for _, c := range e.Clusters {
					if k, ok := parseClusterName(c.Name); ok && k.FQDN == host && k.Port == port {
						toService = true
					}
				}
				lr.Routes = append(lr.Routes, e)
				return true
			})
			if byDomain || toService {
				if !byDomain { // a gateway's vhost: keep only the routes to the service
					kept := lr.Routes[:0]
					for _, e := range lr.Routes {
						for _, c := range e.Clusters {
							if k, ok := parseClusterName(c.Name); ok && k.FQDN == host && k.Port == port {
								kept = append(kept, e)
								break
							}
						}
					}
					lr.Routes = kept
				}
				out = append(out, lr)
			}
			return true
		})
	}
	return out
}

func readRouteEntry(r jsonscan.Value) LoadedRouteEntry {
	e := LoadedRouteEntry{Match: describeRouteMatch(r.Get("match"))}
	_, e.VirtualService = istioConfigRef(r.Get("metadata", "filter_metadata", "istio", "config").Str())
	act := r.Get("route")
	if c := act.Get("cluster").Str(); c != "" {
		e.Clusters = append(e.Clusters, WeightedCluster{Name: c})
	}
	_ = act.Get("weighted_clusters", "clusters").Items(func(_ int, c jsonscan.Value) bool {
		w, _ := c.Get("weight").Int()
		if c.Get("weight").Kind() == jsonscan.Object {
			w, _ = c.Get("weight", "value").Int()
		}
		e.Clusters = append(e.Clusters, WeightedCluster{Name: c.Get("name").Str(), Weight: int(w)})
		return true
	})
	switch {
	case r.Get("redirect").Exists():
		e.Action = "redirect"
	case r.Get("direct_response").Exists():
		n, _ := r.Get("direct_response", "status").Int()
		e.Action = fmt.Sprintf("direct response %d", n)
	}
	return e
}

func describeRouteMatch(m jsonscan.Value) string {
	var parts []string
	switch {
	case m.Get("prefix").Exists():
		parts = append(parts, m.Get("prefix").Str()+"*")
	case m.Get("path").Exists():
		parts = append(parts, m.Get("path").Str())
	case m.Get("safe_regex").Exists():
		parts = append(parts, "regex "+m.Get("safe_regex", "regex").Str())
	case m.Get("regex").Exists():
		parts = append(parts, "regex "+m.Get("regex").Str())
	case m.Get("path_separated_prefix").Exists():
		parts = append(parts, m.Get("path_separated_prefix").Str()+"/*")
	}
	_ = m.Get("headers").Items(func(_ int, h jsonscan.Value) bool {
		parts = append(parts, "header "+h.Get("name").Str())
		return true
	})
	if len(parts) == 0 {
		return "*"
	}
	return strings.Join(parts, " ")
}

// inboundChains returns the proxy's inbound filter chains for a pod port: the chains of the
// virtualInbound listener (15006) that match the destination port, and old-style per-port inbound
// listeners (<pod IP>_<port>, Istio before 1.5).
func (v *proxyView) inboundChains(port uint32, podIPs map[string]bool) (listener string, chains []InboundChain) {
	var oldName string
	var old []InboundChain
	for i := range v.listeners {
		l := &v.listeners[i]
		if !l.IsShort() {
			continue
		}
		switch {
		case l.Name == "virtualInbound" || (l.Port == 15006 && l.Name != "virtualOutbound"):
			_ = l.Raw.Get("filter_chains").Items(func(_ int, fc jsonscan.Value) bool {
				if dp := chainDestinationPort(fc.Get("filter_chain_match")); dp == port {
					chains = append(chains, readInboundChain(fc))
					listener = l.Name
				}
				return true
			})
		case oldName == "" && l.Port == port && len(l.Addresses) == 1 && l.Addresses[0] != "0.0.0.0" && l.Addresses[0] != "::" &&
			(podIPs[l.Addresses[0]] || isInboundListener(l.Raw)):
			_ = l.Raw.Get("filter_chains").Items(func(_ int, fc jsonscan.Value) bool {
				old = append(old, readInboundChain(fc))
				return true
			})
			oldName = l.Name
		}
	}
	if len(chains) > 0 {
		return listener, chains
	}
	return oldName, old
}

// isInboundListener reads traffic_direction (Envoy ≥1.13) to tell an inbound listener.
func isInboundListener(l jsonscan.Value) bool {
	return l.Get("traffic_direction").Str() == "INBOUND"
}

func chainDestinationPort(m jsonscan.Value) uint32 {
	dp := m.Get("destination_port")
	if dp.Kind() == jsonscan.Object {
		dp = dp.Get("value")
	}
	n, _ := dp.Int()
	return uint32(n)
}

func readInboundChain(fc jsonscan.Value) InboundChain {
	c := InboundChain{Name: fc.Get("name").Str()}
	m := fc.Get("filter_chain_match")
	c.TLS = fc.Get("transport_socket").Exists() || fc.Get("tls_context").Exists()
	if tp := m.Get("transport_protocol").Str(); tp != "" {
		c.Match = tp
	}
	if ap := m.Get("application_protocols").Strings(); len(ap) > 0 {
		if c.Match != "" {
			c.Match += "; "
		}
		c.Match += "ALPN " + strings.Join(ap, ",")
	}
	if c.Match == "" {
		c.Match = "any"
	}
	_ = fc.Get("filters").Items(func(_ int, f jsonscan.Value) bool {
		name := f.Get("name").Str()
		tc := f.Get("typed_config")
		t := tc.Get("@type").Str()
		switch {
		case name == "envoy.filters.network.tcp_proxy" || name == "envoy.tcp_proxy" || strings.HasSuffix(t, ".TcpProxy"):
			if c.Destination == "" {
				c.Destination = tc.Get("cluster").Str()
			}
		case name == "envoy.filters.network.http_connection_manager" || name == "envoy.http_connection_manager" || strings.HasSuffix(t, ".HttpConnectionManager"):
			if c.Destination == "" {
				c.Destination = hcmDestination(tc)
			}
			_ = tc.Get("http_filters").Items(func(_ int, hf jsonscan.Value) bool {
				hn := hf.Get("name").Str()
				ht := hf.Get("typed_config")
				if hn == "envoy.filters.http.rbac" || hn == "envoy.rbac" || strings.HasSuffix(ht.Get("@type").Str(), "http.rbac.v3.RBAC") {
					c.RBAC = append(c.RBAC, rbacPolicies(ht)...)
				}
				return true
			})
		case name == "envoy.filters.network.rbac" || strings.HasSuffix(t, "network.rbac.v3.RBAC"):
			c.RBAC = append(c.RBAC, rbacPolicies(tc)...)
		}
		return true
	})
	return c
}

// hcmDestination names where an inbound HTTP connection manager sends traffic: the cluster of its
// inline catch-all route, else its RDS name.
func hcmDestination(tc jsonscan.Value) string {
	if name := tc.Get("rds", "route_config_name").Str(); name != "" {
		return "route " + name
	}
	var cl string
	_ = tc.Get("route_config", "virtual_hosts").Items(func(_ int, vh jsonscan.Value) bool {
		_ = vh.Get("routes").Items(func(_ int, r jsonscan.Value) bool {
			if c := r.Get("route", "cluster").Str(); c != "" {
				cl = c
				return false
			}
			return true
		})
		return cl == ""
	})
	return cl
}

// rbacPolicies lists the policy names of an RBAC filter's rules and shadow rules.
func rbacPolicies(tc jsonscan.Value) []string {
	var out []string
	for _, key := range []string{"rules", "shadow_rules"} {
		_ = tc.Get(key, "policies").Fields(func(k []byte, _ jsonscan.Value) bool {
			out = append(out, string(k))
			return true
		})
	}
	return out
}

// rbacPolicyRE reads Istio's RBAC policy names: ns[NS]-policy[NAME]-rule[N], with a prefix for
// CUSTOM (istio-ext-authz-) and dry-run policies.
var rbacPolicyRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`ns\[([^\]]+)\]-policy\[([^\]]+)\]-rule\[\d+\]`)
})

// rbacPolicyID turns an RBAC policy name into "name.namespace" of the AuthorizationPolicy, or "".
func rbacPolicyID(name string) string {
	m := rbacPolicyRE().FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	return m[2] + "." + m[1]
}

// outboundPolicy reads the outbound traffic policy from the virtualOutbound listener (15001): its
// catch-all chain goes to PassthroughCluster (ALLOW_ANY) or BlackHoleCluster (REGISTRY_ONLY).
func (v *proxyView) outboundPolicy() (mode, cluster string, found bool) {
	for i := range v.listeners {
		l := &v.listeners[i]
		if !l.IsShort() || (l.Name != "virtualOutbound" && !(l.Port == 15001 && l.Name != "virtualInbound")) {
			continue
		}
		var catchAll string
		visit := func(fc jsonscan.Value) {
			m := fc.Get("filter_chain_match")
			if m.Len() > 0 { // chains for the pod's own IPs or port 15001 guard against loops
				return
			}
			if d := chainCluster(fc); d != "" {
				catchAll = d
			}
		}
		_ = l.Raw.Get("filter_chains").Items(func(_ int, fc jsonscan.Value) bool {
			visit(fc)
			return true
		})
		if d := l.Raw.Get("default_filter_chain"); d.Exists() {
			visit(d)
		}
		switch catchAll {
		case "PassthroughCluster":
			return "ALLOW_ANY", catchAll, true
		case "BlackHoleCluster":
			return "REGISTRY_ONLY", catchAll, true
		case "":
			continue
		default:
			return "", catchAll, true
		}
	}
	return "", "", false
}

// chainCluster returns the tcp_proxy cluster of a filter chain.
func chainCluster(fc jsonscan.Value) string {
	var out string
	_ = fc.Get("filters").Items(func(_ int, f jsonscan.Value) bool {
		tc := f.Get("typed_config")
		if c := tc.Get("cluster").Str(); c != "" {
			out = c
			return false
		}
		return true
	})
	return out
}
