package configdump

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readShared(t testing.TB, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dumps", dir, name))
	require.NoError(t, err)
	return data
}

const (
	B, C, E, L, SR, R, S, X = SectionBootstrap, SectionClusters, SectionEndpoints, SectionListeners,
		SectionScopedRoutes, SectionRoutes, SectionSecrets, SectionEcds
)

// TestParseSharedDumps: every shared dump is detected as what it is and its sections found, in
// every format the issue names: v3, v2alpha sections, with include_eds, camelCase, the 2018 map form.
func TestParseSharedDumps(t *testing.T) {
	tests := []struct {
		dir, file string
		kinds     []SectionKind
		format    string
	}{
		{"bookinfo-1.5", "ingressgateway_config_dump@istio1.5.4.json", []SectionKind{B, C, L, SR, R, S}, "v3, Istio 1.5"},
		{"bookinfo-1.5", "productpage-config-dump@istio1.5.4-strictmtls.json", []SectionKind{B, C, L, SR, R, S}, "v3"},
		{"envoy-gateway", "egctl-config-in.all.json", []SectionKind{B, C, L, SR, R, S, E}, "v3 with include_eds"},
		{"envoy-gateway", "extension-server-with-mutation.json", []SectionKind{B, C, L, SR, R, S}, "v3, warming clusters"},
		{"istio-history", "istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj@2020-04-20.json", []SectionKind{B, C, L, SR, R, S}, "v3, camelCase"},
		{"istio-history", "istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2019-09-13.json", []SectionKind{B, C, L, SR, R, S}, "v2alpha sections, v2 type URLs"},
		{"istio-history", "istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json", []SectionKind{B, C, L, SR, R, S}, "v3"},
		{"istio-history", "istioctl__pkg__util__configdump__testdata__configdump@2018-07-02.json", []SectionKind{L, C, B, R}, "2018: configs is a map"},
		{"istio-history", "pkg__test__framework__components__echo__common__testdata__config_dump@2020-07-22.json", []SectionKind{B, C, L, R}, "v3"},
		{"istio", "authz__configdump.json", []SectionKind{L}, "listeners only"},
		{"istio", "describe__describe__http_config.json", []SectionKind{R, C, L}, "out of Envoy's order"},
		{"istio", "describe__describe__tls_config.json", []SectionKind{R}, ""},
		{"istio", "proxyconfig__config_dump.json", []SectionKind{B, C, E, L, SR, R, S}, "waypoint with EDS"},
		{"istio", "writer__compare__configdump.json", []SectionKind{C, L, R}, ""},
		{"istio", "writer__compare__configdump_diff.json", []SectionKind{C, L, R}, ""},
		{"istio", "writer__envoy__configdump__bootstrapdump.json", []SectionKind{B}, "a bare BootstrapConfigDump"},
		{"istio", "writer__envoy__configdump__configdump.json", []SectionKind{B}, ""},
		{"istio", "writer__envoy__configdump__ecds__configdump.json", []SectionKind{X, X, X}, "three ECDS sections"},
		{"istio", "writer__envoy__configdump__endpoint__configdump.json", []SectionKind{E}, ""},
		{"istio", "writer__envoy__configdump__routes__empty-gateway__configdump.json", []SectionKind{R}, ""},
		{"istio", "writer__envoy__configdump__routes__istio-gateway-http-route-prefix__configdump.json", []SectionKind{R}, ""},
		{"istio", "writer__envoy__configdump__routes__k8s-gateway-http-route-path-prefix__configdump.json", []SectionKind{R}, ""},
		{"istio", "writer__envoy__configdump__secret__istio__config_dump.json", []SectionKind{S}, ""},
		{"istio", "writer__envoy__configdump__secret__spire__config_dump.json", []SectionKind{S}, ""},
		{"osm", "pkg__cli__verifier__testdata__sample-envoy-config-dump-bookstore.json", []SectionKind{B, C, E, L, SR, R, S}, "OSM with EDS"},
		{"synthetic", "template-sidecar.json", []SectionKind{B, C, E, L, SR, R, S}, ""},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			data := readShared(t, tt.dir, tt.file)
			bare := tt.file == "writer__envoy__configdump__bootstrapdump.json"
			f, err := Detect(data)
			if bare {
				assert.EqualError(t, err, "a single bootstrap section, not a whole /config_dump")
			} else {
				require.NoError(t, err)
				assert.Equal(t, FormatConfigDump, f)
			}
			d, err := ParseLenient(data) // what the commands call
			require.NoError(t, err)
			if bare {
				assert.Equal(t, "input is a single bootstrap section, not a whole /config_dump; showing that section", d.Partial)
			} else {
				assert.Empty(t, d.Partial)
			}
			var kinds []SectionKind
			for _, s := range d.AllSections() {
				kinds = append(kinds, s.Kind)
			}
			assert.Equal(t, tt.kinds, kinds)
			assert.Empty(t, d.Warnings.List())
		})
	}
	// the two shared inputs that are not config dumps are in TestDetectOther
	paths, err := filepath.Glob("../../testdata/dumps/*/*.json")
	require.NoError(t, err)
	for _, p := range paths {
		b := filepath.Base(p)
		if !seen[b] && !strings.Contains(b, "clusters@") && !strings.Contains(b, "multiXdsStatus") {
			t.Errorf("shared dump %s is not in this test", b)
		}
	}
}

func TestDetectOther(t *testing.T) {
	f, err := Detect(readShared(t, "istio-history", "istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"))
	require.NoError(t, err)
	assert.Equal(t, FormatClusters, f)
	_, err = Parse(readShared(t, "istio-history", "istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"))
	assert.EqualError(t, err, "input is /clusters?format=json output, which has endpoints only; use it with proxy-config endpoints")

	_, err = Detect(readShared(t, "istio", "writer__pilot__multiXdsStatusSinglePilot.json"))
	var ie *InputError
	require.True(t, errors.As(err, &ie))
	assert.Contains(t, err.Error(), "an xDS DiscoveryResponse")
}

// TestBadInputs: what is wrong is said in one line, from which the command makes its error.
func TestBadInputs(t *testing.T) {
	tests := []struct {
		name, in, msg string
	}{
		{"empty", "", "input is empty"},
		{"white space", " \n\t ", "input is empty"},
		{"binary", "\x89PNG\r\n\x1a\n\x00\x00", "input is binary data, not JSON"},
		{"not JSON", "hello: world\n", `input is not JSON (it starts with "hello: world")`},
		{"clusters text", "outbound|9080||reviews.default.svc.cluster.local::default_priority::max_connections::4294967295\n", "input is the text form of /clusters; fetch /clusters?format=json instead"},
		{"array", `[{"configs": []}]`, "JSON array is not an Envoy /config_dump (want an object with \"configs\")"},
		{"string", `"configs"`, `input is not JSON (it starts with "\"configs\"")`},
		{"no configs", `{"foo": 1}`, `JSON without "configs" or "cluster_statuses": not an Envoy /config_dump or /clusters?format=json`},
		{"syncz", `{"versionInfo": "x", "resources": [], "typeUrl": "istio.io/debug/syncz"}`, "an xDS DiscoveryResponse (e.g. istiod syncz), not Envoy admin output; use proxy-status --file for it"},
		{"syncz snake", `{"version_info": "x", "type_url": "type.googleapis.com/envoy.config.cluster.v3.Cluster"}`, "an xDS DiscoveryResponse"},
		{"CSDS", `{"config": [{"node": {"id": "a"}, "genericXdsConfigs": []}]}`, "a CSDS ClientStatusResponse, not Envoy admin output; use proxy-status --file for it"},
		{"single resource", `{"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster", "name": "c"}`, "a single envoy.config.cluster.v3.Cluster, not a whole /config_dump"},
		{"configs is a string", `{"configs": "x"}`, `"configs" is a string, want an array of sections`},
		{"invalid", `{"configs" [{"@type": "a"}]}`, "input is not valid JSON: ':' expected after object key at byte 11"},
		{"truncated first section", `{"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "static_clusters": [`, "input is truncated: JSON ends early at byte 100 of 100; no complete section to show"},
		{"truncated at the root", `{"con`, "input is truncated"},
		{"clusters JSON", `{"cluster_statuses": []}`, "input is /clusters?format=json output, which has endpoints only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(tt.in))
			require.Error(t, err)
			assert.Nil(t, d)
			var ie *InputError
			assert.True(t, errors.As(err, &ie), "%T %v", err, err)
			assert.Contains(t, err.Error(), tt.msg)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
}

// TestParseAccepts: inputs that are not whole dumps but carry sections (ParseLenient, which the
// commands call, reads a section saved on its own).
func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name, in string
		kinds    []SectionKind
	}{
		{"one section on its own", `{"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": []}`, []SectionKind{L}},
		{"a bare bootstrap", `{"bootstrap": {"node": {"id": "x"}}}`, []SectionKind{B}},
		{"no sections", `{"configs": []}`, nil},
		{"map form", `{"configs": {"clusters": {"staticClusters": []}, "listeners": {}}}`, []SectionKind{C, L}},
		{"unknown section", `{"configs": [{"@type": "type.googleapis.com/acme.admin.v1.TelemetryConfigDump", "x": 1}]}`, []SectionKind{SectionUnknown}},
		{"members before configs", `{"comment": {"big": [1, 2, 3]}, "configs": [{"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump"}]}`, []SectionKind{R}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseLenient([]byte(tt.in))
			require.NoError(t, err)
			var kinds []SectionKind
			for _, s := range d.AllSections() {
				kinds = append(kinds, s.Kind)
			}
			assert.Equal(t, tt.kinds, kinds)
		})
	}
	d, err := Parse([]byte(`{"configs": [{"@type": "type.googleapis.com/acme.admin.v1.TelemetryConfigDump"}]}`))
	require.NoError(t, err)
	d.AllSections()
	assert.Equal(t, []string{`config dump section "type.googleapis.com/acme.admin.v1.TelemetryConfigDump" is not known to xdsctl; it is kept in -o json/yaml of 'all'`}, d.Warnings.List())
}

// TestParseTruncated cuts a real dump at many places: Parse keeps the sections that are complete
// and says where the input ends, or fails with one line when no section is complete.
func TestParseTruncated(t *testing.T) {
	data := readShared(t, "synthetic", "template-sidecar.json")
	full, err := Parse(data)
	require.NoError(t, err)
	all := full.AllSections()
	require.Len(t, all, 7)
	ends := make([]int, len(all)) // where each section ends in data
	for i, s := range all {
		ends[i] = s.Value.Offset() + len(s.Value.Raw())
	}
	for _, n := range []int{ends[0] - 1, ends[0] + 1, ends[1] + 2, ends[3] - 100, ends[3] + 5, ends[6] - 1, len(data) - 3} {
		cut := data[:n]
		complete := 0
		for _, e := range ends {
			if e <= n {
				complete++
			}
		}
		d, err := Parse(cut)
		if complete == 0 {
			require.Error(t, err, "cut at %d", n)
			assert.Contains(t, err.Error(), "input is truncated")
			assert.Contains(t, err.Error(), "no complete section to show")
			continue
		}
		require.NoError(t, err, "cut at %d", n)
		assert.Contains(t, d.Partial, "input is truncated: JSON ends early at byte", "cut at %d", n)
		assert.Len(t, d.AllSections(), complete, "cut at %d", n)
		_, hasListeners := d.Section(SectionListeners)
		assert.Equal(t, complete >= 4, hasListeners)
	}
}

// TestParseLazy: a view that asks for one section reads no further, and a dump whose later part is
// broken still serves the sections before it, with a warning once the break is met.
func TestParseLazy(t *testing.T) {
	data := readShared(t, "synthetic", "template-sidecar.json")
	d, err := Parse(data)
	require.NoError(t, err)
	_, ok := d.Section(SectionClusters)
	require.True(t, ok)
	assert.Len(t, d.sections, 2, "bootstrap and clusters read, nothing after")
	assert.NotNil(t, d.r)

	// break the listeners section (the document still ends like one)
	i := bytes.Index(data, []byte(`"dynamic_listeners": [`))
	require.Positive(t, i)
	i += len(`"dynamic_listeners": [`)
	broken := append(append(append([]byte(nil), data[:i]...), '}'), data[i:]...)
	d, err = Parse(broken)
	require.NoError(t, err)
	_, ok = d.Section(SectionClusters)
	assert.True(t, ok)
	assert.Empty(t, d.Warnings.List())
	_, ok = d.Section(SectionListeners)
	assert.False(t, ok)
	require.Len(t, d.Warnings.List(), 1)
	assert.Contains(t, d.Warnings.List()[0], "input is not valid JSON")
	assert.Contains(t, d.Warnings.List()[0], "showing the 3 complete section(s)")
}

// TestPassed: a view looking for one section hands over the sections it reads past, as they are
// in the input (a caller lets a mapped file's pages go); reading everything hands over none, and
// a section handed over still reads the same.
func TestPassed(t *testing.T) {
	data := readShared(t, "synthetic", "template-sidecar.json")
	d, err := Parse(data)
	require.NoError(t, err)
	var passed [][]byte
	d.Passed = func(b []byte) { passed = append(passed, b) }
	_, ok := d.Section(SectionListeners)
	require.True(t, ok)
	require.Len(t, passed, 3, "bootstrap, clusters and endpoints read past")
	boot, ok := d.Section(SectionBootstrap)
	require.True(t, ok)
	assert.Equal(t, string(passed[0]), string(boot.Raw()), "the bytes of the section")
	at := bytes.Index(data, passed[1])
	assert.Positive(t, at, "a slice of the input")
	assert.Contains(t, string(passed[1]), "ClustersConfigDump")
	assert.Contains(t, string(passed[2]), "EndpointsConfigDump")
	cs, err := d.Clusters()
	require.NoError(t, err)
	assert.NotEmpty(t, cs, "a section read past is still read")

	passed = nil
	d.AllSections()
	assert.Empty(t, passed, "reading every section is not reading past any")
}

func TestEndsLikeDocument(t *testing.T) {
	for in, want := range map[string]bool{
		"{\n \"a\": 1\n}\n":             true,
		`{"a":{"b":1}}`:                 true,
		"{\n \"a\": {\n  \"b\": 1\n  }": false, // cut after an indented }
		"{\n \"a\": 1\n}":               true,
		"{\n \"a\": [\n  1,":            false,
		"{}":                            true,
		"":                              false,
		"  }  ":                         false,
	} {
		assert.Equal(t, want, endsLikeDocument([]byte(in)), "%q", in)
	}
}

// TestClusterTypes: each cluster's discovery type, as Clusters reads it, without the rest.
func TestClusterTypes(t *testing.T) {
	d, err := Parse(readShared(t, "synthetic", "template-sidecar.json"))
	require.NoError(t, err)
	types, err := d.ClusterTypes()
	require.NoError(t, err)
	cs, err := d.Clusters()
	require.NoError(t, err)
	require.Len(t, types, len(cs))
	kinds := map[string]bool{}
	for _, c := range cs {
		assert.Equal(t, c.Type, types[c.Name], c.Name)
		kinds[c.Type] = true
	}
	assert.True(t, kinds["EDS"] && kinds["STATIC"], "both kinds are in the dump: %v", kinds)
}
