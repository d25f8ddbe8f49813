package configdiff

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
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// realDumps are every config dump in the shared testdata, and the JSON bootstraps (other admin
// output is left out).
func realDumps(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "dumps", "*", "*.json"))
	require.NoError(t, err)
	static, err := filepath.Glob(filepath.Join("..", "..", "testdata", "static", "*.json")) // bootstraps
	require.NoError(t, err)
	var out []string
	for _, f := range append(files, static...) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		if _, err := configdump.ParseInput(b); err == nil {
			out = append(out, f)
		}
	}
	require.Greater(t, len(out), 15, "the shared dumps are there")
	return out
}

// shuffle rewrites a JSON document the way nothing Envoy cares about changes: every object's
// members in reverse order, every set-like list (setFields, in either spelling) rotated by one and
// reversed, and every version_info, last_updated and nonce bumped.
func shuffle(t *testing.T, doc []byte) (out []byte, reordered int) {
	t.Helper()
	v, err := jsonscan.Parse(doc)
	require.NoError(t, err)
	var b bytes.Buffer
	shuffleValue(t, &b, v, "", &reordered)
	return b.Bytes(), reordered
}

func shuffleValue(t *testing.T, b *bytes.Buffer, v jsonscan.Value, key string, reordered *int) {
	switch v.Kind() {
	case jsonscan.Object:
		type kv struct {
			k string
			v jsonscan.Value
		}
		var ms []kv
		require.NoError(t, v.Fields(func(k []byte, val jsonscan.Value) bool {
			ms = append(ms, kv{string(k), val})
			return true
		}))
		b.WriteByte('{')
		for i := len(ms) - 1; i >= 0; i-- {
			if i < len(ms)-1 {
				b.WriteByte(',')
			}
			b.WriteString(`"` + ms[i].k + `":`)
			shuffleValue(t, b, ms[i].v, ms[i].k, reordered)
		}
		b.WriteByte('}')
	case jsonscan.Array:
		var items []jsonscan.Value
		require.NoError(t, v.Items(func(_ int, e jsonscan.Value) bool {
			items = append(items, e)
			return true
		}))
		if setFields[snakeCase(key)] && len(items) > 1 {
			*reordered++
			items = append(items[1:], items[0])
			for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
				items[i], items[j] = items[j], items[i]
			}
		}
		b.WriteByte('[')
		for i, e := range items {
			if i > 0 {
				b.WriteByte(',')
			}
			shuffleValue(t, b, e, "", reordered)
		}
		b.WriteByte(']')
	default:
		switch snakeCase(key) {
		case "version_info", "last_updated", "nonce":
			if v.Kind() == jsonscan.String {
				b.WriteString(`"2031-02-03T04:05:06.789Z-bumped"`)
				return
			}
		}
		b.Write(v.Raw())
	}
}

// TestSelfDiffAfterShuffle: each real dump diffed with itself reordered and re-versioned shows no
// difference, in any kind.
func TestSelfDiffAfterShuffle(t *testing.T) {
	total := 0
	for _, f := range realDumps(t) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			orig, err := os.ReadFile(f)
			require.NoError(t, err)
			sh, n := shuffle(t, orig)
			total += n
			require.NotEqual(t, string(orig), string(sh))
			r, err := Diff(Input{Name: "a", Dump: orig}, Input{Name: "b", Dump: sh}, DiffOptions{})
			require.NoError(t, err)
			assert.True(t, r.Equal, "%s", reportText(t, r))
			compared := 0
			for _, k := range r.Kinds {
				if k.Compared {
					compared += k.A
				}
			}
			assert.Positive(t, compared, "resources were compared")
		})
	}
	assert.Greater(t, total, 400, "set-like lists were reordered")
	t.Logf("%d set-like lists reordered", total)
}

func reportText(t *testing.T, r *Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b, WriteOptions{}))
	return b.String()
}

const template = "synthetic/template-sidecar.json"

// editDump decodes a dump, applies fn to its configs, and encodes it again.
func editDump(t *testing.T, doc []byte, fn func(configs []any)) []byte {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v))
	fn(v["configs"].([]any))
	out, err := json.Marshal(v)
	require.NoError(t, err)
	return out
}

func section(configs []any, suffix string) map[string]any {
	for _, c := range configs {
		m := c.(map[string]any)
		if strings.HasSuffix(m["@type"].(string), "."+suffix) {
			return m
		}
	}
	panic("no section " + suffix)
}

func m(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

// planted is the template with one change in each kind.
func planted(t *testing.T, orig []byte) []byte {
	t.Helper()
	return editDump(t, orig, func(cs []any) {
		boot := section(cs, "BootstrapConfigDump")
		m(boot, "bootstrap", "node").(map[string]any)["cluster"] = "planted"
		cl := m(section(cs, "ClustersConfigDump"), "dynamic_active_clusters", 0, "cluster").(map[string]any)
		cl["connect_timeout"] = "7s"
		ep := m(section(cs, "EndpointsConfigDump"), "dynamic_endpoint_configs", 0, "endpoint_config").(map[string]any)
		ep["policy"] = map[string]any{"overprovisioning_factor": 150}
		ls := section(cs, "ListenersConfigDump")["dynamic_listeners"].([]any)
		for _, l := range ls {
			if m(l, "name") == "virtualOutbound" {
				fc := m(l, "active_state", "listener", "filter_chains", 0).(map[string]any)
				fc["transport_socket_connect_timeout"] = "3s"
			}
		}
		rc := m(section(cs, "RoutesConfigDump"), "dynamic_route_configs", 3, "route_config").(map[string]any)
		vh := m(rc, "virtual_hosts", 0).(map[string]any)
		vh["domains"] = append(vh["domains"].([]any), "planted.example.com")
		sec := section(cs, "SecretsConfigDump")
		for _, e := range sec["dynamic_active_secrets"].([]any) {
			switch m(e, "name") {
			case "ROOTCA":
				m(e, "secret", "validation_context", "trusted_ca").(map[string]any)["inline_bytes"] = "cGxhbnRlZA=="
			case "default": // a new private key: redacted on both sides, so no difference
				m(e, "secret", "tls_certificate", "private_key").(map[string]any)["inline_bytes"] = "bmV3LWtleQ=="
			}
		}
		delete(sec, "dynamic_warming_secrets") // one removed
		clusters := section(cs, "ClustersConfigDump")
		var added map[string]any
		raw, _ := json.Marshal(m(clusters, "dynamic_active_clusters", 1))
		_ = json.Unmarshal(raw, &added)
		added["cluster"].(map[string]any)["name"] = "planted-new"
		clusters["dynamic_active_clusters"] = append(clusters["dynamic_active_clusters"].([]any), added) // one added
	})
}

// TestPlantedChanges: a change planted in each kind is reported with its exact path.
func TestPlantedChanges(t *testing.T) {
	orig := readShared(t, template)
	r, err := Diff(Input{Name: "before", Dump: orig}, Input{Name: "after", Dump: planted(t, orig)}, DiffOptions{})
	require.NoError(t, err)
	type got struct{ kind, name, change, paths string }
	var gs []got
	for _, c := range r.Changes {
		var ps []string
		for _, f := range c.Fields {
			ps = append(ps, f.Path)
		}
		gs = append(gs, got{c.KindName, c.Name, string(c.Change), strings.Join(ps, " ")})
	}
	assert.Equal(t, []got{
		{"bootstrap", "bootstrap", "changed", "node.cluster"},
		{"clusters", "outbound|9080||reviews.default.svc.cluster.local", "changed", "connect_timeout"},
		{"clusters", "planted-new", "added", ""},
		{"endpoints", "outbound|9080||reviews.default.svc.cluster.local", "changed", "policy.overprovisioning_factor"},
		{"listeners", "virtualOutbound", "changed", "filter_chains[name=virtualOutbound-blackhole].transport_socket_connect_timeout"},
		{"routes", "inbound-vip|9080|http|reviews-v3.default.svc.cluster.local", "changed", "virtual_hosts[name=inbound|http|9080].domains"},
		{"secrets", "ROOTCA", "changed", "validation_context.trusted_ca.inline_bytes"},
		{"secrets", "configmap://some/thing", "removed", ""},
	}, gs)
	assert.False(t, r.Equal)
	assert.Equal(t, "8 resources differ: 1 added, 1 removed, 6 changed", r.Summary())
	assert.NotContains(t, reportText(t, r), "bmV3LWtleQ==", "private keys never show")
	var b bytes.Buffer
	require.NoError(t, r.WriteText(&b, WriteOptions{}))
	assertGolden(t, b.Bytes(), "diff/planted.txt")
	b.Reset()
	require.NoError(t, r.WriteText(&b, WriteOptions{Color: true}))
	assertGolden(t, b.Bytes(), "diff/planted-color.txt")
	b.Reset()
	require.NoError(t, r.WriteStat(&b, WriteOptions{}))
	assertGolden(t, b.Bytes(), "diff/planted-stat.txt")
	j, err := json.MarshalIndent(r, "", "  ")
	require.NoError(t, err)
	assertGolden(t, append(j, '\n'), "diff/planted.json")
}

// TestPlantedExtension: an ECDS filter configuration change is reported at its path.
func TestPlantedExtension(t *testing.T) {
	orig := readShared(t, "istio/writer__envoy__configdump__ecds__configdump.json")
	changed := editDump(t, orig, func(cs []any) {
		e := m(section(cs, "EcdsConfigDump"), "ecds_filters", 0, "ecds_filter", "typed_config", "config", "vm_config").(map[string]any)
		e["runtime"] = "envoy.wasm.runtime.null"
	})
	r, err := Diff(Input{Name: "a", Dump: orig}, Input{Name: "b", Dump: changed}, DiffOptions{})
	require.NoError(t, err)
	require.Len(t, r.Changes, 1, reportText(t, r))
	c := r.Changes[0]
	assert.Equal(t, "extensions", c.KindName)
	assert.Equal(t, "default.httpbin-rate-limiting", c.Name)
	assert.Equal(t, []FieldChange{{Path: "typed_config.config.vm_config.runtime", Old: "envoy.wasm.runtime.v8", New: "envoy.wasm.runtime.null"}}, c.Fields)
}

// TestNormalizePodTwins: a real sidecar dump and its twin replica (another pod IP, IPv6 address and
// pod name; Istio names inbound listeners and clusters after the pod IP) differ, and compare equal
// with NormalizePod.
func TestNormalizePodTwins(t *testing.T) {
	tests := []struct {
		file      string
		ips       []string
		pod, twin string
	}{
		{"istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json",
			[]string{"172.30.150.216", "fe80::863:a7ff:fe55:26a9"}, "productpage-v1-7bbd79f8fd-k6j79", "productpage-v1-7bbd79f8fd-q4w2z"},
		{"bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json",
			[]string{"10.44.0.11"}, "productpage-v1-7d6cfb7dfd-ccspq", "productpage-v1-7d6cfb7dfd-x9x9x"},
		{"istio-history/pkg__test__framework__components__echo__common__testdata__config_dump@2020-07-22.json",
			[]string{"10.40.3.59", "fe80::7cf5:f9ff:fe8f:48bb"}, "a-6bb6dbdcc5-z58cx", "a-6bb6dbdcc5-b77bq"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			orig := readShared(t, tt.file)
			twin := bytes.ReplaceAll(orig, []byte(tt.pod), []byte(tt.twin))
			for i, ip := range tt.ips {
				other := []string{"10.99.99.7", "fe80::1:2:3:4"}[min(i, 1)]
				require.Contains(t, string(twin), ip)
				twin = bytes.ReplaceAll(twin, []byte(ip), []byte(other))
			}
			r, err := Diff(Input{Name: "a", Dump: orig}, Input{Name: "b", Dump: twin}, DiffOptions{})
			require.NoError(t, err)
			require.False(t, r.Equal)
			renamed := 0
			for _, c := range r.Changes {
				if c.Change == Added && strings.HasPrefix(c.Name, "10.99.99.7_") {
					renamed++
				}
			}
			assert.Positive(t, renamed, "inbound listeners are named after the pod IP")
			r, err = Diff(Input{Name: "a", Dump: orig}, Input{Name: "b", Dump: twin}, DiffOptions{NormalizePod: true})
			require.NoError(t, err)
			assert.True(t, r.Equal, reportText(t, r))
			assert.NotContains(t, strings.Join(r.Warnings, "\n"), "--normalize-pod", "both sides name their pod")
		})
	}
}

// TestTruncatedSide: a truncated dump is compared as far as it goes, with warnings; the kinds it
// lost are not compared (not reported as removed).
func TestTruncatedSide(t *testing.T) {
	orig := readShared(t, template)
	r, err := Diff(Input{Name: "a", Dump: orig}, Input{Name: "b", Dump: orig[:200000]}, DiffOptions{})
	require.NoError(t, err)
	assert.True(t, r.Equal, reportText(t, r))
	assert.Contains(t, r.Warnings, "b: input is truncated: JSON ends early at byte 200000 of 200000; showing the 3 complete section(s)")
	assert.Contains(t, r.Warnings, "secrets not compared: b has none")
}

// TestResourceTypeSpelledOrNot: older Envoys leave a resource's own @type out of the dump, newer
// ones write it; the same cluster compares equal either way (and a v2 spelling too).
func TestResourceTypeSpelledOrNot(t *testing.T) {
	dump := func(typ string) []byte {
		return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[` +
			`{"cluster":{` + typ + `"name":"c","connect_timeout":"1s"}}]}]}`)
	}
	for _, typ := range []string{`"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster",`, `"@type":"type.googleapis.com/envoy.api.v2.Cluster",`} {
		r, err := Diff(Input{Name: "old", Dump: dump("")}, Input{Name: "new", Dump: dump(typ)}, DiffOptions{})
		require.NoError(t, err)
		assert.True(t, r.Equal, "%s: %+v", typ, r.Changes)
	}
	r, err := Diff(Input{Name: "old", Dump: dump("")}, Input{Name: "new", Dump: dump(`"@type":"type.googleapis.com/envoy.config.listener.v3.Listener",`)}, DiffOptions{})
	require.NoError(t, err)
	assert.False(t, r.Equal, "another type is a change")
}

// TestChangeText: an added resource's Text is the new side's, a removed one's the old side's, a
// changed one has none (its Diff says what changed).
func TestChangeText(t *testing.T) {
	dump := func(clusters ...string) []byte {
		var items []string
		for _, c := range clusters {
			items = append(items, `{"cluster":{"name":"`+c+`","connect_timeout":"1s"}}`)
		}
		return []byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_active_clusters":[` +
			strings.Join(items, ",") + `]}]}`)
	}
	r, err := Diff(Input{Name: "old", Dump: dump("gone", "kept")}, Input{Name: "new", Dump: bytes.Replace(dump("kept", "new"), []byte(`"1s"`), []byte(`"2s"`), 1)}, DiffOptions{})
	require.NoError(t, err)
	require.Len(t, r.Changes, 3)
	text := map[string]string{}
	for i := range r.Changes {
		text[r.Changes[i].Name+" "+string(r.Changes[i].Change)] = r.Changes[i].Text()
	}
	assert.Equal(t, map[string]string{
		"gone removed": "\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: gone\nconnect_timeout: 1s\n",
		"kept changed": "",
		"new added":    "\"@type\": type.googleapis.com/envoy.config.cluster.v3.Cluster\nname: new\nconnect_timeout: 1s\n",
	}, text)
}
