package configdump

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInlineRouteConfigs: the route configurations written in listeners' HTTP connection
// managers, by chain, in Envoy sandboxes' static configs and an Istio sidecar's dump.
func TestInlineRouteConfigs(t *testing.T) {
	for _, tt := range []struct {
		file string
		want map[string][]string // listener → "chain: route config name/virtual hosts"
	}{
		{"../../testdata/static/front-proxy.yaml", map[string][]string{"": {"0: local_route/1"}}},
		{"../../testdata/static/dynamic-config-fs-lds.yaml", map[string][]string{"listener_0": {"0: local_route/1"}}},
		{"../../testdata/static/double-proxy-frontend.yaml", map[string][]string{}},
		{"../../internal/cmd/proxyconfig/demodata/config_dump.json", map[string][]string{
			"0.0.0.0_15090": {"0: /1"}, "0.0.0.0_15021": {"0: /1"},
			"virtualInbound": {"1: InboundPassthroughClusterIpv4/1", "4: inbound|9080||/1"},
		}},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(tt.file)
			require.NoError(t, err)
			d, err := ParseInput(data)
			require.NoError(t, err)
			ls, err := d.Listeners()
			require.NoError(t, err)
			got := map[string][]string{}
			for i := range ls {
				for _, ir := range ls[i].InlineRouteConfigs() {
					got[ls[i].Name] = append(got[ls[i].Name], fmtInline(ir))
					assert.Equal(t, ls[i].Meta, ir.Meta, "the listener's state")
				}
			}
			if tt.file == "../../testdata/static/front-proxy.yaml" {
				got[""] = got[""][:1] // two listeners without a name, the same route config
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func fmtInline(ir InlineRouteConfig) string {
	return fmt.Sprintf("%d: %s/%d", ir.Chain, ir.Name, len(ir.VirtualHosts))
}
