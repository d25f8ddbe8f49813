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

func keyOf(g *statusv3.ClientConfig_GenericXdsConfig) key {
	return key(xdsres.ShortName(g.GetTypeUrl()) + " " + g.GetName())
}

// grpcView is the gRPC client's own CSDS, per resource.
func (h *grpcHarness) grpcView(ctx context.Context) (map[key]*statusv3.ClientConfig_GenericXdsConfig, error) {
	resp, err := h.peer.ClientStatus(ctx)
	if err != nil {
		return nil, err
	}
	out := map[key]*statusv3.ClientConfig_GenericXdsConfig{}
	for _, cc := range resp.GetConfig() {
		for _, g := range cc.GetGenericXdsConfigs() {
			out[keyOf(g)] = g
		}
	}
	return out, nil
}

// cpView is the control plane's CSDS for the gRPC client's node, per resource (the per-type
// summary entries, which have no name, are left out).
func (h *grpcHarness) cpView() map[key]*statusv3.ClientConfig_GenericXdsConfig {
	resp, err := controlplane.ClientStatus(h.cp.Tracker(), controlplane.NodeRequest(h.node))
	require.NoError(h.t, err)
	out := map[key]*statusv3.ClientConfig_GenericXdsConfig{}
	for _, cc := range resp.GetConfig() {
		for _, g := range cc.GetGenericXdsConfigs() {
			if g.GetName() != "" {
				out[keyOf(g)] = g
			}
		}
	}
	return out
}

// disagreements lists where the two views differ: ACKED ↔ SYNCED, NACKED ↔ ERROR with the same
// error text, REQUESTED or DOES_NOT_EXIST ↔ NOT_SENT, and no resource in one view only.
func disagreements(grpcView, cpView map[key]*statusv3.ClientConfig_GenericXdsConfig) []string {
	var out []string
	for k, g := range grpcView {
		c, ok := cpView[k]
		if !ok {
			out = append(out, fmt.Sprintf("%s: gRPC says %s, the control plane has no entry", k, g.GetClientStatus()))
			continue
		}
		want := map[adminv3.ClientResourceStatus]statusv3.ConfigStatus{
			adminv3.ClientResourceStatus_ACKED:          tracker.Synced,
			adminv3.ClientResourceStatus_NACKED:         tracker.Error,
			adminv3.ClientResourceStatus_REQUESTED:      tracker.NotSent,
			adminv3.ClientResourceStatus_DOES_NOT_EXIST: tracker.NotSent,
		}[g.GetClientStatus()]
		if c.GetConfigStatus() != want {
			out = append(out, fmt.Sprintf("%s: gRPC says %s, the control plane says %s (want %s)", k, g.GetClientStatus(), c.GetConfigStatus(), want))
		}
		if gd, cd := g.GetErrorState().GetDetails(), c.GetErrorState().GetDetails(); g.GetClientStatus() == adminv3.ClientResourceStatus_NACKED && gd != cd {
			out = append(out, fmt.Sprintf("%s: gRPC's error %q, the control plane's %q", k, gd, cd))
		}
	}
	for k, c := range cpView {
		if _, ok := grpcView[k]; !ok {
			out = append(out, fmt.Sprintf("%s: the control plane says %s, gRPC has no entry", k, c.GetConfigStatus()))
		}
	}
	sort.Strings(out)
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
		var err error
		g, err = h.grpcView(ctx)
		if err == nil {
			c = h.cpView()
			diff = disagreements(g, c)
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
