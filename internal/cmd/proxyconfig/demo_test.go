package proxyconfig

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoSections decodes the demo dump's configs by the last part of their @type.
func demoSections(t *testing.T) map[string]map[string]any {
	t.Helper()
	var dump struct {
		Configs []map[string]any `json:"configs"`
	}
	require.NoError(t, json.Unmarshal(demoConfigDump, &dump))
	out := map[string]map[string]any{}
	for _, c := range dump.Configs {
		typ, _ := c["@type"].(string)
		out[typ[strings.LastIndexByte(typ, '.')+1:]] = c
	}
	return out
}

func list(v any, keys ...string) []any {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	a, _ := v.([]any)
	return a
}

func str(v any, keys ...string) string {
	for _, k := range keys {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}

// walk calls fn for every object under v with the key it sits under.
func walk(v any, under string, fn func(under string, m map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		fn(under, t)
		for k, e := range t {
			walk(e, k, fn)
		}
	case []any:
		for _, e := range t {
			walk(e, under, fn)
		}
	}
}

// TestDemoDumpConsistent: the example proxy is one coherent sidecar. Every reference resolves
// (clusters, route configurations, secrets, ECDS filters), every cluster has its load assignment
// and /clusters entry, EDS clusters have endpoints, no certificate is expired or not yet valid,
// nothing is nameless, and no route row is there twice.
func TestDemoDumpConsistent(t *testing.T) {
	s := demoSections(t)
	names := func(section, group string, key ...string) map[string]bool {
		set := map[string]bool{}
		for _, e := range list(s[section], group) {
			n := str(e, key...)
			assert.NotEmpty(t, n, "a nameless entry in %s.%s", section, group)
			assert.False(t, set[n], "%s.%s has %q twice", section, group, n)
			set[n] = true
		}
		return set
	}
	clusters := names("ClustersConfigDump", "static_clusters", "cluster", "name")
	for n := range names("ClustersConfigDump", "dynamic_active_clusters", "cluster", "name") {
		clusters[n] = true
	}
	cla := names("EndpointsConfigDump", "static_endpoint_configs", "endpoint_config", "cluster_name")
	for n := range names("EndpointsConfigDump", "dynamic_endpoint_configs", "endpoint_config", "cluster_name") {
		cla[n] = true
	}
	routes := names("RoutesConfigDump", "dynamic_route_configs", "route_config", "name")
	secrets := names("SecretsConfigDump", "dynamic_active_secrets", "name")
	ecds := names("EcdsConfigDump", "ecds_filters", "ecds_filter", "name")
	listeners := names("ListenersConfigDump", "static_listeners", "listener", "name")
	for n := range names("ListenersConfigDump", "dynamic_listeners", "name") {
		listeners[n] = true
	}
	assert.Subset(t, keys(listeners), []string{"virtualOutbound", "virtualInbound", "0.0.0.0_15090", "0.0.0.0_15021", "0.0.0.0_9080"})
	assert.Subset(t, keys(clusters), []string{"BlackHoleCluster", "PassthroughCluster", "inbound|9080||", "xds-grpc", "sds-grpc", "agent", "prometheus_stats",
		"outbound|9080||reviews.default.svc.cluster.local", "outbound|9080||ratings.default.svc.cluster.local", "outbound|9080||details.default.svc.cluster.local"})
	assert.Equal(t, keys(clusters), keys(cla), "Envoy prints a load assignment for every cluster")
	assert.ElementsMatch(t, []string{"default", "ROOTCA"}, keys(secrets))

	// every reference resolves
	refs := 0
	check := func(kind, name string, set map[string]bool) {
		refs++
		assert.True(t, set[name], "%s %q is referenced but not in the dump", kind, name)
	}
	for _, sec := range []string{"BootstrapConfigDump", "ClustersConfigDump", "ListenersConfigDump", "RoutesConfigDump"} {
		walk(s[sec], "", func(under string, m map[string]any) {
			if c, ok := m["cluster"].(string); ok && under != "node" {
				check("cluster", c, clusters)
			}
			if c, ok := m["cluster_name"].(string); ok {
				check("cluster", c, clusters)
			}
			if under == "weighted_clusters" {
				for _, wc := range list(m, "clusters") {
					check("cluster", str(wc, "name"), clusters)
				}
			}
			if r, ok := m["route_config_name"].(string); ok {
				check("route configuration", r, routes)
			}
			if under == "tls_certificate_sds_secret_configs" || under == "validation_context_sds_secret_config" {
				check("secret", str(m, "name"), secrets)
			}
			if _, ok := m["config_discovery"]; ok {
				check("ECDS filter", str(m, "name"), ecds)
			}
		})
	}
	assert.Greater(t, refs, 50, "the walk found the references")

	// EDS clusters have endpoints; STATIC ones are STATIC, ORIGINAL_DST ones have none
	hosts := map[string]int{}
	for _, g := range []string{"static_endpoint_configs", "dynamic_endpoint_configs"} {
		for _, e := range list(s["EndpointsConfigDump"], g) {
			for _, loc := range list(e, "endpoint_config", "endpoints") {
				hosts[str(e, "endpoint_config", "cluster_name")] += len(list(loc, "lb_endpoints"))
			}
		}
	}
	for _, c := range list(s["ClustersConfigDump"], "dynamic_active_clusters") {
		name := str(c, "cluster", "name")
		switch str(c, "cluster", "type") {
		case "EDS":
			assert.Equal(t, name, str(c, "cluster", "eds_cluster_config", "service_name"))
			assert.Positive(t, hosts[name], "EDS cluster %q has no endpoints", name)
		case "STATIC":
			assert.Equal(t, "BlackHoleCluster", name)
		case "ORIGINAL_DST":
			assert.Zero(t, hosts[name], name)
		default:
			t.Errorf("cluster %q has type %q", name, str(c, "cluster", "type"))
		}
	}

	// /clusters?format=json knows the same clusters with the same hosts
	var admin struct {
		ClusterStatuses []struct {
			Name         string `json:"name"`
			HostStatuses []any  `json:"host_statuses"`
		} `json:"cluster_statuses"`
	}
	require.NoError(t, json.Unmarshal(demoClusters, &admin))
	adminNames := map[string]bool{}
	for _, c := range admin.ClusterStatuses {
		adminNames[c.Name] = true
		assert.Equal(t, hosts[c.Name], len(c.HostStatuses), "/clusters hosts of %q", c.Name)
	}
	assert.Equal(t, keys(clusters), keys(adminNames))

	// route configurations: named (only the bootstrap's inline ones are not: Istio writes them so),
	// and no row twice
	var unnamed []string
	rows := map[string]bool{}
	for _, g := range []string{"static_route_configs", "dynamic_route_configs"} {
		for _, rc := range list(s["RoutesConfigDump"], g) {
			name := str(rc, "route_config", "name")
			for _, vh := range list(rc, "route_config", "virtual_hosts") {
				assert.NotEmpty(t, str(vh, "name"), "a nameless virtual host in %q", name)
				if name == "" {
					unnamed = append(unnamed, str(list(vh, "routes")[0], "route", "cluster"))
				}
				for _, r := range list(vh, "routes") {
					m, _ := json.Marshal(r.(map[string]any)["match"])
					row := name + " " + str(vh, "name") + " " + string(m)
					assert.False(t, rows[row], "route row twice: %s", row)
					rows[row] = true
				}
			}
		}
	}
	assert.ElementsMatch(t, []string{"prometheus_stats", "agent"}, unnamed, "only the 15090 and 15021 listeners' inline routes are unnamed")

	// certificates are valid now and on the tests' pinned day
	certs := 0
	for _, sec := range list(s["SecretsConfigDump"], "dynamic_active_secrets") {
		b64 := str(sec, "secret", "tls_certificate", "certificate_chain", "inline_bytes") + str(sec, "secret", "validation_context", "trusted_ca", "inline_bytes")
		data, err := base64.StdEncoding.DecodeString(b64)
		require.NoError(t, err)
		for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
			c, err := x509.ParseCertificate(block.Bytes)
			require.NoError(t, err)
			certs++
			for _, at := range []time.Time{time.Now(), parityDay} {
				assert.True(t, at.After(c.NotBefore) && at.Before(c.NotAfter), "%s certificate %s not valid at %s (%s to %s)",
					str(sec, "name"), c.SerialNumber.Text(16), at, c.NotBefore, c.NotAfter)
			}
		}
		assert.NotContains(t, str(sec, "secret", "tls_certificate", "private_key", "inline_bytes")+str(sec, "secret", "tls_certificate", "private_key", "inline_string"), "PRIVATE KEY")
	}
	assert.Equal(t, 3, certs, "the workload certificate and root in default, the root in ROOTCA")

	// who the proxy is: a current Istio sidecar, the same Envoy build in the bootstrap and /server_info
	boot := s["BootstrapConfigDump"]
	assert.Regexp(t, `^1\.2\d\.\d+$`, str(boot, "bootstrap", "node", "metadata", "ISTIO_VERSION"))
	assert.True(t, strings.HasPrefix(str(boot, "bootstrap", "node", "id"), "sidecar~"))
	var info map[string]any
	require.NoError(t, json.Unmarshal(demoServerInfo, &info))
	assert.Equal(t, str(boot, "bootstrap", "node", "id"), str(info, "node", "id"))
	assert.Equal(t, "LIVE", str(info, "state"))
	_, build, _ := strings.Cut(str(info, "version"), "/")
	r := run(t, "bootstrap", "--demo", "-o", "short")
	require.NoError(t, r.err)
	assert.Contains(t, r.stdout, "Envoy Version:       "+build+"\n")
	assert.Regexp(t, `^1\.3\d\.\d+-dev/Clean/RELEASE/BoringSSL$`, build)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// demoTour is what `make demo` runs (hack/demo.sh), after the bootstrap's short summary.
var demoTour = [][]string{
	{"bootstrap", "--demo", "-o", "short"},
	{"listeners", "--demo", "--port", "9080"},
	{"routes", "--demo", "--name", "9080"},
	{"clusters", "--demo", "--fqdn", "reviews"},
	{"endpoints", "--demo", "--cluster", "outbound|9080||reviews.default.svc.cluster.local"},
}

// TestDemoTour: the tour's commands, as hack/demo.sh writes them, print this (testdata/demo/tour.golden),
// with nothing on stderr, in tables no wider than a 120-column terminal. (The secrets table is not in
// the tour: its columns are istioctl's, 131 and more wide.)
func TestDemoTour(t *testing.T) {
	script, err := os.ReadFile(filepath.Join("..", "..", "..", "hack", "demo.sh"))
	require.NoError(t, err)
	var out strings.Builder
	for _, args := range demoTour {
		shown := "xdsctl pc " + strings.Join(args, " ")
		shown = strings.Replace(shown, "outbound|9080||reviews.default.svc.cluster.local", "'outbound|9080||reviews.default.svc.cluster.local'", 1)
		assert.Contains(t, string(script), strings.TrimPrefix(shown, "xdsctl "), "hack/demo.sh runs %s", shown)
		r := run(t, args...)
		require.NoError(t, r.err, shown)
		assert.Empty(t, r.stderr, shown)
		fmt.Fprintf(&out, "$ %s\n%s\n", shown, r.stdout)
		for _, line := range strings.Split(r.stdout, "\n") {
			assert.LessOrEqual(t, len(strings.TrimRight(line, " ")), 120, "%s: %q", shown, line)
		}
	}
	assertGolden(t, out.String(), filepath.Join("demo", "tour"))
}
