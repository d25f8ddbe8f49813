package configdiff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

func routeDump(rc string) []byte {
	return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"version_info":"1","route_config":` +
		`{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration",` + rc + `}}]}]}`)
}

func listenerDump(l string) []byte {
	return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"l","active_state":{"listener":` +
		`{"@type":"type.googleapis.com/envoy.config.listener.v3.Listener","name":"l",` + l + `}}}]}]}`)
}

func clusterDump(c string) []byte {
	return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":` +
		`{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c",` + c + `}}]}]}`)
}

func endpointDump(e string) []byte {
	return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump","dynamic_endpoint_configs":[{"endpoint_config":` +
		`{"@type":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","cluster_name":"c",` + e + `}}]}]}`)
}

func ep(ip string) string {
	return `{"endpoint":{"address":{"socket_address":{"address":"` + ip + `","port_value":80}}}}`
}

// TestSetLikeLists: reordering a list Envoy treats as a set is no difference; reordering one whose
// order Envoy uses is, reported at the list's path.
func TestSetLikeLists(t *testing.T) {
	tests := []struct {
		name string
		a, b []byte
		path string // "" for no difference
	}{
		{"virtual hosts", routeDump(`"name":"r","virtual_hosts":[{"name":"a","domains":["a"]},{"name":"b","domains":["b"]}]`),
			routeDump(`"name":"r","virtual_hosts":[{"name":"b","domains":["b"]},{"name":"a","domains":["a"]}]`), ""},
		{"domains", routeDump(`"name":"r","virtual_hosts":[{"name":"a","domains":["a.com","*.a.com","a"]}]`),
			routeDump(`"name":"r","virtual_hosts":[{"name":"a","domains":["a","a.com","*.a.com"]}]`), ""},
		{"routes keep their order", routeDump(`"name":"r","virtual_hosts":[{"name":"a","domains":["*"],"routes":[{"match":{"prefix":"/a"},"direct_response":{"status":200}},{"match":{"prefix":"/"},"direct_response":{"status":404}}]}]`),
			routeDump(`"name":"r","virtual_hosts":[{"name":"a","domains":["*"],"routes":[{"match":{"prefix":"/"},"direct_response":{"status":404}},{"match":{"prefix":"/a"},"direct_response":{"status":200}}]}]`),
			"virtual_hosts[name=a].routes[0].match.prefix"},
		{"filter chains", listenerDump(`"filter_chains":[{"name":"x","filter_chain_match":{"destination_port":1}},{"name":"y","filter_chain_match":{"destination_port":2}}]`),
			listenerDump(`"filter_chains":[{"name":"y","filter_chain_match":{"destination_port":2}},{"name":"x","filter_chain_match":{"destination_port":1}}]`), ""},
		{"server names, application protocols, prefix ranges, source ports", listenerDump(`"filter_chains":[{"filter_chain_match":{"server_names":["a","b"],"application_protocols":["h2","http/1.1"],"prefix_ranges":[{"address_prefix":"10.0.0.0","prefix_len":8},{"address_prefix":"192.168.0.0","prefix_len":16}],"source_prefix_ranges":[{"address_prefix":"1.1.1.1"},{"address_prefix":"2.2.2.2"}],"direct_source_prefix_ranges":[{"address_prefix":"3.3.3.3"},{"address_prefix":"4.4.4.4"}],"source_ports":[1,2]}}]`),
			listenerDump(`"filter_chains":[{"filter_chain_match":{"server_names":["b","a"],"application_protocols":["http/1.1","h2"],"prefix_ranges":[{"address_prefix":"192.168.0.0","prefix_len":16},{"address_prefix":"10.0.0.0","prefix_len":8}],"source_prefix_ranges":[{"address_prefix":"2.2.2.2"},{"address_prefix":"1.1.1.1"}],"direct_source_prefix_ranges":[{"address_prefix":"4.4.4.4"},{"address_prefix":"3.3.3.3"}],"source_ports":[2,1]}}]`), ""},
		{"http filters keep their order", listenerDump(`"filter_chains":[{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","stat_prefix":"s","http_filters":[{"name":"a"},{"name":"b"}]}}]}]`),
			listenerDump(`"filter_chains":[{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","stat_prefix":"s","http_filters":[{"name":"b"},{"name":"a"}]}}]}]`),
			"filter_chains[0].filters[name=envoy.filters.network.http_connection_manager].typed_config.http_filters"},
		{"listener filters keep their order", listenerDump(`"listener_filters":[{"name":"a"},{"name":"b"}]`), listenerDump(`"listener_filters":[{"name":"b"},{"name":"a"}]`), "listener_filters"},
		{"endpoints and lb endpoints", endpointDump(`"endpoints":[{"priority":1,"lb_endpoints":[` + ep("10.0.0.1") + `,` + ep("10.0.0.2") + `]},{"lb_endpoints":[` + ep("10.0.0.3") + `]}]`),
			endpointDump(`"endpoints":[{"lb_endpoints":[` + ep("10.0.0.3") + `]},{"priority":1,"lb_endpoints":[` + ep("10.0.0.2") + `,` + ep("10.0.0.1") + `]}]`), ""},
		{"subject alt names", clusterDump(`"transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"combined_validation_context":{"default_validation_context":{"match_subject_alt_names":[{"exact":"a"},{"exact":"b"}]}}}}}`),
			clusterDump(`"transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"combined_validation_context":{"default_validation_context":{"match_subject_alt_names":[{"exact":"b"},{"exact":"a"}]}}}}}`), ""},
		{"alpn keeps its order", clusterDump(`"transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"alpn_protocols":["h2","http/1.1"]}}}`),
			clusterDump(`"transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"alpn_protocols":["http/1.1","h2"]}}}`),
			"transport_socket.typed_config.common_tls_context.alpn_protocols[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Diff(Input{Name: "a", Dump: tt.a}, Input{Name: "b", Dump: tt.b}, DiffOptions{})
			require.NoError(t, err)
			assert.Empty(t, r.Warnings)
			if tt.path == "" {
				assert.True(t, r.Equal, reportText(t, r))
				return
			}
			require.Len(t, r.Changes, 1, reportText(t, r))
			require.NotEmpty(t, r.Changes[0].Fields)
			assert.Equal(t, tt.path, r.Changes[0].Fields[0].Path)
		})
	}
}

func TestPatternMatch(t *testing.T) {
	tests := []struct {
		pattern string
		path    string
		want    bool
	}{
		{"metadata", "metadata", true},
		{"metadata", "metadata.filter_metadata", false}, // the pattern names metadata itself; its fields go with it
		{"metadata", "transport_socket.metadata", false},
		{"**.metadata", "transport_socket.metadata", true},
		{"**.metadata", "metadata", true},
		{"*.stat_prefix", "typed_config.stat_prefix", true},
		{"*.stat_prefix", "a.typed_config.stat_prefix", false},
		{"filter_chains.filters.typed_config.stat_prefix", "filter_chains.filters.typed_config.stat_prefix", true},
		{"filterChains.filters", "filter_chains.filters", true}, // camelCase accepted
		{"**", "anything.at.all", true},
		{"a.**.c", "a.c", true},
		{"a.**.c", "a.b.x.c", true},
		{"a.**.c", "a.b.x.d", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.path, func(t *testing.T) {
			p, err := parsePattern(tt.pattern)
			require.NoError(t, err)
			assert.Equal(t, tt.want, p.match(strings.Split(tt.path, ".")))
		})
	}
}

func TestParseIgnoreErrors(t *testing.T) {
	for in, want := range map[string]string{
		"":             `ignore path "" names no field`,
		"clusters:":    `ignore path "clusters:" names no field`,
		"a..b":         `ignore path "a..b" has an empty step`,
		"pods:x":       `ignore path "pods:x": unknown kind "pods"`,
		".metadata":    `ignore path ".metadata" has an empty step`,
		"metadata.":    `ignore path "metadata." has an empty step`,
		"routes:a.b.c": "",
	} {
		err := CheckIgnore([]string{in})
		if want == "" {
			assert.NoError(t, err, in)
			continue
		}
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want)
	}
}

// TestIgnoreRules: the default rules and --ignore, per kind.
func TestIgnoreRules(t *testing.T) {
	a := clusterDump(`"connect_timeout":"1s","metadata":{"filter_metadata":{"istio":{"config":"a"}}}`)
	b := clusterDump(`"connect_timeout":"2s","metadata":{"filter_metadata":{"istio":{"config":"b"}}}`)
	tests := []struct {
		name   string
		ignore []string
		paths  []string
	}{
		{"nothing ignored", nil, []string{"connect_timeout", `metadata.filter_metadata.istio.config`}},
		{"one field", []string{"connect_timeout"}, []string{`metadata.filter_metadata.istio.config`}},
		{"for this kind", []string{"clusters:connect_timeout", "clusters:metadata"}, nil},
		{"for another kind", []string{"listeners:connect_timeout"}, []string{"connect_timeout", `metadata.filter_metadata.istio.config`}},
		{"inside a Struct, by wildcard", []string{"metadata.filter_metadata.*.config"}, []string{"connect_timeout"}},
		{"at any depth", []string{"**.config"}, []string{"connect_timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Diff(Input{Name: "a", Dump: a}, Input{Name: "b", Dump: b}, DiffOptions{Ignore: tt.ignore})
			require.NoError(t, err)
			var paths []string
			for _, c := range r.Changes {
				for _, f := range c.Fields {
					paths = append(paths, f.Path)
				}
			}
			assert.Equal(t, tt.paths, paths)
			assert.Equal(t, tt.paths == nil, r.Equal)
		})
	}
	t.Run("defaults", func(t *testing.T) {
		withVersion := func(v string) []byte {
			return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.EcdsConfigDump","ecds_filters":[{"version_info":"` + v + `","last_updated":"` + v + `","ecds_filter":` +
				`{"@type":"type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig","name":"f","typed_config":{"@type":"type.googleapis.com/xds.type.v3.TypedStruct","type_url":"x","value":{"version_info":"` + v + `","nonce":"` + v + `","client_status":"` + v + `","last_updated":"` + v + `","keep":1}}}}]}]}`)
		}
		r, err := Diff(Input{Name: "a", Dump: withVersion("1")}, Input{Name: "b", Dump: withVersion("2")}, DiffOptions{})
		require.NoError(t, err)
		assert.True(t, r.Equal, reportText(t, r))
	})
}

func TestPodNames(t *testing.T) {
	p := &podNames{ips: []string{"10.1.2.3", "fd00::1:2"}, name: "reviews-v1-7f9c-x2b"}
	for in, want := range map[string]string{
		"10.1.2.3_15006":               "<pod-ip>_15006",
		"10.1.2.30_15006":              "10.1.2.30_15006",
		"110.1.2.3":                    "110.1.2.3",
		"10.1.2.3:15000":               "<pod-ip>:15000",
		"inbound|9080||10.1.2.3":       "inbound|9080||<pod-ip>",
		"[fd00::1:2]:80":               "[<pod-ip>]:80",
		"fd00::1:23":                   "fd00::1:23",
		"reviews-v1-7f9c-x2b.bookinfo": "<pod-name>.bookinfo",
		"reviews-v1-7f9c-x2bb":         "reviews-v1-7f9c-x2bb",
		"sidecar~10.1.2.3~reviews-v1-7f9c-x2b.bookinfo~bookinfo.svc.cluster.local": "sidecar~<pod-ip>~<pod-name>.bookinfo~bookinfo.svc.cluster.local",
	} {
		assert.Equal(t, want, p.replace(in), in)
	}
}

// TestYAMLReadsBack: the YAML a diff shows reads back as the same value.
func TestYAMLReadsBack(t *testing.T) {
	d, err := configdump.Parse(readShared(t, template))
	require.NoError(t, err)
	e := &engine{w: configdump.NewWarnings()}
	n := 0
	for _, k := range AllKinds {
		rs, _, err := extractAll(d, kinds[k], false)
		require.NoError(t, err)
		for _, r := range rs {
			v, err := e.canon(r, kinds[k], nil)
			require.NoError(t, err)
			checkYAML(t, v)
			n++
		}
	}
	require.Greater(t, n, 100)
	checkYAML(t, &obj{keys: []string{"a", "yes", "1", "", "-x", "- x", "a: b", "#c", "x #y", "0x1F", "1e3", "2024-01-01", "~", "@type", "é", "tab\tin", "ends "},
		vals: []any{"null", "on", "1.0", "", "-", "-1", ":", "*", "&a", "!t", "|", ">", "'q'", `"dq"`, "%", "`", "multi\nline"}})
}

func checkYAML(t *testing.T, v any) {
	t.Helper()
	y := prettyYAML(v)
	j, err := yaml.YAMLToJSON([]byte(y))
	require.NoError(t, err, y)
	var got, want any
	require.NoError(t, json.Unmarshal(j, &got))
	require.NoError(t, json.Unmarshal([]byte(compact(v)), &want))
	assert.Equal(t, want, got, y)
}
