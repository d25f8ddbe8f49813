package status

import (
	"testing"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/anypb"
)

func TestFactsFromRealDumps(t *testing.T) {
	tests := []struct {
		file string
		name string
		want map[string]State
	}{
		// a waypoint: clusters, listeners and secrets from istiod; its routes are static
		{"istio/proxyconfig__config_dump.json", "", map[string]State{"CDS": StateSynced, "LDS": StateSynced, "EDS": StateSynced, "RDS": StateIgnored, "ECDS": StateIgnored, "SDS": StateSynced}},
		// a sidecar's listeners only
		{"istio/authz__configdump.json", "productpage.default", map[string]State{"CDS": StateIgnored, "LDS": StateSynced, "EDS": StateIgnored, "RDS": StateIgnored, "ECDS": StateIgnored}},
		// one secret warming
		{"istio/writer__envoy__configdump__secret__istio__config_dump.json", "gw.istio-system", map[string]State{"CDS": StateIgnored, "LDS": StateIgnored, "EDS": StateIgnored, "RDS": StateIgnored, "ECDS": StateIgnored, "SDS": StateStale}},
		{"istio/writer__envoy__configdump__ecds__configdump.json", "x.y", map[string]State{"CDS": StateIgnored, "LDS": StateIgnored, "EDS": StateIgnored, "RDS": StateIgnored, "ECDS": StateSynced}},
	}
	var all []ProxyStatus
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			f, err := FactsFromDump(readShared(t, tt.file), tt.name)
			require.NoError(t, err)
			p := Infer(f)
			assert.True(t, p.Inferred)
			got := map[string]State{}
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
	h, rows := Table(all, TableOptions{Wide: true, Now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
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
	assert.Equal(t, StateError, cds.State)
	assert.Equal(t, "bad: unexpected lbPolicy MAGLEV", cds.Error)
	assert.Equal(t, time.Date(2026, 11, 21, 11, 30, 0, 0, time.UTC), cds.LastUpdated)
	lds, _ := p.Type("LDS")
	assert.Equal(t, StateStale, lds.State, "warming: received, not in effect")
	eds, _ := p.Type("EDS")
	assert.Equal(t, StateIgnored, eds.State, "an EDS cluster but a dump without ?include_eds: unknown")
	rds, _ := p.Type("RDS")
	assert.Equal(t, StateIgnored, rds.State)

	_, err = FactsFromDump([]byte(`{"resources":[]}`), "")
	require.Error(t, err)
}

func TestNodeResources(t *testing.T) {
	cl, err := anypb.New(&clusterv3.Cluster{Name: "a"})
	require.NoError(t, err)
	resp := &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{
		{Node: &corev3.Node{Id: "other"}},
		{Node: &corev3.Node{Id: "n1"}, GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
			{TypeUrl: cdsURL, ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v1"},
			{TypeUrl: cdsURL, Name: "a", ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v1", XdsConfig: cl},
			{TypeUrl: edsURL, Name: "a", ConfigStatus: statusv3.ConfigStatus_NOT_SENT},
			{TypeUrl: ldsURL, ClientStatus: adminv3.ClientResourceStatus_REQUESTED},
		}},
	}}
	nc, found, err := NodeResources(mustMarshal(t, resp), "n1")
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, []string{cdsURL, edsURL, ldsURL}, nc.TypesReported)
	require.Len(t, nc.Resources, 1)
	assert.Equal(t, "a", nc.Resources[0].Name)
	assert.Equal(t, "v1", nc.Resources[0].Version)
	assert.Equal(t, cl.GetValue(), nc.Resources[0].Config.Value)

	_, found, err = NodeResources(mustMarshal(t, resp), "missing")
	require.NoError(t, err)
	assert.False(t, found)

	j := []byte(`{"config":[{"node":{"id":"n1"},"genericXdsConfigs":[{"typeUrl":"` + cdsURL + `","name":"a","versionInfo":"v1","configStatus":"SYNCED","xdsConfig":{"@type":"` + cdsURL + `","name":"a"}}]}]}`)
	nc, found, err = NodeResourcesJSON(j, "n1")
	require.NoError(t, err)
	require.True(t, found)
	require.Len(t, nc.Resources, 1)
	assert.JSONEq(t, `{"@type":"`+cdsURL+`","name":"a"}`, string(nc.Resources[0].ConfigJSON))
	assert.Equal(t, []string{"n1"}, NodeIDs(j))
}
