package analyze_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// validatorDefects are the schema errors analyze reports on the real configs of testdata/static,
// listed (file, then the problem) so that no other error passes. pkg/validate reads enums without
// regard to case and takes one object for a repeated field, as Envoy's JSON and YAML loading does,
// so Envoy's sandboxes that rely on either (strict_dns, tls_certificates: {...}) have none.
var validatorDefects = map[string][]string{
	// Not a validator defect: at the commit copied, this file is not a config Envoy loads (HCM has
	// no field "scheme", and scheme_header_transformation is a message, not an enum): the two
	// errors are true findings.
	"envoyproxy-io-proxy.yaml": {`unknown field "scheme"`, `scheme_header_transformation:`},
}

// TestStaticConfigs: the static configs of testdata/static (Envoy's own sandboxes, with their
// provenance) are configs Envoy loads, so analyze finds no error in them; the golden records
// every finding.
func TestStaticConfigs(t *testing.T) {
	files, err := filepath.Glob("../../testdata/static/*")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var golden bytes.Buffer
	for _, p := range files {
		base := filepath.Base(p)
		if strings.HasPrefix(base, "PROVENANCE") {
			continue
		}
		data, err := os.ReadFile(p)
		require.NoError(t, err)
		d, err := configdump.ParseInput(data)
		require.NoError(t, err, p)
		res, err := analyze.Analyze(analyze.Input{Dump: d, Static: d.Static != ""},
			analyze.Options{Now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Schema: true})
		require.NoError(t, err, p)
		fmt.Fprintf(&golden, "%s: %d findings\n", base, len(res.Findings))
		for _, f := range res.Findings {
			fmt.Fprintf(&golden, "  %s %s %s %s\n", f.Severity.Title(), f.Code, f.Resource, f.Message)
			if f.Severity == analyze.Error && !knownDefect(base, f) {
				t.Errorf("%s: %s %s %s", base, f.Code, f.Resource, f.Message)
			}
		}
	}
	testutil.Golden(t, "testdata/static.golden", golden.Bytes())
}

func knownDefect(file string, f analyze.Finding) bool {
	if f.Code != analyze.SchemaError.ID {
		return false
	}
	for _, d := range validatorDefects[file] {
		if strings.Contains(f.Message, d) {
			return true
		}
	}
	return false
}

func TestStaticScope(t *testing.T) {
	const listener = `
static_resources:
  listeners:
  - name: l
    address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
    filter_chains:
    - filters:
      - name: envoy.filters.network.tcp_proxy
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
          stat_prefix: s
          cluster: backend
`
	const tlsCluster = `
  clusters:
  - name: up
    connect_timeout: 1s
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          tls_certificate_sds_secret_configs:
          - name: client-cert
`
	tests := []struct {
		name, config string
		want         []string
	}{
		{"missing static cluster", listener, []string{"XDS0103"}},
		{"cluster from dynamic CDS", listener + "dynamic_resources:\n  cds_config: {ads: {}}\n  ads_config: {api_type: GRPC, grpc_services: [{envoy_grpc: {cluster_name: xds}}]}\n", []string{}},
		{"bare listener: clusters not in the file", `
name: l
address: {socket_address: {address: 0.0.0.0, port_value: 8080}}
filter_chains:
- filters:
  - name: envoy.filters.network.tcp_proxy
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
      stat_prefix: s
      cluster: backend
`, []string{}},
		{"missing static secret", "static_resources:" + tlsCluster, []string{"XDS0104"}},
		{"secret from an SDS server", "static_resources:" + strings.Replace(tlsCluster, "- name: client-cert", "- name: client-cert\n            sds_config: {ads: {}}", 1), []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := configdump.ParseInput([]byte(tt.config))
			require.NoError(t, err)
			require.NotEmpty(t, d.Static)
			res, err := analyze.Analyze(analyze.Input{Dump: d, Static: true}, analyze.Options{Now: testNow, Schema: true})
			require.NoError(t, err)
			require.Equal(t, tt.want, codes(res.Findings), "%v", res.Findings)
		})
	}
}
