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

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

// secretsInFixture are the secret values of testdata/inputs/secrets-*.json, in every place the
// fixtures hide one: a bootstrap's static secret, an upstream TLS context in a bootstrap cluster
// (inline bytes and a password), a static SDS secret, a generic secret, session ticket keys, a
// vendor filter Envoy does not know, an Envoy message nested in it, and a TypedStruct's Struct.
var secretsInFixture = []string{"BOOTSTRAPKEY", "VVBTVFJFQU1LRVk=", "UPSTREAMPASSWORD", "STATICSECRETKEY",
	"GENERICSECRET", "VElDS0VUS0VZMQ==", "VENDORKEY", "NESTEDKEY", "WASMPASSWORD"}

// notSecret must survive redaction: certificates, file names, other vendor data.
var notSecret = []string{"BOOTCERT", "STATICCERT", "/etc/certs/key.pem", "/etc/tickets/2", `"retries":3`, `"debug":true`}

func readInput(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "inputs", name))
	require.NoError(t, err)
	return data
}

// golden compares got with testdata/<name> (testutil.Golden).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name), got)
}

func indent(t *testing.T, compact []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.Indent(&b, compact, "", "  "))
	b.WriteByte('\n')
	return b.Bytes()
}

func TestNormalizeRedactsSecrets(t *testing.T) {
	for _, spelling := range []string{"snake", "camel"} {
		for _, show := range []bool{false, true} {
			name := "secrets-" + spelling
			if show {
				name += "-shown"
			}
			t.Run(name, func(t *testing.T) {
				w := NewWarnings()
				out, err := Normalize(readInput(t, "secrets-"+spelling+".json"), NormalizeOptions{ShowSecrets: show, Warnings: w})
				require.NoError(t, err)
				require.True(t, json.Valid(out), "%s", out)
				for _, s := range secretsInFixture {
					if show {
						assert.Contains(t, string(out), s)
					} else {
						assert.NotContains(t, string(out), s)
					}
				}
				for _, s := range notSecret {
					assert.Contains(t, string(out), s)
				}
				if !show {
					assert.Equal(t, len(secretsInFixture), strings.Count(string(out), Redacted), "one [redacted] per secret")
				}
				assert.Equal(t, []string{"type type.googleapis.com/acme.vendor.v1.Filter is not known to xdsctl; its content is shown as it came"}, w.List())
				golden(t, "normalize/"+name+".json.golden", indent(t, out))
			})
		}
	}
}

// TestNormalizeSpellings: a dump in camelCase normalizes to Envoy's snake_case names, the same
// bytes as the snake_case dump wherever the schema is known (the unknown vendor payload keeps
// its keys as written).
func TestNormalizeSpellings(t *testing.T) {
	snake, err := Normalize(readInput(t, "secrets-snake.json"), NormalizeOptions{})
	require.NoError(t, err)
	camel, err := Normalize(readInput(t, "secrets-camel.json"), NormalizeOptions{})
	require.NoError(t, err)
	// the one place they may differ: keys inside acme.vendor.v1.Filter, which have no schema
	vendor := func(out []byte) string {
		v := jsonscan.New(out)
		l := v.Get("configs").Index(2).Get("dynamic_listeners").Index(0).Get("active_state", "listener", "filter_chains").Index(0).Get("filters").Index(0)
		return string(l.Raw())
	}
	known := strings.Replace(string(camel), vendor(camel), "", 1)
	assert.Equal(t, strings.Replace(string(snake), vendor(snake), "", 1), known)
	assert.NotContains(t, known, "privateKey")
	assert.NotContains(t, known, "staticResources")
	assert.Contains(t, vendor(camel), `"privateKey":"[redacted]"`)
}

// TestNormalizeKeepsUnknownTypes: an Any of a type xdsctl does not know is kept member for
// member, with one warning per type however often it occurs.
func TestNormalizeKeepsUnknownTypes(t *testing.T) {
	in := []byte(`{"@type":"type.googleapis.com/envoy.config.listener.v3.Listener","name":"l",
	"listener_filters":[
	 {"name":"a","typed_config":{"@type":"type.googleapis.com/acme.v1.Inspector","threshold":{"value":2},"tags":["x","y"],"deep":{"a":{"b":null}}}},
	 {"name":"b","typed_config":{"@type":"type.googleapis.com/acme.v1.Inspector","threshold":{"value":3}}},
	 {"name":"c","typedConfig":{"@type":"type.googleapis.com/io.istio.Something","camelKey":1.50}}]}`)
	w := NewWarnings()
	out, err := Normalize(in, NormalizeOptions{Warnings: w})
	require.NoError(t, err)
	want := `{"@type":"type.googleapis.com/envoy.config.listener.v3.Listener","name":"l","listener_filters":[` +
		`{"name":"a","typed_config":{"@type":"type.googleapis.com/acme.v1.Inspector","threshold":{"value":2},"tags":["x","y"],"deep":{"a":{"b":null}}}},` +
		`{"name":"b","typed_config":{"@type":"type.googleapis.com/acme.v1.Inspector","threshold":{"value":3}}},` +
		`{"name":"c","typed_config":{"@type":"type.googleapis.com/io.istio.Something","camelKey":1.50}}]}`
	assert.Equal(t, want, string(out))
	assert.Equal(t, []string{
		"type type.googleapis.com/acme.v1.Inspector is not known to xdsctl; its content is shown as it came",
		"type type.googleapis.com/io.istio.Something is not known to xdsctl; its content is shown as it came",
	}, w.List())
}

func TestNormalizeKnownTypes(t *testing.T) {
	tests := []struct {
		name, typ, in, want string
	}{
		{"camel to snake, wrappers and durations as written", "envoy.config.cluster.v3.Cluster",
			`{"name":"c","connectTimeout":"1s","perConnectionBufferLimitBytes":{"value":1024},"lbPolicy":"ROUND_ROBIN"}`,
			`{"name":"c","connect_timeout":"1s","per_connection_buffer_limit_bytes":{"value":1024},"lb_policy":"ROUND_ROBIN"}`},
		{"maps keep their keys", "envoy.config.core.v3.Metadata",
			`{"filterMetadata":{"istio":{"config":"/apis/x","someKey":"v"}}}`,
			`{"filter_metadata":{"istio":{"config":"/apis/x","someKey":"v"}}}`},
		{"v2 resources use the v2 schema", "",
			`{"@type":"type.googleapis.com/envoy.api.v2.Cluster","name":"c","connectTimeout":"1s","hosts":[{"socketAddress":{"address":"a","portValue":1}}]}`,
			`{"@type":"type.googleapis.com/envoy.api.v2.Cluster","name":"c","connect_timeout":"1s","hosts":[{"socket_address":{"address":"a","port_value":1}}]}`},
		{"unknown members of a known message are kept", "envoy.config.cluster.v3.Cluster",
			`{"name":"c","fromTheFuture":{"x":1}}`,
			`{"name":"c","fromTheFuture":{"x":1}}`},
		{"a whole v2alpha dump, a resource without @type", "",
			`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v2alpha.ClustersConfigDump","versionInfo":"1","staticClusters":[{"cluster":{"name":"c","connectTimeout":"1s","hosts":[]}}]}]}`,
			`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v2alpha.ClustersConfigDump","version_info":"1","static_clusters":[{"cluster":{"name":"c","connect_timeout":"1s","hosts":[]}}]}]}`},
		{"a v3 dump, a resource without @type", "",
			`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamicListeners":[{"activeState":{"listener":{"name":"l","perConnectionBufferLimitBytes":1}}}]}]}`,
			`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"active_state":{"listener":{"name":"l","per_connection_buffer_limit_bytes":1}}}]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWarnings()
			out, err := Normalize([]byte(tt.in), NormalizeOptions{Type: tt.typ, Warnings: w})
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(out))
			assert.Empty(t, w.List())
		})
	}
}

func TestNormalizeSharedDumps(t *testing.T) {
	paths, err := filepath.Glob("../../testdata/dumps/*/*.json")
	require.NoError(t, err)
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			out, err := Normalize(data, NormalizeOptions{Warnings: NewWarnings()})
			require.NoError(t, err)
			require.True(t, json.Valid(out))
			// same content, names aside: as many strings, numbers and literals
			var a, b any
			require.NoError(t, json.Unmarshal(data, &a))
			require.NoError(t, json.Unmarshal(out, &b))
			assert.Equal(t, leaves(a), leaves(b))
		})
	}
}

// leaves counts the scalar values of a decoded JSON document, by their text.
func leaves(v any) map[string]int {
	out := map[string]int{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		default:
			b, _ := json.Marshal(x)
			if string(b) == `"`+Redacted+`"` || string(b) == `"W3JlZGFjdGVkXQ=="` { // ours, or Envoy's for bytes
				return
			}
			out[string(b)]++
		}
	}
	walk(v)
	return out
}
