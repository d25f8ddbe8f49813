package kube

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// This file gives commands that talk to control planes in the cluster (proxy-status asking istiod)
// what they need beyond admin targets: listing pods, a port-forward to any port of a pod, a
// service-account token, and admin targets for pods already listed.

// DefaultNamespace is the namespace of the kubeconfig context (or -n).
func (r *Resolver) DefaultNamespace() (string, error) {
	if err := r.load(); err != nil {
		return "", err
	}
	return r.namespace, nil
}

// ListPods lists the pods of a namespace (every namespace when namespace is "") that match a label
// selector, leaving out pods that have finished, sorted by namespace and name. No match is not an error.
func (r *Resolver) ListPods(ctx context.Context, namespace, selector string) ([]corev1.Pod, error) {
	if err := r.load(); err != nil {
		return nil, err
	}
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, cmdutil.FlagErrorf("invalid selector %q: %v", selector, err)
	}
	list, err := r.client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, apiError(err, "list", "pods", namespace, "pods")
	}
	var pods []corev1.Pod
	for _, p := range list.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		pods = append(pods, p)
	}
	sort.Slice(pods, func(i, j int) bool {
		if pods[i].Namespace != pods[j].Namespace {
			return pods[i].Namespace < pods[j].Namespace
		}
		return pods[i].Name < pods[j].Name
	})
	return pods, nil
}

// IsRunning tells whether a pod can be port-forwarded to, and why not.
func IsRunning(pod *corev1.Pod) error { return checkRunning(pod) }

// LooksLikeProxy tells whether anything in the pod suggests an Envoy runs in it (an Istio sidecar
// or gateway, an Envoy Gateway proxy, a container named envoy, a port named for the admin API).
func LooksLikeProxy(pod *corev1.Pod) bool { return looksLikeProxy(pod) }

// ForwardPort opens a port-forward from a free loopback port to port of pod and returns the local
// host:port and a function that closes it. Errors are one line with a hint (RBAC, timeout).
func (r *Resolver) ForwardPort(ctx context.Context, pod *corev1.Pod, port int) (addr string, stop func(), err error) {
	if err := r.load(); err != nil {
		return "", nil, err
	}
	if err := checkRunning(pod); err != nil {
		return "", nil, err
	}
	fw, err := r.Forward(ctx, pod, port)
	if err != nil {
		c := &forwardClient{r: r, pod: pod, port: port, source: "flag"}
		return "", nil, c.openError(ctx, err)
	}
	u, err := url.Parse(fw.URL)
	if err != nil || u.Host == "" {
		fw.Stop()
		return "", nil, fmt.Errorf("port-forward to pod %q in namespace %q: bad local address %q", pod.Name, pod.Namespace, fw.URL)
	}
	return u.Host, fw.Stop, nil
}

// ServiceAccountToken asks the TokenRequest API for a token of a service account, for the given
// audiences (istiod wants "istio-ca"), valid for ttl.
func (r *Resolver) ServiceAccountToken(ctx context.Context, namespace, serviceAccount string, audiences []string, ttl time.Duration) (string, error) {
	if err := r.load(); err != nil {
		return "", err
	}
	secs := int64(ttl / time.Second)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{Audiences: audiences, ExpirationSeconds: &secs}}
	tr, err := r.client.CoreV1().ServiceAccounts(namespace).CreateToken(ctx, serviceAccount, req, metav1.CreateOptions{})
	if err != nil {
		return "", apiError(err, "create", "serviceaccounts/token", namespace, fmt.Sprintf("service account %q", serviceAccount))
	}
	return tr.Status.Token, nil
}

// TargetsForPods makes an admin target per pod (a failing one for a pod that is not running),
// named pod.namespace. adminPort 0 detects the port from the pod; maxResponse bounds each answer
// (0: adminhttp.MaxBody).
func (r *Resolver) TargetsForPods(pods []corev1.Pod, adminPort int, maxResponse int64) []admin.Target {
	out := make([]admin.Target, 0, len(pods))
	for i := range pods {
		out = append(out, r.target(&pods[i], adminPort, maxResponse))
	}
	return out
}
