package controlplane_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/controlplane/xdsres"
)

// grpcHarness is the bundled control plane with a real gRPC-Go xDS client (this test binary
// re-executed as grpcpeer's child) connected to it.
type grpcHarness struct {
	t    *testing.T
	cp   *controlplane.Server
	peer *grpcpeer.Peer
	node string
}

func loadConfig(t *testing.T, path string) *snapshot.Config {
	t.Helper()
	cfg, err := snapshot.Load(path)
	require.NoError(t, err)
	return cfg
}

func startGRPCHarness(t *testing.T, cfg *snapshot.Config, opts controlplane.Options) *grpcHarness {
	t.Helper()
	opts.Config = cfg
	cp, err := controlplane.Start(opts)
	require.NoError(t, err)
	t.Cleanup(cp.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var stderr strings.Builder
	peer, err := grpcpeer.Start(ctx, grpcpeer.Options{
		Command: []string{os.Args[0]}, Env: []string{child.Env + "=1"},
		XDS: cp.Addr(), NodeID: "grpc-client", Targets: []string{"greeter"}, Stderr: &stderr,
	})
	require.NoError(t, err, "gRPC client stderr: %s", &stderr)
	t.Cleanup(func() { _ = peer.Close() })
	return &grpcHarness{t: t, cp: cp, peer: peer, node: "grpc-client"}
}

// key names a resource: "CDS greeter".
type key string

// byKey is a CSDS response's per-resource entries by "<TYPE> <name>".
func byKey(resp *statusv3.ClientStatusResponse) map[key]*statusv3.ClientConfig_GenericXdsConfig {
	out := map[key]*statusv3.ClientConfig_GenericXdsConfig{}
	for k, g := range grpcpeer.Resources(resp) {
		out[key(k)] = g
	}
	return out
}

func describe(v map[key]*statusv3.ClientConfig_GenericXdsConfig, grpc bool) string {
	var lines []string
	for k, g := range v {
		st := g.GetConfigStatus().String()
		if grpc {
			st = g.GetClientStatus().String()
		}
		lines = append(lines, fmt.Sprintf("  %s %s %q", k, st, g.GetErrorState().GetDetails()))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// waitAgree waits until want holds of gRPC's view and both views agree.
func (h *grpcHarness) waitAgree(what string, want func(map[key]*statusv3.ClientConfig_GenericXdsConfig) bool) map[key]*statusv3.ClientConfig_GenericXdsConfig {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var g, c map[key]*statusv3.ClientConfig_GenericXdsConfig
	var diff []string
	for {
		resp, err := h.peer.ClientStatus(ctx)
		if err == nil {
			g = byKey(resp)
			mine, _ := controlplane.ClientStatus(h.cp.Tracker(), controlplane.NodeRequest(h.node))
			c = byKey(mine)
			diff = grpcpeer.Compare(resp, mine)
			if want(g) && len(diff) == 0 {
				return g
			}
		}
		select {
		case <-ctx.Done():
			h.t.Fatalf("%s: timed out (last error %v)\ngRPC's view:\n%s\ncontrol plane's view:\n%s\ndisagreements:\n  %s",
				what, err, describe(g, true), describe(c, false), strings.Join(diff, "\n  "))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func allACKed(n int) func(map[key]*statusv3.ClientConfig_GenericXdsConfig) bool {
	return func(g map[key]*statusv3.ClientConfig_GenericXdsConfig) bool {
		acked := 0
		for _, r := range g {
			if r.GetClientStatus() == adminv3.ClientResourceStatus_ACKED {
				acked++
			}
		}
		return acked == n && len(g) == n
	}
}

func statusIs(k key, st adminv3.ClientResourceStatus) func(map[key]*statusv3.ClientConfig_GenericXdsConfig) bool {
	return func(g map[key]*statusv3.ClientConfig_GenericXdsConfig) bool {
		return g[k].GetClientStatus() == st
	}
}

func (h *grpcHarness) counters(typeURL string) tracker.Counters {
	c, ok := h.cp.Tracker().Node(h.node)
	require.True(h.t, ok, "node %q is not connected", h.node)
	ty, _ := c.Type(typeURL)
	return ty.Counters
}

// TestGRPCClientAgreesWithControlPlane drives a real gRPC-Go xDS client through a NACK of each of
// the four types and a recovery after each, and checks at every step that the client's own CSDS
// and the control plane's CSDS agree, and that each NACK got no response until new config.
func TestGRPCClientAgreesWithControlPlane(t *testing.T) {
	dir := filepath.Join("testdata", "grpc")
	base := loadConfig(t, filepath.Join(dir, "base.yaml"))
	h := startGRPCHarness(t, base, controlplane.Options{})

	h.waitAgree("initial config", allACKed(4))

	steps := []struct {
		file    string
		typeURL string
		key     key
		errText string // a part of gRPC's error
	}{
		{"bad-cds.yaml", xdsres.Kinds[0].TypeURL, "CDS greeter", "unexpected lbPolicy MAGLEV"},
		{"bad-lds.yaml", xdsres.Kinds[2].TypeURL, "LDS greeter", "http filters list is empty"},
		{"bad-rds.yaml", xdsres.Kinds[3].TypeURL, "RDS greeter", "num_retries"},
		{"bad-eds.yaml", xdsres.Kinds[1].TypeURL, "EDS greeter", "duplicate endpoint with the same address"},
	}
	for _, st := range steps {
		t.Run(st.file, func(t *testing.T) {
			h.t = t
			before := h.counters(st.typeURL)
			require.NoError(t, h.cp.Push(loadConfig(t, filepath.Join(dir, st.file))))
			g := h.waitAgree("NACK of "+st.file, statusIs(st.key, adminv3.ClientResourceStatus_NACKED))
			require.Contains(t, g[st.key].GetErrorState().GetDetails(), st.errText)

			// Exactly one response per NACK: the rejected one. Without the guard go-control-plane
			// re-sends it at once and gRPC NACKs it again, thousands of times a second.
			time.Sleep(500 * time.Millisecond)
			after := h.counters(st.typeURL)
			require.Equal(t, before.NACKs+1, after.NACKs, "NACKs of %s", st.key)
			require.Equal(t, before.Responses+1, after.Responses, "responses of %s", st.key)
			require.Zero(t, after.ResponsesSinceNACK, "responses after the NACK of %s", st.key)
			conn, _ := h.cp.Tracker().Node(h.node)
			require.Equal(t, tracker.Error, conn.StatusOf(st.typeURL))

			// Recovery: the good config again is new config for this type.
			require.NoError(t, h.cp.Push(base))
			h.waitAgree("recovery after "+st.file, allACKed(4))
			conn, _ = h.cp.Tracker().Node(h.node)
			require.Equal(t, tracker.Synced, conn.StatusOf(st.typeURL))
			require.Equal(t, 1, h.counters(st.typeURL).ResponsesSinceNACK)
		})
	}

	t.Run("missing-cluster.yaml", func(t *testing.T) {
		h.t = t
		require.NoError(t, h.cp.Push(loadConfig(t, filepath.Join(dir, "missing-cluster.yaml"))))
		g := h.waitAgree("a cluster the snapshot lacks", func(g map[key]*statusv3.ClientConfig_GenericXdsConfig) bool {
			st := g["CDS missing"].GetClientStatus()
			return st == adminv3.ClientResourceStatus_REQUESTED || st == adminv3.ClientResourceStatus_DOES_NOT_EXIST
		})
		require.Equal(t, adminv3.ClientResourceStatus_REQUESTED, g["CDS missing"].GetClientStatus(),
			"only the route changed, so the cluster request is parked: gRPC still waits for it")
		// gRPC keeps its watch on the old cluster while the new one has not arrived; the views
		// agree on it either way (waitAgree).

		require.NoError(t, h.cp.Push(base))
		h.waitAgree("recovery", allACKed(4))
	})
}

// TestGRPCNACKStormWithoutGuard measures what the NACK guard prevents with a real gRPC client:
// without it, go-control-plane resends the rejected cluster at once and gRPC NACKs it again.
func TestGRPCNACKStormWithoutGuard(t *testing.T) {
	dir := filepath.Join("testdata", "grpc")
	h := startGRPCHarness(t, loadConfig(t, filepath.Join(dir, "base.yaml")), controlplane.Options{DisableNACKGuard: true})
	h.waitAgree("initial config", allACKed(4))
	require.NoError(t, h.cp.Push(loadConfig(t, filepath.Join(dir, "bad-cds.yaml"))))
	time.Sleep(time.Second)
	n := h.counters(xdsres.Kinds[0].TypeURL).NACKs
	t.Logf("without the NACK guard: %d NACKs from the gRPC client in 1s", n)
	require.Greater(t, n, 20)
}
