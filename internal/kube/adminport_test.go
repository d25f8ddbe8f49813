package kube

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func pod(annotations, labels map[string]string, containers ...corev1.Container) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Annotations: annotations, Labels: labels},
		Spec:       corev1.PodSpec{Containers: containers},
	}
}

func TestAdminPort(t *testing.T) {
	sidecar := corev1.Container{Name: "istio-proxy", Ports: []corev1.ContainerPort{{Name: "http-envoy-prom", ContainerPort: 15090}}}
	cases := []struct {
		name       string
		pod        *corev1.Pod
		flag       int
		wantPort   int
		wantSource string
	}{
		{"default", pod(nil, nil, sidecar), 0, 15000, "default"},
		{"flag wins", pod(map[string]string{"proxy.istio.io/config": "proxyAdminPort: 15001"}, nil, sidecar), 9901, 9901, "--proxy-admin-port"},
		{"istio annotation yaml", pod(map[string]string{"proxy.istio.io/config": "concurrency: 2\nproxyAdminPort: 15001\n"}, nil, sidecar), 0, 15001, "annotation proxy.istio.io/config"},
		{"istio annotation json", pod(map[string]string{"proxy.istio.io/config": `{"proxyAdminPort": 15002}`}, nil, sidecar), 0, 15002, "annotation proxy.istio.io/config"},
		{"istio annotation without port", pod(map[string]string{"proxy.istio.io/config": "concurrency: 2"}, nil, sidecar), 0, 15000, "default"},
		{"istio annotation broken", pod(map[string]string{"proxy.istio.io/config": "{{{"}, nil, sidecar), 0, 15000, "default"},
		{"istio annotation out of range", pod(map[string]string{"proxy.istio.io/config": "proxyAdminPort: 99999"}, nil, sidecar), 0, 15000, "default"},
		{"envoy gateway owning gateway", pod(nil, map[string]string{"gateway.envoyproxy.io/owning-gateway-name": "eg"}, corev1.Container{Name: "envoy"}), 0, 19000, "Envoy Gateway proxy"},
		{"envoy gateway class", pod(nil, map[string]string{"gateway.envoyproxy.io/owning-gatewayclass": "eg"}), 0, 19000, "Envoy Gateway proxy"},
		{"envoy gateway managed-by", pod(nil, map[string]string{"app.kubernetes.io/managed-by": "envoy-gateway", "app.kubernetes.io/component": "proxy"}), 0, 19000, "Envoy Gateway proxy"},
		{"managed-by without component", pod(nil, map[string]string{"app.kubernetes.io/managed-by": "envoy-gateway"}), 0, 15000, "default"},
		{"port named admin", pod(nil, nil, corev1.Container{Name: "envoy", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}, {Name: "admin", ContainerPort: 9901}}}), 0, 9901, `container envoy port "admin"`},
		{"port named envoy-admin", pod(nil, nil, corev1.Container{Name: "app"}, corev1.Container{Name: "proxy", Ports: []corev1.ContainerPort{{Name: "envoy-admin", ContainerPort: 19001}}}), 0, 19001, `container proxy port "envoy-admin"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			port, source := AdminPort(tc.pod, tc.flag)
			if port != tc.wantPort || source != tc.wantSource {
				t.Fatalf("got %d (%s), want %d (%s)", port, source, tc.wantPort, tc.wantSource)
			}
		})
	}
}

func TestLooksLikeProxy(t *testing.T) {
	cases := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"istio sidecar container", pod(nil, nil, corev1.Container{Name: "app"}, corev1.Container{Name: "istio-proxy"}), true},
		{"istio native sidecar", &corev1.Pod{Spec: corev1.PodSpec{InitContainers: []corev1.Container{{Name: "istio-proxy"}}, Containers: []corev1.Container{{Name: "app"}}}}, true},
		{"istio status annotation", pod(map[string]string{"sidecar.istio.io/status": "{}"}, nil, corev1.Container{Name: "app"}), true},
		{"envoy container", pod(nil, nil, corev1.Container{Name: "envoy"}), true},
		{"envoy gateway", pod(nil, map[string]string{"gateway.envoyproxy.io/owning-gateway-name": "eg"}, corev1.Container{Name: "x"}), true},
		{"admin port", pod(nil, nil, corev1.Container{Name: "x", Ports: []corev1.ContainerPort{{Name: "admin", ContainerPort: 1}}}), true},
		{"plain app", pod(nil, nil, corev1.Container{Name: "nginx"}), false},
	}
	for _, tc := range cases {
		if got := looksLikeProxy(tc.pod); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
