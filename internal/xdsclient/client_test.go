package xdsclient

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	statusv3 "github.com/envoyproxy/go-control-plane/envoy/service/status/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient/istiodemu"
	"github.com/xdsctl/xdsctl/pkg/status"
	"github.com/xdsctl/xdsctl/pkg/status/decode"
	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func proxies() []istiodemu.Proxy {
	return []istiodemu.Proxy{
		{ID: "reviews-v1-abc.bookinfo", ClusterID: "Kubernetes", IstioVersion: "1.28.0", Labels: map[string]string{"app": "reviews"},
			Watches: map[string]istiodemu.Watch{
				istiodemu.CDS: {NonceSent: "5", NonceAcked: "5", LastSent: t0.Add(-time.Minute)},
				istiodemu.LDS: {NonceSent: "6", NonceAcked: "5", LastSent: t0.Add(-2 * time.Second)},
				istiodemu.EDS: {},
				istiodemu.RDS: {NonceSent: "7", NonceAcked: "6", LastSent: t0.Add(-time.Hour), LastError: "route rejected"},
			}},
	}
}

func startEmu(t *testing.T, o istiodemu.Options) *istiodemu.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if o.ID == "" {
		o.ID = "istiod-0"
	}
	if o.Proxies == nil {
		o.Proxies = proxies()
	}
	s, err := istiodemu.Start(ctx, o)
	require.NoError(t, err)
	t.Cleanup(s.Stop)
	return s
}

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func TestDebugSynczPlaintext(t *testing.T) {
	emu := startEmu(t, istiodemu.Options{Version: "1.28.0"})
	c, err := Dial(Options{Address: emu.GRPCAddr, Plaintext: true, Timeout: 5 * time.Second})
	require.NoError(t, err)
	defer c.Close()
	node := Node{ID: "sidecar~127.0.0.1~xdsctl.istio-system~istio-system.svc.cluster.local", Metadata: map[string]string{"GENERATOR": "event", "NAMESPACE": "istio-system"}}
	b, err := c.DebugRequest(context.Background(), istiodemu.TypeSyncz, nil, node)
	require.NoError(t, err)
	r, err := decode.DecodeSyncz(b, emu.GRPCAddr)
	require.NoError(t, err)
	require.Len(t, r.Proxies, 1)
	p := r.Proxies[0]
	assert.Equal(t, "istiod-0", p.ControlPlane)
	assert.Equal(t, "1.28.0", p.ControlPlaneVersion)
	assert.Equal(t, "bookinfo", p.Namespace)
	assert.Equal(t, map[string]string{"app": "reviews"}, p.Labels)
	got := map[string]status.State{}
	for _, ty := range p.Types {
		got[ty.Type] = ty.State
	}
	assert.Equal(t, map[string]status.State{"CDS": status.StateSynced, "LDS": status.StateStale, "EDS": status.StateNotSent,
		"RDS": status.StateError, "ECDS": status.StateIgnored}, got)
	rds, _ := p.Type("RDS")
	assert.Equal(t, "route rejected", rds.Error)

	// what the emulator saw is what istiod needs: the debug type and an event-generator node
	reqs := emu.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, istiodemu.TypeSyncz, reqs[0].TypeURL)
	assert.Equal(t, node.ID, reqs[0].NodeID)
	assert.Equal(t, node.Metadata, reqs[0].Metadata)
}

func TestDebugConfigDump(t *testing.T) {
	dump, err := os.ReadFile("../../testdata/dumps/istio/writer__compare__configdump.json")
	require.NoError(t, err)
	ps := proxies()
	ps[0].ConfigDump = dump
	emu := startEmu(t, istiodemu.Options{Proxies: ps})
	c, err := Dial(Options{Address: emu.GRPCAddr, Plaintext: true})
	require.NoError(t, err)
	defer c.Close()

	b, err := c.DebugRequest(context.Background(), istiodemu.TypeConfigDump, []string{"reviews-v1-abc.bookinfo"}, Node{ID: "x"})
	require.NoError(t, err)
	resp, err := xdswire.ParseDiscoveryResponse(b)
	require.NoError(t, err)
	var types []string
	for _, a := range resp.Resources {
		types = append(types, a.TypeURL)
	}
	assert.Equal(t, []string{
		"type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
		"type.googleapis.com/envoy.admin.v3.ListenersConfigDump",
		"type.googleapis.com/envoy.admin.v3.RoutesConfigDump",
	}, types)

	b, err = c.DebugRequest(context.Background(), istiodemu.TypeConfigDump, []string{"other.ns"}, Node{ID: "x"})
	require.NoError(t, err)
	resp, err = xdswire.ParseDiscoveryResponse(b)
	require.NoError(t, err)
	require.Len(t, resp.Resources, 1)
	assert.Equal(t, istiodemu.NotConnected, string(resp.Resources[0].Value))
}

func TestTLSAndToken(t *testing.T) {
	pki, err := istiodemu.NewPKI()
	require.NoError(t, err)
	ca := writeFile(t, "ca.pem", pki.CAPEM)
	cert := writeFile(t, "client.pem", pki.ClientCertPEM)
	key := writeFile(t, "client.key", pki.ClientKeyPEM)
	tlsEmu := startEmu(t, istiodemu.Options{TLS: pki.Server, Token: "secret-token"})
	mtlsEmu := startEmu(t, istiodemu.Options{TLS: pki.ServerRequiresMTLS})
	plainEmu := startEmu(t, istiodemu.Options{})

	tests := []struct {
		name    string
		opts    Options
		wantErr error
		msg     string
		hint    string
	}{
		{name: "tls with ca and token", opts: Options{Address: tlsEmu.GRPCAddr, CA: ca, Token: "secret-token"}},
		{name: "tls insecure with token", opts: Options{Address: tlsEmu.GRPCAddr, Insecure: true, Token: "secret-token"}},
		{name: "server name checked against the certificate", opts: Options{Address: tlsEmu.GRPCAddr, CA: ca, Token: "secret-token", ServerName: "istiod.istio-system.svc"}},
		{name: "mutual tls", opts: Options{Address: mtlsEmu.GRPCAddr, CA: ca, Cert: cert, Key: key}},
		{name: "unknown authority", opts: Options{Address: tlsEmu.GRPCAddr, Token: "secret-token"}, wantErr: ErrTLS,
			msg: "certificate signed by unknown authority", hint: "--ca"},
		{name: "wrong server name", opts: Options{Address: tlsEmu.GRPCAddr, CA: ca, ServerName: "other.example"}, wantErr: ErrTLS, msg: "x509:"},
		{name: "no token", opts: Options{Address: tlsEmu.GRPCAddr, CA: ca}, wantErr: ErrUnauthorized, msg: "no bearer token", hint: "--token"},
		{name: "wrong token", opts: Options{Address: tlsEmu.GRPCAddr, CA: ca, Token: "nope"}, wantErr: ErrUnauthorized, msg: "invalid token"},
		{name: "plaintext client, tls server", opts: Options{Address: tlsEmu.GRPCAddr, Plaintext: true}, wantErr: ErrUnreachable, hint: "drop --plaintext"},
		{name: "tls client, plaintext server", opts: Options{Address: plainEmu.GRPCAddr, Insecure: true}, wantErr: ErrTLS, hint: "--plaintext"},
		{name: "mtls without a client certificate", opts: Options{Address: mtlsEmu.GRPCAddr, CA: ca}, wantErr: ErrTLS, hint: "--cert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Timeout = 5 * time.Second
			c, err := Dial(tt.opts)
			require.NoError(t, err)
			defer c.Close()
			b, err := c.DebugRequest(context.Background(), istiodemu.TypeSyncz, nil, Node{ID: "x"})
			if tt.wantErr == nil {
				require.NoError(t, err)
				r, err := decode.DecodeSyncz(b, "")
				require.NoError(t, err)
				assert.Len(t, r.Proxies, 1)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, err.Error(), "ask for istio.io/debug/syncz from control plane at "+tt.opts.Address)
			assert.NotContains(t, err.Error(), "\n")
			assert.Contains(t, err.Error(), tt.msg)
			if tt.hint != "" {
				assert.Contains(t, cmdutil.HintOf(err), tt.hint)
			}
		})
	}
}

func TestUnreachable(t *testing.T) {
	// a port nobody listens on
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := l.Addr().String()
	require.NoError(t, l.Close())

	// a listener that accepts and never speaks: the handshake hangs until the timeout
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()

	tests := []struct {
		name    string
		opts    Options
		wantErr error
		hint    string
	}{
		{"refused", Options{Address: closed, Plaintext: true}, ErrUnreachable, "--xds-address"},
		{"silent tls server times out", Options{Address: silent.Addr().String(), Insecure: true, Timeout: 300 * time.Millisecond}, ErrTimeout, "--timeout"},
		{"silent plaintext server times out", Options{Address: silent.Addr().String(), Plaintext: true, Timeout: 300 * time.Millisecond}, ErrTimeout, "--timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.opts.Timeout == 0 {
				tt.opts.Timeout = 5 * time.Second
			}
			c, err := Dial(tt.opts)
			require.NoError(t, err)
			defer c.Close()
			start := time.Now()
			_, err = c.FetchClientStatus(context.Background())
			require.Error(t, err)
			assert.Less(t, time.Since(start), tt.opts.Timeout+2*time.Second, "never hangs")
			assert.ErrorIs(t, err, tt.wantErr)
			assert.Contains(t, cmdutil.HintOf(err), tt.hint)
			assert.NotContains(t, err.Error(), "\n")
		})
	}
	t.Run("interrupted", func(t *testing.T) {
		c, err := Dial(Options{Address: silent.Addr().String(), Plaintext: true, Timeout: time.Minute})
		require.NoError(t, err)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err = c.FetchClientStatus(ctx)
		assert.True(t, errors.Is(err, context.DeadlineExceeded), "the caller's context error is returned: %v", err)
	})
}

func TestUnimplemented(t *testing.T) {
	// the emulated istiod serves no CSDS
	emu := startEmu(t, istiodemu.Options{})
	c, err := Dial(Options{Address: emu.GRPCAddr, Plaintext: true})
	require.NoError(t, err)
	defer c.Close()
	_, err = c.FetchClientStatus(context.Background())
	require.ErrorIs(t, err, ErrUnimplemented)
	assert.Contains(t, cmdutil.HintOf(err), "istiod")
}

func TestFlagErrors(t *testing.T) {
	ca := writeFile(t, "bad.pem", []byte("not pem"))
	tests := []struct {
		name string
		opts Options
		msg  string
	}{
		{"no address", Options{}, "no control plane address"},
		{"plaintext and ca", Options{Address: "x:1", Plaintext: true, CA: "ca.pem"}, "--plaintext cannot be combined"},
		{"cert without key", Options{Address: "x:1", Cert: "c.pem"}, "give both --cert and --key"},
		{"missing ca file", Options{Address: "x:1", CA: filepath.Join(t.TempDir(), "nope.pem")}, "read --ca file"},
		{"ca file without pem", Options{Address: "x:1", CA: ca}, "holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Dial(tt.opts)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestWireEncoding(t *testing.T) {
	t.Run("discovery request", func(t *testing.T) {
		b := xdswire.EncodeDiscoveryRequest("istio.io/debug/config_dump", []string{"a.ns"}, Node{ID: "n", Metadata: map[string]string{"B": "2", "A": "1"}})
		var req discoveryv3.DiscoveryRequest
		require.NoError(t, proto.Unmarshal(b, &req))
		assert.Equal(t, "istio.io/debug/config_dump", req.GetTypeUrl())
		assert.Equal(t, []string{"a.ns"}, req.GetResourceNames())
		assert.Equal(t, "n", req.GetNode().GetId())
		assert.Equal(t, "1", req.GetNode().GetMetadata().GetFields()["A"].GetStringValue())
		assert.Equal(t, "2", req.GetNode().GetMetadata().GetFields()["B"].GetStringValue())
	})
	t.Run("client status request", func(t *testing.T) {
		var req statusv3.ClientStatusRequest
		require.NoError(t, proto.Unmarshal(xdswire.EncodeClientStatusRequest([]string{"a", "b"}), &req))
		require.Len(t, req.GetNodeMatchers(), 2)
		assert.Equal(t, "b", req.GetNodeMatchers()[1].GetNodeId().GetExact())
		assert.Empty(t, xdswire.EncodeClientStatusRequest(nil))
	})
}
