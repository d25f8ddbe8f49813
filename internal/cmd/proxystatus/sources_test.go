package proxystatus

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/timestamppb"
	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
)

// csdsServer is a CSDS server answering a fixed response, as gRPC's admin service or a Traffic
// Director-style plane would (the shape is theirs; the server is test code).
type csdsServer struct {
	statusv3.UnimplementedClientStatusDiscoveryServiceServer
	resp *statusv3.ClientStatusResponse
	reqs []*statusv3.ClientStatusRequest
}

func (s *csdsServer) FetchClientStatus(_ context.Context, req *statusv3.ClientStatusRequest) (*statusv3.ClientStatusResponse, error) {
	s.reqs = append(s.reqs, req)
	out := &statusv3.ClientStatusResponse{}
	for _, c := range s.resp.GetConfig() {
		keep := len(req.GetNodeMatchers()) == 0
		for _, m := range req.GetNodeMatchers() {
			keep = keep || m.GetNodeId().GetExact() == c.GetNode().GetId()
		}
		if keep {
			out.Config = append(out.Config, c)
		}
	}
	return out, nil
}

func startCSDS(t *testing.T, resp *statusv3.ClientStatusResponse) (string, *csdsServer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := grpc.NewServer()
	cs := &csdsServer{resp: resp}
	statusv3.RegisterClientStatusDiscoveryServiceServer(srv, cs)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(srv.Stop)
	return l.Addr().String(), cs
}

const (
	cdsURL = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	ldsURL = "type.googleapis.com/envoy.config.listener.v3.Listener"
	rdsURL = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
	edsURL = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment"
)

// grpcClients is what gRPC's admin CSDS reports: per resource, the client's own view.
func grpcClients() *statusv3.ClientStatusResponse {
	ts := func(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(t0.Add(-d)) }
	return &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{
		{Node: &corev3.Node{Id: "grpc-client-1", Cluster: "edge", UserAgentName: "gRPC Go", UserAgentVersionType: &corev3.Node_UserAgentVersion{UserAgentVersion: "1.85.0"}},
			GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
				{TypeUrl: ldsURL, Name: "svc", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3", LastUpdated: ts(time.Minute)},
				{TypeUrl: rdsURL, Name: "route", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3", LastUpdated: ts(time.Minute)},
				{TypeUrl: cdsURL, Name: "backend", ClientStatus: adminv3.ClientResourceStatus_NACKED, VersionInfo: "2", LastUpdated: ts(10 * time.Second),
					ErrorState: &adminv3.UpdateFailureState{Details: "unexpected lbPolicy MAGLEV in response", VersionInfo: "3"}},
				{TypeUrl: edsURL, Name: "backend", ClientStatus: adminv3.ClientResourceStatus_REQUESTED},
			}},
		{Node: &corev3.Node{Id: "grpc-client-2", Cluster: "edge", UserAgentName: "gRPC Go", UserAgentVersionType: &corev3.Node_UserAgentVersion{UserAgentVersion: "1.85.0"}},
			GenericXdsConfigs: []*statusv3.ClientConfig_GenericXdsConfig{
				{TypeUrl: ldsURL, Name: "svc", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3", LastUpdated: ts(time.Minute)},
				{TypeUrl: rdsURL, Name: "route", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3", LastUpdated: ts(time.Minute)},
				{TypeUrl: cdsURL, Name: "backend", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3", LastUpdated: ts(time.Minute)},
				{TypeUrl: edsURL, Name: "backend", ClientStatus: adminv3.ClientResourceStatus_ACKED, VersionInfo: "3", LastUpdated: ts(time.Minute)},
			}},
	}}
}

func TestCSDSServer(t *testing.T) {
	addr, _ := startCSDS(t, grpcClients())
	for _, tt := range []struct {
		name string
		args []string
		code int
	}{
		{name: "short"},
		{name: "wide", args: []string{"-o", "wide"}},
		{name: "errors-only", args: []string{"--status", "ERROR", "--fail-on-unsynced"}, code: cmdutil.ExitProblems},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := newHarness(t, nil).run(append([]string{"--xds-address", addr, "--plaintext"}, tt.args...)...)
			assert.Equal(t, tt.code, code, stderr)
			// the port is random; Linux ephemeral ports have 5 digits, so columns keep their width
			require.Len(t, addr, len("127.0.0.1:18000"))
			assertGolden(t, strings.ReplaceAll(stdout, addr, "127.0.0.1:18000"), "csds/"+tt.name)
		})
	}
	t.Run("saved CSDS response", func(t *testing.T) {
		j, err := protojson.Marshal(grpcClients())
		require.NoError(t, err)
		path := writeTemp(t, "csds.json", j)
		stdout, stderr, code := newHarness(t, nil).run("--file", path, "-o", "wide")
		assert.Equal(t, 0, code, stderr)
		assertGolden(t, stdout, "csds/saved-wide") // as csds/wide, without a control plane name
	})
	t.Run("unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		dead := l.Addr().String()
		require.NoError(t, l.Close())
		stdout, stderr, code := newHarness(t, nil).run("--xds-address", dead, "--plaintext")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Empty(t, stdout)
		assert.Equal(t, "Error: ask for client status (CSDS) from CSDS server at "+dead+": connection refused\n"+
			"Hint: is the control plane running and listening on that port? Check --xds-address\n", stderr)
	})
	t.Run("timeout, never a hang", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				defer c.Close()
			}
		}()
		start := time.Now()
		_, stderr, code := newHarness(t, nil).run("--xds-address", l.Addr().String(), "--timeout", "300ms")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Less(t, time.Since(start), 3*time.Second)
		// A frozen peer (a stopped gRPC client serving CSDS as well as a control plane): not called a control plane.
		assertGolden(t, strings.ReplaceAll(stderr, l.Addr().String(), "127.0.0.1:18000"), "hints/csds-frozen")
	})
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := t.TempDir() + "/" + name
	require.NoError(t, writeFile(p, data))
	return p
}

func TestFromProxies(t *testing.T) {
	cl := &fakeCluster{
		pods: []corev1.Pod{
			pod("httpbin-istio-waypoint-58f646c5ff-dbfkz", "default", map[string]string{"app": "waypoint"}),
			pod("productpage-v1-123", "default", map[string]string{"app": "productpage"}),
			pod("gw-1", "istio-system", map[string]string{"app": "gw"}),
			pod("broken-1", "default", map[string]string{"app": "broken"}),
		},
		admins: map[string]string{
			"httpbin-istio-waypoint-58f646c5ff-dbfkz.default": adminEmulator(t, readShared(t, "istio/proxyconfig__config_dump.json")),
			"productpage-v1-123.default":                      adminEmulator(t, readShared(t, "istio/authz__configdump.json")),
			"gw-1.istio-system":                               adminEmulator(t, readShared(t, "istio/writer__envoy__configdump__secret__istio__config_dump.json")),
			"broken-1.default":                                adminEmulator(t, []byte(`{"resources":[]}`)),
		},
	}
	t.Run("default namespace", func(t *testing.T) {
		stdout, stderr, code := newHarness(t, cl).run("--from-proxies", "-o", "wide")
		assert.Equal(t, 0, code, stderr)
		assertGolden(t, stdout, "from-proxies/default")
		assert.Contains(t, stderr, "Warning: broken-1.default: an xDS DiscoveryResponse (e.g. istiod syncz), not Envoy admin output")
		assert.Contains(t, stderr, inferredNote)
	})
	t.Run("all namespaces, selector", func(t *testing.T) {
		stdout, stderr, code := newHarness(t, cl).run("--from-proxies", "-A", "-l", "app in (gw,productpage)", "--fail-on-unsynced")
		assert.Equal(t, cmdutil.ExitProblems, code, stderr)
		assertGolden(t, stdout, "from-proxies/selector")
		assert.Contains(t, stderr, "1 of 2 proxies are not SYNCED")
	})
	t.Run("no proxies", func(t *testing.T) {
		_, stderr, code := newHarness(t, cl).run("--from-proxies", "-n", "nowhere")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Equal(t, "Error: no pods that look like proxies (an istio-proxy or envoy container) in namespace \"nowhere\"\n"+
			"Hint: look in every namespace with -A, or select the proxy pods with -l\n", stderr)
	})
}

// TestCompare compares one proxy with its control plane's view, through every source of that view.
func TestCompare(t *testing.T) {
	a, b := readShared(t, "istio/writer__compare__configdump.json"), readShared(t, "istio/writer__compare__configdump_diff.json")
	withNode := func(dump []byte, id string) []byte {
		// the proxy's bootstrap names its node, as a real dump does
		return []byte(strings.Replace(string(dump), `"configs": [`, `"configs": [{"@type":"type.googleapis.com/envoy.admin.v3.BootstrapConfigDump","bootstrap":{"node":{"id":"`+id+`"}}},`, 1))
	}
	istioID := "waypoint~10.0.0.1~waypoint-abc.default~default.svc.cluster.local"
	emuProxies := []istiodemu.Proxy{{ID: "waypoint-abc.default", ConfigDump: a, Watches: allSynced(time.Minute)}}
	mkCluster := func(t *testing.T, proxyDump []byte) *fakeCluster {
		cl := &fakeCluster{
			pods: []corev1.Pod{
				pod("istiod-1", "istio-system", map[string]string{"app": "istiod"}),
				pod("istiod-2", "istio-system", map[string]string{"app": "istiod"}),
			},
			istiod: map[string]*istiodemu.Server{
				"istiod-1": startIstiod(t, istiodemu.Options{ID: "istiod-1"}), // the proxy is not connected here
				"istiod-2": startIstiod(t, istiodemu.Options{ID: "istiod-2", Proxies: emuProxies}),
			},
			admins: map[string]string{"waypoint-abc.default": adminEmulator(t, withNode(proxyDump, istioID))},
		}
		return cl
	}
	t.Run("istiod, match", func(t *testing.T) {
		stdout, stderr, code := newHarness(t, mkCluster(t, a)).run("waypoint-abc.default", "--plaintext", "--fail-on-unsynced")
		assert.Equal(t, 0, code, stderr)
		assert.Empty(t, stderr)
		assert.Equal(t, "Clusters Match (1 cluster)\nListeners Match (3 listeners)\nRoutes Match (1 route configuration)\n"+
			"Secrets not compared: the control plane reported none\n", stdout)
	})
	t.Run("istiod, diff", func(t *testing.T) {
		stdout, stderr, code := newHarness(t, mkCluster(t, b)).run("waypoint-abc", "--plaintext", "--fail-on-unsynced")
		assert.Equal(t, cmdutil.ExitProblems, code)
		assert.Equal(t, "proxy waypoint-abc.default does not match what istiod istiod-2 sent\n", stderr)
		assertGolden(t, stdout, "compare/istiod-diff")
	})
	t.Run("istiod, diff's flags", func(t *testing.T) {
		stdout, stderr, code := newHarness(t, mkCluster(t, b)).run("waypoint-abc", "--plaintext", "--fail-on-unsynced", "--kinds", "listeners",
			"--ignore", "listeners:filter_chains.filters.typed_config.use_remote_address", "--ignore", "**.stat_prefix")
		assert.Equal(t, 0, code, stderr)
		assert.Equal(t, "Listeners Match (3 listeners)\n", stdout)
		stdout, _, code = newHarness(t, mkCluster(t, b)).run("waypoint-abc", "--plaintext", "--stat")
		assert.Equal(t, 0, code)
		assertGolden(t, stdout, "compare/istiod-stat")
	})
	t.Run("ControlPlaneView, as diff's cp:<pod> reads it", func(t *testing.T) {
		for _, tt := range []struct {
			proxy []byte
			equal bool
		}{{a, true}, {b, false}} {
			h := newHarness(t, mkCluster(t, tt.proxy))
			o := NewOptions(h.f)
			o.Plaintext, o.IstioNamespace = true, "istio-system"
			name, dump, _, warnings, err := o.ControlPlaneView(context.Background(), "waypoint-abc")
			require.NoError(t, err)
			assert.Equal(t, "istiod istiod-2", name)
			assert.Empty(t, warnings)
			r, err := configdiff.Diff(configdiff.Input{Name: name, Dump: dump}, configdiff.Input{Name: "proxy", Dump: tt.proxy},
				configdiff.DiffOptions{Kinds: configdiff.Kinds})
			require.NoError(t, err)
			assert.Equal(t, tt.equal, r.Equal, r.Summary())
		}
	})
	t.Run("istiod, json", func(t *testing.T) {
		stdout, _, code := newHarness(t, mkCluster(t, b)).run("waypoint-abc", "--plaintext", "--jq", `.kinds[] | .kind + " " + (.compared|tostring) + " " + (.match|tostring)`)
		assert.Equal(t, 0, code)
		assert.Equal(t, "Clusters true false\nListeners true false\nRoutes true false\nSecrets false false\n", stdout)
	})
	t.Run("offline: both sides from files", func(t *testing.T) {
		stdout, stderr, code := newHarness(t, nil).run("--file", sharedPath("istio/writer__compare__configdump_diff.json"),
			"--control-plane-file", sharedPath("istio/writer__compare__configdump.json"))
		assert.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "Listeners Don't Match (2 differ)\n")
		assert.Contains(t, stdout, "--- control plane ("+sharedPath("istio/writer__compare__configdump.json")+")\n")
	})
	t.Run("a CSDS server's per-node resources", func(t *testing.T) {
		// the bundled control plane's CSDS view: per type a summary entry, then each resource sent
		resp := &statusv3.ClientStatusResponse{Config: []*statusv3.ClientConfig{{Node: &corev3.Node{Id: "edge-proxy"}}}}
		var dump adminv3.ConfigDump
		require.NoError(t, protojson.Unmarshal(a, &dump))
		for _, sec := range dump.GetConfigs() {
			m, err := sec.UnmarshalNew()
			require.NoError(t, err)
			var typeURL string
			var items []*anypb.Any
			switch d := m.(type) {
			case *adminv3.ClustersConfigDump:
				typeURL = cdsURL
				for _, c := range d.GetDynamicActiveClusters() {
					items = append(items, c.GetCluster())
				}
			case *adminv3.ListenersConfigDump:
				typeURL = ldsURL
				for _, l := range d.GetDynamicListeners() {
					items = append(items, l.GetActiveState().GetListener())
				}
			case *adminv3.RoutesConfigDump:
				typeURL = rdsURL
				for _, r := range d.GetDynamicRouteConfigs() {
					items = append(items, r.GetRouteConfig())
				}
			}
			cc := resp.Config[0]
			cc.GenericXdsConfigs = append(cc.GenericXdsConfigs, &statusv3.ClientConfig_GenericXdsConfig{TypeUrl: typeURL, ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v1"})
			for _, it := range items {
				name := nameOf(t, it)
				cc.GenericXdsConfigs = append(cc.GenericXdsConfigs, &statusv3.ClientConfig_GenericXdsConfig{
					TypeUrl: typeURL, Name: name, ConfigStatus: statusv3.ConfigStatus_SYNCED, VersionInfo: "v1", XdsConfig: it})
			}
		}
		addr, cs := startCSDS(t, resp)
		dumpFile := writeTemp(t, "proxy.json", withNode(b, "edge-proxy"))
		stdout, stderr, code := newHarness(t, nil).run("--file", dumpFile, "--xds-address", addr, "--plaintext")
		assert.Equal(t, 0, code, stderr)
		assert.Contains(t, stdout, "--- control plane at "+addr+"\n")
		assert.Contains(t, stdout, "Clusters Don't Match (1 only on the control plane, 1 only on the proxy)\n")
		assert.Contains(t, stdout, "Listeners Don't Match (2 differ)\n")
		require.Len(t, cs.reqs, 1)
		assert.Equal(t, "edge-proxy", cs.reqs[0].GetNodeMatchers()[0].GetNodeId().GetExact(), "asked for the proxy's node only")

		same := writeTemp(t, "same.json", withNode(a, "edge-proxy"))
		stdout, stderr, code = newHarness(t, nil).run("--file", same, "--xds-address", addr, "--plaintext", "--fail-on-unsynced")
		assert.Equal(t, 0, code, stderr)
		assert.Equal(t, "Clusters Match (1 cluster)\nListeners Match (3 listeners)\nRoutes Match (1 route configuration)\n"+
			"Secrets not compared: the control plane reported none\n", stdout)

		_, stderr, code = newHarness(t, nil).run("--file", same, "--xds-address", addr, "--plaintext", "--node-id", "ghost")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Contains(t, stderr, `Error: the control plane at `+addr+` has no proxy with node id "ghost" connected`)
	})
	t.Run("proxy not connected to any istiod", func(t *testing.T) {
		cl := mkCluster(t, a)
		cl.istiod["istiod-2"].SetProxies(nil)
		_, stderr, code := newHarness(t, cl).run("waypoint-abc", "--plaintext")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Contains(t, stderr, `Error: no istiod replica (label app=istiod in namespace "istio-system") has proxy "waypoint-abc.default" connected`)
	})
	t.Run("unknown pod", func(t *testing.T) {
		_, stderr, code := newHarness(t, mkCluster(t, a)).run("nope", "--plaintext")
		assert.Equal(t, cmdutil.ExitError, code)
		assert.Equal(t, "Error: pod \"nope\" not found\nHint: list them with: kubectl get pods\n", stderr)
	})
}

func nameOf(t *testing.T, a *anypb.Any) string {
	t.Helper()
	m, err := a.UnmarshalNew()
	require.NoError(t, err)
	return m.ProtoReflect().Get(m.ProtoReflect().Descriptor().Fields().ByName("name")).String()
}
