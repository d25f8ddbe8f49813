package decode

import (
	"fmt"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

const (
	cdsURL = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	ldsURL = "type.googleapis.com/envoy.config.listener.v3.Listener"
	rdsURL = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	edsURL = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

func gx(url, name string, cs statusv3.ConfigStatus, cl adminv3.ClientResourceStatus) *statusv3.ClientConfig_GenericXdsConfig {
	return &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: url, Name: name, ConfigStatus: cs, ClientStatus: cl}
}

func TestResourceFromGeneric(t *testing.T) {
	nack := &adminv3.UpdateFailureState{Details: "unexpected lbPolicy\nMAGLEV", VersionInfo: "v2"}
	tests := []struct {
		name      string
		g         *statusv3.ClientConfig_GenericXdsConfig
		want      status.State
		wantErr   string
		sent, ack string
	}{
		{"control plane synced", &statusv3.ClientConfig_GenericXdsConfig{ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v1"}, status.StateSynced, "", "v1", "v1"},
		{"control plane stale", &statusv3.ClientConfig_GenericXdsConfig{ConfigStatus: statusv3.ConfigStatus_STALE, VersionInfo: "v2"}, status.StateStale, "", "v2", ""},
		{"control plane not sent", gx("", "", statusv3.ConfigStatus_NOT_SENT, 0), status.StateNotSent, "", "", ""},
		{"control plane error without details", gx("", "", statusv3.ConfigStatus_ERROR, 0), status.StateError, "rejected (no details)", "", ""},
		{"control plane unknown is ignored", gx("", "", statusv3.ConfigStatus_UNKNOWN, 0), status.StateIgnored, "", "", ""},
		{"client acked", &statusv3.ClientConfig_GenericXdsConfig{ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3"}, status.StateSynced, "", "3", "3"},
		{"client nacked keeps accepted and rejected versions", &statusv3.ClientConfig_GenericXdsConfig{ClientStatus: adminv3.ClientResourceStatus_NACKED, VersionInfo: "v1", ErrorState: nack}, status.StateError, "unexpected lbPolicy MAGLEV", "v2", "v1"},
		{"client received error", gx("", "", 0, adminv3.ClientResourceStatus_RECEIVED_ERROR), status.StateError, "rejected (no details)", "", ""},
		{"client requested", gx("", "", 0, adminv3.ClientResourceStatus_REQUESTED), status.StateNotSent, "", "", ""},
		{"client does not exist", gx("", "", 0, adminv3.ClientResourceStatus_DOES_NOT_EXIST), status.StateNotSent, "", "", ""},
		{"client timeout", gx("", "", 0, adminv3.ClientResourceStatus_TIMEOUT), status.StateNotSent, "", "", ""},
		{"client nack beats control plane synced", gx("", "", statusv3.ConfigStatus_SYNCED, adminv3.ClientResourceStatus_NACKED), status.StateError, "rejected (no details)", "", ""},
		{"control plane status beats client status", gx("", "", statusv3.ConfigStatus_STALE, adminv3.ClientResourceStatus_ACKED), status.StateStale, "", "", ""},
		{"only error_state", &statusv3.ClientConfig_GenericXdsConfig{ErrorState: nack}, status.StateError, "unexpected lbPolicy MAGLEV", "v2", ""},
		{"only a version", &statusv3.ClientConfig_GenericXdsConfig{VersionInfo: "7"}, status.StateSynced, "", "", "7"},
		{"acked with old error_state is synced", &statusv3.ClientConfig_GenericXdsConfig{ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "v3", ErrorState: nack}, status.StateSynced, "unexpected lbPolicy MAGLEV", "v2", "v3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, sent, acked := resourceFromGeneric(genericOf(t, tt.g))
			assert.Equal(t, tt.want, r.State)
			assert.Equal(t, tt.wantErr, r.Error)
			assert.Equal(t, tt.sent, sent, "sent")
			assert.Equal(t, tt.ack, acked, "acked")
		})
	}
}

func meta(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	require.NoError(t, err)
	return s
}

func TestFromClientConfig(t *testing.T) {
	t.Run("per resource, like gRPC's admin CSDS", func(t *testing.T) {
		cc := &statusv3.ClientConfig{
			Node: &corev3.Node{Id: "grpc-client-1", Cluster: "edge", UserAgentName: "gRPC Go", UserAgentVersionType: &corev3.Node_UserAgentVersion{UserAgentVersion: "1.85.0"}},
			GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
				{TypeUrl: ldsURL, Name: "svc", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "1", LastUpdated: timestamppb.New(t0.Add(-time.Minute))},
				{TypeUrl: rdsURL, Name: "route", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "1", LastUpdated: timestamppb.New(t0.Add(-time.Minute))},
				{TypeUrl: cdsURL, Name: "b", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "1", LastUpdated: timestamppb.New(t0.Add(-2 * time.Minute))},
				{TypeUrl: cdsURL, Name: "a", ClientStatus: adminv3.ClientResourceStatus_NACKED, VersionInfo: "1", LastUpdated: timestamppb.New(t0.Add(-30 * time.Second)),
					ErrorState: &adminv3.UpdateFailureState{Details: "unexpected lbPolicy MAGLEV", VersionInfo: "2"}},
				{TypeUrl: edsURL, Name: "b", ClientStatus: adminv3.ClientResourceStatus_REQUESTED},
			},
		}
		p := fromCC(t, cc)
		assert.Equal(t, "grpc-client-1", p.Name)
		assert.Equal(t, "edge", p.Cluster)
		assert.Equal(t, "gRPC Go 1.85.0", p.Version)
		assert.Empty(t, p.Namespace)
		cds, ok := p.Type("CDS")
		require.True(t, ok)
		assert.Equal(t, status.StateError, cds.State)
		assert.Equal(t, "a: unexpected lbPolicy MAGLEV", cds.Error)
		assert.Equal(t, t0.Add(-30*time.Second), cds.LastUpdated, "age of the erroring resource")
		assert.Equal(t, "2", cds.VersionSent)
		assert.Equal(t, "1", cds.VersionAcked)
		require.Len(t, cds.Resources, 2)
		assert.Equal(t, "a", cds.Resources[0].Name, "resources sorted by name")
		assert.Equal(t, "NACKED", cds.Resources[0].ClientStatus)
		eds, _ := p.Type("EDS")
		assert.Equal(t, status.StateNotSent, eds.State)
		ecds, _ := p.Type("ECDS")
		assert.Equal(t, status.StateIgnored, ecds.State, "never subscribed")
		var names []string
		for _, ty := range p.Types {
			names = append(names, ty.Type)
		}
		assert.Equal(t, []string{"CDS", "LDS", "EDS", "RDS", "ECDS"}, names)
	})
	t.Run("versions: the summary entry tells the type's, accepted siblings of a rejected resource do not", func(t *testing.T) {
		nack := &adminv3.UpdateFailureState{Details: "Error adding/updating cluster(s) backend: bad", VersionInfo: "v3"}
		withSummary := &statusv3.ClientConfig{
			Node: &corev3.Node{Id: "sidecar-1"},
			GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
				// the bundled control plane: v3 was NACKed because of backend; greeter of the same response was accepted
				{TypeUrl: cdsURL, ConfigStatus: statusv3.ConfigStatus_ERROR, VersionInfo: "v3", ErrorState: nack},
				{TypeUrl: cdsURL, Name: "backend", ConfigStatus: statusv3.ConfigStatus_ERROR, VersionInfo: "v3", ErrorState: nack},
				{TypeUrl: cdsURL, Name: "greeter", ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v3"},
				// held ACKs: v4 sent, no answer; over delta, resources carry their own versions
				{TypeUrl: edsURL, ConfigStatus: statusv3.ConfigStatus_STALE, VersionInfo: "v4"},
				{TypeUrl: edsURL, Name: "backend", ConfigStatus: statusv3.ConfigStatus_STALE, VersionInfo: "hash-b"},
				{TypeUrl: edsURL, Name: "greeter", ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "hash-g"},
				{TypeUrl: ldsURL, ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v4"},
				{TypeUrl: ldsURL, Name: "http", ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "hash-l"},
			},
		}
		p := fromCC(t, withSummary)
		versions := func(short string) [2]string {
			ty, ok := p.Type(short)
			require.True(t, ok)
			return [2]string{ty.VersionSent, ty.VersionAcked}
		}
		assert.Equal(t, [2]string{"v3", ""}, versions("CDS"), "v3 was rejected; CSDS does not say which version the proxy holds")
		assert.Equal(t, [2]string{"v4", ""}, versions("EDS"))
		assert.Equal(t, [2]string{"v4", "v4"}, versions("LDS"))

		// without a summary, the resources that decide the state tell the versions
		withSummary.GenericXdsConfigs = []*statusv3.ClientConfig_GenericXdsConfig{withSummary.GenericXdsConfigs[1], withSummary.GenericXdsConfigs[2]}
		p = fromCC(t, withSummary)
		assert.Equal(t, [2]string{"v3", ""}, versions("CDS"), "greeter's acceptance is not the type's")
	})
	t.Run("istio node metadata and an extra type", func(t *testing.T) {
		cc := &statusv3.ClientConfig{
			Node: &corev3.Node{Id: "sidecar~10.0.0.1~reviews-v1-abc.bookinfo~bookinfo.svc.cluster.local", Metadata: meta(t, map[string]any{
				"CLUSTER_ID": "Kubernetes", "ISTIO_VERSION": "1.28.0", "LABELS": map[string]any{"app": "reviews", "version": "v1"},
			})},
			GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
				{TypeUrl: "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", ConfigStatus: statusv3.ConfigStatus_SYNCED},
				{TypeUrl: "type.googleapis.com/envoy.api.v2.Cluster", ConfigStatus: statusv3.ConfigStatus_STALE},
			},
		}
		p := fromCC(t, cc)
		assert.Equal(t, "bookinfo", p.Namespace)
		assert.Equal(t, "Kubernetes", p.Cluster)
		assert.Equal(t, "1.28.0", p.Version)
		assert.Equal(t, map[string]string{"app": "reviews", "version": "v1"}, p.Labels)
		cds, _ := p.Type("CDS")
		assert.Equal(t, status.StateStale, cds.State)
		assert.Equal(t, "type.googleapis.com/envoy.api.v2.Cluster", cds.TypeURL)
		require.Len(t, p.Types, 6)
		assert.Equal(t, "SDS", p.Types[5].Type)
		assert.Nil(t, cds.Resources, "per-type entries carry no resource list")
	})
	t.Run("legacy xds_config per type", func(t *testing.T) {
		cc := &statusv3.ClientConfig{
			Node: &corev3.Node{Id: "old", Metadata: meta(t, map[string]any{"NAMESPACE": "legacy"})},
			XdsConfig: []*statusv3.PerXdsConfig{
				{Status: statusv3.ConfigStatus_SYNCED, PerXdsConfig: &statusv3.PerXdsConfig_ClusterConfig{ClusterConfig: &adminv3.ClustersConfigDump{VersionInfo: "c1",
					DynamicActiveClusters: []*adminv3.ClustersConfigDump_DynamicCluster{{LastUpdated: timestamppb.New(t0.Add(-time.Hour))}}}}},
				{Status: statusv3.ConfigStatus_ERROR, PerXdsConfig: &statusv3.PerXdsConfig_ListenerConfig{ListenerConfig: &adminv3.ListenersConfigDump{VersionInfo: "l1",
					DynamicListeners: []*adminv3.ListenersConfigDump_DynamicListener{{Name: "l", ErrorState: &adminv3.UpdateFailureState{Details: "bad listener"}}}}}},
				{Status: statusv3.ConfigStatus_NOT_SENT, PerXdsConfig: &statusv3.PerXdsConfig_RouteConfig{RouteConfig: &adminv3.RoutesConfigDump{}}},
				{ClientStatus: statusv3.ClientConfigStatus_CLIENT_ACKED, PerXdsConfig: &statusv3.PerXdsConfig_EndpointConfig{EndpointConfig: &adminv3.EndpointsConfigDump{}}},
			},
			// a generic entry for CDS takes precedence over the legacy one
			GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{{TypeUrl: cdsURL, ConfigStatus: statusv3.ConfigStatus_STALE}},
		}
		p := fromCC(t, cc)
		assert.Equal(t, "legacy", p.Namespace)
		got := map[string]status.State{}
		for _, ty := range p.Types {
			got[ty.Type] = ty.State
		}
		assert.Equal(t, map[string]status.State{"CDS": status.StateStale, "LDS": status.StateError, "RDS": status.StateNotSent, "EDS": status.StateSynced, "ECDS": status.StateIgnored}, got)
		lds, _ := p.Type("LDS")
		assert.Equal(t, "bad listener", lds.Error)
		assert.Equal(t, "l1", lds.VersionSent)
		assert.Empty(t, lds.VersionAcked)
	})
}

func TestFromClientStatus(t *testing.T) {
	resp := &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{
		{Node: &corev3.Node{Id: "b"}, GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{gx(cdsURL, "", statusv3.ConfigStatus_SYNCED, 0)}},
		{},
		{Node: &corev3.Node{Id: "a"}, GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{gx(cdsURL, "", statusv3.ConfigStatus_NOT_SENT, 0)}},
	}}
	r := fromResp(t, resp, "127.0.0.1:18000")
	require.Len(t, r.Proxies, 2)
	assert.Equal(t, "a", r.Proxies[0].Name, "sorted")
	assert.Equal(t, "127.0.0.1:18000", r.Proxies[1].ControlPlane)
	assert.Equal(t, []string{"client config 1 is empty"}, r.Warnings)
	assert.Equal(t, 1, status.CountUnsynced(r.Proxies))
}

func TestDecodeClientStatusJSON(t *testing.T) {
	// A gRPC-style CSDS answer carrying the resource itself (xds_config), one of a type xdsctl does not
	// know: it must not fail the decode.
	anyKnown, err := anypb.New(&statusv3.ClientStatusRequest{})
	require.NoError(t, err)
	resp := &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{{
		Node: &corev3.Node{Id: "n1"},
		GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
			{TypeUrl: cdsURL, Name: "c", ClientStatus: adminv3.ClientResourceStatus_ACKED, XdsConfig: anyKnown},
		},
	}}}
	b, err := protojson.Marshal(resp)
	require.NoError(t, err)
	withUnknown := []byte(`{"config":[{"node":{"id":"n2"},"generic_xds_configs":[{"type_url":"` + cdsURL + `","name":"x","client_status":"NACKED",` +
		`"xds_config":{"@type":"type.googleapis.com/acme.v9.Mystery","field":1},"error_state":{"details":"nope"}}]}]}`)
	tests := []struct {
		name  string
		in    []byte
		proxy string
		state status.State
		err   bool
	}{
		{"camelCase from protojson", b, "n1", status.StateSynced, false},
		{"snake_case with an unknown Any type", withUnknown, "n2", status.StateError, false},
		{"not json", []byte("{"), "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := DecodeClientStatusJSON(tt.in, "cp")
			if tt.err {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "decode CSDS response")
				return
			}
			require.NoError(t, err)
			require.Len(t, r.Proxies, 1)
			assert.Equal(t, tt.proxy, r.Proxies[0].Name)
			cds, _ := r.Proxies[0].Type("CDS")
			assert.Equal(t, tt.state, cds.State)
		})
	}
}

// TestNACKMessage: each distinct NACK message of a type is shown once.

// TestNACKColumnShowsAMessageOnce: through CSDS to the wide table's NACK column.
func TestNACKColumnShowsAMessageOnce(t *testing.T) {
	const envoy = "Error adding/updating cluster(s) backend: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"
	const envoyTwo = "Error adding/updating cluster(s) a, b: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"
	const grpcTwo = "error parsing \"ClusterResource\" response: resource \"a\": unexpected lbPolicy MAGLEV in response: name:\"a\"  lb_policy:MAGLEV;\nresource \"b\": unexpected lbPolicy RING_HASH in response: name:\"b\""
	failed := func(name, details string, cs statusv3.ConfigStatus) *statusv3.ClientConfig_GenericXdsConfig {
		return &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: cdsURL, Name: name, ConfigStatus: cs, VersionInfo: "v3",
			ErrorState: &adminv3.UpdateFailureState{Details: details, VersionInfo: "v3"}}
	}
	synced := &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: cdsURL, Name: "c", ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v3"}
	var ps []status.ProxyStatus
	for _, tt := range []struct {
		name string
		gs   []*statusv3.ClientConfig_GenericXdsConfig
		want []string
	}{
		{"the bundled control plane: the summary and the resource it blames", []*statusv3.ClientConfig_GenericXdsConfig{
			failed("", envoy, statusv3.ConfigStatus_ERROR), failed("backend", envoy, statusv3.ConfigStatus_ERROR), synced,
		}, []string{"CDS backend: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"}},
		{"per resource only: two resources rejected by one message", []*statusv3.ClientConfig_GenericXdsConfig{
			failed("a", envoyTwo, statusv3.ConfigStatus_ERROR), failed("b", envoyTwo, statusv3.ConfigStatus_ERROR), synced,
		}, []string{"CDS a: " + envoyTwo, "CDS b: " + envoyTwo}},
		{"a summary stringing two resources' messages together: the resource-named form", []*statusv3.ClientConfig_GenericXdsConfig{
			failed("", grpcTwo, statusv3.ConfigStatus_ERROR),
			failed("a", "unexpected lbPolicy MAGLEV in response: name:\"a\"  lb_policy:MAGLEV", statusv3.ConfigStatus_ERROR),
			failed("b", "unexpected lbPolicy RING_HASH in response: name:\"b\"", statusv3.ConfigStatus_ERROR), synced,
		}, []string{"CDS a: unexpected lbPolicy MAGLEV in response: name:\"a\"  lb_policy:MAGLEV", "CDS b: unexpected lbPolicy RING_HASH in response: name:\"b\""}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := fromCC(t, &statusv3.ClientConfig{Node: &corev3.Node{Id: "sidecar-1"}, GenericXdsConfigs: tt.gs})
			assert.Equal(t, tt.want, status.NACKLines(&p))
			_, rows := status.Table([]status.ProxyStatus{p}, status.TableOptions{Wide: true, Now: t0})
			require.Len(t, rows, len(tt.want), "one row, then one line per further rejected resource")
		})
		ps = append(ps, fromCC(t, &statusv3.ClientConfig{Node: &corev3.Node{Id: fmt.Sprintf("proxy-%d", len(ps)+1)}, GenericXdsConfigs: tt.gs}))
	}
	h, rows := status.Table(ps, status.TableOptions{Wide: true, Now: t0})
	assertGolden(t, render(h, rows), "table/nacks.wide")
}
