package trace

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
)

// networkFilters follows the chain's network filters to the terminal one: tcp_proxy picks a
// cluster, the HTTP connection manager routes the request.
func networkFilters(cfg *Config, conn *Connection, f *facts, chain *FilterChain, req *Request, res *Result) {
	chainTLS := isTLSSocket(chain.TransportSocket)
	switch {
	case chainTLS && !conn.TLS:
		res.stop("transport_socket", "tls", "the chain terminates TLS but the client speaks plaintext: the handshake fails and the connection is closed")
		return
	case chainTLS:
		res.step("transport_socket", "tls", "the chain terminates TLS (downstream TLS context)", "decrypted")
	case conn.TLS:
		res.step("transport_socket", "raw_buffer", "the chain does not terminate TLS: the encrypted bytes pass through as they are", OutcomeNote)
	}
	var names []string
	for i := range chain.Filters {
		nf := &chain.Filters[i]
		switch {
		case nf.is(namesTCPProxy, ".TcpProxy"):
			if len(names) > 0 {
				res.step("network_filter", strings.Join(names, ", "), "before the terminal filter (not evaluated)", OutcomeNote)
			}
			var tp tcpProxy
			if err := nf.decode(&tp); err != nil {
				res.stop("network_filter", nf.Name, "cannot read the tcp_proxy config: "+err.Error())
				return
			}
			tcpProxyCluster(&tp, req, res)
			return
		case nf.is(namesHCM, ".HttpConnectionManager"):
			if len(names) > 0 {
				res.step("network_filter", strings.Join(names, ", "), "before the terminal filter (not evaluated)", OutcomeNote)
			}
			var h hcm
			if err := nf.decode(&h); err != nil {
				res.stop("network_filter", nf.Name, "cannot read the HTTP connection manager's config: "+err.Error())
				return
			}
			if conn.TCP || (conn.TLS && !chainTLS) {
				res.stop("network_filter", nf.Name, "the HTTP connection manager gets bytes that are not HTTP: it answers 400 or closes the connection")
				return
			}
			httpRoute(cfg, conn, &h, chainTLS, req, res)
			return
		default:
			names = append(names, nf.Name)
		}
	}
	res.stop("network_filter", strings.Join(names, ", "), "the chain has no tcp_proxy or HTTP connection manager: its last filter handles the connection (not followed)")
}

func tcpProxyCluster(tp *tcpProxy, req *Request, res *Result) {
	if tp.WeightedClusters != nil && len(tp.WeightedClusters.Clusters) > 0 {
		r := &Request{}
		if req != nil {
			r.RandomValue, r.RandomSet = req.RandomValue, req.RandomSet
		}
		rc := &RouteConfiguration{}
		a := &Action{}
		route := &Route{Route: &RouteAction{WeightedClusters: tp.WeightedClusters}}
		rc.routeAction(&VirtualHost{}, route, r, nil, a, func(subject, compared, outcome string) {
			res.step("network_filter", "tcp_proxy "+subject, compared, outcome)
		})
		res.Action = &Action{Kind: a.Kind, Cluster: a.Cluster, Weighted: a.Weighted}
		res.Cluster = a.Cluster
		return
	}
	res.step("network_filter", "tcp_proxy", "forwards the connection to a cluster", tp.Cluster)
	res.Action = &Action{Kind: KindCluster, Cluster: tp.Cluster}
	res.Cluster = tp.Cluster
}

func httpRoute(cfg *Config, conn *Connection, h *hcm, chainTLS bool, req *Request, res *Result) {
	var filters []string
	for _, hf := range h.HTTPFilters {
		filters = append(filters, hf.Name)
	}
	res.step("network_filter", "http_connection_manager", "HTTP filters: "+orNone(strings.Join(filters, ", ")), "the router routes the request (other filters are not evaluated)")
	r := *req
	if np := normalizePath(r.Path, h.NormalizePath != nil && *h.NormalizePath, h.MergeSlashes); np != r.Path {
		var opts []string
		if h.NormalizePath != nil && *h.NormalizePath {
			opts = append(opts, "normalize_path")
		}
		if h.MergeSlashes {
			opts = append(opts, "merge_slashes")
		}
		res.step("network_filter", "http_connection_manager", strings.Join(opts, ", ")+": path "+quote(r.Path), "path "+quote(np))
		r.Path = np
	}
	var rc *RouteConfiguration
	switch {
	case h.Rds != nil:
		name := h.Rds.RouteConfigName
		res.RouteConfig = name
		var err error
		if cfg.RouteConfig != nil {
			rc, err = cfg.RouteConfig(name)
		}
		if err != nil {
			res.stop("route_config", name, "cannot read route configuration "+quote(name)+": "+err.Error())
			return
		}
		if rc == nil {
			res.stop("route_config", name, "RDS route configuration "+quote(name)+" is not in the dump (not received yet?): Envoy answers 404 NR")
			return
		}
		res.step("route_config", name, "from RDS", OutcomeMatch)
	case len(h.RouteConfig) > 0:
		var err error
		if rc, err = ParseRouteConfiguration(h.RouteConfig); err != nil {
			res.stop("route_config", "inline", err.Error())
			return
		}
		res.RouteConfig = rc.Name
		res.step("route_config", orNone(rc.Name), "inline in the HTTP connection manager", OutcomeMatch)
	case len(h.ScopedRoutes) > 0:
		res.stop("route_config", "scoped_routes", "the HTTP connection manager uses scoped routes, which trace does not follow")
		return
	default:
		res.stop("route_config", "(none)", "the HTTP connection manager names no route configuration")
		return
	}
	for _, p := range rc.Problems {
		res.step("route_config", rc.Name, p, OutcomeNote)
	}
	if chainTLS {
		r.Scheme = "https"
		r.TLS = &TLSFacts{Presented: true, Validated: true}
	}
	rr := rc.RouteRequest(&r, RouteOptions{Explain: true, StripAnyHostPort: h.StripAnyHostPort, StripMatchingHostPort: h.StripMatchingHostPort, ListenerPort: conn.DestPort})
	res.Steps = append(res.Steps, rr.Steps...)
	if rr.VirtualHost != nil {
		res.VirtualHost = rr.VirtualHost.Name
	}
	if rr.Route != nil {
		res.Route = rr.Route.Name
		if res.Route == "" {
			res.Route = rr.Route.Describe()
		}
	}
	res.Action = rr.Action
	if rr.Stop != "" {
		res.Stop = rr.Stop
		return
	}
	if rr.Action != nil && rr.Action.Kind == KindCluster {
		res.Cluster = rr.Action.Cluster
	} else if rr.Action != nil && rr.Action.Kind == KindNoCluster {
		res.Stop = "no cluster: " + lastCompared(res)
	}
}

func lastCompared(res *Result) string {
	if len(res.Steps) == 0 {
		return ""
	}
	s := res.Steps[len(res.Steps)-1]
	return s.Compared + ": " + s.Outcome
}

// followCluster describes the chosen cluster and its endpoints.
func followCluster(cfg *Config, conn *Connection, res *Result) {
	name := res.Cluster
	var ci *ClusterInfo
	if cfg.Cluster != nil {
		ci = cfg.Cluster(name)
	}
	http := !conn.TCP && res.RouteConfig != ""
	fail := func(why string) {
		res.stop("cluster", name, why)
	}
	switch {
	case name == "BlackHoleCluster":
		if http {
			fail("Istio's BlackHoleCluster has no endpoints: the request fails (502/503); outbound traffic policy REGISTRY_ONLY, or traffic to the proxy's own address, ends here")
		} else {
			fail("Istio's BlackHoleCluster has no endpoints: the connection is closed; outbound traffic policy REGISTRY_ONLY, or traffic to the proxy's own address, ends here")
		}
		return
	case strings.HasPrefix(name, "PassthroughCluster"):
		res.step("cluster", name, "Istio's PassthroughCluster (ORIGINAL_DST): the traffic goes to its original destination "+fmt.Sprintf("%s:%d", addrString(conn.DestIP), conn.DestPort)+" as it is, outside the mesh's routing (outbound traffic policy ALLOW_ANY)", OutcomeChosen)
		res.Endpoints = append(res.Endpoints, EndpointInfo{Address: fmt.Sprintf("%s:%d", addrString(conn.DestIP), conn.DestPort), Health: "original destination", Source: "ORIGINAL_DST"})
		return
	case strings.HasPrefix(name, "InboundPassthroughCluster"):
		res.step("cluster", name, "Istio's inbound passthrough (ORIGINAL_DST): to the application on "+fmt.Sprintf("%s:%d", addrString(conn.DestIP), conn.DestPort), OutcomeChosen)
		res.Endpoints = append(res.Endpoints, EndpointInfo{Address: fmt.Sprintf("%s:%d", addrString(conn.DestIP), conn.DestPort), Health: "original destination", Source: "ORIGINAL_DST"})
		return
	case ci == nil:
		if http {
			fail("cluster " + quote(name) + " is not in the dump: Envoy answers 503 NC (cluster not found)")
		} else {
			fail("cluster " + quote(name) + " is not in the dump: Envoy closes the connection")
		}
		return
	}
	what := "type " + orNone(ci.Type)
	if ci.UpstreamTLS != "" {
		what += "; upstream " + ci.UpstreamTLS
	}
	res.step("cluster", name, what, OutcomeChosen)
	if ci.Type == "ORIGINAL_DST" {
		res.Endpoints = append(res.Endpoints, EndpointInfo{Address: fmt.Sprintf("%s:%d", addrString(conn.DestIP), conn.DestPort), Health: "original destination", Source: "ORIGINAL_DST"})
		return
	}
	if ci.EndpointsFrom == "" {
		res.step("endpoints", name, "not in the input: save the dump with include_eds (xdsctl proxy-config all <pod> --save FILE) or trace a live proxy", OutcomeNote)
		return
	}
	usable := 0
	for _, e := range ci.Endpoints {
		res.Endpoints = append(res.Endpoints, e)
		if e.Health == "HEALTHY" || e.Health == "UNKNOWN" || e.Health == "DEGRADED" {
			usable++
		}
	}
	switch {
	case len(ci.Endpoints) == 0:
		if http {
			fail("no endpoints (" + ci.EndpointsFrom + "): Envoy answers 503 UH (no healthy upstream)")
		} else {
			fail("no endpoints (" + ci.EndpointsFrom + "): Envoy closes the connection")
		}
	case usable == 0:
		fail(fmt.Sprintf("none of the %d endpoints is healthy (%s): Envoy answers 503 UH unless the panic threshold sends to all", len(ci.Endpoints), ci.EndpointsFrom))
	default:
		res.step("endpoints", name, fmt.Sprintf("%d of %d can take traffic: HEALTHY, DEGRADED or UNKNOWN (%s)", usable, len(ci.Endpoints), ci.EndpointsFrom), OutcomeChosen)
	}
}

// xdsMatcher is the part of the xDS matcher API (xds.type.matcher.v3.Matcher) a listener's
// filter_chain_matcher uses: a tree of exact or prefix maps on network inputs, or a list of
// single predicates; actions name a filter chain.
type xdsMatcher struct {
	MatcherTree *struct {
		Input          NamedConfig `json:"input"`
		ExactMatchMap  *matchMap   `json:"exact_match_map"`
		PrefixMatchMap *matchMap   `json:"prefix_match_map"`
		CustomMatch    *struct {
			Name        string `json:"name"`
			TypedConfig struct {
				Type          string           `json:"@type"`
				RangeMatchers []ipRangeMatcher `json:"range_matchers"`
			} `json:"typed_config"`
		} `json:"custom_match"`
	} `json:"matcher_tree"`
	MatcherList *struct {
		Matchers []struct {
			Predicate struct {
				SinglePredicate *struct {
					Input      NamedConfig    `json:"input"`
					ValueMatch *StringMatcher `json:"value_match"`
				} `json:"single_predicate"`
			} `json:"predicate"`
			OnMatch onMatch `json:"on_match"`
		} `json:"matchers"`
	} `json:"matcher_list"`
	OnNoMatch *onMatch `json:"on_no_match"`
}

type matchMap struct {
	Map map[string]onMatch `json:"map"`
}

type onMatch struct {
	Action  *NamedConfig `json:"action"`
	Matcher *xdsMatcher  `json:"matcher"`
}

// matcherChain evaluates a filter_chain_matcher; ok is false when it matched nothing (the
// default chain is next) or could not be followed (res.Stop set).
func matcherChain(l *Listener, f *facts, res *Result) (*FilterChain, bool) {
	var m xdsMatcher
	if err := json.Unmarshal(l.FilterChainMatcher, &m); err != nil {
		res.stop("filter_chain", "filter_chain_matcher", "cannot read the listener's filter_chain_matcher: "+err.Error())
		return nil, false
	}
	name, ok, err := evalMatcher(&m, f, res, 0)
	if err != "" {
		res.stop("filter_chain", "filter_chain_matcher", err)
		return nil, false
	}
	if !ok {
		res.step("filter_chain", "filter_chain_matcher", "no match", OutcomeNoMatch)
		return nil, false
	}
	for _, c := range l.FilterChains {
		if c.Name == name {
			res.step("filter_chain", c.Describe(), "named by the filter_chain_matcher", OutcomeChosen)
			return c, true
		}
	}
	res.stop("filter_chain", name, "the filter_chain_matcher names chain "+quote(name)+", which the listener does not have")
	return nil, false
}

func matcherInput(in *NamedConfig, f *facts) (string, bool) {
	t := in.typeURL()
	switch {
	case strings.HasSuffix(t, ".DestinationPortInput"):
		return strconv.Itoa(int(f.destPort)), true
	case strings.HasSuffix(t, ".DestinationIPInput"):
		return f.destIP.String(), true
	case strings.HasSuffix(t, ".SourcePortInput"):
		return strconv.Itoa(int(f.srcPort)), true
	case strings.HasSuffix(t, ".DirectSourceIPInput"), strings.HasSuffix(t, ".SourceIPInput"):
		return srcString(f), true
	case strings.HasSuffix(t, ".SourceTypeInput"):
		if f.local() {
			return "local", true
		}
		return "", true
	case strings.HasSuffix(t, ".ServerNameInput"):
		return f.sni, true
	case strings.HasSuffix(t, ".TransportProtocolInput"):
		return f.transport, true
	case strings.HasSuffix(t, ".ApplicationProtocolInput"):
		q := make([]string, len(f.alpn))
		for i, a := range f.alpn {
			q[i] = "'" + a + "'"
		}
		return strings.Join(q, ","), true
	}
	return t, false
}

func actionName(a *NamedConfig) string {
	var v struct {
		Value string `json:"value"`
	}
	_ = json.Unmarshal(a.TypedConfig, &v)
	return v.Value
}

func evalMatcher(m *xdsMatcher, f *facts, res *Result, depth int) (string, bool, string) {
	if depth > 16 {
		return "", false, "the filter_chain_matcher nests too deep"
	}
	follow := func(om *onMatch) (string, bool, string) {
		if om.Action != nil {
			return actionName(om.Action), true, ""
		}
		if om.Matcher != nil {
			return evalMatcher(om.Matcher, f, res, depth+1)
		}
		return "", false, ""
	}
	if t := m.MatcherTree; t != nil {
		v, ok := matcherInput(&t.Input, f)
		if !ok {
			return "", false, "the filter_chain_matcher reads input " + v + ", which trace does not follow"
		}
		if t.ExactMatchMap != nil {
			if om, hit := t.ExactMatchMap.Map[v]; hit {
				res.step("filter_chain", "filter_chain_matcher", fmt.Sprintf("%s %s: exact entry", inputName(&t.Input), quote(v)), OutcomeMatch)
				if n, ok, err := follow(&om); ok || err != "" {
					return n, ok, err
				}
			}
		}
		if cm := t.CustomMatch; cm != nil {
			if !strings.HasSuffix(cm.TypedConfig.Type, ".IPMatcher") {
				return "", false, "the filter_chain_matcher uses custom matcher " + orNone(cm.TypedConfig.Type) + ", which trace does not follow"
			}
			n, ok, err := ipMatch(cm.TypedConfig.RangeMatchers, v, follow, res, inputName(&t.Input))
			if ok || err != "" {
				return n, ok, err
			}
		}
		if t.PrefixMatchMap != nil {
			best := ""
			found := false
			for k := range t.PrefixMatchMap.Map {
				if strings.HasPrefix(v, k) && (!found || len(k) > len(best)) {
					best, found = k, true
				}
			}
			if found {
				om := t.PrefixMatchMap.Map[best]
				res.step("filter_chain", "filter_chain_matcher", fmt.Sprintf("%s %s: longest prefix %s", inputName(&t.Input), quote(v), quote(best)), OutcomeMatch)
				if n, ok, err := follow(&om); ok || err != "" {
					return n, ok, err
				}
			}
		}
	}
	if l := m.MatcherList; l != nil {
		for i := range l.Matchers {
			sp := l.Matchers[i].Predicate.SinglePredicate
			if sp == nil {
				return "", false, "the filter_chain_matcher uses compound predicates, which trace does not follow"
			}
			v, ok := matcherInput(&sp.Input, f)
			if !ok {
				return "", false, "the filter_chain_matcher reads input " + v + ", which trace does not follow"
			}
			if sp.ValueMatch != nil && sp.ValueMatch.SafeRegex != nil && sp.ValueMatch.re == nil {
				sp.ValueMatch.re = compileRegex(sp.ValueMatch.SafeRegex.Regex)
			}
			if sp.ValueMatch.match(v) {
				res.step("filter_chain", "filter_chain_matcher", fmt.Sprintf("%s %s: %s", inputName(&sp.Input), quote(v), sp.ValueMatch.describe()), OutcomeMatch)
				if n, ok, err := follow(&l.Matchers[i].OnMatch); ok || err != "" {
					return n, ok, err
				}
			}
		}
	}
	if m.OnNoMatch != nil {
		res.step("filter_chain", "filter_chain_matcher", "on_no_match", OutcomeMatch)
		return follow(m.OnNoMatch)
	}
	return "", false, ""
}

func inputName(in *NamedConfig) string {
	t := in.typeURL()
	if i := strings.LastIndexByte(t, '.'); i >= 0 {
		return t[i+1:]
	}
	return in.Name
}

// ipRangeMatcher is one range matcher of xDS's IPMatcher.
type ipRangeMatcher struct {
	Ranges    []CidrRange `json:"ranges"`
	OnMatch   onMatch     `json:"on_match"`
	Exclusive bool        `json:"exclusive"`
}

// ipMatch is xDS's IPMatcher: the range matchers whose ranges hold the address, longest prefix
// first; an exclusive one that matched but whose on_match gave nothing stops the less specific.
func ipMatch(rms []ipRangeMatcher, v string, follow func(*onMatch) (string, bool, string), res *Result, input string) (string, bool, string) {
	ip, err := netip.ParseAddr(v)
	if err != nil {
		return "", false, ""
	}
	type hit struct{ i, bits int }
	var hits []hit
	for i := range rms {
		best := -1
		for _, r := range rms[i].Ranges {
			if p, ok := r.prefix(); ok && p.Contains(ip.Unmap()) && p.Bits() > best {
				best = p.Bits()
			}
		}
		if best >= 0 {
			hits = append(hits, hit{i, best})
		}
	}
	sort.SliceStable(hits, func(a, b int) bool { return hits[a].bits > hits[b].bits })
	for _, h := range hits {
		res.step("filter_chain", "filter_chain_matcher", fmt.Sprintf("%s %s: in %s (IP matcher, longest prefix)", input, v, rangesString(rms[h.i].Ranges)), OutcomeMatch)
		if n, ok, err := follow(&rms[h.i].OnMatch); ok || err != "" {
			return n, ok, err
		}
		if rms[h.i].Exclusive {
			break
		}
	}
	return "", false, ""
}
