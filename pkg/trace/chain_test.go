package trace

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

func listener(t *testing.T, y string) *Listener {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	require.NoError(t, err)
	l, err := ParseListener(j)
	require.NoError(t, err)
	return l
}

func chosen(t *testing.T, l *Listener, conn *Connection) string {
	t.Helper()
	res := &Result{}
	f := listenerFilters(l, conn, res)
	c := pickChain(l, f, res)
	if c == nil {
		return ""
	}
	return c.Name
}

func to(ip string, port uint32) *Connection {
	return &Connection{DestIP: netip.MustParseAddr(ip), DestPort: port}
}

// config.listener.v3.FilterChainMatch: "The following order applies: 1. Destination port. 2.
// Destination IP address. 3. Server name (e.g. SNI for TLS protocol), 4. Transport protocol. 5.
// Application protocols (e.g. ALPN for TLS protocol). 6. Directly connected source IP address
// ... 7. Source type ... 8. Source IP address. 9. Source port. For criteria that allow ranges or
// wildcards, the most specific value in any of the configured filter chains that matches the
// incoming connection is going to be used (e.g. for SNI www.example.com the most specific match
// would be www.example.com, then *.example.com, then *.com, then any filter chain without
// server_names requirements). ... Filter chains specifying the wrong port can never be the most
// specific match." No going back: a chain chosen at one step that fails a later one leaves no chain.
func TestFilterChainMatch(t *testing.T) {
	l := listener(t, `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 443}}
listener_filters: [{name: envoy.filters.listener.tls_inspector}, {name: envoy.filters.listener.http_inspector}]
filter_chains:
- name: port-8443
  filter_chain_match: {destination_port: 8443}
- name: ip-24
  filter_chain_match: {prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 24}]}
- name: ip-8
  filter_chain_match: {prefix_ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]}
- name: sni-exact
  filter_chain_match: {prefix_ranges: [{address_prefix: 192.168.0.0, prefix_len: 16}], server_names: [www.example.com]}
- name: sni-wild
  filter_chain_match: {prefix_ranges: [{address_prefix: 192.168.0.0, prefix_len: 16}], server_names: ["*.example.com"]}
- name: sni-com
  filter_chain_match: {prefix_ranges: [{address_prefix: 192.168.0.0, prefix_len: 16}], server_names: ["*.com"]}
- name: sni-none-tls
  filter_chain_match: {prefix_ranges: [{address_prefix: 192.168.0.0, prefix_len: 16}], transport_protocol: tls}
- name: sni-none-raw
  filter_chain_match: {prefix_ranges: [{address_prefix: 192.168.0.0, prefix_len: 16}], transport_protocol: raw_buffer, application_protocols: [http/1.1]}
- name: local
  filter_chain_match: {prefix_ranges: [{address_prefix: 172.16.0.1, prefix_len: 32}], source_type: SAME_IP_OR_LOOPBACK}
- name: external-port
  filter_chain_match: {prefix_ranges: [{address_prefix: 172.16.0.1, prefix_len: 32}], source_type: EXTERNAL, source_ports: [5000]}
- name: src
  filter_chain_match: {prefix_ranges: [{address_prefix: 172.16.0.2, prefix_len: 32}], source_prefix_ranges: [{address_prefix: 10.1.0.0, prefix_len: 16}]}
- name: src-any
  filter_chain_match: {prefix_ranges: [{address_prefix: 172.16.0.2, prefix_len: 32}]}
default_filter_chain: {name: default}
`)
	tlsTo := func(ip, sni string) *Connection {
		c := to(ip, 443)
		c.TLS, c.SNI = true, sni
		return c
	}
	from := func(c *Connection, src string, port uint32) *Connection {
		c.SourceIP, c.SourcePort = netip.MustParseAddr(src), port
		return c
	}
	tests := []struct {
		name string
		conn *Connection
		want string
	}{
		{"destination port beats everything after it", to("10.0.0.1", 8443), "port-8443"},
		{"longest destination prefix", to("10.0.0.1", 443), "ip-24"},
		{"shorter prefix when the longer does not contain it", to("10.1.0.1", 443), "ip-8"},
		{"no chain: the default chain", to("8.8.8.8", 443), "default"},
		{"SNI exact", tlsTo("192.168.1.1", "www.example.com"), "sni-exact"},
		{"SNI *.example.com for a deeper name", tlsTo("192.168.1.1", "a.b.example.com"), "sni-wild"},
		{"SNI *.com", tlsTo("192.168.1.1", "other.com"), "sni-com"},
		{"SNI matching no server name: chains without server_names", tlsTo("192.168.1.1", "example.org"), "sni-none-tls"},
		{"plaintext HTTP: transport raw_buffer, ALPN http/1.1 from the HTTP inspector", to("192.168.1.1", 443), "sni-none-raw"},
		{"source type local (source is the destination)", from(to("172.16.0.1", 443), "172.16.0.1", 5000), "local"},
		{"source type external and its port", from(to("172.16.0.1", 443), "10.9.9.9", 5000), "external-port"},
		{"external on another port: no going back, the default chain", from(to("172.16.0.1", 443), "10.9.9.9", 6000), "default"},
		{"source prefix", from(to("172.16.0.2", 443), "10.1.2.3", 1), "src"},
		{"other source: the chain without source ranges", from(to("172.16.0.2", 443), "10.2.2.3", 1), "src-any"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, chosen(t, l, tt.conn))
		})
	}
}

// Without tls_inspector a TLS connection is raw_buffer and its SNI unknown; without a default
// chain, no match closes the connection. An explicit 0.0.0.0/0 is more specific than no
// prefix_ranges at all.
func TestFilterChainMatchEdges(t *testing.T) {
	l := listener(t, `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 443}}
filter_chains:
- {name: tls, filter_chain_match: {transport_protocol: tls}}
- {name: any, filter_chain_match: {}}
`)
	c := to("1.2.3.4", 443)
	c.TLS, c.SNI = true, "x"
	assert.Equal(t, "any", chosen(t, l, c))

	l = listener(t, `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 443}}
filter_chains:
- {name: explicit, filter_chain_match: {prefix_ranges: [{address_prefix: 0.0.0.0, prefix_len: 0}]}}
- {name: empty}
`)
	assert.Equal(t, "explicit", chosen(t, l, to("1.2.3.4", 443)))

	l = listener(t, `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 443}}
filter_chains:
- {name: p, filter_chain_match: {destination_port: 80}}
`)
	res := &Result{}
	assert.Nil(t, pickChain(l, listenerFilters(l, to("1.2.3.4", 443), res), res))
	assert.Contains(t, res.Stop, "no filter chain matches and the listener has no default_filter_chain")
}

// config.listener.v3.Listener.filter_chain_matcher (xDS matcher API): the action names the chain.
func TestFilterChainMatcher(t *testing.T) {
	l := listener(t, `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 443}}
filter_chains: [{name: http}, {name: https}, {name: other}]
filter_chain_matcher:
  matcher_tree:
    input: {name: port, typed_config: {"@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput}}
    exact_match_map:
      map:
        "80": {action: {name: http, typed_config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: http}}}
        "443":
          matcher:
            matcher_list:
              matchers:
              - predicate: {single_predicate: {input: {name: sni, typed_config: {"@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.ServerNameInput}}, value_match: {suffix: .example.com}}}
                on_match: {action: {name: https, typed_config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: https}}}
  on_no_match: {action: {name: other, typed_config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: other}}}
`)
	assert.Equal(t, "http", chosen(t, l, to("1.2.3.4", 80)))
	c := to("1.2.3.4", 443)
	c.TLS, c.SNI = true, "www.example.com"
	l.ListenerFilters = []NamedConfig{{Name: "envoy.filters.listener.tls_inspector"}}
	assert.Equal(t, "https", chosen(t, l, c))
	c.SNI = "www.example.org"
	assert.Equal(t, "other", chosen(t, l, c))
}

// Listener.use_original_dst: "the listener hands off redirected connections to the listener
// associated with the original destination address. If there is no listener associated with the
// original destination address, the connection is handled by the listener that receives it."
// Exact address first, then the wildcard address on the port; bind_to_port: false listeners take
// hand-offs. A plain Envoy takes connections only on listeners bound to the address.
func TestPickListener(t *testing.T) {
	vo := listener(t, `{name: virtualOutbound, address: {socket_address: {address: 0.0.0.0, port_value: 15001}}, use_original_dst: true}`)
	exact := listener(t, `{name: exact, address: {socket_address: {address: 10.0.0.1, port_value: 80}}, bind_to_port: false}`)
	wild := listener(t, `{name: wild, address: {socket_address: {address: 0.0.0.0, port_value: 80}}, bind_to_port: false}`)
	bound := listener(t, `{name: bound, address: {socket_address: {address: "::", port_value: 8080}}}`)
	vi := listener(t, `{name: virtualInbound, address: {socket_address: {address: 0.0.0.0, port_value: 15006}}}`)
	pick := func(ls []*Listener, c *Connection) string {
		res := &Result{}
		l := pickListener(&Config{Listeners: ls}, c, res)
		if l == nil {
			return ""
		}
		return l.Name
	}
	sidecar := []*Listener{vo, wild, exact, vi}
	assert.Equal(t, "exact", pick(sidecar, to("10.0.0.1", 80)))
	assert.Equal(t, "wild", pick(sidecar, to("10.0.0.2", 80)))
	assert.Equal(t, "virtualOutbound", pick(sidecar, to("10.0.0.2", 81)))
	in := to("10.0.0.2", 81)
	in.Inbound = true
	assert.Equal(t, "virtualInbound", pick(sidecar, in))

	plain := []*Listener{exact, wild, bound}
	assert.Equal(t, "", pick(plain, to("10.0.0.1", 80)), "bind_to_port: false listeners take no connection of their own")
	assert.Equal(t, "bound", pick(plain, to("10.0.0.9", 8080)))
	assert.Equal(t, "", pick(plain, in), "no virtualInbound")

	// Open Service Mesh: no hand-off; iptables redirect to listeners with an original_dst filter
	out := listener(t, `{name: outbound-listener, address: {socket_address: {address: 0.0.0.0, port_value: 15001}}, listener_filters: [{name: envoy.filters.listener.original_dst}]}`)
	inb := listener(t, `{name: inbound-listener, address: {socket_address: {address: 0.0.0.0, port_value: 15003}}, listener_filters: [{name: envoy.filters.listener.original_dst}]}`)
	osm := []*Listener{inb, out, bound}
	assert.Equal(t, "outbound-listener", pick(osm, to("10.96.0.7", 14001)))
	assert.Equal(t, "bound", pick(osm, to("10.96.0.7", 8080)), "a listener bound to the destination comes first")
	assert.Equal(t, "inbound-listener", pick(osm, in))
}

// xds.type.matcher.v3.IPMatcher in a filter_chain_matcher: the range matchers holding the address
// are tried longest prefix first; a non-exclusive one whose on_match gives nothing falls back to
// the less specific ones, an exclusive one does not.
func TestFilterChainMatcherIP(t *testing.T) {
	y := func(exclusive string) string {
		return `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 80}}
filter_chains: [{name: narrow}, {name: wide}]
filter_chain_matcher:
  matcher_tree:
    input: {name: ip, typed_config: {"@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationIPInput}}
    custom_match:
      name: ip
      typed_config:
        "@type": type.googleapis.com/xds.type.matcher.v3.IPMatcher
        range_matchers:
        - ranges: [{address_prefix: 10.0.0.0, prefix_len: 8}]
          on_match: {action: {name: wide, typed_config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: wide}}}
        - ranges: [{address_prefix: 10.1.0.0, prefix_len: 16}]
          exclusive: ` + exclusive + `
          on_match:
            matcher:
              matcher_tree:
                input: {name: port, typed_config: {"@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DestinationPortInput}}
                exact_match_map: {map: {"80": {action: {name: narrow, typed_config: {"@type": type.googleapis.com/google.protobuf.StringValue, value: narrow}}}}}
`
	}
	l := listener(t, y("false"))
	assert.Equal(t, "narrow", chosen(t, l, to("10.1.2.3", 80)))
	assert.Equal(t, "wide", chosen(t, l, to("10.2.2.3", 80)))
	assert.Equal(t, "wide", chosen(t, l, to("10.1.2.3", 81)), "not exclusive: falls back to 10.0.0.0/8")
	l = listener(t, y("true"))
	assert.Equal(t, "", chosen(t, l, to("10.1.2.3", 81)), "exclusive: no fall back, and no default chain")
}

// extensions.filters.network.tcp_proxy.v3.TcpProxy.weighted_clusters picks by weight; an HTTP
// connection manager with scoped_routes is named as not followed; a chain whose transport socket
// terminates TLS closes a plaintext client's connection; bytes that are not HTTP stop at the HTTP
// connection manager.
func TestNetworkFilters(t *testing.T) {
	l := listener(t, `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 80}}
filter_chains:
- filter_chain_match: {destination_port: 80}
  filters:
  - name: envoy.filters.network.tcp_proxy
    typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy, weighted_clusters: {clusters: [{name: a, weight: 1}, {name: b, weight: 3}]}}
- filter_chain_match: {destination_port: 81}
  filters:
  - {name: hcm, typed_config: {"@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager, scoped_routes: {name: s}}}
- filter_chain_match: {destination_port: 82}
  transport_socket: {name: envoy.transport_sockets.tls}
  filters: [{name: envoy.filters.network.tcp_proxy, typed_config: {cluster: c}}]
- filter_chain_match: {destination_port: 83}
  filters: [{name: envoy.filters.network.http_connection_manager, typed_config: {route_config: {virtual_hosts: []}}}]
`)
	run := func(c *Connection, random uint64) *Result {
		c.Listener = "l" // enter it whatever the port
		return Trace(&Config{Listeners: []*Listener{l}}, c, &Request{Authority: "h", Path: "/", Method: "GET", RandomValue: random, RandomSet: true})
	}
	assert.Equal(t, "a", run(to("1.2.3.4", 80), 0).Cluster)
	assert.Equal(t, "b", run(to("1.2.3.4", 80), 1).Cluster)
	assert.Contains(t, run(to("1.2.3.4", 81), 0).Stop, "scoped routes")
	assert.Contains(t, run(to("1.2.3.4", 82), 0).Stop, "the handshake fails")
	tls := to("1.2.3.4", 82)
	tls.TLS = true
	assert.Equal(t, "c", run(tls, 0).Cluster)
	tcp := to("1.2.3.4", 83)
	tcp.TCP = true
	assert.Contains(t, run(tcp, 0).Stop, "not HTTP")
	assert.Contains(t, run(to("1.2.3.4", 83), 0).Stop, "404 NR")
}
