package envoydesc

import (
	"testing"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
)

func TestFindMessage(t *testing.T) {
	tests := []struct {
		name   string
		want   bool
		fields []string // some fields the message must have
	}{
		{"envoy.config.cluster.v3.Cluster", true, []string{"name", "type", "transport_socket_matches"}},
		{"envoy.config.cluster.v3.Cluster.LbSubsetConfig", true, []string{"subset_selectors"}},
		{"envoy.admin.v3.ConfigDump", true, []string{"configs"}},
		{"envoy.admin.v2alpha.ConfigDump", true, []string{"configs"}},
		{"envoy.api.v2.Cluster", true, []string{"name", "hosts"}},
		{"envoy.config.filter.network.http_connection_manager.v2.HttpConnectionManager", true, []string{"rds"}},
		{"envoy.extensions.filters.http.wasm.v3.Wasm", true, []string{"config"}},
		{"envoy.extensions.wasm.v3.PluginConfig", true, []string{"vm_config"}},
		{"envoy.extensions.filters.http.golang.v3alpha.Config", true, []string{"library_id"}},
		{"envoy.extensions.transport_sockets.tls.v3.Secret", true, []string{"tls_certificate"}},
		{"udpa.type.v1.TypedStruct", true, []string{"type_url", "value"}},
		{"xds.type.v3.TypedStruct", true, []string{"type_url", "value"}},
		{"google.protobuf.Any", true, []string{"type_url"}},
		{"envoy.service.status.v3.ClientStatusResponse", true, []string{"config"}},
		{"istio.envoy.config.filter.http.alpn.v2alpha1.FilterConfig", true, []string{"alpn_override"}}, // contrib
		{"envoy.tcp.metadataexchange.config.MetadataExchange", true, []string{"protocol"}},             // contrib
		{"envoy.extensions.filters.network.mysql_proxy.v3.MySQLProxy", true, []string{"stat_prefix"}},  // contrib
		{"acme.vendor.v1.Filter", false, nil},
		{"envoy.config.cluster.v3.NoSuchThing", false, nil},
		{"", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := FindMessage(protoreflect.FullName(tt.name))
			if !tt.want {
				assert.Nil(t, md)
				return
			}
			require.NotNil(t, md)
			assert.Equal(t, tt.name, string(md.FullName()))
			for _, f := range tt.fields {
				assert.NotNil(t, md.Fields().ByName(protoreflect.Name(f)), f)
			}
		})
	}
}

func TestFindMessageByURL(t *testing.T) {
	md := FindMessageByURL("type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager")
	require.NotNil(t, md)
	fd := md.Fields().ByJSONName("statPrefix")
	require.NotNil(t, fd)
	assert.Equal(t, "stat_prefix", string(fd.Name()))
	assert.Nil(t, FindMessageByURL("type.googleapis.com/acme.vendor.v1.Filter"))
}

// TestEverythingBuilds builds every file of the set: all imports resolve and every declaration is
// found by name, which is the coverage the set promises (every Envoy extension type).
func TestEverythingBuilds(t *testing.T) {
	s, err := unpack(packed)
	require.NoError(t, err)
	messages := 0
	for i := range s.raw {
		fd := s.file(i)
		require.Equal(t, s.paths[i], fd.Path())
		messages += countMessages(fd.Messages())
		imports := fd.Imports()
		for j := 0; j < imports.Len(); j++ {
			assert.False(t, imports.Get(j).IsPlaceholder(), "%s imports %s", fd.Path(), imports.Get(j).Path())
		}
		resolved(t, fd.Messages())
	}
	// go-control-plane envoy v1.40.0 + contrib + cncf/xds: 775 files, ~2,400 messages
	assert.Greater(t, len(s.raw), 700)
	assert.Greater(t, messages, 2000)
	for name, i := range s.bySym {
		d, err := s.lookup(protoreflect.FullName(name))
		require.NoError(t, err, name)
		assert.Equal(t, s.paths[i], d.ParentFile().Path(), name)
	}
}

// resolved checks that every field's message or enum type was found (not a placeholder).
func resolved(t *testing.T, ms protoreflect.MessageDescriptors) {
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		for j := 0; j < m.Fields().Len(); j++ {
			f := m.Fields().Get(j)
			if f.Message() != nil {
				assert.False(t, f.Message().IsPlaceholder(), "%s: %s", f.FullName(), f.Message().FullName())
			}
			if f.Enum() != nil {
				assert.False(t, f.Enum().IsPlaceholder(), "%s: %s", f.FullName(), f.Enum().FullName())
			}
		}
		resolved(t, m.Messages())
	}
}

func countMessages(ms protoreflect.MessageDescriptors) int {
	n := ms.Len()
	for i := 0; i < ms.Len(); i++ {
		n += countMessages(ms.Get(i).Messages())
	}
	return n
}

// TestMatchesLinkedGoPackages checks the embedded set against the generated Go packages of the
// go-control-plane version in go.mod (linked into this test only): same fields, numbers, JSON
// names and kinds. It fails when go.mod moves to a new go-control-plane and go generate was not run.
func TestMatchesLinkedGoPackages(t *testing.T) {
	for _, m := range []proto.Message{&clusterv3.Cluster{}, &hcmv3.HttpConnectionManager{}, &statusv3.ClientStatusResponse{}} {
		want := m.ProtoReflect().Descriptor()
		t.Run(string(want.FullName()), func(t *testing.T) {
			got := FindMessage(want.FullName())
			require.NotNil(t, got)
			sameMessage(t, want, got, map[protoreflect.FullName]bool{})
		})
	}
}

func sameMessage(t *testing.T, want, got protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) {
	t.Helper()
	if seen[want.FullName()] {
		return
	}
	seen[want.FullName()] = true
	require.Equal(t, want.Fields().Len(), got.Fields().Len(), want.FullName())
	for i := 0; i < want.Fields().Len(); i++ {
		w, g := want.Fields().Get(i), got.Fields().Get(i)
		assert.Equal(t, w.Name(), g.Name())
		assert.Equal(t, w.Number(), g.Number(), w.FullName())
		assert.Equal(t, w.JSONName(), g.JSONName(), w.FullName())
		assert.Equal(t, w.Kind(), g.Kind(), w.FullName())
		assert.Equal(t, w.IsMap(), g.IsMap(), w.FullName())
		if w.Message() != nil {
			sameMessage(t, w.Message(), g.Message(), seen)
		}
	}
}

// TestTypesWithProtojson decodes a CSDS response through dynamicpb, the way a client that does
// not link go-control-plane would, with an Any inside.
func TestTypesWithProtojson(t *testing.T) {
	in := `{"config":[{"node":{"id":"sidecar~10.0.0.1~a.default~default.svc.cluster.local"},
	"genericXdsConfigs":[{"typeUrl":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c1",
	"xdsConfig":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"c1","connectTimeout":"1s"},
	"configStatus":"SYNCED"}]}]}`
	md := FindMessage("envoy.service.status.v3.ClientStatusResponse")
	require.NotNil(t, md)
	m := dynamicpb.NewMessage(md)
	require.NoError(t, protojson.UnmarshalOptions{Resolver: Types{}}.Unmarshal([]byte(in), m))
	out, err := protojson.MarshalOptions{Resolver: Types{}, UseProtoNames: true}.Marshal(m)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"connect_timeout":"1s"`)
	assert.Contains(t, string(out), `"config_status":"SYNCED"`)

	// the same bytes through the generated type
	var gen statusv3.ClientStatusResponse
	require.NoError(t, protojson.Unmarshal([]byte(in), &gen))
	wire, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	require.NoError(t, err)
	var back statusv3.ClientStatusResponse
	require.NoError(t, proto.Unmarshal(wire, &back))
	assert.Equal(t, gen.GetConfig()[0].GetNode().GetId(), back.GetConfig()[0].GetNode().GetId())
}

func BenchmarkFirstLookup(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s, err := unpack(packed)
		if err != nil {
			b.Fatal(err)
		}
		// the cluster and every message its fields use, as Normalize walks it
		walk(s.file(s.bySym["envoy.config.cluster.v3.Cluster"]).Messages(), map[protoreflect.FullName]bool{})
	}
}

func walk(ms protoreflect.MessageDescriptors, seen map[protoreflect.FullName]bool) {
	for i := 0; i < ms.Len(); i++ {
		m := ms.Get(i)
		if seen[m.FullName()] {
			continue
		}
		seen[m.FullName()] = true
		for j := 0; j < m.Fields().Len(); j++ {
			if md := m.Fields().Get(j).Message(); md != nil && !seen[md.FullName()] {
				walk(md.ParentFile().Messages(), seen)
			}
		}
		walk(m.Messages(), seen)
	}
}

func BenchmarkUnpack(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(packed)))
	for i := 0; i < b.N; i++ {
		if _, err := unpack(packed); err != nil {
			b.Fatal(err)
		}
	}
}

func TestIsSensitive(t *testing.T) {
	tests := []struct {
		msg, field string
		want       bool
	}{
		{"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "private_key", true},
		{"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "password", true},
		{"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "pkcs12", true},
		{"envoy.extensions.transport_sockets.tls.v3.TlsCertificate", "certificate_chain", false},
		{"envoy.extensions.transport_sockets.tls.v3.GenericSecret", "secret", true},
		{"envoy.extensions.transport_sockets.tls.v3.TlsSessionTicketKeys", "keys", true},
		{"envoy.api.v2.auth.TlsCertificate", "private_key", true},
		{"envoy.extensions.common.aws.v3.InlineCredentialProvider", "secret_access_key", true},
		{"envoy.extensions.filters.http.basic_auth.v3.BasicAuth", "users", true},
		{"envoy.config.cluster.v3.Cluster", "name", false},
	}
	for _, tt := range tests {
		md := FindMessage(protoreflect.FullName(tt.msg))
		require.NotNil(t, md, tt.msg)
		fd := md.Fields().ByName(protoreflect.Name(tt.field))
		require.NotNil(t, fd, tt.field)
		assert.Equal(t, tt.want, IsSensitive(fd), "%s.%s", tt.msg, tt.field)
	}
	assert.Len(t, sensitive, 41)
}

// TestConcurrentLookups builds and walks the same types from several goroutines (run with -race).
func TestConcurrentLookups(t *testing.T) {
	s, err := unpack(packed)
	require.NoError(t, err)
	names := []string{"envoy.config.cluster.v3.Cluster", "envoy.config.listener.v3.Listener",
		"envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
		"envoy.config.route.v3.RouteConfiguration", "envoy.admin.v3.ConfigDump"}
	done := make(chan map[protoreflect.FullName]bool)
	for g := 0; g < 8; g++ {
		go func(g int) {
			seen := map[protoreflect.FullName]bool{}
			for k := range names {
				d, err := s.find(protoreflect.FullName(names[(g+k)%len(names)]))
				if err == nil {
					walk(d.ParentFile().Messages(), seen)
				}
			}
			done <- seen
		}(g)
	}
	var first map[protoreflect.FullName]bool
	for g := 0; g < 8; g++ {
		seen := <-done
		if first == nil {
			first = seen
		}
		assert.Equal(t, len(first), len(seen))
	}
	assert.Greater(t, len(first), 100, "messages reachable from the five roots")
}
