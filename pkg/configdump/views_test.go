package configdump

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

func newValue(s string) jsonscan.Value { return jsonscan.New([]byte(s)) }

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return b
}

func readDump(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "dumps", rel))
	require.NoError(t, err)
	return b
}

// statesDumps are the hand-made dump with warming, draining and rejected resources, in Envoy's
// snake_case and in protojson's camelCase: every view must read both the same.
var statesDumps = []string{"states.json", "states-camel.json"}

func TestAddress(t *testing.T) {
	tests := []struct {
		name    string
		json    string
		str     string
		matches []string
		not     []string
	}{
		{"socket", `{"socket_address":{"address":"10.0.0.1","port_value":9080}}`, "10.0.0.1:9080", []string{"10.0.0.1", "10.0.0.1:9080"}, []string{"10.0.0.2", "10.0.0.1:80"}},
		{"camel", `{"socketAddress":{"address":"10.0.0.1","portValue":"9080"}}`, "10.0.0.1:9080", []string{"10.0.0.1"}, nil},
		{"ipv6 case-insensitive", `{"socket_address":{"address":"FD00::1","port_value":80}}`, "FD00::1:80", []string{"fd00::1", "fd00::1:80"}, nil},
		{"pipe", `{"pipe":{"path":"/sock/mixer.socket"}}`, "/sock/mixer.socket", []string{"/sock/mixer.socket", "unix:///sock/mixer.socket"}, []string{"mixer.socket"}},
		{"internal", `{"envoy_internal_address":{"server_listener_name":"connect_originate","endpoint_id":"10.0.0.3:80"}}`, "envoy://connect_originate/10.0.0.3:80", []string{"envoy://connect_originate/10.0.0.3:80"}, []string{"10.0.0.3"}},
		{"empty", `{}`, "unknown", nil, []string{"unknown", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := readAddress(newValue(tt.json))
			assert.Equal(t, tt.str, a.String())
			for _, m := range tt.matches {
				assert.True(t, a.Matches(m), "should match %q", m)
			}
			for _, m := range tt.not {
				assert.False(t, a.Matches(m), "should not match %q", m)
			}
		})
	}
}

func TestLocalityString(t *testing.T) {
	tests := []struct {
		l    Locality
		want string
	}{
		{Locality{}, ""},
		{Locality{Region: "r"}, "r"},
		{Locality{Zone: "zone"}, "/zone"},
		{Locality{Region: "r", Zone: "z", SubZone: "s"}, "r/z/s"},
		{Locality{Region: "r", SubZone: "s"}, "r"}, // a sub-zone without a zone is not shown, as Istio writes it
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, tt.l.String(), "%+v", tt.l)
	}
}

func TestHealthStatus(t *testing.T) {
	tests := map[string]string{`"HEALTHY"`: "HEALTHY", `2`: "UNHEALTHY", `"DEGRADED"`: "DEGRADED", `5`: "DEGRADED", `9`: "9", `null`: "UNKNOWN", ``: "UNKNOWN"}
	for in, want := range tests {
		assert.Equal(t, want, healthStatus(newValue(in)), in)
	}
}

func TestParseEndpointsInputClusters(t *testing.T) {
	data := readDump(t, "istio-history/istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json")
	c, d, err := ParseEndpointsInput(data)
	require.NoError(t, err)
	require.Nil(t, d)
	require.Len(t, c.Statuses, 7)
	hosts := c.Hosts(EndpointFilter{})
	require.Len(t, hosts, 9)
	// sorted by address as a string, then port, then cluster (istioctl's order)
	assert.Equal(t, "172.17.0.13:443", hosts[0].Endpoint())
	assert.Equal(t, "unix:///sock/mixer.socket", hosts[8].Endpoint())
	assert.Equal(t, "inbound_9092", hosts[8].Cluster)
	var failed []string
	for _, h := range hosts {
		if h.FailedOutlierCheck {
			failed = append(failed, h.Endpoint())
		}
	}
	assert.Equal(t, []string{"172.17.0.27:9080"}, failed)
	assert.Equal(t, uint32(1), hosts[8].Weight)
}

func TestParseEndpointsInputConfigDump(t *testing.T) {
	c, d, err := ParseEndpointsInput(readDump(t, "istio/writer__envoy__configdump__endpoint__configdump.json"))
	require.NoError(t, err)
	require.Nil(t, c)
	las, err := d.EDS()
	require.NoError(t, err)
	assert.Len(t, las, 37)
	_, err = ParseClusters(readDump(t, "istio/writer__envoy__configdump__endpoint__configdump.json"))
	require.Error(t, err)
}

func TestParseEndpointsInputTruncated(t *testing.T) {
	data := readDump(t, "istio-history/istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json")
	cut := data[:len(data)*2/3]
	c, _, err := ParseEndpointsInput(cut)
	require.NoError(t, err)
	assert.Contains(t, c.Partial, "truncated")
	assert.NotEmpty(t, c.Statuses)
	assert.Less(t, len(c.Statuses), 7)

	_, _, err = ParseEndpointsInput(data[:40])
	var ie *InputError
	require.ErrorAs(t, err, &ie)
	assert.Contains(t, err.Error(), "no complete cluster")

	_, _, err = ParseEndpointsInput([]byte(`{"cluster_statuses": {"a": 1}}`))
	require.ErrorAs(t, err, &ie)
}

func TestEndpointFilterHosts(t *testing.T) {
	c, err := ParseClusters(readDump(t, "istio-history/istioctl__pkg__writer__envoy__clusters__testdata__clusters@2019-08-15.json"))
	require.NoError(t, err)
	tests := []struct {
		name     string
		f        EndpointFilter
		want     []string
		clusters int
	}{
		{"all", EndpointFilter{}, nil, 7},
		{"address", EndpointFilter{Address: "172.17.0.27"}, []string{"172.17.0.27:9080"}, 1},
		{"address with port", EndpointFilter{Address: "172.17.0.27:9080"}, []string{"172.17.0.27:9080"}, 1},
		{"pipe address", EndpointFilter{Address: "unix:///sock/mixer.socket"}, []string{"unix:///sock/mixer.socket"}, 1},
		{"port", EndpointFilter{Port: 15014}, []string{"172.17.0.14:15014"}, 1},
		{"port excludes pipes", EndpointFilter{Port: 0}, nil, 7},
		{"cluster case-insensitive", EndpointFilter{Cluster: "OUTBOUND|9080||reviews.default.svc.cluster.local"}, []string{"172.17.0.24:9080", "172.17.0.26:9080", "172.17.0.27:9080"}, 1},
		{"status case-insensitive", EndpointFilter{Status: "unhealthy"}, []string{"172.17.0.14:15014"}, 1},
		{"combined", EndpointFilter{Port: 9080, Status: "HEALTHY", Address: "172.17.0.26"}, []string{"172.17.0.26:9080"}, 1},
		{"none", EndpointFilter{Status: "DRAINING"}, []string{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hosts := c.Hosts(tt.f)
			if tt.want != nil {
				got := []string{}
				for _, h := range hosts {
					got = append(got, h.Endpoint())
				}
				assert.Equal(t, tt.want, got)
			}
			assert.Len(t, c.Selected(tt.f), tt.clusters)
		})
	}
}

func TestEDS(t *testing.T) {
	for _, name := range statesDumps {
		t.Run(name, func(t *testing.T) {
			d, err := Parse(readFixture(t, name))
			require.NoError(t, err)
			las, err := d.EDS()
			require.NoError(t, err)
			var got []string
			for _, la := range las {
				got = append(got, la.State+" "+la.Cluster)
			}
			// sorted by fqdn, subset, port, direction; dynamic before static for equal keys
			assert.Equal(t, []string{
				"ACTIVE outbound|9080||details.default.svc.cluster.local",
				"ACTIVE inbound-vip|8000|http|httpbin.default.svc.cluster.local",
				"ERROR outbound|9080||ratings.default.svc.cluster.local",
				"ACTIVE outbound|9080||reviews.default.svc.cluster.local",
				"STATIC xds-grpc",
			}, got)
			rev := las[3]
			require.Len(t, rev.Endpoints, 3)
			assert.Equal(t, "10.0.0.21:9080,fd00::21:9080", rev.Endpoints[0].Name())
			assert.Equal(t, uint32(3), rev.Endpoints[0].Weight)
			assert.Equal(t, "eu-west1/eu-west1-c/rack1", rev.Endpoints[2].Locality.String())
			assert.Equal(t, uint32(1), rev.Endpoints[2].Priority)
			assert.Equal(t, "DRAINING", rev.Endpoints[2].Status)
			assert.Equal(t, "v7", rev.VersionInfo)
			assert.Equal(t, "ClusterLoadAssignment ratings: endpoint port 0", las[2].Error.Details)
			assert.Equal(t, "UNKNOWN", las[1].Endpoints[0].Status)
			assert.Equal(t, "envoy://connect_originate/10.0.0.30:80", las[1].Endpoints[0].Name())
		})
	}
}

func TestEDSFilter(t *testing.T) {
	d, err := Parse(readFixture(t, "states.json"))
	require.NoError(t, err)
	las, err := d.EDS()
	require.NoError(t, err)
	rev := las[3]
	tests := []struct {
		name string
		f    EndpointFilter
		want []string
	}{
		{"all", EndpointFilter{}, []string{"10.0.0.21:9080,fd00::21:9080", "10.0.0.22:9080", "10.0.1.23:9080"}},
		{"ip", EndpointFilter{Address: "10.0.0.22"}, []string{"10.0.0.22:9080"}},
		{"ip:port as istioctl", EndpointFilter{Address: "10.0.0.22:9080"}, []string{"10.0.0.22:9080"}},
		{"additional address", EndpointFilter{Address: "fd00::21"}, []string{"10.0.0.21:9080,fd00::21:9080"}},
		{"port", EndpointFilter{Port: 9080}, []string{"10.0.0.21:9080,fd00::21:9080", "10.0.0.22:9080", "10.0.1.23:9080"}},
		{"other port", EndpointFilter{Port: 80}, nil},
		{"status", EndpointFilter{Status: "draining"}, []string{"10.0.1.23:9080"}},
		{"cluster", EndpointFilter{Cluster: "outbound|9080||REVIEWS.default.svc.cluster.local"}, []string{"10.0.0.21:9080,fd00::21:9080", "10.0.0.22:9080", "10.0.1.23:9080"}},
		{"other cluster", EndpointFilter{Cluster: "xds-grpc"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, e := range rev.Select(tt.f) {
				got = append(got, e.Name())
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestFilteredJSON(t *testing.T) {
	d, err := Parse(readFixture(t, "states.json"))
	require.NoError(t, err)
	las, err := d.EDS()
	require.NoError(t, err)
	rev := las[3]
	assert.Equal(t, string(rev.Raw.Raw()), string(rev.FilteredJSON(EndpointFilter{})))
	out := rev.FilteredJSON(EndpointFilter{Status: "UNHEALTHY"})
	la := readLoadAssignment(newValue(string(out)))
	require.Len(t, la.Endpoints, 1)
	assert.Equal(t, "10.0.0.22:9080", la.Endpoints[0].Name())
	assert.Equal(t, rev.Cluster, la.Cluster)
	assert.Contains(t, string(out), `"locality"`)
}

func TestNoEDS(t *testing.T) {
	d, err := Parse(readDump(t, "istio/authz__configdump.json"))
	require.NoError(t, err)
	_, err = d.EDS()
	require.ErrorIs(t, err, ErrNoEDS)
	require.ErrorIs(t, err, ErrNoSection)
	assert.Contains(t, err.Error(), "/config_dump?include_eds")
	assert.NotContains(t, err.Error(), "\n")
}

func TestBootstrap(t *testing.T) {
	tests := []struct {
		dump            string
		istio, sha, env string
	}{
		{"istio/proxyconfig__config_dump.json", "1.21.0-1226", "ee85c5f28702f00621aed895915fca565796b9e4", "0.0.0"},
		{"istio/writer__envoy__configdump__configdump.json", "1.10.0", "436f365a8007cd8a13a9f1321e7cce94bcc8883e", "1.18.3/Clean/RELEASE/BoringSSL"},
		{"envoy-gateway/egctl-config-in.all.json", "", "", "1.26.0-dev/Clean/RELEASE/BoringSSL"},
		{"istio-history/istioctl__pkg__util__configdump__testdata__configdump@2018-07-02.json", "", "", "1.7.0-dev//RELEASE"},
		{"istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2019-09-13.json", "1.3.0-rc.2", "cd3fd800f5d75b4fea8a5da0212766402bfeecf1", "1.12.0-dev/Clean/RELEASE/BoringSSL"},
		{"bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json", "1.5.4", "9b4239dee83dd8894bfc579d412ccd894cff2597", "1.13.1-dev/Clean/RELEASE/BoringSSL"},
	}
	for _, tt := range tests {
		t.Run(filepath.Base(tt.dump), func(t *testing.T) {
			d, err := Parse(readDump(t, tt.dump))
			require.NoError(t, err)
			b, err := d.Bootstrap()
			require.NoError(t, err)
			assert.Equal(t, tt.istio, b.IstioVersion)
			assert.Equal(t, tt.sha, b.IstioProxySHA)
			assert.Equal(t, tt.env, b.EnvoyVersion)
		})
	}
	for _, name := range statesDumps {
		d, err := Parse(readFixture(t, name))
		require.NoError(t, err)
		b, err := d.Bootstrap()
		require.NoError(t, err)
		assert.Equal(t, Bootstrap{
			NodeID: "sidecar~10.0.0.5~reviews-v2-abc.default~default.svc.cluster.local", NodeCluster: "reviews.default",
			Locality: Locality{Region: "eu-west1", Zone: "eu-west1-b"}, IstioVersion: "1.24.0", IstioProxySHA: "0123456789abcdef",
			EnvoyVersion: "1.32.2-dev/Clean/RELEASE/BoringSSL", UserAgent: "envoy", AdminAddress: "127.0.0.1:15000",
			XDSCluster: "xds-grpc", LastUpdated: "2026-11-20T09:00:00Z", Raw: b.Raw,
		}, *b, name)
	}
}

func TestECDS(t *testing.T) {
	d, err := Parse(readDump(t, "istio/writer__envoy__configdump__ecds__configdump.json"))
	require.NoError(t, err)
	ecs, err := d.ECDS()
	require.NoError(t, err)
	var got []string
	for _, e := range ecs {
		got = append(got, e.Name+" "+e.Type)
	}
	assert.Equal(t, []string{
		"istio.io/telemetry/stats/prometheus/sidecar/Inbound/HTTP ",
		"istio.io/telemetry/stats/prometheus/sidecar/Inbound/TCP ",
		"istio.io/telemetry/stats/prometheus/sidecar/Outbound/HTTP ",
		"istio.io/telemetry/stats/prometheus/sidecar/Outbound/TCP ",
		"default.display-metadata envoy.extensions.filters.http.wasm.v3.Wasm",
		"default.httpbin-rate-limiting envoy.extensions.filters.http.wasm.v3.Wasm",
	}, got)

	for _, name := range statesDumps {
		d, err := Parse(readFixture(t, name))
		require.NoError(t, err)
		ecs, err := d.ECDS()
		require.NoError(t, err)
		require.Len(t, ecs, 2)
		assert.Equal(t, "default.broken", ecs[0].Name)
		assert.Equal(t, "Wasm: failed to load module", ecs[0].Error.Details)
		assert.Equal(t, "v3", ecs[1].VersionInfo)
	}

	d, err = Parse(readDump(t, "istio/authz__configdump.json"))
	require.NoError(t, err)
	_, err = d.ECDS()
	require.ErrorIs(t, err, ErrNoSection)
}

func TestStatesInEveryView(t *testing.T) {
	for _, name := range statesDumps {
		t.Run(name, func(t *testing.T) {
			d, err := Parse(readFixture(t, name))
			require.NoError(t, err)
			ls, err := d.Listeners()
			require.NoError(t, err)
			var lstates []string
			for _, l := range ls {
				lstates = append(lstates, l.Name+" "+l.State+" "+l.VersionInfo)
			}
			assert.Equal(t, []string{"0.0.0.0_7070 ERROR ", "0.0.0.0_8080 WARMING v7", "0.0.0.0_9080 ACTIVE v7", "0.0.0.0_9080 DRAINING v6"}, lstates)

			cs, err := d.Clusters()
			require.NoError(t, err)
			var cstates []string
			for _, c := range cs {
				s := c.FQDN + " " + c.State
				if c.Error != nil {
					s += " NACK"
				}
				cstates = append(cstates, s)
			}
			assert.Equal(t, []string{"details.default.svc.cluster.local WARMING", "ratings.default.svc.cluster.local ACTIVE NACK", "reviews.default.svc.cluster.local ACTIVE", "reviews.default.svc.cluster.local ERROR NACK", "xds-grpc STATIC"}, cstates)
			// rejected on first arrival: the entry has no name; it comes from error_state.failed_configuration
			assert.Equal(t, "outbound|9090||reviews.default.svc.cluster.local", cs[3].Name)
			assert.Equal(t, 9090, cs[3].Port)

			secrets, _, err := d.Secrets()
			require.NoError(t, err)
			var sstates []string
			for _, s := range secrets {
				sstates = append(sstates, s.Name+" "+s.State)
			}
			assert.Equal(t, []string{"file-cert://etc/certs/cert.pem WARMING", "default ACTIVE", "ROOTCA ACTIVE", "spiffe://cluster.local/ns/default/sa/broken ERROR", "bootstrap-ca STATIC"}, sstates)
			now := time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC)
			assert.False(t, secrets[1].Valid(now), "expired in 2023")
			assert.True(t, secrets[2].Valid(now))
			assert.False(t, secrets[2].Valid(secrets[2].Cert.NotBefore.Add(-time.Second)), "not yet valid")
		})
	}
}

func TestParseLenient(t *testing.T) {
	d, err := ParseLenient(readDump(t, "istio/writer__envoy__configdump__bootstrapdump.json"))
	require.NoError(t, err)
	assert.Contains(t, d.Partial, "single bootstrap section")
	b, err := d.Bootstrap()
	require.NoError(t, err)
	assert.Equal(t, "1.10.0", b.IstioVersion)

	sec := `{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","static_route_configs":[{"route_config":{"name":"r1"}}]}`
	d, err = ParseLenient([]byte(sec))
	require.NoError(t, err)
	rcs, err := d.Routes()
	require.NoError(t, err)
	require.Len(t, rcs, 1)
	assert.Equal(t, "r1", rcs[0].Name)
	assert.Contains(t, d.Partial, "RoutesConfigDump")

	for _, bad := range []string{`{"foo": 1}`, `[]`, ``, `{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"x"}`} {
		_, err := ParseLenient([]byte(bad))
		require.Error(t, err, bad)
	}
	_, err = ParseLenient(readDump(t, "istio/writer__pilot__multiXdsStatusSinglePilot.json"))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "DiscoveryResponse"), err.Error())
	d, err = ParseLenient(readDump(t, "istio/authz__configdump.json"))
	require.NoError(t, err)
	assert.Empty(t, d.Partial)
	require.False(t, errors.Is(err, ErrNoSection))
}

func TestLessClusterName(t *testing.T) {
	tests := []struct{ a, b string }{
		{"inbound|80||", "agent"},                    // empty fqdn first
		{"agent", "outbound|80||b.ns"},               // by fqdn
		{"outbound|80||b.ns", "outbound|80|v1|b.ns"}, // then subset
		{"outbound|80||b.ns", "outbound|443||b.ns"},  // then port as a number
		{"inbound|80||b.ns", "outbound|80||b.ns"},    // then direction
	}
	for _, tt := range tests {
		assert.True(t, lessClusterName(tt.a, tt.b), "%s < %s", tt.a, tt.b)
		assert.False(t, lessClusterName(tt.b, tt.a), "%s > %s", tt.b, tt.a)
	}
}
