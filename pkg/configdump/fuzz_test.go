package configdump

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz targets for every parser of the package: Detect and Parse (FuzzParse), each view over a
// fuzzed dump (FuzzParse on whole dumps, FuzzViewEntry on one resource dropped into a dump so the
// fuzzer spends its time inside the views) and Normalize (FuzzNormalize). `make fuzz` runs each
// for a few seconds (hack/fuzz.sh); crashers found are kept in testdata/fuzz and run as tests.

// addDumpSeeds adds the shared dumps small enough to mutate quickly, the fixtures, and cut and
// camelCase variants.
func addDumpSeeds(f *testing.F) {
	paths, _ := filepath.Glob("../../testdata/dumps/*/*.json")
	inputs, _ := filepath.Glob("testdata/inputs/*.json")
	for _, p := range append(paths, inputs...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 16<<10 {
			continue
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`{"configs":{"clusters":{"staticClusters":[{"cluster":{"name":"a|b|c|d"}}]}}}`))
	f.Add([]byte(`{"bootstrap":{"node":{"id":"x"}}}`))
	f.Add([]byte(`{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[]}`))
}

// views runs every view of a dump; none may panic, whatever the dump.
func views(d *Dump) {
	_, _ = d.Listeners()
	_, _ = d.Clusters()
	_, _ = d.Routes()
	_, _, _ = d.Secrets()
	_, _ = d.EDS()
	_, _ = d.Bootstrap()
	_, _ = d.ECDS()
	for _, s := range d.AllSections() {
		_, _ = Normalize(s.Value.Raw(), NormalizeOptions{Warnings: d.Warnings})
	}
}

func FuzzParse(f *testing.F) {
	addDumpSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, derr := Detect(data)
		d, err := Parse(data)
		if err != nil {
			if d != nil {
				t.Fatal("a Dump with an error")
			}
			if bytes.ContainsRune([]byte(err.Error()), '\n') {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		if derr != nil {
			t.Fatalf("Parse accepts what Detect rejects: %v", derr)
		}
		views(d)
	})
}

// viewSkeletons put one fuzzed resource entry where each view reads it.
var viewSkeletons = []string{
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","static_listeners":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamic_active_secrets":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.EndpointsConfigDump","dynamic_endpoint_configs":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.EcdsConfigDump","ecds_filters":[%s]}]}`,
	`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"static_resources":{"listeners":[%s]}}}]}`,
	`{"cluster_statuses":[%s]}`,
}

func FuzzViewEntry(f *testing.F) {
	for _, e := range []string{
		`{"name":"l","active_state":{"listener":{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[{"filter_chain_match":{"destination_port":80,"server_names":["a"],"prefix_ranges":[{"address_prefix":"10.0.0.0","prefix_len":8}]},"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","route_config":{"virtual_hosts":[{"domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"c"}}]}]}}}]}]}}}`,
		`{"listener":{"name":"s","address":{"pipe":{"path":"/p"}},"filter_chains":[{"filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","cluster":"BlackHoleCluster"}}]}]}}`,
		`{"version_info":"1","cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"outbound|9080|v1|reviews.default.svc.cluster.local","type":"EDS","metadata":{"filter_metadata":{"istio":{"config":"/apis/networking.istio.io/v1alpha3/namespaces/default/destination-rule/reviews"}}}},"error_state":{"details":"nack"}}`,
		`{"route_config":{"name":"80","virtual_hosts":[{"name":"vh","domains":["a","b"],"routes":[{"match":{"safe_regex":{"regex":".*"}},"route":{"cluster":"c"},"metadata":{"filter_metadata":{"istio":{"config":"/apis/networking.istio.io/v1alpha3/namespaces/ns/virtual-service/vs"}}}}]}]}}`,
		`{"name":"default","secret":{"name":"default","tls_certificate":{"certificate_chain":{"inline_bytes":"LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI=="},"private_key":{"inline_string":"k"}},"validation_context":{"trusted_ca":{"inline_string":"-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n"}}}}`,
		`{"endpoint_config":{"cluster_name":"c","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"10.0.0.1","port_value":80}}},"health_status":"HEALTHY"}]}]}}`,
		`{"ecds_filter":{"@type":"type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig","name":"f","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm"}}}`,
		`{"name":"outbound|80||a","added_via_api":true,"host_statuses":[{"address":{"socket_address":{"address":"10.0.0.2","port_value":80}},"health_status":{"eds_health_status":"HEALTHY","failed_outlier_check":true},"weight":1,"locality":{"zone":"z"}}]}`,
	} {
		for k := range viewSkeletons {
			f.Add(uint8(k), []byte(e))
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, entry []byte) {
		skel := viewSkeletons[int(kind)%len(viewSkeletons)]
		i := bytes.Index([]byte(skel), []byte("%s"))
		doc := append(append([]byte(skel[:i]), entry...), skel[i+2:]...)
		if c, d, err := ParseEndpointsInput(doc); err == nil && c != nil {
			for _, h := range c.Hosts(EndpointFilter{}) {
				_ = h.Endpoint()
			}
			return
		} else if err == nil && d != nil {
			views(d)
		}
	})
}

func FuzzNormalize(f *testing.F) {
	for _, p := range []string{"testdata/inputs/secrets-snake.json", "testdata/inputs/secrets-camel.json"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false, "")
	}
	f.Add([]byte(`{"name":"c","connectTimeout":"1s","transportSocket":{"typedConfig":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","commonTlsContext":{"tlsCertificates":[{"privateKey":{"inlineString":"x"}}]}}}}`), false, "envoy.config.cluster.v3.Cluster")
	f.Add([]byte(`{"@type":"type.googleapis.com/udpa.type.v1.TypedStruct","value":{"password":"p"}}`), true, "")
	f.Add([]byte(`{"filterMetadata":{"a":{"b":[1,2,{"c":null}]}}}`), false, "envoy.config.core.v3.Metadata")
	f.Fuzz(func(t *testing.T, data []byte, show bool, typ string) {
		out, err := Normalize(data, NormalizeOptions{ShowSecrets: show, Type: typ, Warnings: NewWarnings()})
		if err != nil || !json.Valid(data) {
			return
		}
		if !json.Valid(out) {
			t.Fatalf("valid input %q normalized to invalid JSON %q", data, out)
		}
	})
}
