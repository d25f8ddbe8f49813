package validate

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
)

const (
	clusterT  = "envoy.config.cluster.v3.Cluster"
	listenerT = "envoy.config.listener.v3.Listener"
	routeT    = "envoy.config.route.v3.RouteConfiguration"
	claT      = "envoy.config.endpoint.v3.ClusterLoadAssignment"
	secretT   = "envoy.extensions.transport_sockets.tls.v3.Secret"
)

// lines renders problems one per line: "severity path: message".
func lines(ps []Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Severity.String() + " " + p.String() + "\n")
	}
	return b.String()
}

const hcm = `{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
  "stat_prefix":"in","rds":{"route_config_name":"r","config_source":{"ads":{}}},
  "http_filters":[%s{"name":"envoy.filters.http.router","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}`

func listener(filterChains string) string {
	return `{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":15006}},"filter_chains":[` + filterChains + `]}`
}

func chain(match, httpFilters string) string {
	return `{` + match + `"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":` +
		strings.Replace(hcm, "%s", httpFilters, 1) + `}]}`
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name, typ, in, want string
	}{
		{"valid cluster", clusterT, `{"name":"c","type":"EDS","connect_timeout":"1s","eds_cluster_config":{"eds_config":{"ads":{}}}}`, ""},
		{"camelCase names", clusterT, `{"name":"c","connectTimeout":"1s","edsClusterConfig":{"edsConfig":{"ads":{}}}}`, ""},
		{"type from @type", "", `{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c"}`, ""},
		{"connect_timeout 0s", clusterT, `{"name":"c","connect_timeout":"0s"}`,
			"error connect_timeout: value must be greater than 0s\n"},
		{"unknown field", clusterT, `{"name":"c","conect_timeout":"1s"}`,
			"error conect_timeout: unknown field \"conect_timeout\"\n"},
		{"bad duration", clusterT, `{"name":"c","connect_timeout":5}`,
			"error connect_timeout: invalid duration 5 (want a number of seconds ending in \"s\", such as \"1.5s\")\n"},
		{"unknown enum", clusterT, `{"name":"c","lb_policy":"ROUND_ROBBIN"}`,
			"error lb_policy: invalid value \"ROUND_ROBBIN\" for enum envoy.config.cluster.v3.Cluster.LbPolicy\n"},
		{"wrong JSON type", clusterT, `{"name":["c"]}`,
			"error name: invalid value [\"c\"] for type TYPE_STRING\n"},
		{"integer out of range", clusterT, `{"name":"c","per_connection_buffer_limit_bytes":4294967296}`,
			"error per_connection_buffer_limit_bytes: invalid value 4294967296 for type TYPE_UINT32\n"},
		{"port over 65535", claT, `{"cluster_name":"c","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"10.0.0.1","port_value":70000}}}}]}]}`,
			"error endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value: value must be less than or equal to 65535\n"},
		{"required oneof", listenerT, `{"name":"l","address":{}}`,
			"error address.address: value is required\n"},
		{"min_len", claT, `{"cluster_name":""}`,
			"error cluster_name: value length must be at least 1 characters\n"},
		{"enum defined_only", clusterT, `{"name":"c","lb_policy":99}`,
			"error lb_policy: value must be one of the defined enum values\n"},
		{"message required", routeT, `{"name":"r","virtual_hosts":[{"name":"v","domains":["*"],"routes":[{"route":{"cluster":"c"}}]}]}`,
			"error virtual_hosts[0].routes[0].match: value is required\n"},
		{"a route that must pass", routeT, `{"name":"r","virtual_hosts":[{"name":"v","domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"c","timeout":"0s"}}]}]}`, ""},
		{"ring hash over Envoy's limit", clusterT, `{"name":"c","lb_policy":"RING_HASH","ring_hash_lb_config":{"minimum_ring_size":"10000000"}}`,
			"error ring_hash_lb_config.minimum_ring_size: value must be less than or equal to 8388608\n"},
		{"min_items", routeT, `{"name":"r","virtual_hosts":[{"name":"v","domains":[]}]}`,
			"error virtual_hosts[0].domains: value must contain at least 1 item(s)\n"},
		{"inside a typed_config", listenerT, listener(strings.Replace(chain("", ""), `"stat_prefix":"in"`, `"stat_prefix":""`, 1)),
			"error filter_chains[0].filters[0].typed_config.stat_prefix: value length must be at least 1 characters\n"},
		{"unknown field in a typed_config", listenerT, listener(strings.Replace(chain("", ""), `"stat_prefix":"in"`, `"stat_prefx":"in"`, 1)),
			"error filter_chains[0].filters[0].typed_config.stat_prefx: unknown field \"stat_prefx\"\n" +
				"error filter_chains[0].filters[0].typed_config.stat_prefix: value length must be at least 1 characters\n"},
		{"extensions Envoy has", listenerT, listener(chain("", `{"name":"istio.stats","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.grpc_stats.v3.FilterConfig","emit_filter_state":true}},`)), ""},
		{"raw_buffer transport socket", clusterT, `{"name":"c","transport_socket":{"name":"envoy.transport_sockets.raw_buffer","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}}}`, ""},
		{"unknown extension is info", clusterT, `{"name":"c","transport_socket":{"name":"x","typed_config":{"@type":"type.googleapis.com/acme.Socket","a":1}}}`,
			"info transport_socket.typed_config: unknown extension type acme.Socket: not checked (Envoy accepts it only if built with that extension)\n"},
		{"TypedStruct checked as its type", clusterT, `{"name":"c","transport_socket":{"name":"t","typed_config":{"@type":"type.googleapis.com/udpa.type.v1.TypedStruct",` +
			`"type_url":"type.googleapis.com/envoy.extensions.transport_sockets.tcp_stats.v3.Config","value":{"update_period":"x","extra":1}}}}`,
			"info transport_socket.typed_config.value.extra: unknown field \"extra\" (Envoy ignores it in dynamic config)\n" +
				"error transport_socket.typed_config.value.update_period: invalid duration \"x\" (want a number of seconds ending in \"s\", such as \"1.5s\")\n" +
				"error transport_socket.typed_config.value.transport_socket: value is required\n"},
		{"TypedStruct of an unknown type is info", clusterT, `{"name":"c","transport_socket":{"name":"t","typed_config":{"@type":"type.googleapis.com/xds.type.v3.TypedStruct",` +
			`"type_url":"type.googleapis.com/acme.Socket","value":{"a":1}}}}`,
			"info transport_socket.typed_config.type_url: unknown extension type acme.Socket in a TypedStruct: not checked (Envoy accepts it only if built with that extension)\n"},
		{"unknown resource type", "acme.Thing", `{}`, "info unknown type acme.Thing\n"},
		{"not JSON", clusterT, `{"name":`, "error not JSON: unexpected EOF\n"},
		{"secret", secretT, `{"name":"s","tls_certificate":{"certificate_chain":{"inline_string":"x"}}}`, ""},
		{"well-known types in an Any", clusterT, `{"name":"c","metadata":{"typed_filter_metadata":{"x":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1s"}}}}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, lines(JSON(tt.typ, []byte(tt.in))))
		})
	}
}

func TestSemantic(t *testing.T) {
	routerFirst := `{"name":"envoy.filters.http.router","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}},` +
		`{"name":"envoy.filters.http.cors","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}}`
	tests := []struct {
		name, typ, in, want string
	}{
		{"distinct filter chain matches", listenerT, listener(chain(`"filter_chain_match":{"destination_port":80},`, "") + "," + chain(`"filter_chain_match":{"destination_port":81},`, "")), ""},
		{"duplicate filter chain match", listenerT, listener(chain(`"name":"a","filter_chain_match":{"destination_port":80},`, "") + "," + chain(`"name":"b","filter_chain_match":{"destination_port":80},`, "")),
			"error filter_chains[1].filter_chain_match: filter chain 'b' has the same matching rules defined as 'a' (filter_chains[0])\n"},
		{"two chains without a match", listenerT, listener(chain("", "") + "," + chain("", "")),
			"error filter_chains[1].filter_chain_match: filter chain '' has the same matching rules defined as '' (filter_chains[0])\n"},
		{"server names overlap, in any case", listenerT, listener(chain(`"name":"a","filter_chain_match":{"server_names":["a.com","b.com"]},`, "") + "," + chain(`"name":"b","filter_chain_match":{"server_names":["B.com"]},`, "")),
			"error filter_chains[1].filter_chain_match: filter chain 'b' overlaps filter chain 'a' (filter_chains[0]): both match server name b.com\n"},
		{"the same lists in another order", listenerT, listener(chain(`"name":"a","filter_chain_match":{"destination_port":443,"application_protocols":["h2","http/1.1"]},`, "") + "," + chain(`"name":"b","filter_chain_match":{"destination_port":443,"application_protocols":["http/1.1","h2"]},`, "")),
			"error filter_chains[1].filter_chain_match: filter chain 'b' overlaps filter chain 'a' (filter_chains[0]): both match destination port 443, application protocol http/1.1\n"},
		{"ranges compared masked", listenerT, listener(chain(`"name":"a","filter_chain_match":{"prefix_ranges":[{"address_prefix":"10.1.2.3","prefix_len":8}]},`, "") + "," + chain(`"name":"b","filter_chain_match":{"prefix_ranges":[{"address_prefix":"10.0.0.0","prefix_len":8}]},`, "")),
			"error filter_chains[1].filter_chain_match: filter chain 'b' overlaps filter chain 'a' (filter_chains[0]): both match destination IP 10.0.0.0/8\n"},
		{"an empty list is not 0.0.0.0/0", listenerT, listener(chain(`"name":"a","filter_chain_match":{"prefix_ranges":[{"address_prefix":"0.0.0.0","prefix_len":0}]},`, "") + "," + chain(`"name":"b",`, "")), ""},
		{"distinct in one level", listenerT, listener(chain(`"name":"a","filter_chain_match":{"server_names":["a.com"],"transport_protocol":"tls"},`, "") + "," + chain(`"name":"b","filter_chain_match":{"server_names":["a.com"]},`, "")), ""},
		{"a value listed twice in one chain", listenerT, listener(chain(`"name":"a","filter_chain_match":{"source_ports":[1,1]},`, "")),
			"error filter_chains[0].filter_chain_match: filter chain 'a' matches source port 1 twice (a value listed twice)\n"},
		{"too many combinations to look at", listenerT, listener(chain(`"name":"a","filter_chain_match":{"source_ports":[`+ports(400)+`],"server_names":[`+names(400)+`]},`, "") + "," + chain(`"name":"b","filter_chain_match":{"source_ports":[1],"server_names":["n1"]},`, "")), ""},
		{"domains unique across virtual hosts", routeT, `{"name":"r","virtual_hosts":[{"name":"a","domains":["x.com","*"]},{"name":"b","domains":["y.com","X.com"]}]}`,
			"error virtual_hosts[1].domains[1]: Only unique values for domains are permitted. Duplicate entry of domain x.com in route r\n"},
		{"EDS cluster without EDS config", clusterT, `{"name":"c","type":"EDS"}`, "error eds_cluster_config: cannot create an EDS cluster without an EDS config\n"},
		{"unimplemented filter chain match field", listenerT, listener(chain(`"name":"a","filter_chain_match":{"suffix_len":8},`, "")),
			"error filter_chains[0].filter_chain_match.suffix_len: filter chain 'a' contains unimplemented fields\n"},
		{"listener without address", listenerT, `{"name":"l"}`, "error address: address is necessary\n"},
		{"api_listener is skipped", listenerT, `{"name":"l","api_listener":{"api_listener":` + strings.Replace(strings.Replace(hcm, "%s", "", 1), `"stat_prefix":"in",`, "", 1) + `}}`, ""},
		{"router not last", listenerT, listener(strings.Replace(chain("", ""), `[{"name":"envoy.filters.http.router","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]`, "["+routerFirst+"]", 1)),
			"error filter_chains[0].filters[0].typed_config.http_filters[0]: terminal filter named envoy.filters.http.router of type envoy.filters.http.router must be the last filter in a http filter chain\n" +
				"error filter_chains[0].filters[0].typed_config.http_filters[1]: non-terminal filter named envoy.filters.http.cors of type envoy.extensions.filters.http.cors.v3.Cors is the last filter in a http filter chain\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, lines(JSON(tt.typ, []byte(tt.in))))
		})
	}
}

func TestMessage(t *testing.T) {
	c := &clusterv3.Cluster{Name: "c", ConnectTimeout: durationpb.New(0)}
	assert.Equal(t, "error connect_timeout: value must be greater than 0s\n", lines(Message(c)))
	c.ConnectTimeout = durationpb.New(time.Second)
	c.TransportSocket = &corev3.TransportSocket{Name: "x", ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: &anypb.Any{TypeUrl: "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}}}
	assert.Empty(t, Message(c))
	c.TransportSocket.GetTypedConfig().TypeUrl = "type.googleapis.com/acme.Socket"
	assert.Equal(t, "info transport_socket.typed_config: unknown extension type acme.Socket: not checked (Envoy accepts it only if built with that extension)\n", lines(Message(c)))
}

func TestProblemJSON(t *testing.T) {
	b, err := json.Marshal(JSON(clusterT, []byte(`{"name":"c","connect_timeout":"0s"}`)))
	assert.NoError(t, err)
	assert.Equal(t, `[{"path":"connect_timeout","message":"value must be greater than 0s",`+
		`"envoy":"Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)","severity":"error","kind":"rule"}]`, string(b))
}

func TestEnvoyWording(t *testing.T) {
	ps := JSON(claT, []byte(`{"cluster_name":"c","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"10.0.0.1","port_value":70000}}}}]}]}`))
	if assert.Len(t, ps, 1) {
		assert.Equal(t, "Proto constraint validation failed (ClusterLoadAssignmentValidationError.Endpoints[0]: embedded message failed validation | "+
			"caused by LocalityLbEndpointsValidationError.LbEndpoints[0]: embedded message failed validation | "+
			"caused by LbEndpointValidationError.Endpoint: embedded message failed validation | "+
			"caused by EndpointValidationError.Address: embedded message failed validation | "+
			"caused by AddressValidationError.SocketAddress: embedded message failed validation | "+
			"caused by SocketAddressValidationError.PortValue: value must be less than or equal to 65535)", ps[0].Envoy)
	}
	// The content of a typed_config is validated on its own, as Envoy's extension factories do.
	ps = JSON(listenerT, []byte(listener(strings.Replace(chain("", ""), `"stat_prefix":"in"`, `"stat_prefix":""`, 1))))
	if assert.Len(t, ps, 1) {
		assert.Equal(t, "Proto constraint validation failed (HttpConnectionManagerValidationError.StatPrefix: value length must be at least 1 characters)", ps[0].Envoy)
	}
}

// TestRulesEmbedded: rules.pb.zz decodes, with the rules Envoy's best-known checks rest on.
func TestRulesEmbedded(t *testing.T) {
	assert.NotNil(t, rulesFor("envoy.config.cluster.v3.Cluster.connect_timeout").field)
	assert.True(t, rulesFor("envoy.config.core.v3.Address.address").required)
	assert.Nil(t, rulesFor("envoy.config.cluster.v3.Cluster.alt_stat_name").field, "a field without rules")
	assert.Greater(t, len(rulesMap), 1500)
}

// TestEnvoyJSONLeniency: what Envoy's JSON/YAML loading takes and protojson does not — enum names
// in any case (case_insensitive_enum_parsing) and one value for a repeated field — is no problem;
// what it still refuses is.
func TestEnvoyJSONLeniency(t *testing.T) {
	const cluster = "envoy.config.cluster.v3.Cluster"
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"lowercase enums", `{"name":"c","type":"strict_dns","lb_policy":"round_robin","connect_timeout":"1s"}`, true},
		{"mixed-case enum", `{"name":"c","type":"Strict_Dns","connect_timeout":"1s"}`, true},
		{"unknown enum in any case", `{"name":"c","type":"sloppy_dns","connect_timeout":"1s"}`, false},
		{"one object for a repeated field", `{"name":"c","connect_timeout":"1s","transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"tls_certificates":{"certificate_chain":{"filename":"/c.pem"},"private_key":{"filename":"/k.pem"}}}}}}`, true},
		{"null for a repeated field", `{"name":"c","connect_timeout":"1s","health_checks":null}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := Errors(JSON(cluster, []byte(tc.in)))
			if tc.ok {
				assert.Empty(t, errs)
			} else {
				assert.NotEmpty(t, errs)
			}
		})
	}
}

// ports is "1,2,...,n"; names is "\"n1\",...,\"nN\"" (for matches too big to expand).
func ports(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

func names(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", "n"+strconv.Itoa(i))
	}
	return b.String()
}
