package kube

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// DefaultAdminPort is Istio's Envoy admin port, used when nothing in the pod says otherwise.
const DefaultAdminPort = 15000

// envoyGatewayAdminPort is where Envoy Gateway's proxies serve their admin API (on 127.0.0.1 in the pod).
const envoyGatewayAdminPort = 19000

// adminPortNames are container port names that mean "Envoy admin API".
var adminPortNames = map[string]bool{"admin": true, "http-admin": true, "envoy-admin": true}

// AdminPort says on which port a pod's Envoy admin API listens, and why. In order:
// the --proxy-admin-port flag; Istio's proxy.istio.io/config annotation (proxyAdminPort);
// an Envoy Gateway proxy (19000); a container port named admin, http-admin or envoy-admin;
// else 15000 (Istio's default).
func AdminPort(pod *corev1.Pod, flag int) (port int, source string) {
	if flag > 0 {
		return flag, "--proxy-admin-port"
	}
	if cfg, ok := pod.Annotations["proxy.istio.io/config"]; ok {
		var pc struct {
			ProxyAdminPort int `json:"proxyAdminPort"`
		}
		if yaml.Unmarshal([]byte(cfg), &pc) == nil && pc.ProxyAdminPort > 0 && pc.ProxyAdminPort < 65536 {
			return pc.ProxyAdminPort, "annotation proxy.istio.io/config"
		}
	}
	if isEnvoyGateway(pod) {
		return envoyGatewayAdminPort, "Envoy Gateway proxy"
	}
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if adminPortNames[p.Name] && p.ContainerPort > 0 {
				return int(p.ContainerPort), "container " + c.Name + " port " + strconv.Quote(p.Name)
			}
		}
	}
	return DefaultAdminPort, "default"
}

func isEnvoyGateway(pod *corev1.Pod) bool {
	if _, ok := pod.Labels["gateway.envoyproxy.io/owning-gateway-name"]; ok {
		return true
	}
	if _, ok := pod.Labels["gateway.envoyproxy.io/owning-gatewayclass"]; ok {
		return true
	}
	return pod.Labels["app.kubernetes.io/managed-by"] == "envoy-gateway" && pod.Labels["app.kubernetes.io/component"] == "proxy"
}

// isProxylessGRPC tells whether the pod runs a proxyless gRPC client: injected with one of Istio's
// gRPC templates (inject.istio.io/templates: grpc-agent, grpc-simple), or a container given a gRPC
// xDS bootstrap (GRPC_XDS_BOOTSTRAP, GRPC_XDS_BOOTSTRAP_CONFIG). It has no Envoy admin API.
func isProxylessGRPC(pod *corev1.Pod) bool {
	for _, t := range strings.Split(pod.Annotations["inject.istio.io/templates"], ",") {
		if strings.HasPrefix(strings.TrimSpace(t), "grpc") {
			return true
		}
	}
	for _, c := range pod.Spec.Containers {
		for _, e := range c.Env {
			if e.Name == "GRPC_XDS_BOOTSTRAP" || e.Name == "GRPC_XDS_BOOTSTRAP_CONFIG" {
				return true
			}
		}
	}
	return false
}

// looksLikeProxy tells whether anything in the pod suggests an Envoy runs in it: an Istio sidecar
// or gateway, an Envoy Gateway proxy, a container named envoy, or a port named for the admin API.
// It only shapes hints: a pod that does not look like one is still tried.
func looksLikeProxy(pod *corev1.Pod) bool {
	if _, ok := pod.Annotations["sidecar.istio.io/status"]; ok {
		return true
	}
	if _, ok := pod.Annotations["proxy.istio.io/config"]; ok {
		return true
	}
	if isEnvoyGateway(pod) {
		return true
	}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			switch c.Name {
			case "istio-proxy", "envoy", "envoy-sidecar", "proxy":
				return true
			}
			for _, p := range c.Ports {
				if adminPortNames[p.Name] {
					return true
				}
			}
		}
	}
	return false
}
