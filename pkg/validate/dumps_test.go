package validate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// realDumps are real Envoy config dumps (v3 API) in the repository's testdata: whatever a
// running Envoy holds, it accepted, so the validator must find no error in any of it.
var realDumps = []string{
	"istio/authz__configdump.json",
	"istio/proxyconfig__config_dump.json", // a waypoint: filter_chain_matcher, so its chains may share a match
	"synthetic/template-sidecar.json",
	"istio/writer__compare__configdump.json",
	"istio/writer__envoy__configdump__endpoint__configdump.json",
	"istio/describe__describe__tls_config.json",
	"istio/describe__describe__http_config.json",
	"istio/writer__envoy__configdump__routes__istio-gateway-http-route-prefix__configdump.json",
	"istio/writer__envoy__configdump__secret__istio__config_dump.json",
	"istio-history/istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj@2020-04-20.json",
	"envoy-gateway/extension-server-with-mutation.json",
}

// dumpResources returns the resources of a config dump: every object under a key naming a
// resource (listener, cluster, route_config, endpoint_config, secret).
func dumpResources(t testing.TB, path string) []json.RawMessage {
	data, err := os.ReadFile(filepath.Join("../../testdata/dumps", path))
	require.NoError(t, err)
	var out []json.RawMessage
	var walk func(raw json.RawMessage)
	walk = func(raw json.RawMessage) {
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) == nil {
			for k, v := range obj {
				switch k {
				case "listener", "cluster", "route_config", "endpoint_config", "secret":
					if peekType(v) != "" {
						out = append(out, v)
						continue
					}
				}
				walk(v)
			}
			return
		}
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) == nil {
			for _, v := range arr {
				walk(v)
			}
		}
	}
	walk(data)
	return out
}

// eds0: Envoy's EDS dump is rebuilt from its host sets, not the update it received, and shows a
// locality without a weight as load_balancing_weight 0, which it would refuse in an update.
var eds0 = regexp.MustCompile(`^endpoints\[\d+\]\.load_balancing_weight$`)

func TestRealDumpsHaveNoErrors(t *testing.T) {
	for _, path := range realDumps {
		t.Run(path, func(t *testing.T) {
			rs := dumpResources(t, path)
			require.NotEmpty(t, rs)
			for _, r := range rs {
				for _, p := range Errors(JSON("", r)) {
					if eds0.MatchString(p.Path) && strings.HasSuffix(peekType(r), "ClusterLoadAssignment") {
						continue
					}
					t.Errorf("%s: %s\n  %s", peekType(r), p, p.Envoy)
				}
			}
		})
	}
}
