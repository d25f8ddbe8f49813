package configdump

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// Filter names that classify a listener, as istioctl does.
const (
	filterHCM      = "envoy.filters.network.http_connection_manager"
	filterTCPProxy = "envoy.filters.network.tcp_proxy"
	typeHCMSuffix  = ".HttpConnectionManager"
	typeTCPSuffix  = ".TcpProxy"
	blackHole      = "BlackHoleCluster"
)

// Listener is one listener as the tables show it.
type Listener struct {
	Name         string        `json:"name"`
	Addresses    []string      `json:"addresses"`
	Port         uint32        `json:"port"`
	Type         string        `json:"type"` // HTTP, TCP, HTTP+TCP or UNKNOWN
	FilterChains []FilterChain `json:"filterChains"`
	Meta
	Raw jsonscan.Value `json:"-"`
}

// FilterChain is one filter chain of a listener: what it matches and where it sends traffic.
type FilterChain struct {
	Name        string `json:"name,omitempty"`
	Match       string `json:"match"`
	Destination string `json:"destination"`
	Default     bool   `json:"default,omitempty"`
}

// Address returns the listener's addresses joined by ",", as the ADDRESSES column shows them.
func (l *Listener) Address() string { return strings.Join(l.Addresses, ",") }

// ListenerFilter selects listeners, as istioctl's --address, --port and --type do.
type ListenerFilter struct {
	Address string
	Port    uint32
	Type    string
}

// Match tells whether l passes the filter.
func (f ListenerFilter) Match(l *Listener) bool {
	if f.Address != "" {
		ok := false
		for _, a := range l.Addresses {
			if strings.EqualFold(a, f.Address) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if f.Port != 0 && l.Port != f.Port {
		return false
	}
	if f.Type != "" && !strings.EqualFold(l.Type, f.Type) {
		return false
	}
	return true
}

// Listeners returns the dump's listeners: dynamic ones in each state they are in (active,
// warming, draining, or only an error_state), then static ones, sorted as istioctl sorts them
// (port, address, type). Only active and static listeners have IsShort() true.
func (d *Dump) Listeners() ([]Listener, error) {
	sec, ok := d.Section(SectionListeners)
	if !ok {
		return nil, fmt.Errorf("%w: the dump has no listeners (ListenersConfigDump)", ErrNoSection)
	}
	var out, static []Listener
	err := sec.Fields(func(k []byte, v jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "dynamic_listeners"):
			_ = v.Items(func(_ int, e jsonscan.Value) bool {
				out = append(out, d.listenersOf(readDynamic(e, "listener", StateActive))...)
				return true
			})
		case jsonscan.KeyIs(k, "dynamic_active_listeners"), jsonscan.KeyIs(k, "dynamic_warming_listeners"), jsonscan.KeyIs(k, "dynamic_draining_listeners"):
			state := StateActive
			if jsonscan.KeyIs(k, "dynamic_warming_listeners") {
				state = StateWarming
			} else if jsonscan.KeyIs(k, "dynamic_draining_listeners") {
				state = StateDraining
			}
			_ = v.Items(func(_ int, e jsonscan.Value) bool {
				out = append(out, d.listenersOf(readDynamic(e, "listener", state))...)
				return true
			})
		case jsonscan.KeyIs(k, "static_listeners"):
			_ = v.Items(func(_ int, e jsonscan.Value) bool {
				l := d.readListener(e.Get("listener"))
				l.Meta = readMeta(StateStatic, e)
				static = append(static, l)
				return true
			})
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("read listeners: %w", err)
	}
	out = append(out, static...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Port != out[j].Port {
			return out[i].Port < out[j].Port
		}
		if a, b := out[i].Address(), out[j].Address(); a != b {
			return a < b
		}
		return out[i].Type < out[j].Type
	})
	return out, nil
}

func (d *Dump) listenersOf(de dynamicEntry) []Listener {
	var out []Listener
	for _, st := range de.states[:de.n] {
		l := d.readListener(st.res)
		if l.Name == "" {
			l.Name = de.name
		}
		l.Meta = st.meta
		out = append(out, l)
	}
	if de.errorOnly() {
		out = append(out, Listener{Name: de.name, Type: "UNKNOWN", Meta: Meta{State: StateError, Error: de.error}})
	}
	return out
}

// IsShort tells whether istioctl's short table shows the listener (active and static only).
func (m *Meta) IsShort() bool { return m.State == StateActive || m.State == StateStatic }

func (d *Dump) readListener(v jsonscan.Value) Listener {
	l := Listener{Raw: v}
	var chains []jsonscan.Value
	var defChain jsonscan.Value
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "name"):
			l.Name = f.Str()
		case jsonscan.KeyIs(k, "address"):
			a, p := socketAddress(f)
			l.Addresses = append([]string{a}, l.Addresses...)
			l.Port = p
		case jsonscan.KeyIs(k, "additional_addresses"):
			_ = f.Items(func(_ int, e jsonscan.Value) bool {
				a, _ := socketAddress(e.Get("address"))
				l.Addresses = append(l.Addresses, a)
				return true
			})
		case jsonscan.KeyIs(k, "filter_chains"):
			_ = f.Items(func(_ int, e jsonscan.Value) bool {
				chains = append(chains, e)
				return true
			})
		case jsonscan.KeyIs(k, "default_filter_chain"):
			defChain = f
		}
		return true
	})
	if len(l.Addresses) == 0 {
		l.Addresses = []string{""}
	}
	nHTTP, nTCP := 0, 0
	for _, c := range chains {
		fc, h, t := readFilterChain(c)
		nHTTP += h
		nTCP += t
		l.FilterChains = append(l.FilterChains, fc)
	}
	if defChain.Exists() {
		fc, h, t := readFilterChain(defChain)
		nHTTP += h
		nTCP += t
		fc.Default = true
		l.FilterChains = append(l.FilterChains, fc)
	}
	switch {
	case nHTTP > 0 && nTCP == 0:
		l.Type = "HTTP"
	case nHTTP > 0:
		l.Type = "HTTP+TCP"
	case nTCP > 0:
		l.Type = "TCP"
	default:
		l.Type = "UNKNOWN"
	}
	return l
}

// socketAddress reads an envoy.config.core.v3.Address: a socket address, a pipe or an internal address.
func socketAddress(v jsonscan.Value) (string, uint32) {
	var addr string
	var port uint32
	_ = v.Fields(func(k []byte, f jsonscan.Value) bool {
		switch {
		case jsonscan.KeyIs(k, "socket_address"):
			addr = f.Get("address").Str()
			if n, ok := f.Get("port_value").Int(); ok {
				port = uint32(n)
			}
		case jsonscan.KeyIs(k, "pipe"):
			addr = f.Get("path").Str()
		}
		return true
	})
	return addr, port
}

var alpnNames = []struct {
	name  string
	alpns []string
}{
	{"App: HTTP TLS", []string{"http/1.0", "http/1.1", "h2c", "istio-http/1.0", "istio-http/1.1", "istio-h2"}},
	{"App: Istio HTTP Plain", []string{"istio", "istio-http/1.0", "istio-http/1.1", "istio-h2"}},
	{"App: TCP TLS", []string{"istio-peer-exchange", "istio"}},
	{"App: HTTP", []string{"http/1.0", "http/1.1", "h2c"}},
}

// readFilterChain describes a filter chain and counts its HTTP and TCP filters (for the TYPE column).
func readFilterChain(c jsonscan.Value) (FilterChain, int, int) {
	fc := FilterChain{Name: c.Get("name").Str()}
	fc.Match = describeChainMatch(c.Get("filter_chain_match"))
	nHTTP, nTCP := 0, 0
	fc.Destination = ""
	_ = itemsOrOne(c.Get("filters"), func(_ int, f jsonscan.Value) bool {
		name := f.Get("name").Str()
		tc := f.Get("typed_config")
		switch {
		case isHCM(name, tc):
			nHTTP++
			if fc.Destination == "" {
				fc.Destination = describeHCM(tc)
			}
		case isTCPProxy(name, tc):
			if !bytes.Contains(tc.Raw(), []byte(blackHole)) {
				nTCP++
				if fc.Destination == "" {
					cl := tc.Get("cluster").Str()
					if strings.Contains(cl, "Cluster") {
						fc.Destination = cl
					} else {
						fc.Destination = "Cluster: " + cl
					}
				}
			}
		}
		return true
	})
	if fc.Destination == "" {
		fc.Destination = "Non-HTTP/Non-TCP"
	}
	return fc, nHTTP, nTCP
}

func isHCM(name string, tc jsonscan.Value) bool {
	return name == filterHCM || (name != filterTCPProxy && strings.HasSuffix(tc.Get("@type").Str(), typeHCMSuffix))
}

func isTCPProxy(name string, tc jsonscan.Value) bool {
	return name == filterTCPProxy || (name != filterHCM && strings.HasSuffix(tc.Get("@type").Str(), typeTCPSuffix))
}

func describeChainMatch(m jsonscan.Value) string {
	var descrs []string
	if sn := m.Get("server_names").Strings(); len(sn) > 0 {
		descrs = append(descrs, "SNI: "+strings.Join(sn, ","))
	}
	if tp := m.Get("transport_protocol").Str(); tp != "" {
		descrs = append(descrs, "Trans: "+tp)
	}
	if ap := m.Get("application_protocols").Strings(); len(ap) > 0 {
		found := false
		for _, a := range alpnNames {
			if equalStrings(ap, a.alpns) {
				descrs = append(descrs, a.name)
				found = true
				break
			}
		}
		if !found {
			descrs = append(descrs, "App: "+strings.Join(ap, ","))
		}
	}
	port := ""
	if dp := m.Get("destination_port"); dp.Exists() {
		n, _ := dp.Int()
		if dp.Kind() == jsonscan.Object { // a UInt32Value written as {"value": N}
			n, _ = dp.Get("value").Int()
		}
		port = ":" + strconv.FormatInt(n, 10)
	}
	if pr := m.Get("prefix_ranges"); pr.Len() > 0 {
		var pf []string
		_ = pr.Items(func(_ int, p jsonscan.Value) bool {
			n, _ := p.Get("prefix_len").Int()
			pf = append(pf, fmt.Sprintf("%s/%d", p.Get("address_prefix").Str(), n))
			return true
		})
		descrs = append(descrs, "Addr: "+strings.Join(pf, ",")+port)
	} else if port != "" {
		descrs = append(descrs, "Addr: *"+port)
	}
	if len(descrs) == 0 {
		return "ALL"
	}
	return strings.Join(descrs, "; ")
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func describeHCM(tc jsonscan.Value) string {
	if rc := tc.Get("route_config"); rc.Exists() {
		return describeRouteConfig(rc)
	}
	if name := tc.Get("rds", "route_config_name").Str(); name != "" {
		return "Route: " + name
	}
	return "HTTP"
}

func describeRouteConfig(rc jsonscan.Value) string {
	if c := matchAllCluster(rc); c != "" {
		return c
	}
	var vhosts []string
	_ = rc.Get("virtual_hosts").Items(func(_ int, vh jsonscan.Value) bool {
		doms := vh.Get("domains").Strings()
		routes := describeRoutes(vh)
		if len(doms) == 1 && doms[0] == "*" {
			vhosts = append(vhosts, routes)
		} else {
			vhosts = append(vhosts, strings.Join(doms, "/")+" "+routes)
		}
		return true
	})
	return "Inline Route: " + strings.Join(vhosts, "; ")
}

// matchAllCluster returns the cluster of a route config that sends everything to one cluster.
func matchAllCluster(rc jsonscan.Value) string {
	vhs := rc.Get("virtual_hosts")
	if vhs.Len() != 1 {
		return ""
	}
	vh := vhs.Index(0)
	if d := vh.Get("domains").Strings(); len(d) != 1 || d[0] != "*" {
		return ""
	}
	rs := vh.Get("routes")
	if rs.Len() != 1 {
		return ""
	}
	r := rs.Index(0)
	if r.Get("match", "prefix").Str() != "/" {
		return ""
	}
	cl := r.Get("route", "cluster")
	if cl.Kind() != jsonscan.String {
		return ""
	}
	if s := cl.Str(); strings.Contains(s, "Cluster") {
		return s
	}
	return "Cluster: " + cl.Str()
}

func describeRoutes(vh jsonscan.Value) string {
	var routes []string
	_ = vh.Get("routes").Items(func(_ int, r jsonscan.Value) bool {
		routes = append(routes, describeMatch(r.Get("match")))
		return true
	})
	return strings.Join(routes, ", ")
}

func describeMatch(m jsonscan.Value) string {
	var conds []string
	if p := m.Get("prefix").Str(); p != "" {
		conds = append(conds, p+"*")
	}
	if p := m.Get("path").Str(); p != "" {
		conds = append(conds, p)
	}
	if re := m.Get("safe_regex"); re.Exists() {
		conds = append(conds, "regex "+re.Get("regex").Str())
	}
	if p := m.Get("path_separated_prefix").Str(); p != "" {
		conds = append(conds, "PathPrefix:"+p)
	}
	return strings.Join(conds, " ")
}
