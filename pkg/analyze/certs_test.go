package analyze_test

import (
	"encoding/base64"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

func pemFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/certs/" + name + ".pem")
	require.NoError(t, err)
	return base64.StdEncoding.EncodeToString(b)
}

func certSecret(name, pemB64 string) string {
	return `{"name":"` + name + `","secret":{"name":"` + name + `","tls_certificate":{"certificate_chain":{"inline_bytes":"` + pemB64 + `"}}}}`
}

func caSecret(name, pemB64 string) string {
	return `{"name":"` + name + `","secret":{"name":"` + name + `","validation_context":{"trusted_ca":{"inline_bytes":"` + pemB64 + `"}}}}`
}

// mtlsCluster presents secret chain and validates peers with secret ca, as Istio's clusters do.
func mtlsCluster(chain, ca string) string {
	return cluster("c", `"transport_socket":{"name":"tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"tls_certificate_sds_secret_configs":[{"name":"`+chain+`"}],"combined_validation_context":{"default_validation_context":{},"validation_context_sds_secret_config":{"name":"`+ca+`"}}}}}`)
}

func TestCertChecks(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	leaf, old, future, ca1, ca2 := pemFile(t, "leaf"), pemFile(t, "old"), pemFile(t, "future"), pemFile(t, "ca1"), pemFile(t, "ca2")
	tests := []struct {
		name     string
		dump     string
		now      time.Time
		certWarn time.Duration
		want     []string
	}{
		{"valid", dump(secrets(certSecret("default", leaf))), at("2026-01-01T01:00:00Z"), time.Hour, []string{}},
		{"short-lived, half its life left", dump(secrets(certSecret("default", leaf))), at("2026-01-01T12:00:00Z"), 0, []string{}},
		{"short-lived, a quarter of its life left", dump(secrets(certSecret("default", leaf))), at("2026-01-01T19:00:00Z"), 0, []string{"XDS0303"}},
		{"expired", dump(secrets(certSecret("old", old))), at("2026-01-01T12:00:00Z"), 0, []string{"XDS0301"}},
		{"not yet valid", dump(secrets(certSecret("future", future))), at("2026-01-01T12:00:00Z"), 0, []string{"XDS0302"}},
		{"CA expiring", dump(secrets(caSecret("ROOTCA", ca1))), at("2034-12-30T00:00:00Z"), 0, []string{"XDS0303"}},
		{"trust bundle verifies the chain", dump(clusters([]string{mtlsCluster("default", "ROOTCA")}), secrets(certSecret("default", leaf), caSecret("ROOTCA", ca1))),
			at("2026-01-01T01:00:00Z"), time.Hour, []string{}},
		{"trust bundle of another CA", dump(clusters([]string{mtlsCluster("default", "ROOTCA")}), secrets(certSecret("default", leaf), caSecret("ROOTCA", ca2))),
			at("2026-01-01T01:00:00Z"), time.Hour, []string{"XDS0304"}},
		{"another CA, not used together", dump(clusters([]string{cluster("c")}), secrets(certSecret("default", leaf), caSecret("ROOTCA", ca2))),
			at("2026-01-01T01:00:00Z"), time.Hour, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := configdump.Parse([]byte(tt.dump))
			require.NoError(t, err)
			res, err := analyze.Analyze(analyze.Input{Dump: d}, analyze.Options{Now: tt.now, CertWarn: tt.certWarn})
			require.NoError(t, err)
			assert.Equal(t, tt.want, codes(res.Findings), "%v", res.Findings)
		})
	}
}
