package grpcpeer

import (
	"testing"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
)

const cdsURL = "type.googleapis.com/envoy.config.cluster.v3.Cluster"

func client(entries ...*statusv3.ClientConfig_GenericXdsConfig) *statusv3.ClientStatusResponse {
	return &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{{GenericXdsConfigs: entries}}}
}

func cs(name string, st adminv3.ClientResourceStatus, details string) *statusv3.ClientConfig_GenericXdsConfig {
	g := &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: cdsURL, Name: name, ClientStatus: st}
	if details != "" {
		g.ErrorState = &adminv3.UpdateFailureState{Details: details}
	}
	return g
}

func ps(name string, st statusv3.ConfigStatus, details string) *statusv3.ClientConfig_GenericXdsConfig {
	g := &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: cdsURL, Name: name, ConfigStatus: st}
	if details != "" {
		g.ErrorState = &adminv3.UpdateFailureState{Details: details}
	}
	return g
}

func TestCompare(t *testing.T) {
	summary := &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: cdsURL, ConfigStatus: statusv3.ConfigStatus_ERROR}
	tests := []struct {
		name         string
		client, mine *statusv3.ClientStatusResponse
		want         []string
	}{
		{
			name:   "agree",
			client: client(cs("a", adminv3.ClientResourceStatus_ACKED, ""), cs("b", adminv3.ClientResourceStatus_NACKED, "bad"), cs("c", adminv3.ClientResourceStatus_REQUESTED, ""), cs("d", adminv3.ClientResourceStatus_DOES_NOT_EXIST, "")),
			mine:   client(summary, ps("a", statusv3.ConfigStatus_SYNCED, ""), ps("b", statusv3.ConfigStatus_ERROR, "bad"), ps("c", statusv3.ConfigStatus_NOT_SENT, ""), ps("d", statusv3.ConfigStatus_NOT_SENT, "")),
		},
		{
			name:   "ACKED but STALE",
			client: client(cs("a", adminv3.ClientResourceStatus_ACKED, "")),
			mine:   client(ps("a", statusv3.ConfigStatus_STALE, "")),
			want:   []string{"CDS a: the client says ACKED, the control plane says STALE (want SYNCED)"},
		},
		{
			name:   "different errors",
			client: client(cs("a", adminv3.ClientResourceStatus_NACKED, "x")),
			mine:   client(ps("a", statusv3.ConfigStatus_ERROR, "y")),
			want:   []string{`CDS a: the client's error "x", the control plane's "y"`},
		},
		{
			name:   "one side only",
			client: client(cs("a", adminv3.ClientResourceStatus_ACKED, "")),
			mine:   client(ps("b", statusv3.ConfigStatus_SYNCED, "")),
			want:   []string{"CDS a: the client says ACKED, the control plane has no entry", "CDS b: the control plane says SYNCED, the client has no entry"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Compare(tt.client, tt.mine))
		})
	}
}

func TestBootstrap(t *testing.T) {
	assert.JSONEq(t, `{"xds_servers":[{"server_uri":"127.0.0.1:1","channel_creds":[{"type":"insecure"}],"server_features":[]}],"node":{"id":"n","cluster":"grpc-proxyless","locality":{}}}`, Bootstrap("127.0.0.1:1", "n"))
}
