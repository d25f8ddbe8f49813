package proxyconfig

import (
	_ "embed" // the demo proxy's admin output

	"github.com/xdsctl/xdsctl/internal/admin"
)

// The example proxy of --demo: the /config_dump?include_eds, /clusters?format=json and /server_info
// of bookinfo's productpage sidecar in an Istio 1.27 mesh, built by hack/demodump from real Envoy
// dumps in Istio's test data (see demodata/PROVENANCE.txt). It lets every view run with no cluster
// and no file. TestDemoDumpConsistent checks it is one coherent proxy.
//
//go:generate go run ../../../hack/demodump -root ../../..
var (
	//go:embed demodata/config_dump.json
	demoConfigDump []byte
	//go:embed demodata/clusters.json
	demoClusters []byte
	//go:embed demodata/server_info.json
	demoServerInfo []byte
)

// demoName is how messages name the example proxy.
const demoName = "demo proxy"

// demoInputs serves the example proxy's admin output for each path, as a live proxy would.
func demoInputs(paths []string) []input {
	bodies := make(map[string][]byte, len(paths))
	for _, p := range paths {
		switch p {
		case admin.PathClustersJSON:
			bodies[p] = demoClusters
		case admin.PathServerInfo:
			bodies[p] = demoServerInfo
		default:
			bodies[p] = demoConfigDump
		}
	}
	return []input{{Name: demoName, Bodies: bodies}}
}
