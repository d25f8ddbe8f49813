package configdiff

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dumps", rel))
	require.NoError(t, err)
	return b
}

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

const (
	pairA = "istio/writer__compare__configdump.json"
	pairB = "istio/writer__compare__configdump_diff.json"
)

func text(t *testing.T, r *Result) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b, false))
	return b.String()
}

// TestRealPair compares istioctl's own proxy-status test pair: the differences are real (a port
// renamed, a field added, explicit zero wrappers) and nothing else may show.
func TestRealPair(t *testing.T) {
	r, err := Compare(readShared(t, pairA), readShared(t, pairB), Options{ControlPlane: "istiod-0", Proxy: "waypoint.default"})
	require.NoError(t, err)
	assert.False(t, r.Match())
	assert.Empty(t, r.Warnings)
	byKind := map[Kind]KindResult{}
	for _, k := range r.Kinds {
		byKind[k.Kind] = k
	}
	c := byKind[Clusters]
	assert.Equal(t, []string{"inbound-vip|9080|http|ratings.default.svc.cluster.local"}, c.OnlyControlPlane)
	assert.Equal(t, []string{"inbound-vip|9999|http|ratings.default.svc.cluster.local"}, c.OnlyProxy)
	assert.Empty(t, c.Differ)
	assert.False(t, byKind[Secrets].Compared, "neither side has secrets")
	assertGolden(t, []byte(text(t, r)), "compare/real-pair.txt")

	t.Run("each side against itself matches", func(t *testing.T) {
		for _, f := range []string{pairA, pairB} {
			r, err := Compare(readShared(t, f), readShared(t, f), Options{})
			require.NoError(t, err)
			assert.True(t, r.Match(), text(t, r))
		}
	})
}

// protoRoundTrip parses a dump with protojson and prints it again: camelCase keys, protojson's own
// key order and spellings (the shape a Go control plane produces).
func protoRoundTrip(t *testing.T, dump []byte, o protojson.MarshalOptions) []byte {
	t.Helper()
	var cd adminv3.ConfigDump
	require.NoError(t, protojson.UnmarshalOptions{Resolver: Types}.Unmarshal(dump, &cd))
	o.Resolver = Types
	out, err := o.Marshal(&cd)
	require.NoError(t, err)
	return out
}

// rewrite decodes JSON, applies fn to every object, and encodes it again (maps: sorted keys).
func rewrite(t *testing.T, dump []byte, fn func(m map[string]any)) []byte {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(dump))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v))
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			fn(x)
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return out
}

func reverse(a []any) {
	for i, j := 0, len(a)-1; i < j; i, j = i+1, j-1 {
		a[i], a[j] = a[j], a[i]
	}
}

// TestEquivalentCopiesMatch: copies that differ from the original only in ways Envoy ignores must
// Match (istio#21709: proxy-status must not show spurious diffs).
func TestEquivalentCopiesMatch(t *testing.T) {
	for _, f := range []string{pairA, pairB} {
		orig := readShared(t, f)
		copies := map[string][]byte{
			"camelCase from protojson":   protoRoundTrip(t, orig, protojson.MarshalOptions{}),
			"proto names from protojson": protoRoundTrip(t, orig, protojson.MarshalOptions{UseProtoNames: true}),
			"every default spelled out":  protoRoundTrip(t, orig, protojson.MarshalOptions{EmitUnpopulated: true}),
			"keys sorted":                rewrite(t, orig, func(map[string]any) {}),
			"versions and times changed": rewrite(t, orig, func(m map[string]any) {
				for _, k := range []string{"version_info", "last_updated"} {
					if _, ok := m[k]; ok {
						m[k] = "2030-01-01T00:00:00Z"
					}
				}
			}),
			"set-like lists reversed": rewrite(t, orig, func(m map[string]any) {
				for _, k := range []string{"virtual_hosts", "domains", "filter_chains", "server_names", "application_protocols", "source_prefix_ranges"} {
					if a, ok := m[k].([]any); ok {
						reverse(a)
					}
				}
			}),
			"v2 type URLs": rewrite(t, orig, func(m map[string]any) {
				if u, ok := m["@type"].(string); ok {
					for v3, v2 := range map[string]string{
						"envoy.config.cluster.v3.Cluster":                                                   "envoy.api.v2.Cluster",
						"envoy.config.listener.v3.Listener":                                                 "envoy.api.v2.Listener",
						"envoy.config.route.v3.RouteConfiguration":                                          "envoy.api.v2.RouteConfiguration",
						"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager": "envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager",
						"envoy.extensions.filters.http.router.v3.Router":                                    "envoy.config.filter.http.router.v2.Router",
						"xds.type.v3.TypedStruct":                                                           "udpa.type.v1.TypedStruct",
					} {
						m["@type"] = strings.Replace(u, v3, v2, 1)
						if m["@type"] != u {
							break
						}
					}
				}
			}),
			"durations with trailing zeros and numbers as strings": rewrite(t, orig, func(m map[string]any) {
				for k, v := range m {
					if s, ok := v.(string); ok && strings.HasSuffix(s, "s") && k == "connect_timeout" {
						m[k] = strings.TrimSuffix(s, "s") + ".000s"
					}
					if n, ok := v.(json.Number); ok && k == "port_value" {
						m[k] = n.String()
					}
				}
			}),
		}
		copies["everything at once"] = rewrite(t, copies["camelCase from protojson"], func(m map[string]any) {
			for _, k := range []string{"virtualHosts", "domains", "filterChains"} {
				if a, ok := m[k].([]any); ok {
					reverse(a)
				}
			}
		})
		for name, cp := range copies {
			t.Run(filepath.Base(f)+"/"+name, func(t *testing.T) {
				require.NotEqual(t, string(orig), string(cp), "the copy must differ textually")
				r, err := Compare(cp, orig, Options{})
				require.NoError(t, err)
				assert.True(t, r.Match(), text(t, r))
				r, err = Compare(orig, cp, Options{})
				require.NoError(t, err)
				assert.True(t, r.Match(), text(t, r))
			})
		}
	}
}

// TestOrderThatMattersStillDiffers: lists where Envoy uses the order must not be sorted away.
func TestOrderThatMattersStillDiffers(t *testing.T) {
	orig := readShared(t, pairA)
	tests := []struct {
		name string
		key  string
		kind Kind
	}{
		{"http filters", "http_filters", Listeners},
		{"listener filters", "listener_filters", Listeners},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			changed := false
			cp := rewrite(t, orig, func(m map[string]any) {
				if a, ok := m[tt.key].([]any); ok && len(a) > 1 {
					reverse(a)
					changed = true
				}
			})
			require.True(t, changed, "the dump has a %s list to reorder", tt.key)
			r, err := Compare(cp, orig, Options{})
			require.NoError(t, err)
			for _, k := range r.Kinds {
				if k.Kind == tt.kind {
					assert.False(t, k.Match, "reordered %s must differ", tt.key)
					assert.NotEmpty(t, k.Differ)
				}
			}
		})
	}
}

// sectionsOf marshals a JSON dump's sections to binary, as istiod sends them.
func sectionsOf(t *testing.T, dump []byte) []Section {
	t.Helper()
	var cd adminv3.ConfigDump
	require.NoError(t, protojson.UnmarshalOptions{Resolver: Types}.Unmarshal(dump, &cd))
	var out []Section
	for _, a := range cd.GetConfigs() {
		out = append(out, Section{TypeURL: a.GetTypeUrl(), Value: a.GetValue()})
	}
	return out
}

// TestFromBinarySections: istiod's binary answer, turned back into JSON, matches the proxy's dump.
func TestFromBinarySections(t *testing.T) {
	orig := readShared(t, pairA)
	d, err := DumpFromSections(append(sectionsOf(t, orig), Section{Value: []byte("Proxy not connected")}))
	require.NoError(t, err)
	assert.Empty(t, d.Opaque)
	assert.Empty(t, d.Warnings)
	r, err := Compare(d.Dump, orig, Options{Opaque: d.Opaque})
	require.NoError(t, err)
	assert.True(t, r.Match(), text(t, r))

	r, err = Compare(d.Dump, readShared(t, pairB), Options{Opaque: d.Opaque, ControlPlane: "istiod-0", Proxy: "waypoint.default"})
	require.NoError(t, err)
	assert.Equal(t, text(t, mustCompare(t, orig, readShared(t, pairB))), text(t, r), "binary and JSON control plane sides give the same report")
}

func mustCompare(t *testing.T, a, b []byte) *Result {
	t.Helper()
	r, err := Compare(a, b, Options{ControlPlane: "istiod-0", Proxy: "waypoint.default"})
	require.NoError(t, err)
	return r
}

// TestUnknownTypesAreOpaque: a payload of a type xdsctl does not know (a vendor's metadata exchange
// filter; Istio's own is in Envoy's contrib API, which xdsctl knows) cannot be decoded from the
// control plane's binary answer; it is compared by type only.
func TestUnknownTypesAreOpaque(t *testing.T) {
	const mx = "type.googleapis.com/acme.vendor.v1.MetadataExchange"
	withMX := rewrite(t, readShared(t, pairA), func(m map[string]any) {
		if tc, ok := m["typed_config"].(map[string]any); ok && strings.HasSuffix(tc["@type"].(string), "original_dst.v3.OriginalDst") {
			m["typed_config"] = map[string]any{"@type": mx, "protocol": "istio-peer-exchange"}
		}
	})
	// the binary form, as a control plane with that type would send it: the listener filter's Any
	// carries the unknown type URL and bytes xdsctl cannot decode
	secs := sectionsOf(t, readShared(t, pairA))
	for i, s := range secs {
		if !strings.HasSuffix(s.TypeURL, "ListenersConfigDump") {
			continue
		}
		var ld adminv3.ListenersConfigDump
		require.NoError(t, proto.Unmarshal(s.Value, &ld))
		replaced := 0
		setAny(ld.ProtoReflect(), func(a *anypb.Any) {
			if strings.HasSuffix(a.GetTypeUrl(), "original_dst.v3.OriginalDst") {
				a.TypeUrl, a.Value = mx, []byte{0x0a, 0x03, 'a', 'b', 'c'}
				replaced++
			}
		})
		require.Positive(t, replaced)
		b, err := proto.Marshal(&ld)
		require.NoError(t, err)
		secs[i].Value = b
	}
	d, err := DumpFromSections(secs)
	require.NoError(t, err)
	assert.Equal(t, []string{mx}, d.Opaque)
	r, err := Compare(d.Dump, withMX, Options{Opaque: d.Opaque})
	require.NoError(t, err)
	assert.True(t, r.Match(), text(t, r))
	assert.Contains(t, strings.Join(r.Warnings, "\n"), "payloads of type "+mx+" are compared by type only")
}

// TestSecretsRedacted: a control plane that shows a private key and a proxy that redacts it match,
// and the key never reaches the diff.
func TestSecretsRedacted(t *testing.T) {
	mk := func(key, chain string) []byte {
		return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump","dynamic_active_secrets":[{"name":"default","version_info":"1","secret":{` +
			`"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret","name":"default","tls_certificate":{"certificate_chain":{"inline_bytes":"` + chain + `"},"private_key":{"inline_bytes":"` + key + `"}}}}]}]}`)
	}
	r, err := Compare(mk("c2VjcmV0LWtleQ==", "Y2VydA=="), mk("W3JlZGFjdGVkXQ==", "Y2VydA=="), Options{})
	require.NoError(t, err)
	assert.True(t, r.Match(), text(t, r))
	r, err = Compare(mk("c2VjcmV0LWtleQ==", "Y2VydA=="), mk("W3JlZGFjdGVkXQ==", "b3RoZXI="), Options{})
	require.NoError(t, err)
	assert.False(t, r.Match())
	assert.NotContains(t, text(t, r), "c2VjcmV0LWtleQ==")
	assert.Contains(t, text(t, r), "Secrets Don't Match (1 differs)")
}

func TestWarmingIsNewest(t *testing.T) {
	cl := func(timeout string) string {
		return `{"cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c","connect_timeout":"` + timeout + `"}}`
	}
	cp := []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[` + cl("2s") + `]}]}`)
	proxy := []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[` + cl("1s") + `],"dynamic_warming_clusters":[` + cl("2s") + `]}]}`)
	r, err := Compare(cp, proxy, Options{Kinds: []Kind{Clusters}})
	require.NoError(t, err)
	assert.True(t, r.Match(), text(t, r))
}

func TestDefaults(t *testing.T) {
	cl := func(extra string) []byte {
		return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[{"cluster":` +
			`{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c"` + extra + `}}]}]}`)
	}
	tests := []struct {
		name, extra string
		match       bool
	}{
		{"plain bool at its default", `,"respect_dns_ttl":false`, true},
		{"enum default by name", `,"lb_policy":"ROUND_ROBIN"`, true},
		{"enum default by number", `,"lbPolicy":0`, true},
		{"empty list", `,"health_checks":[]`, true},
		{"empty map", `,"typed_extension_protocol_options":{}`, true},
		{"null message", `,"circuit_breakers":null`, true},
		{"wrapper set to zero is not unset", `,"per_connection_buffer_limit_bytes":0`, false},
		{"a set message is not unset", `,"circuit_breakers":{}`, false},
		{"enum other than the default", `,"lb_policy":"MAGLEV"`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(cl(""), cl(tt.extra), Options{Kinds: []Kind{Clusters}})
			require.NoError(t, err)
			assert.Equal(t, tt.match, r.Match(), text(t, r))
		})
	}
}

func TestBadInput(t *testing.T) {
	_, err := Compare([]byte(`{"configs":[]}`), []byte(`nope`), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read proxy: input is not JSON")
	_, err = Compare([]byte(`[]`), []byte(`{"configs":[]}`), Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "read control plane: ")
}

func TestNotCompared(t *testing.T) {
	r, err := Compare([]byte(`{"configs":[]}`), readShared(t, pairA), Options{})
	require.NoError(t, err)
	assert.True(t, r.Match())
	assert.Equal(t, "Clusters not compared: the control plane reported none\nListeners not compared: the control plane reported none\n"+
		"Routes not compared: the control plane reported none\nSecrets not compared: the control plane reported none\n", text(t, r))
}

func TestWriteTextColor(t *testing.T) {
	r, err := Compare(readShared(t, pairA), readShared(t, pairB), Options{Kinds: []Kind{Clusters}})
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b, true))
	assert.Contains(t, b.String(), "\x1b[31m-")
	assert.Contains(t, b.String(), "\x1b[32m+")
	assert.Contains(t, b.String(), "\x1b[36m@@")
}

// setAny calls fn for every Any in a message, nested Anys included (the generated anypb.Any at
// the top, dynamic google.protobuf.Any messages inside the dynamic types Types gives).
func setAny(m protoreflect.Message, fn func(*anypb.Any)) {
	if m.Descriptor().FullName() == "google.protobuf.Any" {
		fields := m.Descriptor().Fields()
		typeURL, value := fields.ByName("type_url"), fields.ByName("value")
		a := &anypb.Any{TypeUrl: m.Get(typeURL).String(), Value: m.Get(value).Bytes()}
		mt, err := Types.FindMessageByURL(a.GetTypeUrl())
		if err == nil {
			inner := mt.New().Interface()
			if proto.Unmarshal(a.GetValue(), inner) == nil {
				setAny(inner.ProtoReflect(), fn)
				a.Value, _ = proto.MarshalOptions{Deterministic: true}.Marshal(inner)
			}
		}
		fn(a)
		m.Set(typeURL, protoreflect.ValueOfString(a.TypeUrl))
		m.Set(value, protoreflect.ValueOfBytes(a.Value))
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			for i := 0; i < v.List().Len(); i++ {
				setAny(v.List().Get(i).Message(), fn)
			}
		case fd.IsMap() && fd.MapValue().Kind() == protoreflect.MessageKind:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				setAny(mv.Message(), fn)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Kind() == protoreflect.MessageKind:
			setAny(v.Message(), fn)
		}
		return true
	})
}

// TestWithoutSchema: with no Envoy API types at hand the comparison still runs, says so, and still
// ignores key order and set order.
func TestWithoutSchema(t *testing.T) {
	saved := Types
	Types = new(protoregistry.Types)
	defer func() { Types = saved }()
	orig := readShared(t, pairA)
	sorted := rewrite(t, orig, func(m map[string]any) {
		if a, ok := m["virtual_hosts"].([]any); ok {
			reverse(a)
		}
	})
	r, err := Compare(sorted, orig, Options{})
	require.NoError(t, err)
	assert.True(t, r.Match(), text(t, r))
	assert.Contains(t, r.Warnings, "xdsctl has no Envoy API schema linked: resources are compared as JSON, without unifying defaults and spellings")
}
