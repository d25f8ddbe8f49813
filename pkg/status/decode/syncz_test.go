package decode

import (
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestDecodeSynczJSONRecorded(t *testing.T) {
	r, err := DecodeSynczJSON(readShared(t, "istio/writer__pilot__multiXdsStatusSinglePilot.json"), "10.0.0.9:15012")
	require.NoError(t, err)
	assert.Empty(t, r.Warnings)
	require.Len(t, r.Proxies, 1)
	p := r.Proxies[0]
	assert.Equal(t, "proxy1", p.Name)
	assert.Equal(t, "cluster1", p.Cluster)
	assert.Equal(t, "1.20", p.Version)
	assert.Equal(t, "istiod1", p.ControlPlane, "from control_plane.identifier, not the fallback")
	assert.Equal(t, "1.1", p.ControlPlaneVersion)
	got := map[string]status.State{}
	for _, ty := range p.Types {
		got[ty.Type] = ty.State
	}
	assert.Equal(t, map[string]status.State{"CDS": status.StateStale, "LDS": status.StateSynced, "RDS": status.StateNotSent, "EDS": status.StateSynced, "ECDS": status.StateSynced}, got)
	assert.True(t, p.Unsynced())
}

func synczResponse(t testing.TB, identifier string, ccs ...*statusv3.ClientConfig) *discoveryv3.DiscoveryResponse {
	t.Helper()
	resp := &discoveryv3.DiscoveryResponse{TypeUrl: SynczTypeURL, ControlPlane: &corev3.ControlPlane{Identifier: identifier}}
	for _, cc := range ccs {
		a, err := anypb.New(cc)
		require.NoError(t, err)
		resp.Resources = append(resp.Resources, a)
	}
	return resp
}

func TestFromSyncz(t *testing.T) {
	cc := &statusv3.ClientConfig{
		Node: &corev3.Node{Id: "productpage-v1-123.bookinfo"},
		GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
			{TypeUrl: cdsURL, ConfigStatus: statusv3.ConfigStatus_SYNCED, LastUpdated: timestamppb.New(t0)},
		},
	}
	t.Run("identifier json", func(t *testing.T) {
		resp := synczResponse(t, `{"Component":"istiod","ID":"istiod-7d4-abc","Info":{"version":"1.28.1"}}`, cc)
		r, err := fromSynczResp(t, resp, "fallback")
		require.NoError(t, err)
		require.Len(t, r.Proxies, 1)
		assert.Equal(t, "istiod-7d4-abc", r.Proxies[0].ControlPlane)
		assert.Equal(t, "1.28.1", r.Proxies[0].ControlPlaneVersion)
		assert.Equal(t, "bookinfo", r.Proxies[0].Namespace, "pod.namespace node id")
	})
	t.Run("plain identifier", func(t *testing.T) {
		r, err := fromSynczResp(t, synczResponse(t, "cp-1", cc), "fallback")
		require.NoError(t, err)
		assert.Equal(t, "cp-1", r.Proxies[0].ControlPlane)
	})
	t.Run("no identifier uses the fallback", func(t *testing.T) {
		r, err := fromSynczResp(t, synczResponse(t, "", cc), "istiod-0:15010")
		require.NoError(t, err)
		assert.Equal(t, "istiod-0:15010", r.Proxies[0].ControlPlane)
	})
	t.Run("unexpected resource type is skipped with a warning", func(t *testing.T) {
		resp := synczResponse(t, "cp", cc)
		other, err := anypb.New(structpb.NewStringValue("x"))
		require.NoError(t, err)
		resp.Resources = append(resp.Resources, other, &anypb.Any{TypeUrl: clientConfigURL, Value: []byte{0xff, 0xff}})
		r, err := fromSynczResp(t, resp, "")
		require.NoError(t, err)
		assert.Len(t, r.Proxies, 1)
		require.Len(t, r.Warnings, 2)
		assert.Contains(t, r.Warnings[0], `skipped unexpected type "type.googleapis.com/google.protobuf.Value"`)
		assert.Contains(t, r.Warnings[1], "syncz resource 2")
	})
}

func TestDecodeSynczLegacyJSON(t *testing.T) {
	sent := time.Date(2026, 11, 21, 11, 59, 0, 0, time.UTC)
	tests := []struct {
		name  string
		body  string
		want  map[string]status.State
		nsErr string
		err   bool
	}{
		{
			name: "istio 1.2x SyncStatus with resources",
			body: `[{"cluster_id":"Kubernetes","proxy":"reviews-v1-x.bookinfo","proxy_type":"sidecar","istio_version":"1.22.0",` +
				`"resources":{"` + cdsURL + `":{"sent":"n2","acked":"n1","sentTime":"` + sent.Format(time.RFC3339) + `"},` +
				`"` + ldsURL + `":{"sent":"n3","acked":"n3"},` +
				`"` + rdsURL + `":{"sent":"n4","acked":"n3","lastError":"route rejected"}}}]`,
			want: map[string]status.State{"CDS": status.StateStale, "LDS": status.StateSynced, "RDS": status.StateError, "EDS": status.StateIgnored, "ECDS": status.StateIgnored},
		},
		{
			name: "older SyncStatus with nonces per type",
			body: `[{"proxy":"a.ns","istio_version":"1.9.0","cluster_sent":"1","cluster_acked":"1","listener_sent":"2","listener_acked":"1","route_sent":"","endpoint_sent":"5","endpoint_acked":"5"}]`,
			want: map[string]status.State{"CDS": status.StateSynced, "LDS": status.StateStale, "RDS": status.StateNotSent, "EDS": status.StateSynced, "ECDS": status.StateIgnored},
		},
		{
			name: "array of ClientConfig",
			body: `[{"node":{"id":"x.ns"},"genericXdsConfigs":[{"typeUrl":"` + cdsURL + `","configStatus":"ERROR"}]}]`,
			want: map[string]status.State{"CDS": status.StateError, "LDS": status.StateIgnored, "RDS": status.StateIgnored, "EDS": status.StateIgnored, "ECDS": status.StateIgnored},
		},
		{name: "not an array", body: `{"proxy":"x"}`, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeSynczLegacyJSON([]byte(tt.body), "istiod-0")
			if tt.err {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Len(t, r.Proxies, 1)
			got := map[string]status.State{}
			for _, ty := range r.Proxies[0].Types {
				got[ty.Type] = ty.State
			}
			assert.Equal(t, tt.want, got)
			assert.Equal(t, "istiod-0", r.Proxies[0].ControlPlane)
		})
	}
	t.Run("details of the resources shape", func(t *testing.T) {
		r, err := DecodeSynczLegacyJSON([]byte(tests[0].body), "istiod-0")
		require.NoError(t, err)
		p := r.Proxies[0]
		assert.Equal(t, "bookinfo", p.Namespace)
		assert.Equal(t, "Kubernetes", p.Cluster)
		cds, _ := p.Type("CDS")
		assert.Equal(t, sent, cds.LastUpdated)
		rds, _ := p.Type("RDS")
		assert.Equal(t, "route rejected", rds.Error)
	})
	t.Run("entries without a proxy id are warned about", func(t *testing.T) {
		r, err := DecodeSynczLegacyJSON([]byte(`[{"cluster_id":"x"}, 3]`), "cp")
		require.NoError(t, err)
		assert.Empty(t, r.Proxies)
		assert.Len(t, r.Warnings, 2)
	})
}

func TestNonceState(t *testing.T) {
	tests := []struct {
		name, sent, acked, lastErr string
		want                       status.State
	}{
		{"nothing sent", "", "", "", status.StateNotSent},
		{"acked the last send", "n5", "n5", "", status.StateSynced},
		{"sent, never acked", "n1", "", "", status.StateStale},
		{"acked an older nonce", "n6", "n5", "", status.StateStale},
		{"nack", "n6", "n5", "bad cluster", status.StateError},
		{"nack beats not sent", "", "", "bad", status.StateError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NonceState("CDS", tt.sent, tt.acked, tt.lastErr)
			assert.Equal(t, tt.want, got.State)
			assert.Equal(t, cdsURL, got.TypeURL)
		})
	}
}

func TestParseControlPlaneIdentifier(t *testing.T) {
	tests := []struct {
		in   string
		want ControlPlaneInfo
	}{
		{`{"Component":"istiod","ID":"istiod1","Info":{"version":"1.1"}}`, ControlPlaneInfo{ID: "istiod1", Component: "istiod", Version: "1.1"}},
		{`{"no":"id"}`, ControlPlaneInfo{ID: `{"no":"id"}`}},
		{"plain", ControlPlaneInfo{ID: "plain"}},
		{"", ControlPlaneInfo{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, ParseControlPlaneIdentifier(tt.in))
		})
	}
}
