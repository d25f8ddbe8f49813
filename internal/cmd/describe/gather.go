package describe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/pkg/describe"
)

// Clients are the Kubernetes clients describe reads objects with: typed for core objects, dynamic
// for Istio and Gateway API resources.
type Clients struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	// Namespace is the kubeconfig context's namespace (or -n).
	Namespace string
}

// request is what to describe.
type request struct {
	kind           string // pod or service
	name           string
	namespace      string
	istioNamespace string
}

// gathered is the Kubernetes side of a description.
type gathered struct {
	cluster *describe.Cluster
	pods    []*corev1.Pod   // the described pods
	service *corev1.Service // describe service only
}

// gatherLive reads the objects from the API: the pod (or the Service and its pods), the Services
// of the namespace, the mesh ConfigMap, every Istio and Gateway API resource describe uses (a type
// whose CRD is not installed is recorded as such, not an error), and the gateway pods and Services.
func gatherLive(ctx context.Context, cl *Clients, req request, warn func(string)) (*gathered, error) {
	g := &gathered{cluster: &describe.Cluster{CRDs: map[string]describe.CRDState{}}}
	core := cl.Kube.CoreV1()
	ns := req.namespace
	switch req.kind {
	case kindPod:
		pod, err := core.Pods(ns).Get(ctx, req.name, metav1.GetOptions{})
		if err != nil {
			return nil, kube.APIError(err, "get", "pods", ns, fmt.Sprintf("pod %q", req.name))
		}
		g.cluster.Pods = append(g.cluster.Pods, *pod)
	case kindService:
		svc, err := core.Services(ns).Get(ctx, req.name, metav1.GetOptions{})
		if err != nil {
			return nil, kube.APIError(err, "get", "services", ns, fmt.Sprintf("service %q", req.name))
		}
		g.service = svc
		if len(svc.Spec.Selector) > 0 {
			pods, err := core.Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
			if err != nil {
				return nil, kube.APIError(err, "list", "pods", ns, "pods")
			}
			g.cluster.Pods = append(g.cluster.Pods, pods.Items...)
		}
	}
	svcs, err := core.Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, kube.APIError(err, "list", "services", ns, "services")
	}
	g.cluster.Services = svcs.Items
	if g.service != nil && !hasService(g.cluster.Services, g.service) {
		g.cluster.Services = append(g.cluster.Services, *g.service)
	}

	revisions := map[string]bool{}
	for i := range g.cluster.Pods {
		if r := describe.Revision(&g.cluster.Pods[i]); r != "" && r != "default" {
			revisions[r] = true
		}
	}
	names := []string{"istio"}
	for r := range revisions {
		names = append(names, "istio-"+r)
	}
	sort.Strings(names[1:])
	for _, name := range names {
		cm, err := core.ConfigMaps(req.istioNamespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			g.cluster.ConfigMaps = append(g.cluster.ConfigMaps, *cm)
		case apierrors.IsNotFound(err):
		case errors.Is(err, context.Canceled):
			return nil, err
		default:
			warn(fmt.Sprintf("cannot read the mesh config (ConfigMap %s/%s), so Istio's defaults are assumed: %s", req.istioNamespace, name, kube.APIError(err, "get", "configmaps", req.istioNamespace, "configmap "+name)))
		}
	}

	rootNS := req.istioNamespace
	if err := listCustom(ctx, cl, []string{ns, rootNS}, g.cluster, warn); err != nil {
		return nil, err
	}
	if err := listGateways(ctx, cl, g.cluster, warn); err != nil {
		return nil, err
	}
	for i := range g.cluster.Pods {
		p := &g.cluster.Pods[i]
		if p.Namespace != ns {
			continue
		}
		if req.kind == kindPod && p.Name == req.name {
			g.pods = append(g.pods, p)
			break
		}
		if req.kind == kindService && g.service != nil && len(g.service.Spec.Selector) > 0 &&
			labels.SelectorFromSet(g.service.Spec.Selector).Matches(labels.Set(p.Labels)) {
			g.pods = append(g.pods, p)
		}
	}
	return g, nil
}

func hasService(list []corev1.Service, s *corev1.Service) bool {
	for i := range list {
		if list[i].Name == s.Name && list[i].Namespace == s.Namespace {
			return true
		}
	}
	return false
}

// listCustom lists every custom resource type describe reads, in all namespaces (or, when that is
// forbidden, in the fallback namespaces), recording which types are not installed. Only a
// cancelled context is an error; anything else is a warning and leaves the type unknown.
func listCustom(ctx context.Context, cl *Clients, fallback []string, c *describe.Cluster, warn func(string)) error {
	served, err := servedVersions(cl.Kube)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		warn(fmt.Sprintf("cannot read the API groups the cluster serves, so Istio and Gateway API resources are not read: %v", err))
		return nil
	}
	type result struct {
		items []unstructured.Unstructured
		state describe.CRDState
	}
	results := make([]result, len(describe.ResourceTypes))
	var mu sync.Mutex
	var g errgroup.Group
	g.SetLimit(4)
	for i, rt := range describe.ResourceTypes {
		g.Go(func() error {
			items, state, msg := listType(ctx, cl.Dynamic, rt, served[rt.Group], fallback)
			results[i] = result{items, state}
			if msg != "" {
				mu.Lock()
				warn(msg)
				mu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for i, rt := range describe.ResourceTypes {
		c.Objects = append(c.Objects, results[i].items...)
		if results[i].state != describe.CRDUnknown {
			c.CRDs[rt.Key()] = results[i].state
		}
	}
	return nil
}

// servedVersions maps the API groups describe reads to the versions the cluster serves.
func servedVersions(kc kubernetes.Interface) (map[string]map[string]bool, error) {
	groups, err := kc.Discovery().ServerGroups()
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]bool{}
	for _, g := range groups.Groups {
		switch g.Name {
		case describe.GroupNetworking, describe.GroupSecurity, describe.GroupGatewayAPI:
			out[g.Name] = map[string]bool{}
			for _, v := range g.Versions {
				out[g.Name][v.Version] = true
			}
		}
	}
	return out, nil
}

// listType lists one resource type with the newest version the cluster serves. A type whose
// group or resource is not served is "not installed".
func listType(ctx context.Context, dc dynamic.Interface, rt describe.ResourceType, versions map[string]bool, fallback []string) ([]unstructured.Unstructured, describe.CRDState, string) {
	for _, v := range rt.Versions {
		if !versions[v] {
			continue
		}
		gvr := schema.GroupVersionResource{Group: rt.Group, Version: v, Resource: rt.Resource}
		list, err := dc.Resource(gvr).Namespace(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
		switch {
		case err == nil:
			return list.Items, describe.CRDInstalled, ""
		case apierrors.IsNotFound(err):
			continue // this version (or the resource) is not served
		case apierrors.IsForbidden(err):
			return listNamespaces(ctx, dc, gvr, rt, fallback)
		default:
			return nil, describe.CRDUnknown, fmt.Sprintf("cannot list %s: %s", rt.Key(), errMessage(err))
		}
	}
	return nil, describe.CRDNotInstalled, ""
}

// listNamespaces lists a type namespace by namespace, when listing all namespaces is forbidden.
func listNamespaces(ctx context.Context, dc dynamic.Interface, gvr schema.GroupVersionResource, rt describe.ResourceType, namespaces []string) ([]unstructured.Unstructured, describe.CRDState, string) {
	var items []unstructured.Unstructured
	var read, denied []string
	seen := map[string]bool{}
	for _, ns := range namespaces {
		if ns == "" || seen[ns] {
			continue
		}
		seen[ns] = true
		list, err := dc.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			denied = append(denied, ns)
			continue
		}
		read = append(read, ns)
		items = append(items, list.Items...)
	}
	msg := fmt.Sprintf("not allowed to list %s in all namespaces; read them in namespace(s) %s only", rt.Key(), orNone(strings.Join(read, ", ")))
	if len(denied) > 0 {
		msg += fmt.Sprintf(" (also denied in %s)", strings.Join(denied, ", "))
	}
	if len(read) == 0 {
		return nil, describe.CRDUnknown, msg
	}
	return items, describe.CRDInstalled, msg
}

// listGateways adds the gateway pods (selected by the Gateways' selectors) and the Services of
// their namespaces, so exposures can name the gateway's Service and address.
func listGateways(ctx context.Context, cl *Clients, c *describe.Cluster, warn func(string)) error {
	sels := describe.New(c, describe.Options{}).GatewayPodSelectors()
	seenPods := map[string]bool{}
	nsWithSvcs := map[string]bool{}
	for i := range c.Pods {
		seenPods[c.Pods[i].Namespace+"/"+c.Pods[i].Name] = true
	}
	for i := range c.Services {
		nsWithSvcs[c.Services[i].Namespace] = true
	}
	var gwNamespaces []string
	for _, s := range sels {
		list, err := cl.Kube.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: s.String()})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			where := "all namespaces"
			if s.Namespace != "" {
				where = "namespace " + s.Namespace
			}
			warn(fmt.Sprintf("cannot list gateway pods %s in %s: %s", s.String(), where, errMessage(err)))
			continue
		}
		for _, p := range list.Items {
			key := p.Namespace + "/" + p.Name
			if seenPods[key] {
				continue
			}
			seenPods[key] = true
			c.Pods = append(c.Pods, p)
			if !nsWithSvcs[p.Namespace] {
				nsWithSvcs[p.Namespace] = true
				gwNamespaces = append(gwNamespaces, p.Namespace)
			}
		}
	}
	for _, ns := range gwNamespaces {
		list, err := cl.Kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			warn(fmt.Sprintf("cannot list the Services of gateway namespace %s: %s", ns, errMessage(err)))
			continue
		}
		c.Services = append(c.Services, list.Items...)
	}
	return nil
}

func errMessage(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Message != "" {
		return se.Status().Message
	}
	return err.Error()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// gatherFiles reads the objects from --k8s-file files and finds the described pod or Service in
// them. Without an explicit namespace, a name found in exactly one namespace is taken from there.
func gatherFiles(files map[string][]byte, order []string, req request, nsExplicit bool, warn func(string)) (*gathered, string, error) {
	c := &describe.Cluster{CRDs: map[string]describe.CRDState{}}
	for _, name := range order {
		part, warnings, err := describe.ParseObjects(files[name])
		var notObjects *describe.NotObjectsError
		switch {
		case errors.As(err, &notObjects):
			return nil, "", cmdutil.WithHint(fmt.Errorf("--k8s-file %q: %w", name, err),
				"give the proxy's config dump with --file, and the objects (kubectl get -o yaml) with --k8s-file")
		case err != nil:
			return nil, "", cmdutil.WithHint(fmt.Errorf("--k8s-file %q: %w", name, err),
				"save the objects with: kubectl get pods,services -n <namespace> -o yaml > objects.yaml")
		}
		for _, w := range warnings {
			warn(fmt.Sprintf("--k8s-file %q: %s", name, w))
		}
		c.Merge(part)
	}
	g := &gathered{cluster: c}
	ns := req.namespace
	what := "pod"
	if req.kind == kindService {
		what = "service"
	}
	var found []string // namespaces that have the name
	switch req.kind {
	case kindPod:
		for i := range c.Pods {
			if c.Pods[i].Name == req.name {
				found = append(found, c.Pods[i].Namespace)
			}
		}
	case kindService:
		for i := range c.Services {
			if c.Services[i].Name == req.name {
				found = append(found, c.Services[i].Namespace)
			}
		}
	}
	if !nsExplicit && len(found) == 1 {
		ns = found[0]
	}
	switch req.kind {
	case kindPod:
		for i := range c.Pods {
			if c.Pods[i].Name == req.name && c.Pods[i].Namespace == ns {
				g.pods = append(g.pods, &c.Pods[i])
			}
		}
	case kindService:
		for i := range c.Services {
			if c.Services[i].Name == req.name && c.Services[i].Namespace == ns {
				g.service = &c.Services[i]
			}
		}
		if g.service != nil && len(g.service.Spec.Selector) > 0 {
			sel := labels.SelectorFromSet(g.service.Spec.Selector)
			for i := range c.Pods {
				if c.Pods[i].Namespace == ns && sel.Matches(labels.Set(c.Pods[i].Labels)) {
					g.pods = append(g.pods, &c.Pods[i])
				}
			}
		}
	}
	if (req.kind == kindPod && len(g.pods) == 0) || (req.kind == kindService && g.service == nil) {
		hint := fmt.Sprintf("save it with: kubectl get %ss,services -n %s -o yaml >> %s", what, ns, order[0])
		if len(found) > 0 {
			hint = fmt.Sprintf("the file has %s %q in namespace(s) %s: name one with %s.<namespace> or -n", what, req.name, strings.Join(found, ", "), req.name)
		}
		return nil, "", cmdutil.WithHint(fmt.Errorf("%s %q not found in namespace %q in %s", what, req.name, ns, describeFiles(order)), hint)
	}
	return g, ns, nil
}

func describeFiles(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "--k8s-file " + q[0]
	}
	return "--k8s-file " + strings.Join(q, ", ")
}
