package xdsres

import (
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

func TestLegacyWildcard(t *testing.T) {
	for typeURL, want := range map[string]bool{
		resource.ClusterType: true, resource.ListenerType: true,
		resource.EndpointType: false, resource.RouteType: false, resource.SecretType: false,
	} {
		assert.Equal(t, want, LegacyWildcard(typeURL), typeURL)
	}
	assert.Equal(t, "CDS", ShortName(resource.ClusterType))
	assert.Equal(t, "type.googleapis.com/x.Y", ShortName("type.googleapis.com/x.Y"))
}

func TestMarshalJSONIsStable(t *testing.T) {
	b, err := MarshalJSON(&clusterv3.Cluster{Name: "a", ConnectTimeout: nil})
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"name\": \"a\"\n}\n", string(b))
}

func secretAny(t *testing.T) *anypb.Any {
	a, err := anypb.New(&tlsv3.Secret{Name: "s", Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
		PrivateKey: &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: "KEY"}},
	}}})
	require.NoError(t, err)
	return a
}

func TestRedactSecret(t *testing.T) {
	out := RedactSecret(secretAny(t))
	s := &tlsv3.Secret{}
	require.NoError(t, out.UnmarshalTo(s))
	assert.Equal(t, "[redacted]", s.GetTlsCertificate().GetPrivateKey().GetInlineString())
	c, _ := anypb.New(&clusterv3.Cluster{Name: "c"})
	assert.Same(t, c, RedactSecret(c), "other types are returned as they are")
}

// TestDumpFromClientConfig: sections in Envoy's order, the per-type entry's version as the
// section's, errors as error_state, secrets redacted (also in failed_configuration).
func TestDumpFromClientConfig(t *testing.T) {
	at := timestamppb.New(time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC))
	c, _ := anypb.New(&clusterv3.Cluster{Name: "c"})
	cc := &statusv3.ClientConfig{GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
		{TypeUrl: resource.ClusterType, VersionInfo: "v2"},
		{TypeUrl: resource.ClusterType, Name: "c", VersionInfo: "v2", XdsConfig: c, LastUpdated: at, ErrorState: nil},
		{TypeUrl: resource.ClusterType, Name: "never-sent"},
		{TypeUrl: resource.SecretType, Name: "s", VersionInfo: "v1", XdsConfig: secretAny(t), LastUpdated: at},
	}}
	b, err := MarshalJSON(DumpFromClientConfig(cc).ConfigDump(false))
	require.NoError(t, err)
	got := string(b)
	assert.NotContains(t, got, "KEY")
	assert.NotContains(t, got, "never-sent")
	assert.NotContains(t, got, "EndpointsConfigDump")
	order := []string{"ClustersConfigDump", `"version_info": "v2"`, "ListenersConfigDump", "ScopedRoutesConfigDump", "RoutesConfigDump", "SecretsConfigDump", "[redacted]"}
	last := -1
	for _, s := range order {
		i := strings.Index(got, s)
		require.Greater(t, i, last, "%s out of order in\n%s", s, got)
		last = i
	}
	b, err = MarshalJSON(DumpFromClientConfig(cc).ConfigDump(true))
	require.NoError(t, err)
	assert.Contains(t, string(b), "EndpointsConfigDump")
}

// TestMarshalJSONAnyType: types the control plane does not link render from envoydesc's
// descriptors, and one nobody knows as its "@type" alone, instead of failing the whole dump.
func TestMarshalJSONAnyType(t *testing.T) {
	raw, err := proto.Marshal(&anypb.Any{TypeUrl: "x", Value: []byte("y")}) // any bytes will do for Empty
	require.NoError(t, err)
	ts := &corev3.TransportSocket{Name: "raw", ConfigType: &corev3.TransportSocket_TypedConfig{TypedConfig: &anypb.Any{
		TypeUrl: "type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}}}
	b, err := MarshalJSON(ts)
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"name\": \"raw\",\n  \"typed_config\": {\n    \"@type\": \"type.googleapis.com/envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer\"\n  }\n}\n", string(b))
	ts.GetTypedConfig().TypeUrl, ts.GetTypedConfig().Value = "type.googleapis.com/acme.Socket", raw
	b, err = MarshalJSON(ts)
	require.NoError(t, err)
	assert.Equal(t, "{\n  \"name\": \"raw\",\n  \"typed_config\": {\n    \"@type\": \"type.googleapis.com/acme.Socket\"\n  }\n}\n", string(b))
}
