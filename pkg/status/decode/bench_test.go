package decode

import (
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/pkg/status"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	xrender "github.com/xdsctl/xdsctl/pkg/render"
)

// bigClientStatus builds a CSDS response for n Istio-like sidecars, 5 types each, as istiod reports them.
func bigClientStatus(tb testing.TB, n int) []byte {
	tb.Helper()
	return mustMarshal(tb, &statusv3.ClientStatusResponse{Config: bigClientConfigs(tb, n)})
}

// bigClientConfigs builds n Istio-like sidecars' ClientConfigs.
func bigClientConfigs(tb testing.TB, n int) []*statusv3.ClientConfig {
	tb.Helper()
	urls := []string{cdsURL, ldsURL, edsURL, rdsURL, "type.googleapis.com/envoy.config.core.v3.TypedExtensionConfig"}
	states := []statusv3.ConfigStatus{statusv3.ConfigStatus_SYNCED, statusv3.ConfigStatus_SYNCED, statusv3.ConfigStatus_STALE,
		statusv3.ConfigStatus_SYNCED, statusv3.ConfigStatus_UNKNOWN}
	resp := &statusv3.ClientStatusResponse{Config: make([]*statusv3.ClientConfig, 0, n)}
	for i := 0; i < n; i++ {
		md, err := structpb.NewStruct(map[string]any{
			"CLUSTER_ID": "Kubernetes", "NAMESPACE": fmt.Sprintf("ns-%d", i%50), "ISTIO_VERSION": "1.28.0",
			"LABELS": map[string]any{"app": fmt.Sprintf("app-%d", i%300), "version": "v1", "pod-template-hash": "7f9c8d"},
			// the rest of a sidecar's metadata, as istiod passes it on: read past, not decoded
			"ANNOTATIONS":    map[string]any{"kubectl.kubernetes.io/default-container": "app", "sidecar.istio.io/status": `{"initContainers":["istio-init"],"containers":["istio-proxy"]}`},
			"APP_CONTAINERS": "app", "CONFIG_NAMESPACE": fmt.Sprintf("ns-%d", i%50), "ENVOY_PROMETHEUS_PORT": 15090.0,
			"ENVOY_STATUS_PORT": 15021.0, "INSTANCE_IPS": fmt.Sprintf("10.0.%d.%d", i/250, i%250), "INTERCEPTION_MODE": "REDIRECT",
			"ISTIO_PROXY_SHA": "5f3f7d9a8b6c4e2d1f0a9b8c7d6e5f4a3b2c1d0e", "MESH_ID": "cluster.local",
			"NAME": fmt.Sprintf("workload-%05d-7f9c8d-x2x", i), "NODE_NAME": fmt.Sprintf("node-%d", i%40),
			"OWNER":     fmt.Sprintf("kubernetes://apis/apps/v1/namespaces/ns-%d/deployments/app-%d", i%50, i%300),
			"POD_PORTS": `[{"name":"http","containerPort":9080,"protocol":"TCP"}]`, "SERVICE_ACCOUNT": "bookinfo",
			"WORKLOAD_NAME": fmt.Sprintf("app-%d", i%300), "PROXY_CONFIG": map[string]any{"concurrency": 2.0, "discoveryAddress": "istiod.istio-system.svc:15012"},
		})
		require.NoError(tb, err)
		cc := &statusv3.ClientConfig{Node: &corev3.Node{Id: fmt.Sprintf("workload-%05d-7f9c8d-x2x.ns-%d", i, i%50), Metadata: md}}
		for j, u := range urls {
			st := states[j]
			if i%97 == 0 && j == 0 {
				st = statusv3.ConfigStatus_ERROR
			}
			g := &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: u, ConfigStatus: st, LastUpdated: timestamppb.New(t0.Add(-time.Duration(i%3600) * time.Second))}
			cc.GenericXdsConfigs = append(cc.GenericXdsConfigs, g)
		}
		resp.Config = append(resp.Config, cc)
	}
	return resp.Config
}

// BenchmarkStatusTable10k decodes one CSDS response with 10,000 ClientConfigs (binary, as it comes off the
// wire, with istiod-sized node metadata), computes every proxy's status and produces the wide table
// rows, then writes the table (text/tabwriter, as the command does). The budget is 0.5 s. cpu-ms/op is the process CPU time per op, which stays meaningful
// on a busy machine where ns/op (wall time) does not.
func BenchmarkStatusTable10k(b *testing.B) {
	wire := bigClientStatus(b, 10_000)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	defer func() { b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op") }()
	for b.Loop() {
		r, err := DecodeClientStatus(wire, "127.0.0.1:18000")
		if err != nil {
			b.Fatal(err)
		}
		h, rows := status.Table(r.Proxies, status.TableOptions{Wide: true, Now: t0})
		if len(rows) != 10_000 {
			b.Fatalf("rows = %d", len(rows))
		}
		if err := (&xrender.Table{Headers: h, Rows: rows, Padding: 5}).Write(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBigClientStatusShape(t *testing.T) {
	r, err := DecodeClientStatus(bigClientStatus(t, 200), "cp")
	require.NoError(t, err)
	require.Len(t, r.Proxies, 200)
	// every 97th proxy has a CDS error, every proxy a stale EDS
	errs := 0
	for _, p := range r.Proxies {
		cds, _ := p.Type("CDS")
		if cds.State == status.StateError {
			errs++
		}
		eds, _ := p.Type("EDS")
		require.Equal(t, status.StateStale, eds.State)
	}
	require.Equal(t, 3, errs) // 0, 97, 194
}
