package describe

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Istio's names on pods.
const (
	annotationSidecarStatus = "sidecar.istio.io/status"
	labelRevision           = "istio.io/rev"
	proxyContainerName      = "istio-proxy"
	proxyUID                = 1337
)

// proxyContainers are names of the Envoy container of a pod: Istio's, then common others.
var proxyContainers = []string{proxyContainerName, "envoy", "envoy-sidecar"}

// findProxyContainer returns the pod's proxy container (a regular container, or a native sidecar
// init container), and whether it is an init container.
func findProxyContainer(pod *corev1.Pod) (*corev1.Container, bool) {
	for _, name := range proxyContainers {
		for i := range pod.Spec.Containers {
			if pod.Spec.Containers[i].Name == name {
				return &pod.Spec.Containers[i], false
			}
		}
		for i := range pod.Spec.InitContainers {
			c := &pod.Spec.InitContainers[i]
			if c.Name == name && c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				return c, true
			}
		}
	}
	return nil, false
}

// revisionOf reads the control plane revision a pod was injected by.
func revisionOf(pod *corev1.Pod) string {
	if r := pod.Labels[labelRevision]; r != "" {
		return r
	}
	if r := pod.Annotations[labelRevision]; r != "" {
		return r
	}
	var st struct {
		Revision string `json:"revision"`
	}
	if s := pod.Annotations[annotationSidecarStatus]; s != "" && json.Unmarshal([]byte(s), &st) == nil {
		return st.Revision
	}
	return ""
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// containerReady reports the readiness of a container, and whether the pod has a status for it.
func containerReady(pod *corev1.Pod, name string) (ready, found bool) {
	for _, list := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for _, s := range list {
			if s.Name == name {
				return s.Ready, true
			}
		}
	}
	return false, false
}

// describePodInfo reads the pod and its proxy container (before the proxy's config is looked at).
func describePodInfo(pod *corev1.Pod) (PodInfo, ProxyInfo) {
	pi := PodInfo{
		Name:      pod.Name,
		Namespace: pod.Namespace,
		Phase:     string(pod.Status.Phase),
		Ready:     podReady(pod),
		IP:        pod.Status.PodIP,
		Labels:    pod.Labels,
		Ports:     []PodPort{},
	}
	if pi.Phase == "" {
		pi.Phase = "Unknown"
	}
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range list {
			for _, p := range c.Ports {
				proto := string(p.Protocol)
				if proto == "" {
					proto = "TCP"
				}
				pi.Ports = append(pi.Ports, PodPort{Container: c.Name, Name: p.Name, Port: p.ContainerPort, Protocol: proto})
			}
		}
	}
	for _, list := range [][]corev1.ContainerStatus{pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses} {
		for _, s := range list {
			if !s.Ready && (s.State.Terminated == nil || s.State.Terminated.Reason != "Completed") {
				pi.NotReady = append(pi.NotReady, s.Name)
			}
		}
	}
	var px ProxyInfo
	c, _ := findProxyContainer(pod)
	_, annotated := pod.Annotations[annotationSidecarStatus]
	if c != nil || annotated {
		px.Injected = true
		px.Container = proxyContainerName
		if c != nil {
			px.Container = c.Name
		}
		if ready, found := containerReady(pod, px.Container); found {
			px.Ready = &ready
		}
		pi.Revision = revisionOf(pod)
		if pi.Revision == "" {
			pi.Revision = "default"
		}
	}
	pi.Warnings = podWarnings(pod, px.Injected)
	return pi, px
}

// podWarnings lists what Istio needs from a pod that this one lacks
// (https://istio.io/latest/docs/ops/deployment/application-requirements/).
func podWarnings(pod *corev1.Pod, injected bool) []string {
	var w []string
	if pod.Status.Phase != "" && pod.Status.Phase != corev1.PodRunning {
		w = append(w, fmt.Sprintf("pod is not Running (%s)", pod.Status.Phase))
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == proxyContainerName {
			continue
		}
		if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil && *c.SecurityContext.RunAsUser == proxyUID {
			w = append(w, fmt.Sprintf("container %s runs as UID 1337, which is reserved for the sidecar proxy", c.Name))
		}
	}
	if !injected {
		w = append(w, "pod is not part of the mesh: it has no Istio sidecar")
		return w
	}
	if sc := pod.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil && *sc.RunAsUser == proxyUID {
		w = append(w, "pod runs as UID 1337, which is reserved for the sidecar proxy")
	}
	if !hasAny(pod.Labels, "service.istio.io/canonical-name", "app.kubernetes.io/name", "app") {
		w = append(w, "no app or app.kubernetes.io/name label: Istio telemetry falls back to the workload name")
	}
	if !hasAny(pod.Labels, "service.istio.io/canonical-revision", "app.kubernetes.io/version", "version") {
		w = append(w, "no version or app.kubernetes.io/version label: Istio telemetry reports version \"latest\"")
	}
	return w
}

func hasAny(m map[string]string, keys ...string) bool {
	for _, k := range keys {
		if m[k] != "" {
			return true
		}
	}
	return false
}

// servicesSelecting returns the Services of the pod's namespace whose selector matches it.
func servicesSelecting(svcs []corev1.Service, pod *corev1.Pod) []*corev1.Service {
	var out []*corev1.Service
	for i := range svcs {
		s := &svcs[i]
		if s.Namespace != pod.Namespace || len(s.Spec.Selector) == 0 {
			continue
		}
		if selectorMatches(s.Spec.Selector, pod.Labels) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// servicePorts resolves each port of a Service to the pod port it reaches, with Istio's protocol.
func servicePorts(svc *corev1.Service, pod *corev1.Pod) []ServicePort {
	out := make([]ServicePort, 0, len(svc.Spec.Ports))
	for _, p := range svc.Spec.Ports {
		sp := ServicePort{Name: p.Name, Port: p.Port, Protocol: istioProtocol(&p), NodePort: p.NodePort}
		tp := p.TargetPort
		switch {
		case tp.Type == intstr.String && tp.StrVal != "":
			sp.TargetPort = tp.StrVal
			if pod != nil {
				if n, ok := namedPort(pod, tp.StrVal); ok {
					sp.PodPort = n
				} else {
					sp.Error = fmt.Sprintf("targetPort %q matches no container port of pod %s", tp.StrVal, pod.Name)
				}
			}
		case tp.IntVal != 0:
			sp.TargetPort = strconv.Itoa(int(tp.IntVal))
			sp.PodPort = tp.IntVal
		default:
			sp.TargetPort = strconv.Itoa(int(p.Port))
			sp.PodPort = p.Port
		}
		out = append(out, sp)
	}
	return out
}

func namedPort(pod *corev1.Pod, name string) (int32, bool) {
	for _, list := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for _, c := range list {
			for _, p := range c.Ports {
				if p.Name == name {
					return p.ContainerPort, true
				}
			}
		}
	}
	return 0, false
}

// istioProtocols are the protocol names Istio reads from appProtocol and port name prefixes.
var istioProtocols = map[string]string{
	"tcp": "TCP", "udp": "UDP", "grpc": "GRPC", "grpc-web": "GRPC-Web", "http": "HTTP", "http_proxy": "HTTP_PROXY",
	"http2": "HTTP2", "https": "HTTPS", "tls": "TLS", "mongo": "Mongo", "redis": "Redis", "mysql": "MySQL",
	"kubernetes.io/h2c": "HTTP2", "kubernetes.io/ws": "HTTP", "kubernetes.io/wss": "HTTPS",
}

// istioProtocol is the protocol Istio gives a Service port: appProtocol, else the port name's
// prefix (http-web → HTTP), else "auto-detect" (Istio sniffs the protocol).
func istioProtocol(p *corev1.ServicePort) string {
	if p.Protocol == corev1.ProtocolUDP {
		return "UDP"
	}
	if p.AppProtocol != nil {
		if proto, ok := istioProtocols[strings.ToLower(*p.AppProtocol)]; ok {
			return proto
		}
	}
	name := strings.ToLower(p.Name)
	if name == "grpc-web" || strings.HasPrefix(name, "grpc-web-") {
		return "GRPC-Web"
	}
	prefix, _, _ := strings.Cut(name, "-")
	if proto, ok := istioProtocols[prefix]; ok && !strings.Contains(prefix, "/") {
		return proto
	}
	return "auto-detect"
}

// isHTTP tells whether a protocol is served by HTTP routes (RDS).
func isHTTP(proto string) bool {
	switch proto {
	case "HTTP", "HTTP2", "GRPC", "GRPC-Web", "auto-detect":
		return true
	}
	return false
}

// Revision is the control plane revision a pod was injected by ("" when none is recorded), as
// istioctl reads it: the istio.io/rev label or annotation, else the sidecar status annotation.
func Revision(pod *corev1.Pod) string { return revisionOf(pod) }
