package selftest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cp "github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
)

func TestMain(m *testing.M) {
	child.ExitIfChild()
	os.Exit(m.Run())
}

func TestSelftestPasses(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, Options{Out: &out, PeerCommand: []string{os.Args[0]}, PeerEnv: []string{child.Env + "=1"}})
	t.Log("\n" + out.String())
	require.NoError(t, err)
	assert.Empty(t, res.Failed)
	assert.Equal(t, 22, res.Checks)
	assert.Contains(t, out.String(), "selftest: all 22 checks passed")
	// the wide views: a version CSDS does not tell is not shown as a placeholder
	assert.NotContains(t, out.String(), "=-→")
	assert.Contains(t, out.String(), "CDS=v4 (not acked) LDS=v4 (not acked) EDS=v4 (not acked) RDS=v4 (not acked)", "step 4: sidecar-2 holds its ACKs")
	assert.Contains(t, out.String(), "CDS=v3 (rejected) LDS=v3 EDS=v3 RDS=v3", "step 3: sidecar-1 rejected v3's clusters")
}

func TestSelftestReportsFailedChecks(t *testing.T) {
	// With no time to wait, the checks that wait for proxies fail, and say what they saw.
	var out bytes.Buffer
	res, err := Run(context.Background(), Options{Out: &out, PeerCommand: []string{os.Args[0]}, PeerEnv: []string{child.Env + "=1"}, Wait: time.Nanosecond, Quiet: true})
	require.NoError(t, err)
	require.NotEmpty(t, res.Failed)
	// This check always waits 300 ms, so with no time it fails, and says why.
	assert.Contains(t, out.String(), "  FAIL  grpc-client's NACK is answered with silence: 1 NACK, no response since (no resend storm)\n        context deadline exceeded\n")
	assert.Contains(t, out.String(), "  - grpc-client's NACK is answered with silence: 1 NACK, no response since (no resend storm)\n")
	assert.Contains(t, out.String(), fmt.Sprintf("selftest: %d of 22 checks FAILED", len(res.Failed)))
}

func TestSelftestSetupError(t *testing.T) {
	// A gRPC client that cannot start is a setup error, not a failed check.
	var out bytes.Buffer
	_, err := Run(context.Background(), Options{Out: &out, PeerCommand: []string{"/nonexistent/grpc-peer"}, Wait: time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `start the gRPC xDS client "/nonexistent/grpc-peer"`)
}

func TestSelftestStopsWhenCancelled(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Run(ctx, Options{Out: &out, PeerCommand: []string{os.Args[0]}, PeerEnv: []string{child.Env + "=1"}})
	require.ErrorIs(t, err, context.Canceled)
	assert.NotContains(t, out.String(), "FAIL")
}

func TestSnapshotIsTheExample(t *testing.T) {
	example, err := os.ReadFile(filepath.Join("..", "..", "examples", "controlplane", "basic.yaml"))
	require.NoError(t, err)
	assert.Equal(t, string(example), baseSnapshot, "internal/selftest/snapshot.yaml must stay a copy of examples/controlplane/basic.yaml")
}

// TestStepRunsBeforeThenPushes: a step's before (step 4: sidecar-2 holds its ACKs) runs before its
// push, or the pushed config can reach the sidecar before it holds and the step's checks fail on a
// busy machine.
func TestStepRunsBeforeThenPushes(t *testing.T) {
	srv := cp.New(cp.Options{})
	t.Cleanup(srv.Stop)
	r := &run{cp: srv}
	pushesBefore := -1
	require.NoError(t, r.apply(4, step{
		before: func() { pushesBefore = srv.Pushes() },
		push:   func() (*snapshot.Config, error) { return snapshot.Empty(), nil },
	}))
	assert.Equal(t, 0, pushesBefore, "before ran after the push")
	assert.Equal(t, 1, srv.Pushes())

	err := r.apply(2, step{push: func() (*snapshot.Config, error) { return nil, fmt.Errorf("load snapshot: bad") }})
	assert.EqualError(t, err, "step 2: load snapshot: bad")
}

// TestQuietFitsATerminal: `selftest --quiet` (what make demo runs) prints its checks in lines no
// wider than a 120-column terminal.
func TestQuietFitsATerminal(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := Run(ctx, Options{Out: &out, PeerCommand: []string{os.Args[0]}, PeerEnv: []string{child.Env + "=1"}, Quiet: true})
	require.NoError(t, err)
	assert.Empty(t, res.Failed)
	for _, line := range strings.Split(out.String(), "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(line), 120, line)
	}
}
