package controlplane_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
	"github.com/xdsctl/xdsctl/internal/emulator"
	"github.com/xdsctl/xdsctl/internal/envoydesc"
)

// dumpSections are where a config dump holds each kind's dynamic resources.
var dumpSections = []struct{ key, section, entry, field string }{
	{"listeners", "dynamic_listeners", "active_state", "listener"},
	{"clusters", "dynamic_active_clusters", "", "cluster"},
	{"clusters", "dynamic_warming_clusters", "", "cluster"},
	{"routes", "dynamic_route_configs", "", "route_config"},
	{"endpoints", "dynamic_endpoint_configs", "", "endpoint_config"},
}

// kindResources are resources by snapshot key, each by name.
type kindResources map[string]map[string]json.RawMessage

// dumpedResources reads the dynamic resources of a config dump (the shape Envoy's /config_dump
// has), without their top-level "@type".
func dumpedResources(t *testing.T, data []byte) kindResources {
	t.Helper()
	var dump struct {
		Configs []map[string]json.RawMessage `json:"configs"`
	}
	require.NoError(t, json.Unmarshal(data, &dump))
	out := kindResources{}
	for _, s := range dumpSections {
		if out[s.key] == nil {
			out[s.key] = map[string]json.RawMessage{}
		}
		for _, cfg := range dump.Configs {
			var entries []map[string]json.RawMessage
			if raw, ok := cfg[s.section]; !ok || json.Unmarshal(raw, &entries) != nil {
				continue
			}
			for _, e := range entries {
				if s.entry != "" {
					var inner map[string]json.RawMessage
					if json.Unmarshal(e[s.entry], &inner) != nil {
						continue
					}
					e = inner
				}
				var res map[string]any
				if json.Unmarshal(e[s.field], &res) != nil {
					continue
				}
				delete(res, "@type")
				name, _ := res["name"].(string)
				if s.key == "endpoints" {
					name, _ = res["cluster_name"].(string)
					if name == "" {
						continue // some dumps leave it out of EDS entries: nothing to push it as
					}
					// Envoy's EDS dump is rebuilt from its host sets and shows a locality without a
					// weight as weight 0, which it would refuse in an update: push it without.
					if eps, ok := res["endpoints"].([]any); ok {
						for _, ep := range eps {
							if m, ok := ep.(map[string]any); ok && m["load_balancing_weight"] == float64(0) {
								delete(m, "load_balancing_weight")
							}
						}
					}
				}
				b, err := json.Marshal(res)
				require.NoError(t, err)
				out[s.key][name] = b
			}
		}
	}
	return out
}

// canonical is a resource's JSON after a round trip through protojson (Envoy's field names,
// defaults dropped, durations and int64s in one form), compact.
func canonical(t *testing.T, key string, raw json.RawMessage) string {
	t.Helper()
	typ := map[string]string{"listeners": resource.ListenerType, "clusters": resource.ClusterType, "routes": resource.RouteType, "endpoints": resource.EndpointType}[key]
	m := dynamicpb.NewMessage(envoydesc.FindMessageByURL(typ))
	require.NoError(t, protojson.UnmarshalOptions{Resolver: envoydesc.Types{}}.Unmarshal(raw, m))
	b, err := protojson.MarshalOptions{UseProtoNames: true, Resolver: envoydesc.Types{}}.Marshal(m)
	require.NoError(t, err)
	var v any
	require.NoError(t, json.Unmarshal(b, &v))
	out, err := json.Marshal(v) // sorted keys, no spacing
	require.NoError(t, err)
	return string(out)
}

// TestRealDumpsThroughTheEmulator pushes every listener, cluster, route configuration and
// endpoint assignment of real sidecar and gateway dumps through the bundled control plane to an
// emulated sidecar: every one is ACKed (as the Envoy that dumped them accepted them), and the
// emulated sidecar's /config_dump holds exactly what was pushed.
func TestRealDumpsThroughTheEmulator(t *testing.T) {
	dumps := []string{
		"istio/authz__configdump.json",                               // a sidecar's listeners (grpc_stats, Wasm, RBAC…)
		"istio/writer__envoy__configdump__endpoint__configdump.json", // a sidecar's endpoints
		"istio/describe__describe__http_config.json",
		"istio/writer__compare__configdump.json",
		"istio/proxyconfig__config_dump.json",
		"synthetic/template-sidecar.json", // a whole sidecar assembled from real pieces (see its PROVENANCE)
		"osm/pkg__cli__verifier__testdata__sample-envoy-config-dump-bookstore.json",
		"istio/writer__envoy__configdump__routes__istio-gateway-http-route-prefix__configdump.json", // gateways' routes
		"istio/writer__envoy__configdump__routes__k8s-gateway-http-route-path-prefix__configdump.json",
		"envoy-gateway/extension-server-with-mutation.json", // an Envoy Gateway proxy
	}
	for _, path := range dumps {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dumps", path))
			require.NoError(t, err)
			pushed := dumpedResources(t, data)
			// Endpoints arrive only for the EDS clusters that name them: add one where the dump has none.
			for name := range pushed["endpoints"] {
				if _, ok := pushed["clusters"][name]; !ok {
					pushed["clusters"][name] = json.RawMessage(`{"name":` + quote(name) + `,"type":"EDS","connect_timeout":"1s","eds_cluster_config":{"eds_config":{"ads":{}}}}`)
				}
			}
			// Routes arrive only for the listeners that name them: add one where the dump has none.
			if len(pushed["listeners"]) == 0 {
				for i, name := range sortedNames(pushed["routes"]) {
					pushed["listeners"]["rds-"+name] = json.RawMessage(fmt.Sprintf(`{"name":%s,"address":{"socket_address":{"address":"0.0.0.0","port_value":%d}},`+
						`"filter_chains":[{"filters":[{"name":"hcm","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",`+
						`"stat_prefix":"s","rds":{"route_config_name":%s,"config_source":{"ads":{}}},"http_filters":[{"name":"router","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}`,
						quote("rds-"+name), 20000+i, quote(name)))
				}
			}
			doc := map[string]any{"version": "v1", "resources": map[string]any{}}
			total := 0
			for key, byName := range pushed {
				var list []json.RawMessage
				for _, n := range sortedNames(byName) {
					list = append(list, byName[n])
				}
				doc["resources"].(map[string]any)[key] = list
				total += len(list)
			}
			require.NotZero(t, total)
			js, err := json.Marshal(doc)
			require.NoError(t, err)
			cfg, err := snapshot.Parse(path, js)
			require.NoError(t, err, "the control plane loads the dump's resources")

			cp := startCP(t, cfg, controlplane.Options{})
			sc := startSidecar(t, cp, emulator.Options{NodeID: "real", InitialFetchTimeout: time.Millisecond})
			_, err = cp.Tracker().WaitNode(ctxTimeout(t, 20*time.Second), "real", func(c tracker.Conn) bool {
				for _, k := range []string{resource.ClusterType, resource.ListenerType} {
					if ty, ok := c.Type(k); !ok || ty.Status != tracker.Synced {
						return false
					}
				}
				return true
			})
			require.NoError(t, err)
			require.NoError(t, sc.WaitFor(ctxTimeout(t, 10*time.Second), func(s emulator.State) bool {
				return len(s.Types[resource.ListenerType].Resources) == len(pushed["listeners"]) &&
					len(s.Types[resource.ClusterType].Resources) == len(pushed["clusters"]) &&
					len(s.Types[resource.RouteType].Resources) == countIn(pushed["routes"], s.Types[resource.RouteType].Names) &&
					len(s.Types[resource.EndpointType].Resources) == countIn(pushed["endpoints"], s.Types[resource.EndpointType].Names)
			}), "%+v", sc.State().Types)
			for typ, ts := range sc.State().Types {
				assert.Empty(t, ts.LastNACK, typ)
				assert.Empty(t, ts.Rejected, typ)
			}

			out, err := xdsres.MarshalJSON(sc.ConfigDump(true))
			require.NoError(t, err, "the emulated sidecar renders all it accepted")
			got := dumpedResources(t, out)
			for key, byName := range got {
				for name, raw := range byName {
					want, ok := pushed[key][name]
					if assert.True(t, ok, "%s %s was not pushed", key, name) {
						assert.Equal(t, canonical(t, key, want), canonical(t, key, raw), "%s %s", key, name)
					}
				}
				if key == "listeners" || key == "clusters" {
					assert.Len(t, byName, len(pushed[key]), key)
				}
			}
		})
	}
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

func sortedNames(m map[string]json.RawMessage) []string {
	out := make([]string, 0, len(m))
	for n := range m {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// countIn counts the names that are keys of m.
func countIn(m map[string]json.RawMessage, names []string) int {
	n := 0
	for _, name := range names {
		if _, ok := m[name]; ok {
			n++
		}
	}
	return n
}

// TestEmulatorNACKsWhatEnvoyRejects: resources Envoy rejects are NACKed with Envoy's words.
func TestEmulatorNACKsWhatEnvoyRejects(t *testing.T) {
	chain := func(name string) string {
		return `{"name":"` + name + `","filter_chain_match":{"destination_port":80},"filters":[{"name":"tcp","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","stat_prefix":"t","cluster":"c"}}]}`
	}
	tests := []struct {
		name, typeURL, doc, want string
	}{
		{"duplicate filter chain match", resource.ListenerType,
			`{"version":"v1","allow_invalid":true,"resources":{"listeners":[{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":15006}},"filter_chains":[` + chain("a") + `,` + chain("b") + `]}]}}`,
			"Error adding/updating listener(s) l: error adding listener '0.0.0.0:15006': filter chain 'b' has the same matching rules defined as 'a'. duplicate matcher is: {\"destination_port\":80}"},
		{"connect_timeout 0s", resource.ClusterType,
			`{"version":"v1","allow_invalid":true,"resources":{"clusters":[{"name":"c","connect_timeout":"0s"}]}}`,
			"Error adding/updating cluster(s) c: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := snapshot.Parse("nack.json", []byte(tt.doc))
			require.NoError(t, err)
			cp := startCP(t, cfg, controlplane.Options{})
			sc := startSidecar(t, cp, emulator.Options{NodeID: "n"})
			require.NoError(t, sc.WaitFor(ctxTimeout(t, 10*time.Second), func(s emulator.State) bool {
				return s.Types[tt.typeURL].Counters.ACKs+s.Types[tt.typeURL].Counters.NACKs > 0
			}))
			assert.Equal(t, tt.want, sc.State().Types[tt.typeURL].LastNACK)
		})
	}

	// A field the Envoy API does not declare: ignored by default, NACKed as Envoy started with
	// --reject-unknown-dynamic-fields does.
	c := &clusterv3.Cluster{Name: "c", ConnectTimeout: durationpb.New(time.Second)}
	c.ProtoReflect().SetUnknown(protowire.AppendVarint(protowire.AppendTag(nil, 999, protowire.VarintType), 1))
	cfg := &snapshot.Config{Version: "v1", AllowInvalid: true, Default: snapshot.Set{resource.ClusterType: {{Name: "c", Message: c}}}, Nodes: map[string]snapshot.Set{}}
	cp := startCP(t, cfg, controlplane.Options{})
	for _, reject := range []bool{false, true} {
		id := map[bool]string{false: "lenient", true: "strict"}[reject]
		sc := startSidecar(t, cp, emulator.Options{NodeID: id, RejectUnknownFields: reject})
		require.NoError(t, sc.WaitFor(ctxTimeout(t, 10*time.Second), func(s emulator.State) bool {
			return s.Types[resource.ClusterType].Counters.ACKs+s.Types[resource.ClusterType].Counters.NACKs > 0
		}))
		want := ""
		if reject {
			want = "Error adding/updating cluster(s) c: Protobuf message (type envoy.config.cluster.v3.Cluster with unknown field set {999}) has unknown fields"
		}
		assert.Equal(t, want, sc.State().Types[resource.ClusterType].LastNACK, id)
	}

	// A typed_config of a type the Envoy API does not declare: Envoy has no factory for it.
	u := &clusterv3.Cluster{Name: "u", ConnectTimeout: durationpb.New(time.Second), TransportSocket: &corev3.TransportSocket{Name: "acme",
		ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: &anypb.Any{TypeUrl: "type.googleapis.com/acme.Socket"}}}}
	cp = startCP(t, &snapshot.Config{Version: "v1", AllowInvalid: true, Default: snapshot.Set{resource.ClusterType: {{Name: "u", Message: u}}}, Nodes: map[string]snapshot.Set{}}, controlplane.Options{})
	sc := startSidecar(t, cp, emulator.Options{NodeID: "n"})
	require.NoError(t, sc.WaitFor(ctxTimeout(t, 10*time.Second), func(s emulator.State) bool {
		return s.Types[resource.ClusterType].Counters.NACKs > 0
	}))
	assert.Equal(t, "Error adding/updating cluster(s) u: Didn't find a registered implementation for 'acme' with type URL: 'acme.Socket'", sc.State().Types[resource.ClusterType].LastNACK)
	_, err := xdsres.MarshalJSON(sc.ConfigDump(true))
	assert.NoError(t, err, "the rejected resource renders too")
}
