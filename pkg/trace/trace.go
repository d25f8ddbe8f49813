package trace

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// Connection is the traffic to trace: where it goes, where it comes from, what it speaks.
type Connection struct {
	DestIP     netip.Addr
	DestPort   uint32
	SourceIP   netip.Addr // invalid when unknown
	SourcePort uint32
	// Inbound enters an Istio sidecar's inbound listener (virtualInbound, :15006) rather than
	// the outbound one.
	Inbound bool
	// TLS: the client starts a TLS handshake, with SNI and ALPN.
	TLS  bool
	SNI  string
	ALPN []string
	// TCP: the client does not speak HTTP (no request is routed).
	TCP bool
	// Listener starts the trace at the listener of this name, whatever its address (an internal
	// listener, such as an Istio waypoint's main_internal).
	Listener string
}

// Config is the proxy configuration a trace reads; the caller loads it (lazily where it can).
type Config struct {
	// Listeners are those that can take the connection (a caller may leave out the others);
	// AllListeners counts every listener of the proxy, for messages.
	Listeners    []*Listener
	AllListeners int
	// RouteConfig returns the route configuration RDS names, or nil when the dump has none.
	RouteConfig func(name string) (*RouteConfiguration, error)
	// Cluster describes a cluster and its endpoints, or returns nil when the dump lacks it.
	Cluster func(name string) *ClusterInfo
}

// ClusterInfo is a cluster as the trace shows it.
type ClusterInfo struct {
	Name string `json:"name"`
	Type string `json:"type"`
	// Endpoints are the cluster's hosts with their health; EndpointsFrom says where they come
	// from (EDS in the dump, /clusters, the cluster's load_assignment) or is "" when unknown.
	Endpoints     []EndpointInfo `json:"-"`
	EndpointsFrom string         `json:"-"`
	// UpstreamTLS says how the proxy talks to the endpoints: "" (plaintext), "TLS", or the
	// transport_socket_matches that pick TLS per endpoint (Istio's mTLS to sidecars).
	UpstreamTLS string `json:"-"`
}

// EndpointInfo is one upstream host.
type EndpointInfo struct {
	Address string `json:"address"`
	Health  string `json:"health"`
	Weight  uint32 `json:"weight,omitempty"`
	Source  string `json:"source"`
}

// Result is the whole path of a traced connection or request.
type Result struct {
	Listener    string         `json:"listener"`
	FilterChain string         `json:"filter_chain"`
	RouteConfig string         `json:"route_config"`
	VirtualHost string         `json:"virtual_host"`
	Route       string         `json:"route"`
	Cluster     string         `json:"cluster"`
	Action      *Action        `json:"action"`
	Endpoints   []EndpointInfo `json:"endpoints"`
	Steps       []Step         `json:"steps"`
	// Stop says where and why the trace ends short of an upstream, or is "".
	Stop string `json:"stop,omitempty"`
}

func (r *Result) step(stage, subject, compared, outcome string) {
	r.Steps = append(r.Steps, Step{Stage: stage, Subject: subject, Compared: compared, Outcome: outcome})
}

func (r *Result) stop(stage, subject, why string) *Result {
	r.step(stage, subject, why, OutcomeStop)
	r.Stop = why
	return r
}

// Trace follows a connection (and, unless Conn.TCP, the HTTP request req) through cfg.
func Trace(cfg *Config, conn *Connection, req *Request) *Result {
	res := &Result{Steps: []Step{}, Endpoints: []EndpointInfo{}}
	if req == nil && !conn.TCP {
		c := *conn
		c.TCP = true // no request: the client sends no HTTP
		conn = &c
	}
	l := pickListener(cfg, conn, res)
	if l == nil {
		return res
	}
	res.Listener = l.label()
	f := listenerFilters(l, conn, res)
	chain := pickChain(l, f, res)
	if chain == nil {
		return res
	}
	res.FilterChain = chain.Name
	if chain.Name == "" {
		res.FilterChain = chain.Describe()
	}
	networkFilters(cfg, conn, f, chain, req, res)
	if res.Cluster != "" {
		followCluster(cfg, conn, res)
	}
	return res
}

func pickListener(cfg *Config, conn *Connection, res *Result) *Listener {
	dest := fmt.Sprintf("%s:%d", addrString(conn.DestIP), conn.DestPort)
	var outbound, inbound *Listener
	for _, l := range cfg.Listeners {
		if l.usesOriginalDst() && (outbound == nil || l.Name == "virtualOutbound") {
			outbound = l
		}
		if l.Name == "virtualInbound" || inbound == nil && l.listensOn(netip.IPv4Unspecified(), 15006) != "" {
			inbound = l
		}
	}
	if conn.Listener != "" {
		for _, l := range cfg.Listeners {
			if l.Name == conn.Listener {
				res.step("listener", l.label(), "named by --listener", OutcomeChosen)
				return l
			}
		}
		res.stop("listener", conn.Listener, "the proxy has no listener named "+quote(conn.Listener))
		return nil
	}
	if conn.Inbound {
		if inbound == nil {
			inbound = redirectListener(cfg, true)
		}
		if inbound == nil {
			res.stop("listener", "inbound", "no inbound listener (virtualInbound, port 15006): --inbound is for Istio sidecars")
			return nil
		}
		res.step("listener", inbound.label(), "--inbound: iptables redirects inbound traffic to "+inbound.Address.String(), OutcomeMatch)
		return inbound
	}
	if outbound != nil {
		res.step("listener", outbound.label(), fmt.Sprintf("outbound traffic to %s is redirected to %s, whose use_original_dst hands it to the listener of the original destination", dest, outbound.Address.String()), OutcomeMatch)
		exact, wild := listenersOn(cfg, conn, func(l *Listener) bool { return l != outbound })
		switch {
		case exact != nil:
			res.step("listener", exact.label(), "hand-off: a listener on exactly "+dest+bindNote(exact), OutcomeChosen)
			return exact
		case wild != nil:
			res.step("listener", wild.label(), fmt.Sprintf("hand-off: no listener on %s exactly; %s listens on port %d of every address%s", dest, wild.Address.String(), conn.DestPort, bindNote(wild)), OutcomeChosen)
			return wild
		}
		res.step("listener", outbound.label(), "no listener on "+dest+" nor on port "+fmt.Sprint(conn.DestPort)+" of 0.0.0.0: the connection stays on the catch-all", OutcomeChosen)
		return outbound
	}
	exact, wild := listenersOn(cfg, conn, (*Listener).binds)
	switch {
	case exact != nil:
		res.step("listener", exact.label(), "bound to "+dest, OutcomeMatch)
		return exact
	case wild != nil:
		res.step("listener", wild.label(), fmt.Sprintf("bound to %s, every address on port %d", wild.Address.String(), conn.DestPort), OutcomeMatch)
		return wild
	}
	n := max(cfg.AllListeners, len(cfg.Listeners))
	if r := redirectListener(cfg, false); r != nil {
		res.step("listener", r.label(), fmt.Sprintf("no listener is bound to %s; %s has an original_dst listener filter: a sidecar's iptables redirect outbound traffic there (as Open Service Mesh's outbound-listener)", dest, r.Address.String()), OutcomeChosen)
		return r
	}
	res.stop("listener", dest, fmt.Sprintf("no listener is bound to %s or to port %d of every address (the proxy has %s): the connection is refused", dest, conn.DestPort, plural(n, "listener")))
	return nil
}

// redirectListener finds the listener iptables would redirect to when no use_original_dst
// listener hands connections off: one with an original_dst listener filter, named inbound (or
// not) as the direction asks, preferring the usual ports (15006 in, 15001 out).
func redirectListener(cfg *Config, inbound bool) *Listener {
	var found *Listener
	for _, l := range cfg.Listeners {
		hasOrigDst := false
		for i := range l.ListenerFilters {
			if l.ListenerFilters[i].is(namesOriginalDst, ".OriginalDst") {
				hasOrigDst = true
			}
		}
		if !hasOrigDst || strings.Contains(strings.ToLower(l.Name), "inbound") != inbound {
			continue
		}
		port := uint32(0)
		if sa := l.Address.SocketAddress; sa != nil {
			port = sa.PortValue
		}
		if inbound && port == 15006 || !inbound && port == 15001 {
			return l
		}
		if found == nil {
			found = l
		}
	}
	return found
}

// label names a listener: its name, or its address when it has none (a bootstrap's listeners
// may leave the name out; Envoy then makes one up).
func (l *Listener) label() string {
	if l.Name != "" {
		return l.Name
	}
	return l.Address.String()
}

func bindNote(l *Listener) string {
	if !l.binds() {
		return " (bind_to_port: false: it takes only handed-off connections)"
	}
	return ""
}

func addrString(a netip.Addr) string {
	if a.Is6() && !a.Is4In6() {
		return "[" + a.String() + "]"
	}
	return a.String()
}

var (
	namesOriginalDst  = []string{"envoy.filters.listener.original_dst", "envoy.listener.original_dst"}
	namesTLSInspector = []string{"envoy.filters.listener.tls_inspector", "envoy.listener.tls_inspector"}
	namesHTTPInspect  = []string{"envoy.filters.listener.http_inspector", "envoy.listener.http_inspector"}
	namesHCM          = []string{"envoy.filters.network.http_connection_manager", "envoy.http_connection_manager"}
	namesTCPProxy     = []string{"envoy.filters.network.tcp_proxy", "envoy.tcp_proxy"}
)

// listenerFilters runs the listener filters that set facts the filter chain match reads.
func listenerFilters(l *Listener, conn *Connection, res *Result) *facts {
	f := &facts{destIP: conn.DestIP, destPort: conn.DestPort, srcIP: conn.SourceIP, srcPort: conn.SourcePort, transport: "raw_buffer"}
	tlsInspector := false
	for i := range l.ListenerFilters {
		lf := &l.ListenerFilters[i]
		switch {
		case lf.is(namesOriginalDst, ".OriginalDst"):
			res.step("listener_filter", lf.Name, "original_dst restores the original destination (iptables or an internal address had set it)", fmt.Sprintf("destination %s:%d", addrString(conn.DestIP), conn.DestPort))
		case lf.is(namesTLSInspector, ".TlsInspector"):
			tlsInspector = true
			if conn.TLS {
				f.transport, f.sni, f.alpn = "tls", conn.SNI, conn.ALPN
				res.step("listener_filter", lf.Name, "the client starts a TLS handshake", fmt.Sprintf("transport tls, SNI %s, ALPN %s", orNone(conn.SNI), orNone(strings.Join(conn.ALPN, ","))))
			} else {
				res.step("listener_filter", lf.Name, "no TLS ClientHello", "transport raw_buffer")
			}
		case lf.is(namesHTTPInspect, ".HttpInspector"):
			switch {
			case conn.TLS:
				res.step("listener_filter", lf.Name, "TLS: the HTTP inspector does not look", OutcomeNote)
			case conn.TCP:
				res.step("listener_filter", lf.Name, "the bytes are not HTTP (--tcp)", "no application protocol")
			default:
				f.alpn = []string{"http/1.1"}
				if len(conn.ALPN) > 0 {
					f.alpn = conn.ALPN
				}
				res.step("listener_filter", lf.Name, "plaintext HTTP", "application protocol "+strings.Join(f.alpn, ","))
			}
		default:
			res.step("listener_filter", lf.Name, "not modelled (sets no fact the trace uses)", OutcomeNote)
		}
	}
	if conn.TLS && !tlsInspector {
		res.step("listener_filter", "(none)", "no tls_inspector: SNI and ALPN stay unknown to the filter chain match", "transport raw_buffer")
	}
	return f
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func pickChain(l *Listener, f *facts, res *Result) *FilterChain {
	if len(l.FilterChainMatcher) > 0 {
		if c, ok := matcherChain(l, f, res); ok {
			return c
		}
		if res.Stop != "" {
			return nil
		}
	} else if len(l.FilterChains) > 0 {
		c, steps := selectChain(l.FilterChains, f)
		res.Steps = append(res.Steps, steps...)
		if c != nil {
			res.step("filter_chain", c.Describe(), describeMatch(c), OutcomeChosen)
			return c
		}
	}
	if l.DefaultFilterChain != nil {
		why := "no filter chain matches: the listener's default_filter_chain takes the connection"
		if len(l.FilterChains) == 0 && len(l.FilterChainMatcher) == 0 {
			why = "the listener has only a default_filter_chain"
		}
		res.step("filter_chain", l.DefaultFilterChain.Describe(), why, OutcomeChosen)
		return l.DefaultFilterChain
	}
	res.stop("filter_chain", l.label(), "no filter chain matches and the listener has no default_filter_chain: Envoy closes the connection")
	return nil
}

func describeMatch(c *FilterChain) string {
	m := c.FilterChainMatch
	if m == nil {
		return "matches every connection (no filter_chain_match)"
	}
	var parts []string
	for _, cr := range criteria {
		if d := cr.describe(m); d != "" {
			parts = append(parts, cr.name+" "+d)
		}
	}
	if len(parts) == 0 {
		return "matches every connection (empty filter_chain_match)"
	}
	return strings.Join(parts, "; ")
}

// tcpProxy and hcm are the fields of the terminal network filters the trace reads.
type tcpProxy struct {
	Cluster          string            `json:"cluster"`
	WeightedClusters *WeightedClusters `json:"weighted_clusters"`
}

type hcm struct {
	Rds *struct {
		RouteConfigName string `json:"route_config_name"`
	} `json:"rds"`
	RouteConfig           json.RawMessage `json:"route_config"`
	ScopedRoutes          json.RawMessage `json:"scoped_routes"`
	StripAnyHostPort      bool            `json:"strip_any_host_port"`
	StripMatchingHostPort bool            `json:"strip_matching_host_port"`
	NormalizePath         *bool           `json:"normalize_path"`
	MergeSlashes          bool            `json:"merge_slashes"`
	HTTPFilters           []NamedConfig   `json:"http_filters"`
}

func (n *NamedConfig) decode(v any) error {
	raw := n.TypedConfig
	if len(raw) == 0 {
		raw = n.Config
	}
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, v)
}

func isTLSSocket(ts *NamedConfig) bool {
	if ts == nil {
		return false
	}
	return ts.Name == "envoy.transport_sockets.tls" || ts.Name == "tls" || strings.HasSuffix(ts.typeURL(), ".DownstreamTlsContext")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// listenersOn returns the first listener that may take conn (as ok says) on exactly its
// destination address, and the first on its port of every address.
func listenersOn(cfg *Config, conn *Connection, ok func(*Listener) bool) (exact, wild *Listener) {
	for _, l := range cfg.Listeners {
		if !ok(l) {
			continue
		}
		switch l.listensOn(conn.DestIP, conn.DestPort) {
		case "exact":
			if exact == nil {
				exact = l
			}
		case "wildcard":
			if wild == nil {
				wild = l
			}
		}
	}
	return exact, wild
}
