package configdump

import (
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// IstioClusterName is an Istio cluster name, direction|port|subset|fqdn
// ("outbound|9080|v1|reviews.default.svc.cluster.local"), split into its parts.
type IstioClusterName struct {
	Direction string // outbound, inbound
	Port      int    // 0 when the port part is not a number
	Subset    string // "" for the service's own cluster
	FQDN      string // the last part: it may hold further "|"
}

// SplitIstioClusterName splits an Istio cluster name into its parts; ok is false for a name
// with fewer than four parts, which is not one (BlackHoleCluster, an Envoy Gateway name).
func SplitIstioClusterName(name string) (n IstioClusterName, ok bool) {
	dir, rest, ok1 := strings.Cut(name, "|") // Cut, not SplitN: no allocation, for every cluster of a dump
	port, rest, ok2 := strings.Cut(rest, "|")
	subset, fqdn, ok3 := strings.Cut(rest, "|")
	if !ok1 || !ok2 || !ok3 {
		return IstioClusterName{}, false
	}
	n = IstioClusterName{Direction: dir, Subset: subset, FQDN: fqdn}
	n.Port, _ = strconv.Atoi(port)
	return n, true
}

// IstioVersion is the ISTIO_VERSION an Istio proxy puts in its node metadata (bootstrap.node of
// a dump's BootstrapConfigDump): "1.24.2", or "" for a proxy that is not Istio's.
func IstioVersion(node jsonscan.Value) string {
	return node.Get("metadata", "ISTIO_VERSION").Str()
}
