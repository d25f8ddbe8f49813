package proxystatus

// End-to-end tests against the bundled control plane (internal/controlplane): EMULATED Envoy
// sidecars (internal/emulator, not Envoy) and a real gRPC-Go xDS client (grpcpeer, this test binary
// re-executed) connect to it, and every state is produced for real — SYNCED by ACKs, STALE by
// held ACKs, ERROR by a NACK, NOT SENT by a type asked for and never pushed, IGNORED by a type never
// subscribed — then read by `xdsctl proxy-status --xds-address` over CSDS.

import (
	"context"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/emulator"
	"github.com/xdsctl/xdsctl/pkg/status"
)

// meshYAML is what the emulated sidecars get: an EDS cluster, its endpoints, a listener whose HTTP
// connection manager takes its routes over RDS, and the routes. Node "notsent-1" gets a cluster whose
// endpoints do not exist (EDS asked for, never sent: it speaks delta xDS); node "nack-1" a cluster Envoy rejects
// (negative connect_timeout); node "grpc-client" (the real gRPC-Go client) what gRPC accepts.
const meshYAML = `
allow_invalid: true
resources:
  clusters:
    - name: backend
      type: EDS
      connect_timeout: 1s
      eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
  endpoints:
    - cluster_name: backend
      endpoints:
        - lb_endpoints:
            - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 8080 } } }
  listeners:
    - name: http
      address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
      filter_chains:
        - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: http
                rds: { route_config_name: local, config_source: { ads: {}, resource_api_version: V3 } }
                http_filters:
                  - name: envoy.filters.http.router
                    typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
  routes:
    - name: local
      virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
            - match: { prefix: / }
              route: { cluster: backend }
nodes:
  notsent-1:
    clusters:
      - name: backend
        type: EDS
        connect_timeout: 1s
        eds_cluster_config: { service_name: nowhere, eds_config: { ads: {}, resource_api_version: V3 } }
  nack-1:
    clusters:
      - name: backend
        type: EDS
        connect_timeout: -1s
        eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
  grpc-client:
    listeners:
      - name: greeter
        api_listener:
          api_listener:
            "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            rds: { route_config_name: greeter, config_source: { ads: {}, resource_api_version: V3 } }
            http_filters:
              - name: envoy.filters.http.router
                typed_config: { "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router }
    routes:
      - name: greeter
        virtual_hosts:
          - name: greeter
            domains: ["*"]
            routes:
              - match: { prefix: / }
                route: { cluster: greeter }
    clusters:
      - name: greeter
        type: EDS
        connect_timeout: 1s
        eds_cluster_config: { eds_config: { ads: {}, resource_api_version: V3 } }
    endpoints:
      - cluster_name: greeter
        endpoints:
          - locality: { region: local, zone: a }
            load_balancing_weight: 1
            lb_endpoints:
              - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: 50051 } } }
`

func parseMesh(t *testing.T, yaml string) *snapshot.Config {
	t.Helper()
	cfg, err := snapshot.Parse("mesh.yaml", []byte(yaml))
	require.NoError(t, err)
	return cfg
}

// cpClock is the control plane's clock: every push a minute before the command's t0.
func cpClock() time.Time { return t0.Add(-time.Minute) }

type meshHarness struct {
	t        *testing.T
	cp       *controlplane.Server
	sidecars map[string]*emulator.Sidecar
}

// deltaNodes speak delta xDS to the control plane; the other sidecars speak state of the world.
var deltaNodes = map[string]bool{"notsent-1": true}

// startMesh starts a control plane and emulated sidecars (delta for the nodes in deltaNodes).
func startMesh(t *testing.T, ids ...string) *meshHarness {
	t.Helper()
	cp, err := controlplane.Start(controlplane.Options{Config: parseMesh(t, meshYAML), Now: cpClock})
	require.NoError(t, err)
	t.Cleanup(cp.Close)
	h := &meshHarness{t: t, cp: cp, sidecars: map[string]*emulator.Sidecar{}}
	for _, id := range ids {
		sc, err := emulator.Start(emulator.Options{XDS: cp.Addr(), NodeID: id, Admin: "127.0.0.1:0", Delta: deltaNodes[id],
			Metadata: map[string]any{"NAMESPACE": "mesh"}})
		require.NoError(t, err)
		t.Cleanup(func() { _ = sc.Close() })
		h.sidecars[id] = sc
	}
	return h
}

// waitStatus waits until the control plane's tracker shows want for each node's type.
func (h *meshHarness) waitStatus(want map[string]map[string]string) {
	h.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var missing []string
		for node, types := range want {
			c, ok := h.cp.Tracker().Node(node)
			for typeURL, st := range types {
				got := "not connected"
				if ok {
					got = "not subscribed"
					if ty, found := c.Type(typeURL); found {
						got = tracker.Label(ty.Status)
					}
				}
				if got != st {
					missing = append(missing, node+" "+typeURL+": "+got+", want "+st)
				}
			}
		}
		if len(missing) == 0 {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for the control plane:\n  %s", strings.Join(missing, "\n  "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (h *meshHarness) dump(id string) []byte {
	h.t.Helper()
	resp, err := http.Get(h.sidecars[id].AdminURL() + "/config_dump")
	require.NoError(h.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return b
}

// TestBundledControlPlaneStates produces every state for real, on one control plane, and reads them
// back. notsent-1 asks for endpoints the control plane does not have: over delta xDS nothing is sent
// for them (state of the world would answer with an empty response), so its EDS stays NOT SENT; it
// shares the control plane with SotW sidecars whose stream ids are the same as its own. ECDS, never
// subscribed, is IGNORED.
func TestBundledControlPlaneStates(t *testing.T) {
	h := startMesh(t, "synced-1", "stale-1", "nack-1", "notsent-1")
	h.waitStatus(map[string]map[string]string{
		"synced-1":  {cdsURL: "SYNCED", ldsURL: "SYNCED", edsURL: "SYNCED", rdsURL: "SYNCED"},
		"stale-1":   {cdsURL: "SYNCED", ldsURL: "SYNCED", edsURL: "SYNCED", rdsURL: "SYNCED"},
		"nack-1":    {cdsURL: "ERROR", ldsURL: "SYNCED", rdsURL: "SYNCED"},
		"notsent-1": {cdsURL: "SYNCED", ldsURL: "SYNCED", edsURL: "NOT SENT", rdsURL: "SYNCED"},
	})
	// stale-1 stops answering; then new clusters are pushed to every node
	h.sidecars["stale-1"].HoldACKs(true)
	pushed := strings.Replace(meshYAML, "connect_timeout: 1s\n      eds_cluster_config: { eds_config", "connect_timeout: 2s\n      eds_cluster_config: { eds_config", 1)
	require.NotEqual(t, meshYAML, pushed)
	require.NoError(t, h.cp.Push(parseMesh(t, pushed)))
	h.waitStatus(map[string]map[string]string{
		"synced-1": {cdsURL: "SYNCED"},
		"stale-1":  {cdsURL: "STALE", ldsURL: "SYNCED"},
	})

	addr := h.cp.Addr()
	run := func(args ...string) (string, string, int) {
		stdout, stderr, code := newHarness(t, nil).run(append([]string{"--xds-address", addr, "--plaintext"}, args...)...)
		return strings.ReplaceAll(stdout, addr, "127.0.0.1:18000"), stderr, code
	}
	require.Len(t, addr, len("127.0.0.1:18000"))
	stdout, stderr, code := run("-o", "wide")
	require.Equal(t, 0, code, stderr)
	assertGolden(t, stdout, "bundled/states.wide")

	stdout, stderr, code = run("--status", "!SYNCED", "--fail-on-unsynced")
	assert.Equal(t, cmdutil.ExitProblems, code)
	assert.Equal(t, "3 of 3 proxies are not SYNCED\n", stderr)
	assert.NotContains(t, stdout, "synced-1")
	assert.Contains(t, stdout, "notsent-1", "NOT SENT is not SYNCED")

	stdout, _, code = run("--jq", `.[] | select(.name == "nack-1") | .types[] | select(.state == "ERROR") | .error`)
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "Proto constraint validation failed")

	t.Run("compare: what the control plane sent against each sidecar's own config dump", func(t *testing.T) {
		for _, tt := range []struct {
			node, want string
		}{
			{"synced-1", "Clusters Match (1 cluster)\nListeners Match (1 listener)\nRoutes Match (1 route configuration)\nSecrets not compared: the control plane reported none\n"},
			// the held response is not applied: the sidecar still has connect_timeout 1s
			{"stale-1", "Clusters Don't Match (1 differs)\n"},
			// the rejected cluster was sent but is not on the sidecar
			{"nack-1", "Clusters Don't Match (1 only on the control plane)\n"},
		} {
			t.Run(tt.node, func(t *testing.T) {
				file := writeTemp(t, tt.node+".json", h.dump(tt.node))
				stdout, stderr, code := newHarness(t, nil).run("--file", file, "--xds-address", addr, "--plaintext")
				require.Equal(t, 0, code, stderr)
				assert.True(t, strings.HasPrefix(stdout, tt.want), stdout)
			})
		}
		file := writeTemp(t, "stale.json", h.dump("stale-1"))
		stdout, _, _ := newHarness(t, nil).run("--file", file, "--xds-address", addr, "--plaintext")
		assert.Contains(t, stdout, "-  \"connect_timeout\": \"2s\"\n+  \"connect_timeout\": \"1s\"\n")
	})

	t.Run("releasing the held ACKs syncs stale-1", func(t *testing.T) {
		h.sidecars["stale-1"].HoldACKs(false)
		h.waitStatus(map[string]map[string]string{"stale-1": {cdsURL: "SYNCED"}})
		stdout, stderr, code := run("--status", "STALE")
		assert.Equal(t, 0, code, stderr)
		assert.Empty(t, stdout)
		assert.Equal(t, "No proxies found: the filters leave out all 4.\n", stderr)
	})
}

// TestRealGRPCClient: a real gRPC-Go xDS client and the control plane agree, as proxy-status shows
// them: through the control plane's CSDS, and through the client's own CSDS (gRPC's admin service).
func TestRealGRPCClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a gRPC client process")
	}
	h := startMesh(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var childErr strings.Builder
	peer, err := grpcpeer.Start(ctx, grpcpeer.Options{
		Command: []string{os.Args[0]}, Env: []string{child.Env + "=1"},
		XDS: h.cp.Addr(), NodeID: "grpc-client", Targets: []string{"greeter"}, Stderr: &childErr,
	})
	require.NoError(t, err, "gRPC client: %s", &childErr)
	t.Cleanup(func() { _ = peer.Close() })
	h.waitStatus(map[string]map[string]string{"grpc-client": {cdsURL: "SYNCED", ldsURL: "SYNCED", edsURL: "SYNCED", rdsURL: "SYNCED"}})

	views := func() (cpView, clientView status.ProxyStatus) {
		for _, addr := range []string{h.cp.Addr(), peer.AdminAddr()} {
			stdout, stderr, code := newHarness(t, nil).run("--xds-address", addr, "--plaintext", "-o", "json")
			require.Equal(t, 0, code, stderr)
			var ps []status.ProxyStatus
			require.NoError(t, jsonUnmarshal(stdout, &ps))
			require.Len(t, ps, 1, stdout)
			if addr == h.cp.Addr() {
				cpView = ps[0]
			} else {
				clientView = ps[0]
			}
		}
		return cpView, clientView
	}
	states := func(p status.ProxyStatus) map[string]status.State {
		out := map[string]status.State{}
		for _, ty := range p.Types {
			out[ty.Type] = ty.State
		}
		return out
	}
	cpv, cv := views()
	want := map[string]status.State{"CDS": status.StateSynced, "LDS": status.StateSynced, "EDS": status.StateSynced, "RDS": status.StateSynced, "ECDS": status.StateIgnored}
	assert.Equal(t, want, states(cpv))
	assert.Equal(t, want, states(cv), "the client's own CSDS agrees")
	assert.Equal(t, "grpc-client", cv.Name)
	assert.Contains(t, cv.Version, "gRPC Go")

	// a cluster gRPC rejects: MAGLEV
	bad := strings.Replace(meshYAML, "      - name: greeter\n        type: EDS\n        connect_timeout: 1s\n",
		"      - name: greeter\n        type: EDS\n        connect_timeout: 1s\n        lb_policy: MAGLEV\n", 1)
	require.NotEqual(t, meshYAML, bad)
	require.NoError(t, h.cp.Push(parseMesh(t, bad)))
	h.waitStatus(map[string]map[string]string{"grpc-client": {cdsURL: "ERROR"}})
	deadline := time.Now().Add(10 * time.Second)
	for {
		cpv, cv = views()
		if states(cv)["CDS"] == status.StateError || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	assert.Equal(t, status.StateError, states(cpv)["CDS"])
	assert.Equal(t, status.StateError, states(cv)["CDS"], "the client says NACKED")
	cpCDS, _ := cpv.Type("CDS")
	cCDS, _ := cv.Type("CDS")
	assert.Contains(t, cCDS.Error, "MAGLEV")
	assert.Contains(t, cpCDS.Error, "MAGLEV", "the control plane keeps the client's NACK message")
}

// TestBundledControlPlaneIstioNames: with --xds-address, a proxy whose node id is Istio-shaped is
// named pod.namespace (as istiod names it), another by its id; -o wide shows both.
func TestBundledControlPlaneIstioNames(t *testing.T) {
	cp, err := controlplane.Start(controlplane.Options{Config: parseMesh(t, meshYAML), Now: cpClock})
	require.NoError(t, err)
	t.Cleanup(cp.Close)
	id, cluster, md, err := emulator.IstioSidecar("reviews-v1-abc.mesh", "10.0.0.7")
	require.NoError(t, err)
	for _, o := range []emulator.Options{
		{NodeID: id, NodeCluster: cluster, Metadata: md},
		{NodeID: "synced-1", Metadata: map[string]any{"NAMESPACE": "mesh"}},
	} {
		o.XDS = cp.Addr()
		sc, err := emulator.Start(o)
		require.NoError(t, err)
		t.Cleanup(func() { _ = sc.Close() })
	}
	h := &meshHarness{t: t, cp: cp}
	h.waitStatus(map[string]map[string]string{
		id:         {cdsURL: "SYNCED", ldsURL: "SYNCED", edsURL: "SYNCED", rdsURL: "SYNCED"},
		"synced-1": {cdsURL: "SYNCED", ldsURL: "SYNCED", edsURL: "SYNCED", rdsURL: "SYNCED"},
	})
	addr := cp.Addr()
	for _, format := range []string{"short", "wide"} {
		stdout, stderr, code := newHarness(t, nil).run("--xds-address", addr, "--plaintext", "-o", format)
		require.Equal(t, 0, code, stderr)
		assertGolden(t, strings.ReplaceAll(stdout, addr, "127.0.0.1:18000"), "bundled/istio-names."+format)
	}
}
