package infer

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/status"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func readShared(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "dumps", rel))
	require.NoError(t, err)
	return b
}

func assertGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

// render is a status table as the goldens of package status hold it: cells joined by tabs.
func render(headers []string, rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(headers, "\t") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	return b.Bytes()
}

// TestInferredTable: an inferred status in the wide table (was in package status's TestTable).
func TestInferredTable(t *testing.T) {
	inferred := Infer(ProxyFacts{Name: "gw.edge", Namespace: "edge", Types: []TypeFacts{
		{Type: "CDS", Version: "3", Dynamic: 4, Warming: 2, LastUpdated: t0.Add(-time.Minute)},
		{Type: "LDS", Version: "3", Dynamic: 1, LastUpdated: t0.Add(-10 * time.Minute)},
	}})
	h, rows := status.Table([]status.ProxyStatus{inferred}, status.TableOptions{Wide: true, Now: t0})
	assertGolden(t, render(h, rows), "table/inferred.wide")
}

func TestFactsFromRealDumps(t *testing.T) {
	tests := []struct {
		file string
		name string
		want map[string]status.State
	}{
		// a waypoint: clusters, listeners and secrets from istiod; its routes are static
		{"istio/proxyconfig__config_dump.json", "", map[string]status.State{"CDS": status.StateSynced, "LDS": status.StateSynced, "EDS": status.StateSynced, "RDS": status.StateIgnored, "ECDS": status.StateIgnored, "SDS": status.StateSynced}},
		// a sidecar's listeners only
		{"istio/authz__configdump.json", "productpage.default", map[string]status.State{"CDS": status.StateIgnored, "LDS": status.StateSynced, "EDS": status.StateIgnored, "RDS": status.StateIgnored, "ECDS": status.StateIgnored}},
		// one secret warming
		{"istio/writer__envoy__configdump__secret__istio__config_dump.json", "gw.istio-system", map[string]status.State{"CDS": status.StateIgnored, "LDS": status.StateIgnored, "EDS": status.StateIgnored, "RDS": status.StateIgnored, "ECDS": status.StateIgnored, "SDS": status.StateStale}},
		{"istio/writer__envoy__configdump__ecds__configdump.json", "x.y", map[string]status.State{"CDS": status.StateIgnored, "LDS": status.StateIgnored, "EDS": status.StateIgnored, "RDS": status.StateIgnored, "ECDS": status.StateSynced}},
	}
	var all []status.ProxyStatus
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := FactsFromDump(readShared(t, tt.file), tt.name)
			require.NoError(t, err)
			p := Infer(f)
			assert.True(t, p.Inferred)
			got := map[string]status.State{}
			for _, ty := range p.Types {
				got[ty.Type] = ty.State
			}
			assert.Equal(t, tt.want, got)
			all = append(all, p)
		})
	}
	t.Run("waypoint identity", func(t *testing.T) {
		f, err := FactsFromDump(readShared(t, tests[0].file), "")
		require.NoError(t, err)
		assert.Equal(t, "httpbin-istio-waypoint-58f646c5ff-dbfkz.default", f.Name, "pod.namespace of an Istio node id")
		assert.Equal(t, "default", f.Namespace)
	})
	h, rows := status.Table(all, status.TableOptions{Wide: true, Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	assertGolden(t, render(h, rows), "table/inferred-real.wide")
}

func TestFactsErrorsAndWarming(t *testing.T) {
	dump := []byte(`{"configs":[
	 {"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"edge-1","cluster":"edge","metadata":{"LABELS":{"app":"edge"}}},
	   "dynamic_resources":{"cds_config":{"ads":{}},"lds_config":{"ads":{}},"ads_config":{"api_type":"GRPC","grpc_services":[{"envoy_grpc":{"cluster_name":"xds_cluster"}}]}}}},
	 {"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","version_info":"7","dynamic_active_clusters":[
	   {"version_info":"7","cluster":{"name":"a","type":"EDS","eds_cluster_config":{}},"last_updated":"2026-11-21T11:00:00Z"},
	   {"name":"bad","error_state":{"details":"unexpected lbPolicy\nMAGLEV","last_update_attempt":"2026-11-21T11:30:00Z"}}]},
	 {"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[
	   {"name":"l","warming_state":{"version_info":"3","listener":{"name":"l"},"last_updated":"2026-11-21T11:59:00Z"}}]}]}`)
	f, err := FactsFromDump(dump, "")
	require.NoError(t, err)
	assert.Equal(t, "edge-1", f.Name)
	assert.Equal(t, "edge", f.Cluster)
	assert.Equal(t, "xds_cluster", f.ControlPlane)
	assert.Equal(t, map[string]string{"app": "edge"}, f.Labels)
	p := Infer(f)
	cds, _ := p.Type("CDS")
	assert.Equal(t, status.StateError, cds.State)
	assert.Equal(t, "bad: unexpected lbPolicy MAGLEV", cds.Error)
	assert.Equal(t, time.Date(2026, 11, 21, 11, 30, 0, 0, time.UTC), cds.LastUpdated)
	lds, _ := p.Type("LDS")
	assert.Equal(t, status.StateStale, lds.State, "warming: received, not in effect")
	eds, _ := p.Type("EDS")
	assert.Equal(t, status.StateIgnored, eds.State, "an EDS cluster but a dump without ?include_eds: unknown")
	rds, _ := p.Type("RDS")
	assert.Equal(t, status.StateIgnored, rds.State)

	_, err = FactsFromDump([]byte(`{"resources":[]}`), "")
	require.Error(t, err)
}

func TestInfer(t *testing.T) {
	tests := []struct {
		name string
		in   TypeFacts
		want status.State
		err  string
	}{
		{"error_state", TypeFacts{Type: "CDS", Version: "2", Dynamic: 3, Errors: []string{"c1: bad\ncluster"}}, status.StateError, "c1: bad cluster"},
		{"warming", TypeFacts{Type: "LDS", Version: "2", Dynamic: 3, Warming: 1}, status.StateStale, ""},
		{"version only", TypeFacts{Type: "RDS", Version: "2"}, status.StateSynced, ""},
		{"dynamic without version", TypeFacts{Type: "EDS", Dynamic: 2}, status.StateSynced, ""},
		{"subscribed, nothing received", TypeFacts{Type: "CDS", Subscribed: Subscribed}, status.StateNotSent, ""},
		{"not subscribed", TypeFacts{Type: "CDS", Subscribed: NotSubscribed}, status.StateIgnored, ""},
		{"unknown subscription, nothing received", TypeFacts{Type: "CDS"}, status.StateIgnored, ""},
		{"type URL input", TypeFacts{Type: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", Version: "1"}, status.StateSynced, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Infer(ProxyFacts{Name: "p", Types: []TypeFacts{tt.in}})
			assert.True(t, p.Inferred)
			short := status.ShortType(tt.in.Type)
			got, ok := p.Type(short)
			require.True(t, ok, short)
			assert.Equal(t, tt.want, got.State)
			assert.Equal(t, tt.err, got.Error)
			assert.Equal(t, tt.in.Version, got.VersionAcked)
			assert.NotEmpty(t, got.TypeURL)
		})
	}
}

func FuzzFactsFromDump(f *testing.F) {
	f.Add([]byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"a~b~c.d~e","metadata":{"LABELS":{"x":1}}}}},` +
		`{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","dynamic_warming_clusters":[{"cluster":{"name":"c"},"error_state":{"details":"x"}}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if facts, err := FactsFromDump(b, ""); err == nil {
			p := Infer(facts)
			status.Table([]status.ProxyStatus{p}, status.TableOptions{Wide: true, Now: time.Unix(1e9, 0)})
		}
	})
}
