package describe

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// mTLS modes.
const (
	modeUnset      = "UNSET"
	modeStrict     = "STRICT"
	modePermissive = "PERMISSIVE"
	modeDisable    = "DISABLE"
)

func paMode(m *mtlsMode) string {
	if m == nil || m.Mode == "" {
		return modeUnset
	}
	return strings.ToUpper(m.Mode)
}

// modeFor is the effective mode of a pod port.
func (m *MTLSInfo) modeFor(port uint32) string {
	if m == nil {
		return ""
	}
	for _, p := range m.PortModes {
		if p.Port == port {
			return p.Mode
		}
	}
	return m.Mode
}

// peerAuthentication composes the effective PeerAuthentication of a pod as istiod does: the
// oldest policy at each level (mesh: root namespace without selector; namespace: the pod's
// namespace without selector; workload: the pod's namespace with a matching selector), the
// narrowest level that sets a mode wins, UNSET inherits, and port-level modes come from the
// workload policy. With no policy at all the mode is PERMISSIVE.
func (d *Describer) peerAuthentication(pod *corev1.Pod, rootNS string) *MTLSInfo {
	var meshPA, nsPA, wlPA *peerAuthentication
	pick := func(cur, cand *peerAuthentication) *peerAuthentication {
		if cur == nil || older(&cand.Meta, &cur.Meta) {
			return cand
		}
		return cur
	}
	for _, pa := range d.objs.peerAuthns {
		noSelector := pa.Spec.Selector == nil || len(pa.Spec.Selector.MatchLabels) == 0
		switch {
		case noSelector && pa.Meta.Namespace == rootNS:
			meshPA = pick(meshPA, pa)
		case noSelector && pa.Meta.Namespace == pod.Namespace:
			nsPA = pick(nsPA, pa)
		case !noSelector && pa.Meta.Namespace == pod.Namespace && pa.Meta.Namespace != rootNS &&
			selectorMatches(pa.Spec.Selector.MatchLabels, pod.Labels):
			wlPA = pick(wlPA, pa)
		}
	}
	info := &MTLSInfo{Mode: modePermissive, Applied: []AppliedPeerAuth{}, RootNamespace: rootNS}
	for _, l := range []struct {
		pa    *peerAuthentication
		level string
	}{{meshPA, "mesh"}, {nsPA, "namespace"}, {wlPA, "workload"}} {
		if l.pa == nil {
			continue
		}
		m := paMode(l.pa.Spec.Mtls)
		info.Applied = append(info.Applied, AppliedPeerAuth{Name: l.pa.Meta.Name, Namespace: l.pa.Meta.Namespace, Level: l.level, Mode: m})
		if m != modeUnset {
			info.Mode = m
		}
	}
	if wlPA != nil {
		for k, v := range wlPA.Spec.PortLevelMtls {
			port, err := strconv.ParseUint(k, 10, 32)
			if err != nil {
				d.warnings = append(d.warnings, fmt.Sprintf("PeerAuthentication %s: port %q in portLevelMtls is not a number, so it is ignored", wlPA.Meta.id(), k))
				continue
			}
			m := paMode(&v)
			if m == modeUnset {
				m = info.Mode
			}
			info.PortModes = append(info.PortModes, PortMTLS{Port: uint32(port), Mode: m})
		}
		sort.Slice(info.PortModes, func(i, j int) bool { return info.PortModes[i].Port < info.PortModes[j].Port })
	}
	return info
}

// inbound reads what the proxy accepts on each pod port (application container ports, Service
// target ports and ports named by port-level mTLS), and checks it against the effective mTLS mode.
func (d *Describer) inbound(pod *corev1.Pod, svcs []*corev1.Service, view *proxyView, isSidecar bool, mtls *MTLSInfo, mc *collector) []InboundPort {
	if !isSidecar || !view.hasListeners {
		return nil
	}
	ports := map[uint32]string{} // port -> why it is looked at (a Service that targets it)
	for _, c := range pod.Spec.Containers {
		if c.Name == proxyContainerName {
			continue
		}
		for _, p := range c.Ports {
			if p.Protocol == "" || p.Protocol == corev1.ProtocolTCP {
				ports[uint32(p.ContainerPort)] = ""
			}
		}
	}
	for _, s := range svcs {
		for _, p := range servicePorts(s, pod) {
			if p.PodPort != 0 && p.Protocol != "UDP" {
				ports[uint32(p.PodPort)] = s.Name
			}
		}
	}
	for _, p := range mtls.PortModes {
		if _, ok := ports[p.Port]; !ok {
			ports[p.Port] = ""
		}
	}
	ips := map[string]bool{}
	for _, ip := range pod.Status.PodIPs {
		ips[ip.IP] = true
	}
	if pod.Status.PodIP != "" {
		ips[pod.Status.PodIP] = true
	}
	list := make([]uint32, 0, len(ports))
	for p := range ports {
		list = append(list, p)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	var out []InboundPort
	for _, port := range list {
		ip := InboundPort{Port: port, Chains: []InboundChain{}, Expected: mtls.modeFor(port)}
		ip.Listener, ip.Chains = view.inboundChains(port, ips)
		if ip.Chains == nil {
			ip.Chains = []InboundChain{}
		}
		tls, plain := false, false
		for _, c := range ip.Chains {
			if c.TLS {
				tls = true
			} else {
				plain = true
			}
		}
		switch {
		case tls && plain:
			ip.Mode = modePermissive
		case tls:
			ip.Mode = modeStrict
		case plain:
			ip.Mode = modeDisable
		}
		pod := pod.Name + "." + pod.Namespace
		switch {
		case ip.Mode == "" && ports[port] != "":
			mc.add("InboundMissing", pod, "the proxy has no inbound filter chain for pod port %d (the target of Service %s): requests to it fall to the catch-all chain",
				port, ports[port])
		case ip.Mode != "" && ip.Mode != ip.Expected:
			mc.add("MTLSNotLoaded", pod, "PeerAuthentication asks for %s on pod port %d, but the proxy accepts %s (%s)",
				ip.Expected, port, acceptsText(ip.Mode), ip.Mode)
		}
		out = append(out, ip)
	}
	return out
}

func acceptsText(mode string) string {
	switch mode {
	case modeStrict:
		return "mTLS only"
	case modePermissive:
		return "mTLS or plaintext"
	case modeDisable:
		return "plaintext only"
	}
	return "nothing"
}

// authorization lists the AuthorizationPolicies that select the pod (root namespace: mesh-wide,
// or by selector in every namespace; the pod's namespace: namespace-wide or by selector) and
// checks that the proxy's inbound RBAC filters carry them.
func (d *Describer) authorization(pod *corev1.Pod, rootNS string, view *proxyView, isSidecar bool, mc *collector) []AuthorizationPolicy {
	out := []AuthorizationPolicy{}
	var loaded map[string]bool
	if isSidecar && view.hasListeners {
		loaded = view.inboundRBAC()
	}
	for _, ap := range d.objs.authzPolicies {
		if len(ap.Spec.TargetRef) > 0 || len(ap.Spec.TargetRefs) > 0 {
			continue // policies for gateways and waypoints, not sidecars
		}
		noSelector := ap.Spec.Selector == nil || len(ap.Spec.Selector.MatchLabels) == 0
		var scope string
		switch {
		case ap.Meta.Namespace == rootNS && noSelector:
			scope = "mesh"
		case ap.Meta.Namespace != rootNS && ap.Meta.Namespace != pod.Namespace:
			continue
		case noSelector:
			scope = "namespace"
		case selectorMatches(ap.Spec.Selector.MatchLabels, pod.Labels):
			scope = "workload"
		default:
			continue
		}
		action := strings.ToUpper(ap.Spec.Action)
		if action == "" {
			action = "ALLOW"
		}
		a := AuthorizationPolicy{Name: ap.Meta.Name, Namespace: ap.Meta.Namespace, Action: action, Scope: scope, Rules: len(ap.Spec.Rules)}
		switch {
		case len(ap.Spec.Rules) == 0 && action == "ALLOW":
			a.Note = "no rules: it allows nothing, so every request is denied"
		case len(ap.Spec.Rules) == 0:
			a.Note = "no rules: it has no effect"
		case action == "CUSTOM" && ap.Spec.Provider != nil:
			a.Note = "checked by extension provider " + ap.Spec.Provider.Name
		}
		if loaded != nil && len(ap.Spec.Rules) > 0 {
			has := loaded[ap.Meta.id()]
			a.Loaded = &has
			if !has {
				mc.add("AuthorizationPolicyNotLoaded", ap.Meta.id(), "AuthorizationPolicy %s (%s) selects the pod, but the proxy's inbound RBAC filters do not have it yet",
					ap.Meta.id(), action)
			}
		}
		out = append(out, a)
	}
	if loaded != nil && d.installed(GroupSecurity, "AuthorizationPolicy") {
		ids := make([]string, 0, len(loaded))
		for id := range loaded {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			found := false
			for _, ap := range d.objs.authzPolicies {
				if ap.Meta.id() == id {
					found = true
				}
			}
			if !found {
				mc.add("AuthorizationPolicyStale", id, "the proxy enforces AuthorizationPolicy %s, which does not exist: the proxy is stale", id)
			}
		}
	}
	return out
}

// inboundRBAC collects the AuthorizationPolicies named in the RBAC filters of every inbound chain.
func (v *proxyView) inboundRBAC() map[string]bool {
	out := map[string]bool{}
	for i := range v.listeners {
		l := &v.listeners[i]
		if !l.IsShort() {
			continue
		}
		if l.Name != "virtualInbound" && l.Port != 15006 && !isInboundListener(l.Raw) {
			continue
		}
		_ = l.Raw.Get("filter_chains").Items(func(_ int, fc jsonscan.Value) bool {
			for _, name := range readInboundChain(fc).RBAC {
				if id := rbacPolicyID(name); id != "" {
					out[id] = true
				}
			}
			return true
		})
	}
	return out
}

// sidecarFor picks the Sidecar resource of a pod: one in its namespace whose selector matches
// (the oldest), else its namespace's default (no selector), else the root namespace's default.
func (d *Describer) sidecarFor(pod *corev1.Pod, rootNS string) *SidecarInfo {
	var wl, ns, mesh *sidecar
	pick := func(cur, cand *sidecar) *sidecar {
		if cur == nil || older(&cand.Meta, &cur.Meta) {
			return cand
		}
		return cur
	}
	for _, s := range d.objs.sidecars {
		noSelector := s.Spec.WorkloadSelector == nil || len(s.Spec.WorkloadSelector.MatchLabels) == 0
		switch {
		case s.Meta.Namespace == pod.Namespace && !noSelector && selectorMatches(s.Spec.WorkloadSelector.MatchLabels, pod.Labels):
			wl = pick(wl, s)
		case s.Meta.Namespace == pod.Namespace && noSelector:
			ns = pick(ns, s)
		case s.Meta.Namespace == rootNS && noSelector:
			mesh = pick(mesh, s)
		}
	}
	var s *sidecar
	var scope string
	switch {
	case wl != nil:
		s, scope = wl, "workload"
	case ns != nil:
		s, scope = ns, "namespace"
	case mesh != nil:
		s, scope = mesh, "mesh"
	default:
		return nil
	}
	si := &SidecarInfo{Name: s.Meta.Name, Namespace: s.Meta.Namespace, Scope: scope, IngressListeners: len(s.Spec.Ingress)}
	for _, e := range s.Spec.Egress {
		for _, h := range e.Hosts {
			if e.Port != nil && e.Port.Number != 0 {
				h = fmt.Sprintf("%s (port %d)", h, e.Port.Number)
			}
			si.EgressHosts = append(si.EgressHosts, h)
		}
	}
	if s.Spec.OutboundTrafficPolicy != nil {
		si.OutboundTrafficPolicy = s.Spec.OutboundTrafficPolicy.Mode
	}
	return si
}

// egressAllows tells whether the pod's Sidecar lets its proxy see a host in namespace ns.
func (d *Describer) egressAllows(pod *corev1.Pod, rootNS, ns, host string) bool {
	sc := d.sidecarFor(pod, rootNS)
	if sc == nil || len(sc.EgressHosts) == 0 {
		return true
	}
	for _, h := range sc.EgressHosts {
		h, _, _ = strings.Cut(h, " ")
		hostNS, hostName, ok := strings.Cut(h, "/")
		if !ok {
			continue
		}
		switch hostNS {
		case "*":
		case ".":
			if ns != sc.Namespace && ns != pod.Namespace {
				continue
			}
		case "~":
			continue
		default:
			if hostNS != ns {
				continue
			}
		}
		if hostMatches(hostName, host) {
			return true
		}
	}
	return false
}

// outbound compares the declared outbound traffic policy (Sidecar, else mesh config, else
// ALLOW_ANY) with the virtualOutbound listener's catch-all cluster.
func (d *Describer) outbound(mesh meshConfig, sc *SidecarInfo, view *proxyView, isSidecar bool, mc *collector) *OutboundTrafficPolicy {
	o := &OutboundTrafficPolicy{Mode: "ALLOW_ANY", DeclaredBy: "Istio default"}
	switch {
	case sc != nil && sc.OutboundTrafficPolicy != "":
		o.Mode, o.DeclaredBy = strings.ToUpper(sc.OutboundTrafficPolicy), "Sidecar "+sc.Name+"."+sc.Namespace
	case mesh.OutboundTrafficPolicy != nil && mesh.OutboundTrafficPolicy.Mode != "":
		o.Mode, o.DeclaredBy = strings.ToUpper(mesh.OutboundTrafficPolicy.Mode), "mesh config in "+mesh.source
	case mesh.source != "":
		o.DeclaredBy = "Istio default; " + mesh.source + " does not set it"
	}
	if !isSidecar || !view.hasListeners {
		return o
	}
	mode, cluster, found := view.outboundPolicy()
	if !found {
		return o
	}
	o.Loaded = mode
	o.LoadedFrom = "virtualOutbound 15001 -> " + cluster
	if mode == "" {
		o.Loaded = "unknown"
		return o
	}
	if mode != o.Mode {
		mc.add("OutboundPolicyNotLoaded", "", "outbound traffic policy is %s (%s), but the proxy's virtualOutbound listener sends unknown destinations to %s (%s)",
			o.Mode, o.DeclaredBy, cluster, mode)
	}
	return o
}
