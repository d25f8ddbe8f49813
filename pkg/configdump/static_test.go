package configdump

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// counts is what the views find in a dump, for tests of the static readers.
type counts struct{ Listeners, Clusters, Routes, Secrets, Endpoints int }

func countViews(t *testing.T, d *Dump) counts {
	t.Helper()
	var c counts
	ls, err := d.Listeners()
	require.NoError(t, err)
	cs, err := d.Clusters()
	require.NoError(t, err)
	rs, err := d.Routes()
	require.NoError(t, err)
	ss, _, err := d.Secrets()
	require.NoError(t, err)
	es, err := d.EDS()
	require.NoError(t, err)
	c.Listeners, c.Clusters, c.Routes, c.Endpoints = len(ls), len(cs), len(rs), len(es)
	names := map[string]bool{}
	for _, s := range ss {
		names[s.Name] = true
	}
	c.Secrets = len(names)
	return c
}

// TestParseStaticFiles reads the real Envoy configs of testdata/static (Envoy's examples and
// sandboxes) and the synthetic ones: every view sees what the file holds.
func TestParseStaticFiles(t *testing.T) {
	tests := []struct {
		file      string
		want      counts
		bootstrap bool
		static    string
	}{
		{"front-proxy.yaml", counts{2, 2, 2, 0, 2}, true, "an Envoy bootstrap with 2 listeners, 2 clusters, 2 inline route configurations"},
		{"dynamic-config-cp.yaml", counts{0, 1, 0, 0, 1}, true, "an Envoy bootstrap with 1 cluster"},
		{"double-proxy-frontend.yaml", counts{1, 1, 0, 0, 1}, true, "an Envoy bootstrap with 1 listener, 1 cluster"},
		{"dynamic-config-fs-lds.yaml", counts{1, 0, 1, 0, 0}, false, "xDS resources with 1 listener, 1 inline route configuration"},
		{"dynamic-config-fs-cds.yaml", counts{0, 1, 0, 0, 1}, false, "xDS resources with 1 cluster"},
		{"synthetic-secrets-bootstrap.json", counts{1, 1, 0, 2, 0}, true, "an Envoy bootstrap with 1 listener, 1 cluster, 2 secrets"},
		{"envoyproxy-io-proxy.yaml", counts{1, 1, 1, 0, 1}, true, "an Envoy bootstrap with 1 listener, 1 cluster, 1 inline route configuration"},
		{"tls-https-passthrough.yaml", counts{1, 1, 0, 0, 1}, true, "an Envoy bootstrap with 1 listener, 1 cluster"},
		{"synthetic-routes.yaml", counts{0, 0, 2, 0, 1}, false, "xDS resources with 2 route configurations"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "static", tt.file))
			require.NoError(t, err)
			d, err := ParseInput(data)
			require.NoError(t, err)
			assert.Equal(t, tt.static, d.Static)
			assert.Equal(t, tt.want, countViews(t, d))
			assert.Equal(t, tt.bootstrap, d.Has(SectionBootstrap))
			assert.Empty(t, d.Warnings.List())
			if tt.file == "dynamic-config-cp.yaml" {
				assert.Equal(t, []string{"the bootstrap fetches its listeners (LDS) and clusters (CDS) over xDS from cluster xds_cluster; a file shows only its static resources"}, d.Warnings.Notes())
			} else {
				assert.Empty(t, d.Warnings.Notes())
			}
		})
	}
}

func TestParseStaticInlineRoutesAndNames(t *testing.T) {
	data, err := os.ReadFile("../../testdata/static/front-proxy.yaml")
	require.NoError(t, err)
	d, err := ParseInput(data)
	require.NoError(t, err)
	rs, err := d.Routes()
	require.NoError(t, err)
	require.Len(t, rs, 2) // one per connection manager, as Envoy lists them
	for _, r := range rs {
		assert.Equal(t, "local_route", r.Name)
		assert.Equal(t, StateStatic, r.State)
	}
	b, err := d.Bootstrap()
	require.NoError(t, err)
	assert.Equal(t, "0.0.0.0:8001", b.AdminAddress)
}

func TestParseStaticShapes(t *testing.T) {
	listener := `{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}}}`
	tests := []struct {
		name     string
		in       string
		want     counts
		warnings []string
	}{
		{"one listener, YAML", "name: l\naddress: {socket_address: {address: 0.0.0.0, port_value: 80}}\n", counts{Listeners: 1}, nil},
		{"one listener, JSON", listener, counts{Listeners: 1}, nil},
		{"a JSON list", "[" + listener + `,{"name":"c","connect_timeout":"1s"}]`, counts{Listeners: 1, Clusters: 1}, nil},
		{"a YAML list", "- name: c\n  type: EDS\n- cluster_name: c\n  endpoints: []\n", counts{Clusters: 1, Endpoints: 1}, nil},
		{"camelCase", `{"name":"c","connectTimeout":"1s","loadAssignment":{"clusterName":"c","endpoints":[]}}`, counts{Clusters: 1, Endpoints: 1}, nil},
		{"a DiscoveryResponse", `{"version_info":"1","type_url":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","resources":[{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"r","virtual_hosts":[]}]}`, counts{Routes: 1}, nil},
		{"delta Resource wrappers", `{"resources":[{"name":"s","version":"1","resource":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret","name":"s","generic_secret":{}}}]}`, counts{Secrets: 1}, nil},
		{"v2 type URLs", `{"resources":[{"@type":"type.googleapis.com/envoy.api.v2.Cluster","name":"c"}]}`, counts{Clusters: 1}, nil},
		{"an empty resources list", "resources: []\n", counts{}, nil},
		{"YAML documents", "name: r\nvirtual_hosts: []\n---\n# a comment only\n---\nname: c\nlb_policy: ROUND_ROBIN\n", counts{Routes: 1, Clusters: 1}, nil},
		{"an unknown type is left out with a warning", `{"resources":[` + listener + `,{"@type":"type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration","name":"s"}]}`,
			counts{Listeners: 1}, []string{"a resource of type.googleapis.com/envoy.config.route.v3.ScopedRouteConfiguration is not one xdsctl shows (Listener, Cluster, RouteConfiguration, ClusterLoadAssignment, Secret); left out"}},
		{"a v2 bootstrap with config instead of typed_config", `{"static_resources":{"listeners":[{"address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[{"filters":[{"name":"envoy.http_connection_manager","config":{"route_config":{"name":"r","virtual_hosts":[]}}}]}]}]}}`,
			counts{Listeners: 1, Routes: 1}, nil},
		{"a default filter chain and an API listener", `[{"name":"a","default_filter_chain":{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"route_config":{"name":"d"}}}]}},{"name":"api","api_listener":{"api_listener":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","route_config":{"name":"x"}}}}]`,
			counts{Listeners: 2, Routes: 2}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseInput([]byte(tt.in))
			require.NoError(t, err)
			assert.Equal(t, tt.want, countViews(t, d))
			assert.Equal(t, tt.warnings, d.Warnings.List())
			assert.False(t, d.Has(SectionBootstrap) && !strings.Contains(tt.name, "bootstrap"))
		})
	}
}

func TestParseStaticErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"YAML that is no Envoy config", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
			"input is a Kubernetes ConfigMap, not an Envoy config; " + wantStatic},
		{"a ConfigMap holding an Envoy config", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: envoy}\ndata:\n  envoy.yaml: |\n    admin: {}\n",
			`input is a Kubernetes ConfigMap, not an Envoy config; extract the config it holds first: kubectl get configmap envoy -o jsonpath='{.data.envoy\.yaml}'`},
		{"other YAML", "foo: 1\nbar: [2]\n", "input is not an Envoy config (top-level keys: bar, foo); " + wantStatic},
		{"a YAML scalar", "hello world\n", `input is not JSON, nor an Envoy config in YAML (it starts with "hello world"); ` + wantStatic},
		{"a JSON number", "42", "input is not an Envoy config: a lone number; " + wantStatic},
		{"invalid YAML", "a: b\n c: [\n", "input is neither JSON nor valid YAML: yaml: line 2: mapping values are not allowed in this context"},
		{"a list of strings", "- a\n- b\n", "input is not an Envoy config: a list with no Envoy resource (item 0 of a resource list is a string, not a resource; left out); " + wantStatic},
		{"a syncz response", `{"resources":[{"@type":"type.googleapis.com/envoy.service.status.v3.ClientConfig"}]}`, "an xDS DiscoveryResponse (e.g. istiod syncz), not Envoy admin output; use proxy-status --file for it"},
		{"comments only", "# nothing\n", "input holds no Envoy config, only YAML comments or nulls; " + wantStatic},
		{"an unknown @type", `{"@type":"type.googleapis.com/foo.Bar","x":1}`, "input is not an Envoy config: a single foo.Bar; " + wantStatic},
		{"JSON of no Envoy config", `{"kind":"Pod"}`, "input is not an Envoy config (top-level keys: kind); " + wantStatic},
		{"a CSDS response keeps Parse's message", `{"config":[{"node":{}}]}`, "a CSDS ClientStatusResponse, not Envoy admin output; use proxy-status --file for it"},
		{"truncated JSON keeps Parse's message", `{"static_resources":{"listeners":[`, "input is truncated: JSON ends early at byte 34 of 34"},
		{"two bootstraps", "admin: {}\n---\nadmin: {}\n", "input holds two Envoy bootstraps; give one file per proxy"},
		{"a bootstrap in a list", `[{"static_resources":{}}]`, "item 0 of the resource list is an Envoy bootstrap; give it as a file of its own"},
		{"binary", "\x00\x01\x02", "input is binary data, not JSON"},
		{"JSON broken inside a resource", `{"static_resources":{"listeners":[A]}}`, "input is not valid JSON: invalid character 'A' looking for beginning of value at byte 35"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseInput([]byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Equal(t, tt.want, err.Error())
			var ie *InputError
			assert.ErrorAs(t, err, &ie)
		})
	}
}

// TestParseInputDumpPath: a /config_dump goes through Parse alone (the fast path) and is not
// taken for a static config.
func TestParseInputDumpPath(t *testing.T) {
	data := readShared(t, "bookinfo-1.5", "productpage-config-dump@istio1.5.4-strictmtls.json")
	d, err := ParseInput(data)
	require.NoError(t, err)
	assert.Empty(t, d.Static)
	d, err = ParseInput([]byte(`{"bootstrap":{"node":{"id":"x"}}}`)) // a section alone: ParseLenient
	require.NoError(t, err)
	assert.Empty(t, d.Static)
	assert.NotEmpty(t, d.Partial)
}

func TestSplitYAML(t *testing.T) {
	docs := splitYAML([]byte("a: 1\n---\nb: 2\n--- {c: 3}\n---   \n"))
	var got []string
	for _, d := range docs {
		got = append(got, string(d))
	}
	assert.Equal(t, []string{"a: 1\n", "b: 2\n", "{c: 3}\n"}, got)
}

func FuzzParseStatic(f *testing.F) {
	paths, _ := filepath.Glob("../../testdata/static/*")
	for _, p := range paths {
		if strings.HasSuffix(p, ".tsv") {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte(`[{"name":"l","filter_chains":{"filters":{"name":"envoy.filters.network.http_connection_manager","typed_config":{"route_config":{}}}}}]`))
	f.Add([]byte("resources:\n- resource: {\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster, name: c}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseStatic(data)
		if err != nil {
			if d != nil {
				t.Fatal("a Dump with an error")
			}
			if bytes.ContainsRune([]byte(err.Error()), '\n') {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		views(d)
		for _, s := range d.AllSections() {
			if !json.Valid(s.Value.Raw()) {
				t.Fatalf("section %s is not valid JSON: %q", s.Kind, s.Value.Raw())
			}
		}
	})
}

// TestParseInputYAMLDump: a /config_dump saved as YAML (pc all -o yaml) reads as the JSON one.
func TestParseInputYAMLDump(t *testing.T) {
	js := readShared(t, "istio", "proxyconfig__config_dump.json")
	y, err := yaml.JSONToYAML(js)
	require.NoError(t, err)
	dj, err := ParseInput(js)
	require.NoError(t, err)
	dy, err := ParseInput(y)
	require.NoError(t, err)
	assert.Empty(t, dy.Static)
	lj, err := dj.Listeners()
	require.NoError(t, err)
	ly, err := dy.Listeners()
	require.NoError(t, err)
	require.NotEmpty(t, lj)
	assert.Len(t, ly, len(lj))
	assert.Equal(t, lj[0].Name, ly[0].Name)
}

// staticSkeletons put one fuzzed resource where each static reader takes it: a bootstrap's
// static_resources lists, a "resources" list, a bare list, alone.
var staticSkeletons = []string{
	`{"static_resources":{"listeners":[%s]}}`,
	`{"static_resources":{"clusters":[%s]}}`,
	`{"static_resources":{"secrets":[%s]}}`,
	`{"resources":[%s]}`,
	`[%s]`,
	`%s`,
}

// FuzzStaticResource fuzzes one resource inside each shape a static config file has, so the
// fuzzer spends its time in the classification, the inline route and load assignment extraction
// and the views over the dump built from them.
func FuzzStaticResource(f *testing.F) {
	for _, e := range []string{
		`{"name":"l","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[{"filters":[{"name":"envoy.filters.network.http_connection_manager","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","route_config":{"name":"r","virtual_hosts":[{"domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"c"}}]}]}}}]}]}`,
		`{"name":"c","type":"STRICT_DNS","load_assignment":{"cluster_name":"c","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"a","port_value":1}}}}]}]}}`,
		`{"name":"s","tls_certificate":{"private_key":{"inline_string":"k"}}}`,
		`{"@type":"type.googleapis.com/envoy.config.route.v3.RouteConfiguration","name":"r","virtual_hosts":[]}`,
		`{"name":"d","resource":{"@type":"type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment","cluster_name":"d"}}`,
		`{"name":"api","api_listener":{"api_listener":{"@type":"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager","route_config":{}}}}`,
	} {
		for k := range staticSkeletons {
			f.Add(uint8(k), []byte(e))
		}
	}
	f.Fuzz(func(t *testing.T, kind uint8, entry []byte) {
		skel := staticSkeletons[int(kind)%len(staticSkeletons)]
		i := strings.Index(skel, "%s")
		doc := append(append([]byte(skel[:i]), entry...), skel[i+2:]...)
		d, err := ParseStatic(doc)
		if err != nil {
			if d != nil {
				t.Fatal("a Dump with an error")
			}
			if strings.ContainsRune(err.Error(), '\n') {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		views(d)
		for _, s := range d.AllSections() {
			if !json.Valid(s.Value.Raw()) {
				t.Fatalf("section %s is not valid JSON: %q", s.Kind, s.Value.Raw())
			}
		}
	})
}
