package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	routerv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

var t0 = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

// offline is a sidecar whose control plane never answers (nothing listens on port 1): the test
// feeds it responses itself. Its clock is fixed.
func offline(t *testing.T, o Options) *Sidecar {
	t.Helper()
	o.XDS = "127.0.0.1:1"
	if o.NodeID == "" {
		o.NodeID = "sidecar-1"
	}
	if o.Now == nil {
		o.Now = func() time.Time { return t0 }
	}
	s, err := Start(o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// exampleResponses are SotW responses carrying the example snapshot, clusters and listeners first.
func exampleResponses(t *testing.T, version string) map[string]response {
	t.Helper()
	cfg, err := snapshot.Load(filepath.Join("..", "..", "examples", "controlplane", "basic.yaml"))
	require.NoError(t, err)
	out := map[string]response{}
	for typeURL, rs := range cfg.Resources("sidecar-1") {
		r := response{typeURL: typeURL, version: version, nonce: version + "-" + typeURL}
		for _, res := range rs {
			a, err := anypb.New(res.Message)
			require.NoError(t, err)
			r.resources = append(r.resources, a)
		}
		out[typeURL] = r
	}
	return out
}

func feed(s *Sidecar, rs ...response) {
	for _, r := range rs {
		s.receive(r)
	}
}

func get(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+path, nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

// TestWarmingAndReady: clusters wait for their endpoints and listeners for their routes (warming),
// /ready says so, and everything is active once they arrive.
func TestWarmingAndReady(t *testing.T) {
	s := offline(t, Options{})
	h := s.AdminHandler()
	code, body := get(t, h, "GET", "/ready")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "PRE_INITIALIZING\n", body)

	rs := exampleResponses(t, "v1")
	feed(s, rs[resource.ClusterType], rs[resource.ListenerType])
	code, body = get(t, h, "GET", "/ready")
	assert.Equal(t, http.StatusServiceUnavailable, code)
	assert.Equal(t, "INITIALIZING\n", body)
	b, err := xdsres.MarshalJSON(s.ConfigDump(false))
	require.NoError(t, err)
	assertGolden(t, "config_dump/warming", b)

	feed(s, rs[resource.EndpointType], rs[resource.RouteType])
	code, body = get(t, h, "GET", "/ready")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "LIVE\n", body)
	code, body = get(t, h, "GET", "/config_dump?include_eds")
	assert.Equal(t, http.StatusOK, code)
	assertGolden(t, "config_dump/active.include_eds", []byte(body))

	code, body = get(t, h, "GET", "/clusters?format=json")
	assert.Equal(t, http.StatusOK, code)
	assertGolden(t, "clusters/active.json", []byte(body))
	code, body = get(t, h, "GET", "/clusters")
	assert.Equal(t, http.StatusOK, code)
	assertGolden(t, "clusters/active.txt", []byte(body))
	code, body = get(t, h, "GET", "/server_info")
	assert.Equal(t, http.StatusOK, code)
	assertGolden(t, "server_info/live.json", []byte(body))
}

func TestInitialFetchTimeoutEndsWarming(t *testing.T) {
	now := t0
	s := offline(t, Options{InitialFetchTimeout: time.Second, Now: func() time.Time { return now }})
	rs := exampleResponses(t, "v1")
	feed(s, rs[resource.ClusterType], rs[resource.ListenerType])
	ready, _ := s.store.ready(now, time.Second)
	assert.False(t, ready)
	b0, err := xdsres.MarshalJSON(s.ConfigDump(false))
	require.NoError(t, err)
	assert.Contains(t, string(b0), "dynamic_warming_clusters")
	now = now.Add(2 * time.Second)
	code, body := get(t, s.AdminHandler(), "GET", "/ready")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "LIVE\n", body)
	b, err := xdsres.MarshalJSON(s.ConfigDump(false))
	require.NoError(t, err)
	assert.NotContains(t, string(b), "dynamic_warming_clusters")
	assert.NotContains(t, string(b), "warming_state")
	assert.Contains(t, string(b), "dynamic_active_clusters")
}

// TestDumpRendersWithProxyConfig: the emulator's /config_dump parses with pkg/configdump and
// renders with the proxy-config views.
func TestDumpRendersWithProxyConfig(t *testing.T) {
	s := offline(t, Options{})
	rs := exampleResponses(t, "v1")
	feed(s, rs[resource.ClusterType], rs[resource.ListenerType], rs[resource.EndpointType], rs[resource.RouteType])
	bad := exampleResponses(t, "v2")[resource.ClusterType]
	c := &clusterv3.Cluster{Name: "broken", ConnectTimeout: durationpb.New(-time.Second)}
	a, err := anypb.New(c)
	require.NoError(t, err)
	bad.resources = append(bad.resources, a)
	feed(s, bad)

	_, body := get(t, s.AdminHandler(), "GET", "/config_dump?include_eds")
	d, err := configdump.Parse([]byte(body))
	require.NoError(t, err)
	cs, err := d.Clusters()
	require.NoError(t, err)
	names := []string{}
	for _, c := range cs {
		names = append(names, c.Name+"/"+c.Meta.State)
	}
	assert.Contains(t, names, "backend/ACTIVE")
	assert.Contains(t, names, "xds-grpc/STATIC")

	path := filepath.Join(t.TempDir(), "dump.json")
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
	for _, view := range []string{"clusters", "listeners", "routes"} {
		for _, format := range []string{"short", "wide"} {
			t.Run(view+"-"+format, func(t *testing.T) {
				ios, _, out, errOut := iostreams.Test()
				f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return t0 }}
				cmd := proxyconfig.NewCmdProxyConfig(f)
				cmd.SetArgs([]string{view, "-f", path, "-o", format})
				require.NoError(t, cmd.Execute(), errOut.String())
				assertGolden(t, "proxy-config/"+view+"."+format, out.Bytes())
			})
		}
	}
}

// TestValidation: what the emulator rejects, with Envoy's wording, and what it keeps.
func TestValidation(t *testing.T) {
	hcm := func(filters ...*hcmv3.HttpFilter) *anypb.Any {
		a, _ := anypb.New(&hcmv3.HttpConnectionManager{
			StatPrefix:     "p",
			RouteSpecifier: &hcmv3.HttpConnectionManager_Rds{Rds: &hcmv3.Rds{RouteConfigName: "r", ConfigSource: &corev3.ConfigSource{ConfigSourceSpecifier: &corev3.ConfigSource_Ads{Ads: &corev3.AggregatedConfigSource{}}}}},
			HttpFilters:    filters,
		})
		return a
	}
	router, _ := anypb.New(&routerv3.Router{})
	cors := &anypb.Any{TypeUrl: "type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors"}
	listener := func(name string, typed *anypb.Any) *listenerv3.Listener {
		return &listenerv3.Listener{
			Name:         name,
			Address:      &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{Address: "0.0.0.0", PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 80}}}},
			FilterChains: []*listenerv3.FilterChain{{Filters: []*listenerv3.Filter{{Name: "hcm", ConfigType: &listenerv3.Filter_TypedConfig{TypedConfig: typed}}}}},
		}
	}
	anyOf := func(m proto.Message) *anypb.Any {
		a, err := anypb.New(m)
		require.NoError(t, err)
		return a
	}
	tests := []struct {
		name     string
		typeURL  string
		names    []string // subscribed names, for the types asked for by name
		res      []*anypb.Any
		wantNACK string
		accepted []string
	}{
		{
			name: "valid clusters", typeURL: resource.ClusterType,
			res:      []*anypb.Any{anyOf(&clusterv3.Cluster{Name: "a"}), anyOf(&clusterv3.Cluster{Name: "b", LbPolicy: clusterv3.Cluster_MAGLEV})},
			accepted: []string{"a", "b"},
		},
		{
			name: "one invalid cluster: the others are kept", typeURL: resource.ClusterType,
			res:      []*anypb.Any{anyOf(&clusterv3.Cluster{Name: "a"}), anyOf(&clusterv3.Cluster{Name: "b", ConnectTimeout: durationpb.New(-time.Second)})},
			wantNACK: "Error adding/updating cluster(s) b: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)",
			accepted: []string{"a"},
		},
		{
			name: "duplicate names reject the response", typeURL: resource.ClusterType,
			res:      []*anypb.Any{anyOf(&clusterv3.Cluster{Name: "a"}), anyOf(&clusterv3.Cluster{Name: "a"})},
			wantNACK: "duplicate cluster a found",
		},
		{
			name: "a resource of another type", typeURL: resource.ClusterType,
			res:      []*anypb.Any{anyOf(&listenerv3.Listener{Name: "a"})},
			wantNACK: "type URL type.googleapis.com/envoy.config.listener.v3.Listener embedded in an individual Any does not match the message-wide type URL type.googleapis.com/envoy.config.cluster.v3.Cluster in DiscoveryResponse",
		},
		{
			name: "an unknown type", typeURL: "type.googleapis.com/acme.Widget",
			res:      []*anypb.Any{{TypeUrl: "type.googleapis.com/acme.Widget"}},
			wantNACK: "unknown type URL type.googleapis.com/acme.Widget: the emulated sidecar subscribes to clusters, endpoints, listeners, routes and secrets only",
		},
		{
			name: "an undecodable resource", typeURL: resource.ClusterType,
			res:      []*anypb.Any{{TypeUrl: resource.ClusterType, Value: []byte{0xff, 0xff}}},
			wantNACK: "unable to unpack as envoy.config.cluster.v3.Cluster: proto: cannot parse invalid wire-format data",
		},
		{
			name: "router not last", typeURL: resource.ListenerType,
			res:      []*anypb.Any{anyOf(listener("l", hcm(&hcmv3.HttpFilter{Name: "envoy.filters.http.router", ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: router}}, &hcmv3.HttpFilter{Name: "cors", ConfigType: &hcmv3.HttpFilter_TypedConfig{TypedConfig: cors}})))},
			wantNACK: "Error adding/updating listener(s) l: Error: terminal filter named envoy.filters.http.router of type envoy.filters.http.router must be the last filter in a http filter chain.",
		},
		{
			name: "an extension the emulator does not know", typeURL: resource.ListenerType,
			res:      []*anypb.Any{anyOf(listener("l", &anypb.Any{TypeUrl: "type.googleapis.com/acme.Filter"}))},
			wantNACK: "Error adding/updating listener(s) l: Didn't find a registered implementation for 'hcm' with type URL: 'acme.Filter'",
		},
		{
			name: "a listener without an address", typeURL: resource.ListenerType,
			res:      []*anypb.Any{anyOf(&listenerv3.Listener{Name: "l"})},
			wantNACK: "Error adding/updating listener(s) l: error adding listener named 'l': address is necessary",
		},
		{
			name: "an api_listener is skipped without a NACK", typeURL: resource.ListenerType,
			res:      []*anypb.Any{anyOf(&listenerv3.Listener{Name: "grpc", ApiListener: &listenerv3.ApiListener{ApiListener: hcm()}})},
			accepted: nil,
		},
		{
			name: "a secret asked for", typeURL: resource.SecretType, names: []string{"s"},
			res:      []*anypb.Any{anyOf(&tlsv3.Secret{Name: "s"})},
			accepted: []string{"s"},
		},
		{
			name: "a secret nobody asked for is ignored", typeURL: resource.SecretType,
			res: []*anypb.Any{anyOf(&tlsv3.Secret{Name: "s"})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newStore(false)
			for _, n := range tt.names {
				st.typeOf(tt.typeURL).names[n] = true
			}
			reqs := st.apply(response{typeURL: tt.typeURL, version: "v1", nonce: "1", resources: tt.res}, t0)
			answer := reqs[len(reqs)-1]
			assert.Equal(t, tt.wantNACK, answer.errMsg)
			assert.Equal(t, "1", answer.nonce)
			ts := st.types[tt.typeURL]
			var accepted []string
			for _, m := range ts.messages() {
				accepted = append(accepted, xdsres.Name(m))
			}
			assert.Equal(t, tt.accepted, accepted)
			if tt.wantNACK == "" {
				assert.Equal(t, "v1", answer.version, "an ACK carries the new version")
			} else {
				assert.Empty(t, answer.version, "a NACK carries the last accepted version")
			}
		})
	}
}

// TestSecretsAreRedacted: private keys never leave the emulator's admin API.
func TestSecretsAreRedacted(t *testing.T) {
	s := offline(t, Options{})
	secret := &tlsv3.Secret{Name: "cert", Type: &tlsv3.Secret_TlsCertificate{TlsCertificate: &tlsv3.TlsCertificate{
		CertificateChain: &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: "-----BEGIN CERTIFICATE-----"}},
		PrivateKey:       &corev3.DataSource{Specifier: &corev3.DataSource_InlineString{InlineString: "-----BEGIN PRIVATE KEY----- secret"}},
	}}}
	a, err := anypb.New(secret)
	require.NoError(t, err)
	// The sidecar asks for secrets its clusters name; here the secret arrives unasked, as over a
	// wildcard SDS subscription.
	s.mu.Lock()
	s.store.types[resource.SecretType].names["cert"] = true
	s.mu.Unlock()
	feed(s, response{typeURL: resource.SecretType, version: "v1", nonce: "1", resources: []*anypb.Any{a}})
	_, body := get(t, s.AdminHandler(), "GET", "/config_dump")
	assert.NotContains(t, body, "PRIVATE KEY")
	assert.Contains(t, body, `"inline_string": "[redacted]"`)
	assert.Contains(t, body, "BEGIN CERTIFICATE")
}

// TestLogging: the emulated sidecar's /logging is adminemu's, as the test server's is (the two
// answered differently before); adminemu's own tests cover the cases.
func TestLogging(t *testing.T) {
	s := offline(t, Options{})
	h := s.AdminHandler()
	code, body := get(t, h, "GET", "/logging")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Equal(t, "Method GET not allowed, POST required.", body)
	code, body = get(t, h, "POST", "/logging?upstream=warn")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, "  upstream: warning\n")
	code, _ = get(t, h, "POST", "/logging?nosuch=debug")
	assert.Equal(t, http.StatusNotFound, code)
}

func TestHoldACKsEndpoint(t *testing.T) {
	s := offline(t, Options{})
	h := s.AdminHandler()
	code, body := get(t, h, "GET", "/emulator/hold_acks")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "holding: false\nheld responses: 0\n", body)
	code, _ = get(t, h, "GET", "/emulator/hold_acks?hold=true")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	code, body = get(t, h, "POST", "/emulator/hold_acks?hold=true")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "holding: true\nheld responses: 0\n", body)
	feed(s, exampleResponses(t, "v1")[resource.ClusterType])
	assert.Empty(t, s.State().Types[resource.ClusterType].Resources, "held, not applied")
	code, body = get(t, h, "POST", "/emulator/hold_acks?hold=false")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "holding: false\nheld responses: 0\n", body)
	assert.Equal(t, []string{"backend", "greeter"}, s.State().Types[resource.ClusterType].Resources)
	code, body = get(t, h, "POST", "/emulator/hold_acks?hold=maybe")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, "error: hold=\"maybe\": want true or false\n", body)
}

func TestAdminErrors(t *testing.T) {
	s := offline(t, Options{})
	h := s.AdminHandler()
	code, body := get(t, h, "GET", "/config_dump?name_regex=x")
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Equal(t, `{"error":"name_regex is not emulated"}`, body)
	code, body = get(t, h, "GET", "/stats")
	assert.Equal(t, http.StatusNotFound, code)
	assert.True(t, strings.HasPrefix(body, "invalid path. admin commands are (this is xdsctl's emulated Envoy sidecar, not Envoy):"), body)
}

func TestStartErrors(t *testing.T) {
	_, err := Start(Options{XDS: "127.0.0.1:1"})
	assert.EqualError(t, err, "emulated sidecar: a node id is required")
	_, err = Start(Options{NodeID: "a"})
	assert.EqualError(t, err, "emulated sidecar: the control plane address is required")
	s := offline(t, Options{Admin: "127.0.0.1:0"})
	_, err = Start(Options{XDS: "127.0.0.1:1", NodeID: "b", Admin: s.AdminAddr()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `emulated sidecar "b": admin API: listen on `+s.AdminAddr()+`: `)
}

// TestIstioNode: an emulated Istio sidecar's metadata keeps JSON types (istiod reads LABELS as a
// map and PROXY_CONFIG as an object).
func TestIstioNode(t *testing.T) {
	id, cluster, md, err := IstioSidecar("reviews-v1-abc.default", "10.0.0.7")
	require.NoError(t, err)
	n := buildNode(Options{NodeID: id, NodeCluster: cluster, Metadata: md})
	assert.Equal(t, "sidecar~10.0.0.7~reviews-v1-abc.default~default.svc.cluster.local", n.GetId())
	f := n.GetMetadata().GetFields()
	assert.NotNil(t, f["PROXY_CONFIG"].GetStructValue())
	assert.NotNil(t, f["LABELS"].GetStructValue())
	assert.Equal(t, "default", f["NAMESPACE"].GetStringValue())
	assert.InDelta(t, 15000, f["PROXY_CONFIG"].GetStructValue().GetFields()["proxyAdminPort"].GetNumberValue(), 0)
	_, _, _, err = IstioSidecar("nodots", "10.0.0.7")
	assert.EqualError(t, err, `"nodots" is not POD.NAMESPACE`)
}

// TestConfigDumpQueries: the emulated sidecar's /config_dump takes ?resource= and ?mask= as Envoy
// does (adminemu.ConfigDump, shared with kubetest's server of saved dumps), and leaves EDS out
// without ?include_eds.
func TestConfigDumpQueries(t *testing.T) {
	s := offline(t, Options{})
	h := s.AdminHandler()
	code, body := get(t, h, "GET", "/config_dump?resource=static_clusters")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.StaticCluster"`)
	assert.NotContains(t, body, "BootstrapConfigDump")
	code, body = get(t, h, "GET", "/config_dump?mask=version_info")
	require.Equal(t, http.StatusOK, code, body)
	assert.NotContains(t, body, "static_clusters")
	assert.Contains(t, body, "ClustersConfigDump")
	_, body = get(t, h, "GET", "/config_dump")
	assert.NotContains(t, body, "EndpointsConfigDump")
	_, body = get(t, h, "GET", "/config_dump?include_eds")
	assert.Contains(t, body, "EndpointsConfigDump")
	code, _ = get(t, h, "GET", "/config_dump?resource=nonsense")
	assert.Equal(t, http.StatusNotFound, code)
}

// TestConfigDumpShapeAsRecorded: the emulated sidecar's /config_dump lists its sections in the order
// real Envoy does, checked against recorded answers in testdata: an Envoy Gateway proxy's dump with
// ?include_eds (egctl's test input) and Istio 1.5 sidecars' without it.
func TestConfigDumpShapeAsRecorded(t *testing.T) {
	order := func(t *testing.T, body []byte) []string {
		var d struct {
			Configs []struct {
				Type string `json:"@type"`
			} `json:"configs"`
		}
		require.NoError(t, json.Unmarshal(body, &d))
		var out []string
		for _, c := range d.Configs {
			out = append(out, c.Type)
		}
		return out
	}
	recorded := func(rel string) []string {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dumps", rel))
		require.NoError(t, err)
		return order(t, b)
	}
	h := offline(t, Options{}).AdminHandler()
	_, withEDS := get(t, h, "GET", "/config_dump?include_eds")
	assert.Equal(t, recorded("envoy-gateway/egctl-config-in.all.json"), order(t, []byte(withEDS)))
	_, plain := get(t, h, "GET", "/config_dump")
	assert.Equal(t, recorded("bookinfo-1.5/ingressgateway_config_dump@istio1.5.4.json"), order(t, []byte(plain)))
}
