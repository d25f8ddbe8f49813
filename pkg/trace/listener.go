package trace

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strings"
)

// Listener is an envoy.config.listener.v3.Listener, the fields that pick a filter chain.
type Listener struct {
	Name                string  `json:"name"`
	Address             Address `json:"address"`
	AdditionalAddresses []struct {
		Address Address `json:"address"`
	} `json:"additional_addresses"`
	UseOriginalDst *bool `json:"use_original_dst"`
	BindToPort     *bool `json:"bind_to_port"`
	DeprecatedV1   *struct {
		BindToPort *bool `json:"bind_to_port"`
	} `json:"deprecated_v1"`
	ListenerFilters    []NamedConfig   `json:"listener_filters"`
	FilterChains       []*FilterChain  `json:"filter_chains"`
	DefaultFilterChain *FilterChain    `json:"default_filter_chain"`
	FilterChainMatcher json.RawMessage `json:"filter_chain_matcher"`
}

// Address is an envoy.config.core.v3.Address (socket addresses only are routed to).
type Address struct {
	SocketAddress *struct {
		Address   string `json:"address"`
		PortValue uint32 `json:"port_value"`
	} `json:"socket_address"`
	Pipe                 json.RawMessage `json:"pipe"`
	EnvoyInternalAddress json.RawMessage `json:"envoy_internal_address"`
}

func (a Address) String() string {
	if a.SocketAddress == nil {
		if len(a.EnvoyInternalAddress) > 0 {
			return "(internal)"
		}
		return "(no socket address)"
	}
	ip := a.SocketAddress.Address
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return fmt.Sprintf("%s:%d", ip, a.SocketAddress.PortValue)
}

// NamedConfig is a filter or transport socket: a name and its typed config.
type NamedConfig struct {
	Name        string          `json:"name"`
	TypedConfig json.RawMessage `json:"typed_config"`
	Config      json.RawMessage `json:"config"` // v2 Struct config
}

// typeURL is the @type of the typed config, or "".
func (n *NamedConfig) typeURL() string {
	var t struct {
		Type string `json:"@type"`
	}
	_ = json.Unmarshal(n.TypedConfig, &t)
	return t.Type
}

// is tells whether the filter is the named extension, by name or by the suffix of its @type.
func (n *NamedConfig) is(names []string, typeSuffix string) bool {
	for _, nm := range names {
		if n.Name == nm {
			return true
		}
	}
	return typeSuffix != "" && strings.HasSuffix(n.typeURL(), typeSuffix)
}

// FilterChain is an envoy.config.listener.v3.FilterChain.
type FilterChain struct {
	Name             string            `json:"name"`
	FilterChainMatch *FilterChainMatch `json:"filter_chain_match"`
	Filters          []NamedConfig     `json:"filters"`
	TransportSocket  *NamedConfig      `json:"transport_socket"`
	index            int
}

// Describe names a chain for the steps.
func (c *FilterChain) Describe() string {
	if c.index < 0 {
		if c.Name != "" {
			return "default_filter_chain " + quote(c.Name)
		}
		return "default_filter_chain"
	}
	s := fmt.Sprintf("filter chain %d", c.index)
	if c.Name != "" {
		s += " " + quote(c.Name)
	}
	return s
}

// FilterChainMatch is an envoy.config.listener.v3.FilterChainMatch.
type FilterChainMatch struct {
	DestinationPort          *uint32     `json:"destination_port"`
	PrefixRanges             []CidrRange `json:"prefix_ranges"`
	DirectSourcePrefixRanges []CidrRange `json:"direct_source_prefix_ranges"`
	SourceType               enum        `json:"source_type"`
	SourcePrefixRanges       []CidrRange `json:"source_prefix_ranges"`
	SourcePorts              []uint32    `json:"source_ports"`
	ServerNames              []string    `json:"server_names"`
	TransportProtocol        string      `json:"transport_protocol"`
	ApplicationProtocols     []string    `json:"application_protocols"`
}

// CidrRange is an address prefix and its length.
type CidrRange struct {
	AddressPrefix string     `json:"address_prefix"`
	PrefixLen     *uint64Str `json:"prefix_len"`
}

func (c CidrRange) prefix() (netip.Prefix, bool) {
	a, err := netip.ParseAddr(c.AddressPrefix)
	if err != nil {
		return netip.Prefix{}, false
	}
	n := a.BitLen()
	if c.PrefixLen != nil {
		n = int(*c.PrefixLen)
	}
	p, err := a.Unmap().Prefix(n)
	return p, err == nil
}

func (c CidrRange) String() string {
	if c.PrefixLen == nil {
		return c.AddressPrefix
	}
	return fmt.Sprintf("%s/%d", c.AddressPrefix, *c.PrefixLen)
}

// ParseListener decodes one Listener in Envoy's JSON (snake_case: see configdump.Normalize).
func ParseListener(data []byte) (*Listener, error) {
	l := &Listener{}
	if err := json.Unmarshal(data, l); err != nil {
		return nil, fmt.Errorf("read listener: %w", err)
	}
	for i, c := range l.FilterChains {
		if c == nil {
			l.FilterChains[i] = &FilterChain{}
			c = l.FilterChains[i]
		}
		c.index = i
	}
	if l.DefaultFilterChain != nil {
		l.DefaultFilterChain.index = -1
	}
	return l, nil
}

// binds tells whether the listener binds its port (bind_to_port, default true).
func (l *Listener) binds() bool {
	if l.BindToPort != nil {
		return *l.BindToPort
	}
	if l.DeprecatedV1 != nil && l.DeprecatedV1.BindToPort != nil {
		return *l.DeprecatedV1.BindToPort
	}
	return true
}

func (l *Listener) usesOriginalDst() bool { return l.UseOriginalDst != nil && *l.UseOriginalDst }

// addrs are the listener's socket addresses.
func (l *Listener) addrs() []Address {
	out := []Address{l.Address}
	for _, a := range l.AdditionalAddresses {
		out = append(out, a.Address)
	}
	return out
}

// listensOn tells how the listener's addresses cover ip:port: "exact", "wildcard" (0.0.0.0 or ::
// on that port) or "".
func (l *Listener) listensOn(ip netip.Addr, port uint32) string {
	how := ""
	for _, a := range l.addrs() {
		sa := a.SocketAddress
		if sa == nil || sa.PortValue != port {
			continue
		}
		la, err := netip.ParseAddr(sa.Address)
		if err != nil {
			continue
		}
		if la.Unmap() == ip {
			return "exact"
		}
		if la.IsUnspecified() {
			how = "wildcard"
		}
	}
	return how
}
