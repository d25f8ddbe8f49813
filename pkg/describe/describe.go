// Package describe explains one workload to an operator who asks "why does my traffic do that?":
// the pod and its proxy, the Services that select it, the Istio and Gateway API resources that
// apply to it, what its proxy has actually loaded for them (from its /config_dump), and every
// mismatch between the two.
//
// It is pure: the input is Kubernetes objects (typed core objects and unstructured custom
// resources, gathered by the command from the API or a file) and parsed config dumps; the output is
// a report with stable JSON names and a text renderer in istioctl x describe's layout.
package describe

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Cluster is the Kubernetes side of a description: the objects describe reads.
type Cluster struct {
	// Pods are the described pods and the ingress gateway pods (any namespace).
	Pods []corev1.Pod
	// Services are those of the described pods' namespaces and of the gateway pods' namespaces.
	Services []corev1.Service
	// ConfigMaps hold the mesh config (istio or istio-<revision> in the Istio namespace).
	ConfigMaps []corev1.ConfigMap
	// Objects are the Istio and Gateway API resources (see ResourceTypes), in any namespace.
	Objects []unstructured.Unstructured
	// CRDs says, per ResourceType.Key(), whether the type exists; a missing key is unknown.
	CRDs map[string]CRDState
}

// Options tune a description.
type Options struct {
	// Namespace is the user's namespace: objects in it are named without ".namespace", as istioctl does.
	Namespace string
	// IstioNamespace is where istiod and its mesh ConfigMap live (default istio-system).
	IstioNamespace string
	// ClusterDomain is the cluster's DNS domain (default cluster.local).
	ClusterDomain string
	// AdminPort says on which port a pod's Envoy admin API listens, and why (nil: not shown).
	AdminPort func(*corev1.Pod) (port int, source string)
}

// Describer describes pods and Services of one Cluster.
type Describer struct {
	c        *Cluster
	o        Options
	objs     *objects
	warnings []string
	views    map[*configdump.Dump]viewResult
}

type viewResult struct {
	v   *proxyView
	err error
}

// view reads a dump's views once (a gateway's dump serves every exposure through it).
func (d *Describer) view(dump *configdump.Dump) (*proxyView, error) {
	if r, ok := d.views[dump]; ok {
		return r.v, r.err
	}
	v, err := newProxyView(dump)
	if d.views == nil {
		d.views = map[*configdump.Dump]viewResult{}
	}
	d.views[dump] = viewResult{v, err}
	return v, err
}

// New indexes the cluster's objects. Objects it cannot read are left out, with a warning (see Warnings).
func New(c *Cluster, o Options) *Describer {
	if o.IstioNamespace == "" {
		o.IstioNamespace = "istio-system"
	}
	if o.ClusterDomain == "" {
		o.ClusterDomain = "cluster.local"
	}
	objs, warnings := decodeObjects(c.Objects)
	return &Describer{c: c, o: o, objs: objs, warnings: warnings}
}

// Warnings are problems met while reading the objects (for stderr, not the report).
func (d *Describer) Warnings() []string { return d.warnings }

// meshConfig is the part of Istio's MeshConfig describe uses.
type meshConfig struct {
	source                string // "ConfigMap istio-system/istio", or "" when none was found
	RootNamespace         string `json:"rootNamespace"`
	OutboundTrafficPolicy *struct {
		Mode string `json:"mode"`
	} `json:"outboundTrafficPolicy"`
}

// meshFor reads the mesh config of a revision: ConfigMap istio-<revision>, else istio, in the
// Istio namespace. Without one, Istio's defaults apply.
func (d *Describer) meshFor(revision string) meshConfig {
	names := []string{"istio"}
	if revision != "" && revision != "default" {
		names = []string{"istio-" + revision, "istio"}
	}
	for _, name := range names {
		for i := range d.c.ConfigMaps {
			cm := &d.c.ConfigMaps[i]
			if cm.Namespace != d.o.IstioNamespace || cm.Name != name {
				continue
			}
			var mc meshConfig
			if err := yaml.Unmarshal([]byte(cm.Data["mesh"]), &mc); err != nil {
				d.warnings = append(d.warnings, fmt.Sprintf("mesh config in ConfigMap %s/%s cannot be read, so Istio's defaults are used: %v", cm.Namespace, cm.Name, err))
				break
			}
			mc.source = "ConfigMap " + cm.Namespace + "/" + cm.Name
			if mc.RootNamespace == "" {
				mc.RootNamespace = d.o.IstioNamespace
			}
			return mc
		}
	}
	return meshConfig{RootNamespace: d.o.IstioNamespace}
}

// resources summarises which custom resource types could be read.
func (d *Describer) resources() ResourceStatus {
	rs := ResourceStatus{Istio: CRDUnknown, GatewayAPI: CRDUnknown}
	var istioIn, istioOut, gwIn, gwOut int
	for _, rt := range ResourceTypes {
		st, ok := d.c.CRDs[rt.Key()]
		if !ok {
			continue
		}
		switch {
		case st == CRDNotInstalled:
			rs.NotInstalled = append(rs.NotInstalled, rt.Key())
			if rt.Group == GroupGatewayAPI {
				gwOut++
			} else {
				istioOut++
			}
		case st == CRDInstalled && rt.Group == GroupGatewayAPI:
			gwIn++
		case st == CRDInstalled:
			istioIn++
		}
	}
	rs.Istio = summarise(istioIn, istioOut)
	rs.GatewayAPI = summarise(gwIn, gwOut)
	return rs
}

func summarise(in, out int) CRDState {
	switch {
	case in > 0 && out > 0:
		return "partly installed"
	case in > 0:
		return CRDInstalled
	case out > 0:
		return CRDNotInstalled
	}
	return CRDUnknown
}

// installed tells whether a resource type may have objects (installed or unknown).
func (d *Describer) installed(group, kind string) bool {
	for _, rt := range ResourceTypes {
		if rt.Group == group && rt.Kind == kind {
			return d.c.CRDs[rt.Key()] != CRDNotInstalled
		}
	}
	return true
}

// kname names an object as istioctl does: name in the user's namespace, else name.namespace.
func (d *Describer) kname(name, ns string) string {
	if ns == d.o.Namespace {
		return name
	}
	return name + "." + ns
}

func (d *Describer) fqdn(name, ns string) string {
	return name + "." + ns + ".svc." + d.o.ClusterDomain
}

// resolveHost expands a short host (no dot) written in namespace ns, as istiod does.
func (d *Describer) resolveHost(host, ns string) string {
	if host == "" || host == "*" || strings.Contains(host, ".") {
		return host
	}
	return d.fqdn(host, ns)
}

// hostMatches tells whether a host pattern (exact, "*" or "*.suffix") covers host.
func hostMatches(pattern, host string) bool {
	switch {
	case pattern == host || pattern == "*":
		return true
	case strings.HasPrefix(pattern, "*."):
		return strings.HasSuffix(host, pattern[1:])
	}
	return false
}

// exportedTo tells whether an object in namespace ns with exportTo is visible from namespace client.
func exportedTo(exportTo []string, ns, client string) bool {
	if len(exportTo) == 0 {
		return true
	}
	for _, e := range exportTo {
		switch e {
		case "*":
			return true
		case ".":
			if ns == client {
				return true
			}
		default:
			if e == client {
				return true
			}
		}
	}
	return false
}

// PodSelector selects pods: by labels, in one namespace or ("" ) in all.
type PodSelector struct {
	Namespace string
	Labels    map[string]string
}

// String writes the selector as kubectl's -l does.
func (s PodSelector) String() string {
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + "=" + s.Labels[k]
	}
	return strings.Join(parts, ",")
}

// GatewayPodSelectors are the selectors of the gateway pods that Istio Gateways and Gateway API
// Gateways use, for the command to list those pods (and their Services) before describing.
func (d *Describer) GatewayPodSelectors() []PodSelector {
	seen := map[string]bool{}
	var out []PodSelector
	add := func(s PodSelector) {
		k := s.Namespace + "/" + s.String()
		if len(s.Labels) == 0 || seen[k] {
			return
		}
		seen[k] = true
		out = append(out, s)
	}
	for _, g := range d.objs.gateways {
		add(PodSelector{Labels: g.Spec.Selector})
	}
	for _, g := range d.objs.k8sGateways {
		add(PodSelector{Namespace: g.Meta.Namespace, Labels: map[string]string{labelGatewayName: g.Meta.Name}})
		add(PodSelector{Namespace: g.Meta.Namespace, Labels: map[string]string{labelGatewayNameOld: g.Meta.Name}})
	}
	return out
}

// ProxiesNeeded names (name.namespace) the pods whose config dumps a description of pods uses:
// the pods with a proxy, and the gateway pods that expose them.
func (d *Describer) ProxiesNeeded(pods []*corev1.Pod) []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, pod := range pods {
		if _, px := describePodInfo(pod); px.Injected {
			add(pod.Name + "." + pod.Namespace)
		}
		for _, e := range d.exposures(pod, servicesSelecting(d.c.Services, pod), nil, &collector{}) {
			for _, gp := range e.GatewayPods {
				add(gp)
			}
		}
	}
	return out
}

// collector gathers mismatches, dropping repeats.
type collector struct {
	list []Mismatch
	seen map[string]bool
}

func (c *collector) add(kind, object, format string, args ...any) {
	m := Mismatch{Kind: kind, Object: object, Message: fmt.Sprintf(format, args...)}
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[m.Message] {
		return
	}
	c.seen[m.Message] = true
	c.list = append(c.list, m)
}

// Pod describes a pod with every Service that selects it. proxies maps name.namespace to the
// config of the pod's proxy and of gateway proxies (see ProxiesNeeded); missing entries mean
// "not read".
func (d *Describer) Pod(pod *corev1.Pod, proxies map[string]*Proxy) *PodReport {
	return d.describePod(pod, servicesSelecting(d.c.Services, pod), proxies)
}

// Service describes a Service: each pod it selects (running or not), for this Service only.
func (d *Describer) Service(svc *corev1.Service, proxies map[string]*Proxy) *ServiceReport {
	r := &ServiceReport{Resources: d.resources(), Pods: []PodReport{}}
	r.Service = ServiceInfo{Name: svc.Name, Namespace: svc.Namespace, Host: d.fqdn(svc.Name, svc.Namespace),
		Type: string(svc.Spec.Type), Ports: servicePorts(svc, nil)}
	if len(svc.Spec.Selector) == 0 {
		r.Note = "the Service has no selector, so no pods behind it"
		return r
	}
	var pods []*corev1.Pod
	for i := range d.c.Pods {
		p := &d.c.Pods[i]
		if p.Namespace == svc.Namespace && selectorMatches(svc.Spec.Selector, p.Labels) {
			pods = append(pods, p)
		}
	}
	sort.Slice(pods, func(i, j int) bool { return pods[i].Name < pods[j].Name })
	r.SelectedPods = len(pods)
	if len(pods) == 0 {
		r.Note = "the Service selects no pods"
		return r
	}
	meshed := 0
	for _, p := range pods {
		if _, px := describePodInfo(p); px.Injected {
			meshed++
		}
	}
	if meshed == 0 {
		r.Note = fmt.Sprintf("none of the %d pods of the Service has an Istio sidecar", len(pods))
	}
	for _, p := range pods {
		r.Pods = append(r.Pods, *d.describePod(p, []*corev1.Service{svc}, proxies))
	}
	return r
}

// describePod builds the report of one pod for the given Services.
func (d *Describer) describePod(pod *corev1.Pod, svcs []*corev1.Service, proxies map[string]*Proxy) *PodReport {
	r := &PodReport{Services: []ServiceInfo{}, AuthorizationPolicies: []AuthorizationPolicy{}, Ingress: []Exposure{}, Resources: d.resources()}
	r.Pod, r.Proxy = describePodInfo(pod)
	mc := &collector{}
	mesh := d.meshFor(r.Pod.Revision)

	var view *proxyView
	if r.Proxy.Injected {
		if d.o.AdminPort != nil {
			r.Proxy.AdminPort, r.Proxy.AdminPortSource = d.o.AdminPort(pod)
		}
		view = d.readProxy(pod, proxies[pod.Name+"."+pod.Namespace], &r.Proxy, mc)
	}
	if len(svcs) == 0 && r.Proxy.Injected {
		r.Pod.Warnings = append(r.Pod.Warnings, "no Kubernetes Service selects the pod: Istio routes traffic to pods through Services")
	}
	isSidecar := view != nil && r.Proxy.Type != "router"

	var mtls *MTLSInfo
	if r.Proxy.Injected {
		mtls = d.peerAuthentication(pod, mesh.RootNamespace)
		r.MTLS = mtls
	}
	for _, svc := range svcs {
		r.Services = append(r.Services, d.describeService(pod, svc, view, isSidecar, mtls, mc))
	}
	if r.Proxy.Injected {
		r.Inbound = d.inbound(pod, svcs, view, isSidecar, mtls, mc)
		r.AuthorizationPolicies = d.authorization(pod, mesh.RootNamespace, view, isSidecar, mc)
		if r.Proxy.Type != "router" { // Sidecar resources and the outbound policy are for sidecars
			r.Sidecar = d.sidecarFor(pod, mesh.RootNamespace)
			r.OutboundTrafficPolicy = d.outbound(mesh, r.Sidecar, view, isSidecar, mc)
		}
	}
	r.Ingress = d.exposures(pod, svcs, proxies, mc)
	r.Gateways = d.servedGateways(pod, view, mc)
	r.Mismatches = mc.list
	if r.Mismatches == nil {
		r.Mismatches = []Mismatch{}
	}
	return r
}

// readProxy reads the pod's config dump into a view and fills what the bootstrap says.
func (d *Describer) readProxy(pod *corev1.Pod, p *Proxy, px *ProxyInfo, mc *collector) *proxyView {
	switch {
	case p == nil:
		px.ConfigError = "not read"
		return nil
	case p.Err != nil:
		px.ConfigSource = p.Source
		px.ConfigError = p.Err.Error()
		return nil
	case p.Dump == nil:
		px.ConfigSource = p.Source
		px.ConfigError = "no config dump"
		return nil
	}
	px.ConfigSource = p.Source
	view, err := d.view(p.Dump)
	if err != nil {
		px.ConfigError = err.Error()
		return nil
	}
	b := view.bootstrap
	px.Type = b.nodeType
	px.IstioVersion = b.istioVersion
	px.EnvoyVersion = b.envoyVersion
	if b.adminPort != 0 && px.AdminPort == 0 {
		px.AdminPort, px.AdminPortSource = b.adminPort, "bootstrap"
	}
	if b.podName != "" {
		px.DumpOf = b.podName + "." + b.podNamespace
		if b.podName != pod.Name || (b.podNamespace != "" && b.podNamespace != pod.Namespace) {
			mc.add("DumpOfOtherPod", pod.Name+"."+pod.Namespace,
				"the config dump is from pod %s, not %s: what the proxy has loaded may not be this pod's", px.DumpOf, pod.Name+"."+pod.Namespace)
		}
	}
	return view
}
