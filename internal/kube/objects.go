package kube

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
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/xdsctl/xdsctl/pkg/describe"
)

// ObjectClients are the Kubernetes clients describe reads objects with: typed for core objects, dynamic
// for Istio and Gateway API resources.
type ObjectClients struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	// Namespace is the kubeconfig context's namespace (or -n).
	Namespace string
}

// NewObjectClients makes the typed and dynamic clients from kubectl's flags (LoadConfig);
// alternatives completes the hint when there is no configuration.
func NewObjectClients(flags *genericclioptions.ConfigFlags, alternatives string) (*ObjectClients, error) {
	kcfg, err := LoadConfig(flags, alternatives)
	if err != nil {
		return nil, err
	}
	cfg := kcfg.REST
	cfg.QPS, cfg.Burst = 50, 100
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create Kubernetes client: %w", err)
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("create Kubernetes client: %w", err)
	}
	return &ObjectClients{Kube: kc, Dynamic: dc, Namespace: kcfg.Namespace}, nil
}

// ObjectRequest is what to describe.
type ObjectRequest struct {
	Kind           string // "pod" or "service"
	Name           string
	Namespace      string
	IstioNamespace string
}

// Objects is the Kubernetes side of a description.
type Objects struct {
	Cluster *describe.Cluster
	Pods    []*corev1.Pod   // the described pods
	Service *corev1.Service // describe service only
}

// GatherObjects reads the objects describe needs from the API: the pod (or the Service and its pods), the Services
// of the namespace, the mesh ConfigMap, every Istio and Gateway API resource describe uses (a type
// whose CRD is not installed is recorded as such, not an error), and the gateway pods and Services.
func GatherObjects(ctx context.Context, cl *ObjectClients, req ObjectRequest, warn func(string)) (*Objects, error) {
	g := &Objects{Cluster: &describe.Cluster{CRDs: map[string]describe.CRDState{}}}
	core := cl.Kube.CoreV1()
	ns := req.Namespace
	switch req.Kind {
	case "pod":
		pod, err := core.Pods(ns).Get(ctx, req.Name, metav1.GetOptions{})
		if err != nil {
			return nil, APIError(err, "get", "pods", ns, fmt.Sprintf("pod %q", req.Name))
		}
		g.Cluster.Pods = append(g.Cluster.Pods, *pod)
	case "service":
		svc, err := core.Services(ns).Get(ctx, req.Name, metav1.GetOptions{})
		if err != nil {
			return nil, APIError(err, "get", "services", ns, fmt.Sprintf("service %q", req.Name))
		}
		g.Service = svc
		if len(svc.Spec.Selector) > 0 {
			pods, err := core.Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(svc.Spec.Selector).String()})
			if err != nil {
				return nil, APIError(err, "list", "pods", ns, "pods")
			}
			g.Cluster.Pods = append(g.Cluster.Pods, pods.Items...)
		}
	}
	svcs, err := core.Services(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, APIError(err, "list", "services", ns, "services")
	}
	g.Cluster.Services = svcs.Items
	if g.Service != nil && !hasService(g.Cluster.Services, g.Service) {
		g.Cluster.Services = append(g.Cluster.Services, *g.Service)
	}

	revisions := map[string]bool{}
	for i := range g.Cluster.Pods {
		if r := describe.Revision(&g.Cluster.Pods[i]); r != "" && r != "default" {
			revisions[r] = true
		}
	}
	names := []string{"istio"}
	for r := range revisions {
		names = append(names, "istio-"+r)
	}
	sort.Strings(names[1:])
	for _, name := range names {
		cm, err := core.ConfigMaps(req.IstioNamespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case err == nil:
			g.Cluster.ConfigMaps = append(g.Cluster.ConfigMaps, *cm)
		case apierrors.IsNotFound(err):
		case errors.Is(err, context.Canceled):
			return nil, err
		default:
			warn(fmt.Sprintf("cannot read the mesh config (ConfigMap %s/%s), so Istio's defaults are assumed: %s", req.IstioNamespace, name, APIError(err, "get", "configmaps", req.IstioNamespace, "configmap "+name)))
		}
	}

	rootNS := req.IstioNamespace
	if err := listCustom(ctx, cl, []string{ns, rootNS}, g.Cluster, warn); err != nil {
		return nil, err
	}
	if err := listGateways(ctx, cl, g.Cluster, warn); err != nil {
		return nil, err
	}
	for i := range g.Cluster.Pods {
		p := &g.Cluster.Pods[i]
		if p.Namespace != ns {
			continue
		}
		if req.Kind == "pod" && p.Name == req.Name {
			g.Pods = append(g.Pods, p)
			break
		}
		if req.Kind == "service" && g.Service != nil && len(g.Service.Spec.Selector) > 0 &&
			labels.SelectorFromSet(g.Service.Spec.Selector).Matches(labels.Set(p.Labels)) {
			g.Pods = append(g.Pods, p)
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
func listCustom(ctx context.Context, cl *ObjectClients, fallback []string, c *describe.Cluster, warn func(string)) error {
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
func listGateways(ctx context.Context, cl *ObjectClients, c *describe.Cluster, warn func(string)) error {
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
