package emulator

import (
	"fmt"
	"net"
	"strings"
)

// IstioVersion is the ISTIO_VERSION an emulated Istio sidecar presents (--metadata overrides it).
const IstioVersion = "1.28.0"

// IstioSidecar returns the node id and metadata an Istio sidecar of pod podNS ("POD.NS") at ip
// presents to istiod: id "sidecar~IP~POD.NS~NS.svc.cluster.local", and the metadata istiod reads
// (pilot's NodeMetadata): PROXY_CONFIG as an object and LABELS as a map — without them istiod
// drops the connection from its syncz, or refuses it — NAMESPACE, NAME, POD_NAME, CLUSTER_ID,
// MESH_ID, INTERCEPTION_MODE, INSTANCE_IPS, SERVICE_ACCOUNT and ISTIO_VERSION. cluster is the
// node's service cluster as Istio's agent sets it ("POD.NS" when no app label is given).
func IstioSidecar(podNS, ip string) (id, cluster string, md map[string]any, err error) {
	i := strings.LastIndexByte(podNS, '.')
	if i <= 0 || i == len(podNS)-1 {
		return "", "", nil, fmt.Errorf("%q is not POD.NAMESPACE", podNS)
	}
	pod, ns := podNS[:i], podNS[i+1:]
	if net.ParseIP(ip) == nil {
		return "", "", nil, fmt.Errorf("%q is not an IP address", ip)
	}
	id = fmt.Sprintf("sidecar~%s~%s.%s~%s.svc.cluster.local", ip, pod, ns, ns)
	md = map[string]any{
		"NAMESPACE":         ns,
		"NAME":              pod,
		"POD_NAME":          pod,
		"CLUSTER_ID":        "Kubernetes",
		"MESH_ID":           "cluster.local",
		"INTERCEPTION_MODE": "REDIRECT",
		"INSTANCE_IPS":      ip,
		"SERVICE_ACCOUNT":   "default",
		"ISTIO_VERSION":     IstioVersion,
		"LABELS":            map[string]any{},
		"PROXY_CONFIG": map[string]any{
			"binaryPath":       "/usr/local/bin/envoy",
			"configPath":       "./etc/istio/proxy",
			"discoveryAddress": "istiod.istio-system.svc:15012",
			"drainDuration":    "45s",
			"proxyAdminPort":   15000,
			"serviceCluster":   "istio-proxy",
			"statusPort":       15020,
		},
	}
	return id, pod + "." + ns, md, nil
}
