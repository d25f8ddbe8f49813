package decode

import (
	"testing"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/anypb"
)

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
