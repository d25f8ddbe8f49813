package trace

import (
	"errors"
	"net/netip"
	"testing"
)

// FuzzRouteConfiguration decodes a route configuration and routes a few requests through it: no
// input may panic the engine (regexes, templates, rewrites, redirects, weights).
func FuzzRouteConfiguration(f *testing.F) {
	f.Add([]byte(`{"virtual_hosts":[{"name":"v","domains":["*.a","b.*","*"],"routes":[{"match":{"path_match_policy":{"typed_config":{"path_template":"/{x=**}"}}},"route":{"cluster":"c","path_rewrite_policy":{"typed_config":{"path_template_rewrite":"/{x}/{y}"}}}}]}]}`))
	f.Add([]byte(`{"virtual_hosts":[{"domains":["*"],"routes":[{"match":{"prefix":"/a","case_sensitive":false,"headers":[{"name":"x","range_match":{"start":"9","end":"1"}}]},"redirect":{"prefix_rewrite":"","port_redirect":1,"regex_rewrite":{"pattern":{"regex":"("},"substitution":"\\9"}}}]}]}`))
	f.Add([]byte(`{"ignore_port_in_host_matching":true,"virtual_hosts":[{"domains":["h"],"require_tls":"ALL","routes":[{"match":{"safe_regex":{"regex":".*"},"runtime_fraction":{"default_value":{"numerator":5,"denominator":"MILLION"}}},"route":{"weighted_clusters":{"total_weight":3,"clusters":[{"name":"a","weight":0}]}}}]}]}`))
	reqs := []*Request{
		{Authority: "h:80", Path: "/a/b?c=%zz&d", Method: "GET"},
		{Authority: "[::1]", Path: "/", Method: "POST", Scheme: "https", RandomValue: 7, RandomSet: true},
		{Authority: "", Path: "", Method: ""},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rc, err := ParseRouteConfiguration(data)
		if err != nil {
			return
		}
		for _, r := range reqs {
			_ = rc.RouteRequest(r, RouteOptions{Explain: true, StripMatchingHostPort: true, ListenerPort: 80})
		}
	})
}

// FuzzListener decodes a listener and traces a few connections through it.
func FuzzListener(f *testing.F) {
	f.Add([]byte(`{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"listener_filters":[{"name":"envoy.filters.listener.tls_inspector"}],"filter_chains":[{"filter_chain_match":{"prefix_ranges":[{"address_prefix":"10.0.0.0","prefix_len":99}],"server_names":["*.x"]},"filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"weighted_clusters":{"clusters":[{"name":"a","weight":1}]}}}]}]}`))
	f.Add([]byte(`{"name":"l","address":{"socket_address":{"address":"::","port_value":80}},"filter_chains":[{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"route_config":{"virtual_hosts":[{"domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"c"}}]}]}}}]}],"filter_chain_matcher":{"matcher_tree":{"input":{"typed_config":{"@type":"x.DestinationPortInput"}},"exact_match_map":{"map":{"80":{"matcher":{"on_no_match":{}}}}}}}}`))
	conns := []*Connection{
		{DestIP: netip.MustParseAddr("10.0.0.1"), DestPort: 80, TLS: true, SNI: "a.x", ALPN: []string{"h2"}},
		{DestIP: netip.MustParseAddr("::1"), DestPort: 80, SourceIP: netip.MustParseAddr("::1"), SourcePort: 1},
		{DestIP: netip.MustParseAddr("10.0.0.1"), DestPort: 80, TCP: true, Inbound: true},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseListener(data)
		if err != nil {
			return
		}
		cfg := &Config{Listeners: []*Listener{l}}
		for _, c := range conns {
			_ = Trace(cfg, c, &Request{Authority: "h", Path: "/", Method: "GET"})
		}
	})
}

// FuzzSpec: any words for a trace build a connection or a SpecError, never a panic.
func FuzzSpec(f *testing.F) {
	f.Add("10.96.0.10:9080", "reviews", "/", ":authority: x", "10.0.0.1:5", "75", false)
	f.Add("[::1]:443", "", "*", "x-a: b", "::1", "", true)
	f.Fuzz(func(t *testing.T, to, host, path, header, source, random string, tcp bool) {
		conn, req, err := Spec{To: to, Host: host, Path: path, Headers: []string{header}, Source: source, Random: random, TCP: tcp}.Build()
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) || se.Field == "" {
				t.Fatalf("error %v is not a SpecError naming its field", err)
			}
			return
		}
		if conn == nil || (req == nil) != tcp {
			t.Fatalf("built %v %v for tcp=%v", conn, req, tcp)
		}
	})
}
