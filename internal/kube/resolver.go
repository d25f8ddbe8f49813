// Package kube turns live targets (<pod>[.<namespace>], <kind>/<name>[.<namespace>], -l selector,
// --admin URL) into Envoy admin clients. Pods are reached through client-go's port-forward, one per
// pod, opened on first use and reused for every request the command makes.
package kube

import (
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/adminhttp"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// PortForwardMode says how a port-forward reaches the API server.
type PortForwardMode string

// Port-forward modes. Auto is kubectl's: WebSocket first, SPDY when the server cannot upgrade.
const (
	PortForwardAuto      PortForwardMode = ""
	PortForwardWebSocket PortForwardMode = "websocket"
	PortForwardSPDY      PortForwardMode = "spdy"
)

// EnvPortForwardWebSockets set to "false" forces SPDY port-forwards. kubectl's own
// KUBECTL_PORT_FORWARD_WEBSOCKETS=false is honoured too.
const (
	EnvPortForwardWebSockets        = "XDSCTL_PORT_FORWARD_WEBSOCKETS"
	envKubectlPortForwardWebSockets = "KUBECTL_PORT_FORWARD_WEBSOCKETS"
)

// Resolver implements cmdutil.TargetResolver with a kubeconfig (kubectl's flags).
type Resolver struct {
	flags *genericclioptions.ConfigFlags
	// Mode is how port-forwards connect; NewResolver sets it from XDSCTL_PORT_FORWARD_WEBSOCKETS.
	Mode PortForwardMode
	// Forward opens a port-forward to a pod's admin port (tests replace it).
	Forward ForwardFunc

	once      sync.Once
	cfg       *rest.Config
	client    kubernetes.Interface
	namespace string
	loadErr   error
}

var _ cmdutil.TargetResolver = (*Resolver)(nil)

// ConfigFlags returns the Factory's kubectl flags as cli-runtime's ConfigFlags, or nil when the
// Factory has none (or only the declarations xdsctl's front end makes, which hold no values).
func ConfigFlags(f *cmdutil.Factory) *genericclioptions.ConfigFlags {
	cf, _ := f.KubeFlags.(*genericclioptions.ConfigFlags)
	return cf
}

// NewResolver returns a Resolver that loads the kubeconfig named by flags when a target first
// needs it (so --admin works with no kubeconfig at all).
func NewResolver(flags *genericclioptions.ConfigFlags) *Resolver {
	r := &Resolver{flags: flags}
	r.Mode = modeFromEnv(os.Getenv)
	r.Forward = r.portForward
	return r
}

// modeFromEnv reads XDSCTL_PORT_FORWARD_WEBSOCKETS, else KUBECTL_PORT_FORWARD_WEBSOCKETS:
// "false" means SPDY only.
func modeFromEnv(getenv func(string) string) PortForwardMode {
	v := getenv(EnvPortForwardWebSockets)
	if v == "" {
		v = getenv(envKubectlPortForwardWebSockets)
	}
	if strings.EqualFold(strings.TrimSpace(v), "false") {
		return PortForwardSPDY
	}
	return PortForwardAuto
}

// NewResolverForClient returns a Resolver over an existing client (tests: client-go's fake
// clientset, whose port-forwards are replaced with r.Forward).
func NewResolverForClient(client kubernetes.Interface, cfg *rest.Config, namespace string) *Resolver {
	r := &Resolver{client: client, cfg: cfg, namespace: namespace}
	r.once.Do(func() {})
	r.Forward = r.portForward
	return r
}

// load reads the kubeconfig once.
func (r *Resolver) load() error {
	r.once.Do(func() {
		cfg, err := LoadConfig(r.flags, "for an Envoy outside Kubernetes use --admin http://host:port, or read a saved dump with --file")
		if err != nil {
			r.loadErr = err
			return
		}
		cs, err := kubernetes.NewForConfig(cfg.REST)
		if err != nil {
			r.loadErr = fmt.Errorf("create Kubernetes client: %w", err)
			return
		}
		r.cfg, r.client, r.namespace = cfg.REST, cs, cfg.Namespace
	})
	return r.loadErr
}

// Resolve turns q into admin clients. Pods are looked up now; their port-forwards open on the
// first request. A single named target that cannot be resolved is an error; with several
// targets or a selector, a pod that cannot be read becomes a target whose client fails with the
// reason, so the other pods are still shown.
func (r *Resolver) Resolve(ctx context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	if q.AdminURL != "" {
		return resolveAdminURL(q.AdminURL, q.MaxResponse)
	}
	if len(q.Args) == 0 && q.Selector == "" {
		return nil, cmdutil.FlagErrorf("give a <pod>[.<namespace>], -l <selector> or --admin <url>")
	}
	if q.AdminPort < 0 || q.AdminPort > 65535 {
		return nil, cmdutil.FlagErrorf("--proxy-admin-port must be between 1 and 65535, got %d", q.AdminPort)
	}
	refs := make([]TargetRef, 0, len(q.Args))
	for _, a := range q.Args {
		ref, err := ParseTarget(a)
		if err != nil {
			return nil, cmdutil.FlagErrorf("%s", err.Error())
		}
		refs = append(refs, ref)
	}
	if err := r.load(); err != nil {
		return nil, err
	}
	var targets []admin.Target
	if q.Selector != "" {
		pods, err := r.selectPods(ctx, q.Selector, q.AllNamespaces)
		if err != nil {
			return nil, err
		}
		for i := range pods {
			targets = append(targets, r.target(&pods[i], q.AdminPort, q.MaxResponse))
		}
	}
	for _, ref := range refs {
		pod, err := r.podFor(ctx, ref)
		if err != nil {
			if len(refs) == 1 && q.Selector == "" {
				return nil, err
			}
			targets = append(targets, admin.Target{Name: ref.String(), Client: failedClient{err}})
			continue
		}
		targets = append(targets, r.target(pod, q.AdminPort, q.MaxResponse))
	}
	sort.SliceStable(targets, func(i, j int) bool { return targetLess(targets[i].Name, targets[j].Name) })
	return dedupe(targets), nil
}

func resolveAdminURL(raw string, maxResponse int64) ([]admin.Target, error) {
	u, err := adminhttp.ParseURL(raw)
	if err != nil {
		return nil, cmdutil.FlagErrorf("%s", err.Error())
	}
	c, err := adminhttp.New(u.String(), adminhttp.Options{MaxBody: maxResponse})
	if err != nil {
		return nil, err
	}
	return []admin.Target{{Name: u.String(), Client: c}}, nil
}

// target makes the admin client of one pod: a failing one if the pod is not running.
func (r *Resolver) target(pod *corev1.Pod, portFlag int, maxResponse int64) admin.Target {
	name := pod.Name + "." + pod.Namespace
	if err := checkRunning(pod); err != nil {
		return admin.Target{Name: name, Client: failedClient{err}}
	}
	port, source := AdminPort(pod, portFlag)
	return admin.Target{Name: name, Client: newForwardClient(r, pod, port, source, maxResponse)}
}

func (r *Resolver) ns(ref TargetRef) string {
	if ref.Namespace != "" {
		return ref.Namespace
	}
	return r.namespace
}

// podFor finds the pod a target names: the pod itself, or a ready pod behind a workload or service.
func (r *Resolver) podFor(ctx context.Context, ref TargetRef) (*corev1.Pod, error) {
	ns := r.ns(ref)
	if ref.Kind == KindPod {
		pod, err := r.client.CoreV1().Pods(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, apiError(err, "get", "pods", ns, fmt.Sprintf("pod %q", ref.Name))
		}
		if err := checkRunning(pod); err != nil {
			return nil, err
		}
		return pod, nil
	}
	sel, err := r.selectorOf(ctx, ref, ns)
	if err != nil {
		return nil, err
	}
	list, err := r.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, apiError(err, "list", "pods", ns, "pods")
	}
	pod := pickPod(list.Items)
	if pod == nil {
		what := fmt.Sprintf("%s/%s in namespace %q", ref.Kind, ref.Name, ns)
		if len(list.Items) == 0 {
			return nil, cmdutil.WithHint(fmt.Errorf("no pods behind %s (selector %q): %w", what, sel.String(), ErrNotFound),
				fmt.Sprintf("check it has replicas: kubectl get pods -n %s -l %s", ns, sel.String()))
		}
		return nil, cmdutil.WithHint(fmt.Errorf("none of the %d pods behind %s is running: %w", len(list.Items), what, ErrNotRunning),
			fmt.Sprintf("see why with: kubectl get pods -n %s -l %s", ns, sel.String()))
	}
	return pod, nil
}

// selectorOf reads the label selector of a workload or service.
func (r *Resolver) selectorOf(ctx context.Context, ref TargetRef, ns string) (labels.Selector, error) {
	what := fmt.Sprintf("%s %q", ref.Kind, ref.Name)
	var ls *metav1.LabelSelector
	apps := r.client.AppsV1()
	switch ref.Kind {
	case KindDeployment:
		d, e := apps.Deployments(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e != nil {
			return nil, apiError(e, "get", "deployments.apps", ns, what)
		}
		ls = d.Spec.Selector
	case KindStatefulSet:
		s, e := apps.StatefulSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e != nil {
			return nil, apiError(e, "get", "statefulsets.apps", ns, what)
		}
		ls = s.Spec.Selector
	case KindDaemonSet:
		d, e := apps.DaemonSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e != nil {
			return nil, apiError(e, "get", "daemonsets.apps", ns, what)
		}
		ls = d.Spec.Selector
	case KindReplicaSet:
		s, e := apps.ReplicaSets(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e != nil {
			return nil, apiError(e, "get", "replicasets.apps", ns, what)
		}
		ls = s.Spec.Selector
	case KindService:
		s, e := r.client.CoreV1().Services(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if e != nil {
			return nil, apiError(e, "get", "services", ns, what)
		}
		if len(s.Spec.Selector) == 0 {
			return nil, cmdutil.WithHint(fmt.Errorf("service %q in namespace %q has no selector, so no pods behind it", ref.Name, ns),
				"name a pod instead: <pod>[.<namespace>]")
		}
		return labels.SelectorFromSet(s.Spec.Selector), nil
	default:
		return nil, fmt.Errorf("unsupported kind %q", ref.Kind)
	}
	if ls == nil {
		return nil, fmt.Errorf("%s in namespace %q has no selector", what, ns)
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, fmt.Errorf("%s in namespace %q: invalid selector: %w", what, ns, err)
	}
	if sel.Empty() {
		return nil, fmt.Errorf("%s in namespace %q has an empty selector", what, ns)
	}
	return sel, nil
}

// selectPods lists the pods matching a label selector. Pods that have finished (Succeeded, Failed)
// are left out: they never run a proxy again.
func (r *Resolver) selectPods(ctx context.Context, selector string, all bool) ([]corev1.Pod, error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, cmdutil.FlagErrorf("invalid selector %q: %v", selector, err)
	}
	ns := r.namespace
	where := fmt.Sprintf("in namespace %q", ns)
	if all {
		ns, where = metav1.NamespaceAll, "in any namespace"
	}
	list, err := r.client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel.String()})
	if err != nil {
		return nil, apiError(err, "list", "pods", ns, "pods")
	}
	var pods []corev1.Pod
	for _, p := range list.Items {
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		pods = append(pods, p)
	}
	if len(pods) == 0 {
		hint := "check the labels with: kubectl get pods --show-labels"
		if !all {
			hint = "look in every namespace with -A, or " + hint + " -n " + ns
		}
		return nil, cmdutil.WithHint(fmt.Errorf("no running pods match selector %q %s: %w", selector, where, ErrNotFound), hint)
	}
	return pods, nil
}

// checkRunning fails for a pod that cannot be port-forwarded to.
func checkRunning(pod *corev1.Pod) error {
	if pod.DeletionTimestamp != nil {
		return cmdutil.WithHint(fmt.Errorf("pod %q in namespace %q is terminating: %w", pod.Name, pod.Namespace, ErrNotRunning),
			"pick another pod: kubectl get pods -n "+pod.Namespace)
	}
	if pod.Status.Phase != corev1.PodRunning {
		phase := string(pod.Status.Phase)
		if phase == "" {
			phase = "unknown"
		}
		return cmdutil.WithHint(fmt.Errorf("pod %q in namespace %q is not running (phase %s): %w", pod.Name, pod.Namespace, phase, ErrNotRunning),
			fmt.Sprintf("wait for it to start, or see why with: kubectl describe pod %s -n %s", pod.Name, pod.Namespace))
	}
	return nil
}

// pickPod chooses the pod to read behind a workload: running and ready first, then running;
// among equals the oldest, then by name, so the choice is stable.
func pickPod(pods []corev1.Pod) *corev1.Pod {
	var best *corev1.Pod
	rank := func(p *corev1.Pod) int {
		switch {
		case p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning:
			return 0
		case isReady(p):
			return 2
		default:
			return 1
		}
	}
	for i := range pods {
		p := &pods[i]
		if rank(p) == 0 {
			continue
		}
		if best == nil || rank(p) > rank(best) ||
			rank(p) == rank(best) && (p.CreationTimestamp.Before(&best.CreationTimestamp) ||
				p.CreationTimestamp.Equal(&best.CreationTimestamp) && p.Name < best.Name) {
			best = p
		}
	}
	return best
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// targetLess orders targets named <pod>.<namespace> as kubectl lists pods: by namespace, then
// by name (a namespace has no dots, so it is what follows the last one).
func targetLess(a, b string) bool {
	split := func(s string) (ns, name string) {
		if i := strings.LastIndexByte(s, '.'); i >= 0 {
			return s[i+1:], s[:i]
		}
		return "", s
	}
	an, aname := split(a)
	bn, bname := split(b)
	if an != bn {
		return an < bn
	}
	return aname < bname
}

// dedupe drops a target named twice (a pod given twice, or matched by a selector and named too).
func dedupe(ts []admin.Target) []admin.Target {
	out := ts[:0]
	for i, t := range ts {
		if i > 0 && t.Name == ts[i-1].Name {
			_ = t.Client.Close()
			continue
		}
		out = append(out, t)
	}
	return out
}

// failedClient is a target that could not be resolved: every request fails with why.
type failedClient struct{ err error }

func (c failedClient) Get(context.Context, string) ([]byte, error)  { return nil, c.err }
func (c failedClient) Post(context.Context, string) ([]byte, error) { return nil, c.err }
func (c failedClient) Close() error                                 { return nil }
