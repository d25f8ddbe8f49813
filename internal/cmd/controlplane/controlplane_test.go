package controlplane

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/envoyproxy/go-control-plane/pkg/resource/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/emulator"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

var example = filepath.Join("..", "..", "..", "examples", "controlplane", "basic.yaml")

func TestServeFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    ServeOptions
		wantErr string
	}{
		{args: "--config x.yaml", want: ServeOptions{Config: "x.yaml", Listen: "127.0.0.1:18000", DebugListen: "127.0.0.1:18001", WatchInterval: time.Second}},
		{args: "-c x.yaml --listen [::1]:9000 --debug-listen '' --watch-interval 0", want: ServeOptions{Config: "x.yaml", Listen: "[::1]:9000", WatchInterval: 0}},
		{args: "-c x.yaml --listen 0.0.0.0:18000 --allow-remote", want: ServeOptions{Config: "x.yaml", Listen: "0.0.0.0:18000", DebugListen: "127.0.0.1:18001", AllowRemote: true, WatchInterval: time.Second}},
		{args: "", wantErr: "give the snapshot to serve with --config <path>"},
		{args: "-c x.yaml --listen 0.0.0.0:18000", wantErr: "--listen 0.0.0.0:18000 is not a loopback address; the control plane has no authentication, so pass --allow-remote to serve other hosts anyway"},
		{args: "-c x.yaml --debug-listen 10.0.0.1:1", wantErr: "--debug-listen 10.0.0.1:1 is not a loopback address; the control plane has no authentication, so pass --allow-remote to serve other hosts anyway"},
		{args: "-c x.yaml --listen 18000", wantErr: `--listen "18000": want host:port, such as 127.0.0.1:18000`},
		{args: "-c x.yaml --watch-interval -1s", wantErr: "--watch-interval must not be negative, got -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *ServeOptions
			cmd := NewCmdServe(&cmdutil.Factory{IOStreams: ios}, func(o *ServeOptions) error { got = o; return nil })
			cmd.SetArgs(splitArgs(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				require.ErrorAs(t, err, &fe)
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
		})
	}
}

func TestSidecarIstio(t *testing.T) {
	ios, _, _, _ := iostreams.Test()
	var got *SidecarOptions
	cmd := NewCmdSidecar(&cmdutil.Factory{IOStreams: ios}, func(o *SidecarOptions) error { got = o; return nil })
	cmd.SetArgs(splitArgs(`--xds h:1 --istio reviews-v1-abc.default --ip 10.0.0.7 --metadata LABELS={"app":"reviews"}`))
	require.NoError(t, cmd.Execute())
	assert.Equal(t, "sidecar~10.0.0.7~reviews-v1-abc.default~default.svc.cluster.local", got.Node)
	assert.Equal(t, "reviews-v1-abc.default", got.NodeCluster)
	md, err := json.Marshal(got.metadata)
	require.NoError(t, err)
	assert.Equal(t, `{"CLUSTER_ID":"Kubernetes","INSTANCE_IPS":"10.0.0.7","INTERCEPTION_MODE":"REDIRECT","ISTIO_VERSION":"1.28.0","LABELS":{"app":"reviews"},`+
		`"MESH_ID":"cluster.local","NAME":"reviews-v1-abc","NAMESPACE":"default","POD_NAME":"reviews-v1-abc","PROXY_CONFIG":{"binaryPath":"/usr/local/bin/envoy",`+
		`"configPath":"./etc/istio/proxy","discoveryAddress":"istiod.istio-system.svc:15012","drainDuration":"45s","proxyAdminPort":15000,"serviceCluster":"istio-proxy","statusPort":15020},`+
		`"SERVICE_ACCOUNT":"default"}`, string(md))
}

func TestSidecarFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    SidecarOptions
		wantErr string
	}{
		{args: "--xds 127.0.0.1:18000 --node a", want: SidecarOptions{XDS: "127.0.0.1:18000", Node: "a", Admin: "127.0.0.1:15000", NodeCluster: "emulated", metadata: map[string]any{}}},
		{args: "--xds h:1 --node a --admin '' --hold-acks --delta --reject-unknown-dynamic-fields --metadata NAMESPACE=default --metadata k=", want: SidecarOptions{XDS: "h:1", Node: "a", NodeCluster: "emulated", HoldACKs: true, Delta: true, RejectUnknownFields: true,
			Metadata: []string{"NAMESPACE=default", "k="}, metadata: map[string]any{"NAMESPACE": "default", "k": ""}}},
		{args: `--xds h:1 --node a --metadata LABELS={"app":"reviews"} --metadata L=[1,true] --metadata S="x" --metadata N=1`, want: SidecarOptions{XDS: "h:1", Node: "a", Admin: "127.0.0.1:15000", NodeCluster: "emulated",
			Metadata: []string{`LABELS={"app":"reviews"}`, "L=[1,true]", `S="x"`, "N=1"}, metadata: map[string]any{"LABELS": map[string]any{"app": "reviews"}, "L": []any{1.0, true}, "S": "x", "N": "1"}}},
		{args: "--node a", wantErr: "give the control plane's address with --xds <host:port>"},
		{args: "--xds h:1", wantErr: "give the sidecar's node id with --node <id> (or --istio <pod.namespace> --ip <address>)"},
		{args: "--xds h:1 --node a --metadata LABELS={app:reviews}", wantErr: "--metadata LABELS: the value is not valid JSON (invalid character 'a' looking for beginning of object key string); quote it for the shell: --metadata 'LABELS={app:reviews}'"},
		{args: "--xds h:1 --istio reviews-v1.default", wantErr: "--istio reviews-v1.default needs the pod's IP: add --ip <address>"},
		{args: "--xds h:1 --istio reviews-v1 --ip 10.0.0.7", wantErr: `--istio reviews-v1 --ip 10.0.0.7: "reviews-v1" is not POD.NAMESPACE`},
		{args: "--xds h:1 --istio reviews-v1.default --ip ten", wantErr: `--istio reviews-v1.default --ip ten: "ten" is not an IP address`},
		{args: "--xds h:1 --istio a.b --ip 10.0.0.7 --node x", wantErr: "give either --node or --istio, not both"},
		{args: "--xds h:1 --node x --ip 10.0.0.7", wantErr: "--ip goes with --istio <pod.namespace>"},
		{args: "--xds h:1 --node a --admin 0.0.0.0:15000", wantErr: "--admin 0.0.0.0:15000 is not a loopback address; the control plane has no authentication, so pass --allow-remote to serve other hosts anyway"},
		{args: "--xds h:1 --node a --metadata novalue", wantErr: `--metadata "novalue": want key=value`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *SidecarOptions
			cmd := NewCmdSidecar(&cmdutil.Factory{IOStreams: ios}, func(o *SidecarOptions) error { got = o; return nil })
			cmd.SetArgs(splitArgs(tt.args))
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				assert.EqualError(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, *got)
		})
	}
}

// TestServeAndSidecar runs both commands as a user would: serve the example, connect a sidecar,
// edit the file, stop with Ctrl-C (the context).
func TestServeAndSidecar(t *testing.T) {
	data, err := os.ReadFile(example)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "snapshot.yaml")
	require.NoError(t, os.WriteFile(path, data, 0o644))

	var serveErr, sidecarErr testutil.SyncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() {
		f := &cmdutil.Factory{IOStreams: &iostreams.IOStreams{Out: &bytes.Buffer{}, ErrOut: &serveErr}, Now: time.Now}
		cmd := NewCmdServe(f, nil)
		cmd.SetArgs([]string{"--config", path, "--listen", "127.0.0.1:0", "--debug-listen", "", "--watch-interval", "20ms"})
		done <- cmd.ExecuteContext(ctx)
	}()
	re := regexp.MustCompile(`CSDS on (127\.0\.0\.1:\d+)`)
	var addr string
	require.Eventually(t, func() bool {
		m := re.FindStringSubmatch(serveErr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond)
	assert.Contains(t, serveErr.String(), `Serving "`+path+`" (version v1, 8 shared resources, 0 nodes with their own resources): xDS (ADS, state of the world and delta) and CSDS on `)
	assert.Contains(t, serveErr.String(), "Watching "+path+" for changes every 20ms. Ctrl-C stops.")

	admin := "127.0.0.1:0"
	go func() {
		f := &cmdutil.Factory{IOStreams: &iostreams.IOStreams{Out: &bytes.Buffer{}, ErrOut: &sidecarErr}, Now: time.Now}
		cmd := NewCmdSidecar(f, nil)
		cmd.SetArgs([]string{"--xds", addr, "--node", "s1", "--admin", admin})
		done <- cmd.ExecuteContext(ctx)
	}()
	require.Eventually(t, func() bool {
		return strings.Contains(sidecarErr.String(), `Emulated Envoy sidecar "s1" (an emulator, not Envoy): ADS (state of the world) to `+addr+"; admin API on http://127.0.0.1:")
	}, 10*time.Second, 10*time.Millisecond, sidecarErr.String())

	// A second emulator watches the control plane's pushes from this test.
	sc, err := emulator.Start(emulator.Options{XDS: addr, NodeID: "probe"})
	require.NoError(t, err)
	defer sc.Close()
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	require.NoError(t, sc.WaitFor(wctx, func(s emulator.State) bool { return s.Types[resource.ClusterType].Version == "v1" }))
	require.NoError(t, os.WriteFile(path, []byte(strings.Replace(string(data), "version: v1", "version: v2", 1)), 0o644))
	require.NoError(t, sc.WaitFor(wctx, func(s emulator.State) bool { return s.Types[resource.ClusterType].Version == "v2" }))
	require.Eventually(t, func() bool { return strings.Contains(serveErr.String(), `pushed "`+path+`" (version v2,`) }, 5*time.Second, 10*time.Millisecond)

	cancel()
	for range 2 {
		select {
		case err := <-done:
			assert.ErrorIs(t, err, context.Canceled, "Ctrl-C ends both commands as interrupted (exit 130), nothing else")
		case <-time.After(10 * time.Second):
			t.Fatal("a command did not stop")
		}
	}
}

func TestServeBadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(path, []byte("resources:\n  clusters:\n    - name: a\n      bogus: 1\n"), 0o644))
	ios, _, _, _ := iostreams.Test()
	cmd := NewCmdServe(&cmdutil.Factory{IOStreams: ios, Now: time.Now}, nil)
	cmd.SetArgs([]string{"--config", path, "--listen", "127.0.0.1:0", "--debug-listen", ""})
	cmd.SetOut(&bytes.Buffer{})
	cmd.SetErr(&bytes.Buffer{})
	err := cmd.Execute()
	require.Error(t, err)
	assert.EqualError(t, err, `load snapshot "`+path+`": line 4: cluster "a": unknown field "bogus"`)
	assert.Equal(t, "the snapshot format is in docs/controlplane.md; examples/controlplane/basic.yaml is a start", cmdutil.HintOf(err))
	assert.False(t, errors.Is(err, cmdutil.SilentError))
}

// splitArgs splits on spaces; ” is an empty argument.
func splitArgs(s string) []string {
	out := []string{}
	for _, f := range strings.Fields(s) {
		if f == "''" {
			f = ""
		}
		out = append(out, f)
	}
	return out
}

// TestInterruptExits130: Ctrl-C stops serve and sidecar with exit code 130, as every other
// command (docs/exit-codes.md); both returned nil, so exit 0, before.
func TestInterruptExits130(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--config", example, "--listen", "127.0.0.1:0", "--debug-listen", "", "--watch-interval", "0"},
		{"sidecar", "--xds", "127.0.0.1:1", "--node", "n1", "--admin", "127.0.0.1:0"},
	} {
		t.Run(args[0], func(t *testing.T) {
			ios, _, _, errOut := iostreams.Test()
			f := &cmdutil.Factory{IOStreams: ios, Now: time.Now}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			root := NewCmdControlPlane(f)
			root.SilenceErrors, root.SilenceUsage = true, true
			code := cmdutil.Execute(ctx, root, errOut, args)
			assert.Equal(t, cmdutil.ExitInterrupted, code, errOut.String())
		})
	}
}
