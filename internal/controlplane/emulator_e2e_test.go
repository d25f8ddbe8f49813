package controlplane_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/controlplane"
	"github.com/xdsctl/xdsctl/internal/controlplane/snapshot"
	"github.com/xdsctl/xdsctl/internal/controlplane/tracker"
	"github.com/xdsctl/xdsctl/internal/emulator"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

var examplePath = filepath.Join("..", "..", "examples", "controlplane", "basic.yaml")

// exampleWith is the example snapshot with text replacements applied (old, new, old, new...).
func exampleWith(t *testing.T, replace ...string) *snapshot.Config {
	t.Helper()
	data, err := os.ReadFile(examplePath)
	require.NoError(t, err)
	s := string(data)
	for i := 0; i+1 < len(replace); i += 2 {
		require.Contains(t, s, replace[i])
		s = strings.Replace(s, replace[i], replace[i+1], 1)
	}
	cfg, err := snapshot.Parse("example.yaml", []byte(s))
	require.NoError(t, err)
	return cfg
}

// badCluster is the example with a cluster every Envoy-like validator rejects (and gRPC accepts).
func badCluster(t *testing.T) *snapshot.Config {
	return exampleWith(t, "version: v1", "version: v2\nallow_invalid: true", "      connect_timeout: 1s\n", "      connect_timeout: -1s\n")
}

func startCP(t *testing.T, cfg *snapshot.Config, opts controlplane.Options) *controlplane.Server {
	t.Helper()
	opts.Config = cfg
	cp, err := controlplane.Start(opts)
	require.NoError(t, err)
	t.Cleanup(cp.Close)
	return cp
}

func startSidecar(t *testing.T, cp *controlplane.Server, o emulator.Options) *emulator.Sidecar {
	t.Helper()
	o.XDS = cp.Addr()
	sc, err := emulator.Start(o)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sc.Close() })
	return sc
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

var standard = []string{resource.ClusterType, resource.EndpointType, resource.ListenerType, resource.RouteType}

// syncedAt waits until every standard type of the node is SYNCED with the given version.
func syncedAt(t *testing.T, cp *controlplane.Server, node, version string) tracker.Conn {
	t.Helper()
	c, err := cp.Tracker().WaitNode(ctxTimeout(t, 10*time.Second), node, func(c tracker.Conn) bool {
		for _, u := range standard {
			ty, ok := c.Type(u)
			if !ok || ty.Status != tracker.Synced || ty.VersionAcked != version {
				return false
			}
		}
		return true
	})
	require.NoError(t, err, "%s at %s: %+v", node, version, c.Types)
	return c
}

func TestEmulatedSidecarsSync(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{})
	for _, delta := range []bool{false, true} {
		id := map[bool]string{false: "sotw", true: "delta"}[delta]
		sc := startSidecar(t, cp, emulator.Options{NodeID: id, Delta: delta})
		c := syncedAt(t, cp, id, "v1")
		assert.Equal(t, delta, c.Delta)
		require.NoError(t, sc.WaitFor(ctxTimeout(t, 5*time.Second), func(s emulator.State) bool {
			return len(s.Types[resource.EndpointType].Resources) == 2
		}))
		st := sc.State()
		assert.Equal(t, []string{"backend", "greeter"}, st.Types[resource.ClusterType].Resources)
		assert.Equal(t, []string{"http-8080"}, st.Types[resource.ListenerType].Resources, "the api_listener is skipped, as Envoy does")
		assert.Equal(t, []string{"http-8080"}, st.Types[resource.RouteType].Names, "routes are asked for by name")
		assert.Equal(t, []string{"backend", "greeter"}, st.Types[resource.EndpointType].Names)
	}
}

// TestNACKGetsOneResponse: after a NACK the control plane stays silent for that type until new
// config exists, for SotW (the NACK guard) and delta streams. Counted on both sides.
func TestNACKGetsOneResponse(t *testing.T) {
	for _, delta := range []bool{false, true} {
		name := map[bool]string{false: "sotw", true: "delta"}[delta]
		t.Run(name, func(t *testing.T) {
			cp := startCP(t, exampleWith(t), controlplane.Options{})
			sc := startSidecar(t, cp, emulator.Options{NodeID: "s1", Delta: delta})
			syncedAt(t, cp, "s1", "v1")
			before := sc.State().Types[resource.ClusterType].Counters

			require.NoError(t, cp.Push(badCluster(t)))
			c, err := cp.Tracker().WaitNode(ctxTimeout(t, 5*time.Second), "s1", func(c tracker.Conn) bool {
				return c.StatusOf(resource.ClusterType) == tracker.Error
			})
			require.NoError(t, err)
			time.Sleep(300 * time.Millisecond) // a storm sends thousands in this time

			cds, _ := c.Type(resource.ClusterType)
			want := "Error adding/updating cluster(s) backend: Proto constraint validation failed (ClusterValidationError.ConnectTimeout: value must be greater than 0s)"
			assert.Equal(t, want, cds.Error)
			c, _ = cp.Tracker().Node("s1")
			cds, _ = c.Type(resource.ClusterType)
			assert.Equal(t, 1, cds.Counters.NACKs, "NACKs the control plane saw")
			assert.Zero(t, cds.Counters.ResponsesSinceNACK, "responses after the NACK")
			st := sc.State().Types[resource.ClusterType]
			assert.Equal(t, before.Responses+1, st.Counters.Responses, "responses the sidecar received")
			assert.Equal(t, 1, st.Counters.NACKs, "NACKs the sidecar sent")
			assert.Equal(t, want, st.LastNACK)
			assert.Equal(t, []string{"backend"}, st.Rejected)

			// Per resource: only the bad cluster is in error; the other was accepted.
			got := map[string]string{}
			for _, r := range cds.Resources {
				got[r.Name] = tracker.Label(r.Status)
			}
			assert.Equal(t, map[string]string{"backend": "ERROR", "greeter": "SYNCED"}, got)

			// New config ends the silence: one response, ACKed. (A delta stream is sent only the
			// resources that changed, so only the clusters' version moves.)
			require.NoError(t, cp.Push(exampleWith(t, "version: v1", "version: v3")))
			c, err = cp.Tracker().WaitNode(ctxTimeout(t, 5*time.Second), "s1", func(c tracker.Conn) bool {
				cds, _ := c.Type(resource.ClusterType)
				return c.Synced() && cds.VersionAcked == "v3"
			})
			require.NoError(t, err)
			cds, _ = c.Type(resource.ClusterType)
			assert.Equal(t, 1, cds.Counters.ResponsesSinceNACK)
			assert.Empty(t, cds.Error)
		})
	}
}

// TestNACKStormWithoutGuard shows what the guard prevents, so TestNACKGetsOneResponse can fail:
// go-control-plane alone answers each NACK with the rejected snapshot again.
func TestNACKStormWithoutGuard(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{DisableNACKGuard: true})
	startSidecar(t, cp, emulator.Options{NodeID: "s1"})
	syncedAt(t, cp, "s1", "v1")
	require.NoError(t, cp.Push(badCluster(t)))
	_, err := cp.Tracker().WaitNode(ctxTimeout(t, 5*time.Second), "s1", func(c tracker.Conn) bool {
		cds, _ := c.Type(resource.ClusterType)
		return cds.Counters.NACKs >= 50
	})
	require.NoError(t, err, "without the guard a NACK is answered with the same config again and again")
}

// TestHoldACKsMakesStale: a sidecar holding its answers is STALE for what was pushed since, and
// its own config dump still shows the old config; releasing makes it SYNCED.
func TestHoldACKsMakesStale(t *testing.T) {
	cp := startCP(t, exampleWith(t), controlplane.Options{})
	s1 := startSidecar(t, cp, emulator.Options{NodeID: "s1"})
	s2 := startSidecar(t, cp, emulator.Options{NodeID: "s2"})
	syncedAt(t, cp, "s1", "v1")
	syncedAt(t, cp, "s2", "v1")

	s2.HoldACKs(true)
	require.NoError(t, cp.Push(exampleWith(t, "version: v1", "version: v2", "port_value: 9002", "port_value: 9003")))
	syncedAt(t, cp, "s1", "v2")
	c, err := cp.Tracker().WaitNode(ctxTimeout(t, 5*time.Second), "s2", func(c tracker.Conn) bool {
		for _, u := range standard {
			if c.StatusOf(u) != tracker.Stale {
				return false
			}
		}
		return true
	})
	require.NoError(t, err, "%+v", c.Types)
	cds, _ := c.Type(resource.ClusterType)
	assert.Equal(t, "v2", cds.VersionSent)
	assert.Equal(t, "v1", cds.VersionAcked)
	// The control plane counts a response as sent before the sidecar has it.
	require.NoError(t, s2.WaitFor(ctxTimeout(t, 5*time.Second), func(s emulator.State) bool { return s.Held == 4 }))
	st := s2.State()
	assert.True(t, st.Holding)
	assert.Equal(t, "v1", st.Types[resource.ClusterType].Version, "held responses are not applied")

	s2.HoldACKs(false)
	syncedAt(t, cp, "s2", "v2")
	assert.Equal(t, "v2", s2.State().Types[resource.ClusterType].Version)
	_ = s1
}

// TestManySidecars: 200 emulated sidecars connected at once, one push, all SYNCED at the new
// version, and every goroutine gone once they and the control plane are closed.
func TestManySidecars(t *testing.T) {
	const n = 200
	baseline := runtime.NumGoroutine()
	cp, err := controlplane.Start(controlplane.Options{Config: exampleWith(t)})
	require.NoError(t, err)
	sidecars := make([]*emulator.Sidecar, n)
	for i := range sidecars {
		sc, err := emulator.Start(emulator.Options{XDS: cp.Addr(), NodeID: "sidecar-" + itoa(i)})
		require.NoError(t, err)
		sidecars[i] = sc
	}
	ctx := ctxTimeout(t, 60*time.Second)
	waitAll := func(version string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range sidecars {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := cp.Tracker().WaitNode(ctx, "sidecar-"+itoa(i), func(c tracker.Conn) bool {
					for _, u := range standard {
						ty, ok := c.Type(u)
						if !ok || ty.Status != tracker.Synced || ty.VersionAcked != version {
							return false
						}
					}
					return true
				})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
	}
	waitAll("v1")
	require.Len(t, cp.Tracker().Conns(), n)

	require.NoError(t, cp.Push(exampleWith(t, "version: v1", "version: v2", "port_value: 9002", "port_value: 9003")))
	waitAll("v2")
	for _, c := range cp.Tracker().Conns() {
		for _, ty := range c.Types {
			require.Zero(t, ty.Counters.NACKs, "%s %s", c.NodeID, ty.TypeURL)
		}
	}

	for _, sc := range sidecars {
		require.NoError(t, sc.Close())
	}
	cp.Close()
	require.Eventually(t, func() bool { return runtime.NumGoroutine() <= baseline+2 }, 10*time.Second, 50*time.Millisecond,
		"goroutines: %d before, %d after closing everything", baseline, runtime.NumGoroutine())
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestHotReload: a valid edit of the snapshot file is pushed; an invalid one is logged with the
// file and line and the last good snapshot keeps serving; an edit that keeps the version but
// changes the content is still pushed, under a new version.
func TestHotReload(t *testing.T) {
	data, err := os.ReadFile(examplePath)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "snapshot.yaml")
	write := func(s string) { require.NoError(t, os.WriteFile(path, []byte(s), 0o644)) }
	write(string(data))
	cfg, err := snapshot.Load(path)
	require.NoError(t, err)
	var log testutil.SyncBuffer
	cp := startCP(t, cfg, controlplane.Options{Log: &log})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); cp.Watch(ctx, path, 10*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })
	sc := startSidecar(t, cp, emulator.Options{NodeID: "s1"})
	syncedAt(t, cp, "s1", "v1")

	write(strings.Replace(strings.Replace(string(data), "version: v1", "version: v2", 1), "port_value: 9002", "port_value: 9003", 1))
	syncedAt(t, cp, "s1", "v2")
	require.Eventually(t, func() bool { return strings.Contains(log.String(), "pushed ") }, 5*time.Second, 10*time.Millisecond)

	write(strings.Replace(strings.Replace(string(data), "version: v1", "version: v3", 1), "connect_timeout: 1s", "connect_timout: 1s", 1))
	want := `reload rejected, still serving the last good snapshot: load snapshot "` + path + `": line 55: cluster "backend": unknown field "connect_timout"`
	require.Eventually(t, func() bool { return strings.Contains(log.String(), want) }, 5*time.Second, 10*time.Millisecond, "log: %s", &log)
	assert.Equal(t, "v2", cp.Config().Version)
	time.Sleep(50 * time.Millisecond)
	c, _ := cp.Tracker().Node("s1")
	cds, _ := c.Type(resource.ClusterType)
	assert.Equal(t, "v2", cds.VersionSent, "nothing was pushed")
	assert.Equal(t, tracker.Label(tracker.Synced), tracker.Label(cds.Status))

	// Same version, new content: pushed as v2+<hash>.
	write(strings.Replace(strings.Replace(string(data), "version: v1", "version: v2", 1), "port_value: 9002", "port_value: 9004", 1))
	var v string
	require.Eventually(t, func() bool {
		c, _ := cp.Tracker().Node("s1")
		eds, _ := c.Type(resource.EndpointType)
		v = eds.VersionAcked
		return strings.HasPrefix(v, "v2+")
	}, 5*time.Second, 10*time.Millisecond)
	assert.Contains(t, log.String(), `changed but its version "v2" did not; serving it as version "`+v+`"`)
	_ = sc
}
