package describe

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// The text layout follows istioctl x describe (Pod:, Service:, DestinationRule: x for "h",
// VirtualService:, Effective PeerAuthentication:, Exposed on Ingress Gateway ...), with sections
// for what the proxy has loaded and a closing list of mismatches, one per line.

const (
	sep    = "--------------------\n"
	level1 = "   "
	level2 = "      "
	level3 = "         "
)

// TextOptions tune the text report.
type TextOptions struct {
	// Namespace is the user's namespace: objects in it are named without ".namespace".
	Namespace string
}

type textWriter struct {
	w   io.Writer
	o   TextOptions
	err error
}

func (t *textWriter) printf(format string, args ...any) {
	if t.err != nil {
		return
	}
	_, t.err = fmt.Fprintf(t.w, format, args...)
}

// kname shortens name.namespace to name in the user's namespace.
func (t *textWriter) kname(name, ns string) string {
	if ns == t.o.Namespace {
		return name
	}
	return name + "." + ns
}

// knameID shortens an id written name.namespace.
func (t *textWriter) knameID(id string) string {
	if i := strings.LastIndexByte(id, '.'); i > 0 && id[i+1:] == t.o.Namespace {
		return id[:i]
	}
	return id
}

// WritePodText writes a pod report as text.
func WritePodText(w io.Writer, r *PodReport, o TextOptions) error {
	t := &textWriter{w: w, o: o}
	t.pod(r, true)
	return t.err
}

// WriteServiceText writes a Service report as text: the Service, then each of its pods.
func WriteServiceText(w io.Writer, r *ServiceReport, o TextOptions) error {
	t := &textWriter{w: w, o: o}
	s := &r.Service
	t.printf("Service: %s\n", t.kname(s.Name, s.Namespace))
	for _, p := range s.Ports {
		t.servicePort(p)
	}
	switch {
	case r.Note != "":
		t.printf("%s%s.\n", level1, capitalise(r.Note))
	default:
		t.printf("%s%d pod(s) selected\n", level1, r.SelectedPods)
	}
	t.resources(r.Resources)
	for i := range r.Pods {
		t.printf("====================\n")
		t.printf("Pod %d of %d\n", i+1, len(r.Pods))
		t.pod(&r.Pods[i], false)
	}
	return t.err
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (t *textWriter) pod(r *PodReport, withResources bool) {
	p := &r.Pod
	t.printf("Pod: %s\n", t.kname(p.Name, p.Namespace))
	if r.Proxy.Injected {
		t.printf("%sPod Revision: %s\n", level1, p.Revision)
	}
	if len(p.Ports) > 0 {
		ports := make([]string, len(p.Ports))
		for i, pp := range p.Ports {
			proto := ""
			if pp.Protocol != "TCP" {
				proto = "/" + pp.Protocol
			}
			ports[i] = fmt.Sprintf("%d%s (%s)", pp.Port, proto, pp.Container)
		}
		t.printf("%sPod Ports: %s\n", level1, strings.Join(ports, ", "))
	} else {
		t.printf("%sPod does not expose ports\n", level1)
	}
	state := p.Phase
	if p.Ready {
		state += ", ready"
	} else {
		state += ", NOT READY"
		if len(p.NotReady) > 0 {
			state += " (containers not ready: " + strings.Join(p.NotReady, ", ") + ")"
		}
	}
	t.printf("%sPod Status: %s\n", level1, state)
	t.proxy(&r.Proxy)
	for _, w := range p.Warnings {
		t.printf("%sWARNING: %s\n", level1, w)
	}
	if withResources {
		t.resources(r.Resources)
	}
	for _, s := range r.Services {
		t.printf(sep)
		t.service(&s, r.Proxy.ConfigError == "" && r.Proxy.Injected)
	}
	if r.MTLS != nil {
		t.printf(sep)
		t.mtls(r.MTLS, r.Inbound)
	}
	if r.Proxy.Injected {
		t.printf(sep)
		t.authz(r.AuthorizationPolicies)
		if r.Proxy.Type != "router" {
			t.sidecar(r.Sidecar)
			t.outbound(r.OutboundTrafficPolicy)
		}
	}
	t.printf(sep)
	t.ingress(r.Ingress, r.Resources)
	for _, g := range r.Gateways {
		t.printf(sep)
		t.served(g)
	}
	t.printf(sep)
	t.mismatches(r)
}

func (t *textWriter) proxy(px *ProxyInfo) {
	if !px.Injected {
		t.printf("%sProxy: none (no istio-proxy container)\n", level1)
		return
	}
	parts := []string{px.Container}
	if px.Type != "" {
		parts = append(parts, px.Type)
	}
	if px.IstioVersion != "" {
		parts = append(parts, "Istio "+px.IstioVersion)
	}
	if px.EnvoyVersion != "" {
		parts = append(parts, "Envoy "+px.EnvoyVersion)
	}
	if px.AdminPort != 0 {
		parts = append(parts, fmt.Sprintf("admin port %d (%s)", px.AdminPort, px.AdminPortSource))
	}
	switch {
	case px.Ready == nil:
		parts = append(parts, "readiness unknown")
	case *px.Ready:
		parts = append(parts, "ready")
	default:
		parts = append(parts, "NOT READY")
	}
	t.printf("%sProxy: %s\n", level1, strings.Join(parts, ", "))
	switch {
	case px.ConfigError != "" && px.ConfigSource != "":
		t.printf("%sProxy config: not available from %s: %s\n", level1, px.ConfigSource, px.ConfigError)
	case px.ConfigError != "":
		t.printf("%sProxy config: %s\n", level1, px.ConfigError)
	default:
		from := px.ConfigSource
		if px.DumpOf != "" {
			from += " (dump of " + px.DumpOf + ")"
		}
		t.printf("%sProxy config: %s\n", level1, from)
	}
}

func (t *textWriter) resources(rs ResourceStatus) {
	if rs.Istio == CRDNotInstalled {
		t.printf("Istio resources: not installed (no %s or %s CRDs): only Kubernetes objects and the proxy are described\n", GroupNetworking, GroupSecurity)
	} else if rs.Istio == "partly installed" {
		t.printf("Istio resources: partly installed (missing: %s)\n", strings.Join(rs.NotInstalled, ", "))
	}
}

func (t *textWriter) servicePort(p ServicePort) {
	if p.Error != "" {
		t.printf("%sPort: %s %d/%s: %s\n", level1, p.Name, p.Port, p.Protocol, p.Error)
		return
	}
	target := p.TargetPort
	if p.PodPort != 0 {
		target = strconv.Itoa(int(p.PodPort))
	}
	t.printf("%sPort: %s %d/%s targets pod port %s\n", level1, p.Name, p.Port, p.Protocol, target)
}

func (t *textWriter) service(s *ServiceInfo, proxyRead bool) {
	t.printf("Service: %s\n", t.kname(s.Name, s.Namespace))
	for _, p := range s.Ports {
		t.servicePort(p)
	}
	for i := range s.DestinationRules {
		t.destinationRule(&s.DestinationRules[i])
	}
	for i := range s.VirtualServices {
		t.virtualService(&s.VirtualServices[i])
	}
	if len(s.DestinationRules) == 0 && len(s.VirtualServices) == 0 {
		t.printf("No DestinationRule or VirtualService for host %s\n", s.Host)
	}
	for _, lp := range s.Loaded {
		t.loaded(lp)
	}
	if proxyRead && s.Loaded == nil {
		t.printf("Proxy for this Service: the config dump has no clusters\n")
	}
}

func (t *textWriter) destinationRule(dr *DestinationRuleInfo) {
	t.printf("DestinationRule: %s for %q\n", t.kname(dr.Name, dr.Namespace), dr.Host)
	if dr.Note != "" {
		t.printf("%sNot used by this pod's namespace: %s\n", level1, dr.Note)
	}
	if len(dr.MatchingSubsets) > 0 || len(dr.NonMatchingSubsets) > 0 {
		if len(dr.MatchingSubsets) == 0 {
			t.printf("%sWARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets %s)\n", level1, strings.Join(dr.NonMatchingSubsets, ","))
		}
		t.printf("%sMatching subsets: %s\n", level1, strings.Join(dr.MatchingSubsets, ","))
		if len(dr.NonMatchingSubsets) > 0 {
			t.printf("%s(Non-matching subsets %s)\n", level2, strings.Join(dr.NonMatchingSubsets, ","))
		}
	}
	if dr.TLSMode == "" && len(dr.Policies) == 0 && len(dr.PortLevel) == 0 {
		t.printf("%sNo Traffic Policy\n", level1)
		return
	}
	if dr.TLSMode != "" {
		t.printf("%sTraffic Policy TLS Mode: %s\n", level1, dr.TLSMode)
	}
	if len(dr.Policies) > 0 {
		t.printf("%sPolicies: %s\n", level1, strings.Join(dr.Policies, "/"))
	}
	if len(dr.PortLevel) > 0 {
		t.printf("%sPort Level Settings:\n", level1)
		for _, pl := range dr.PortLevel { // indented as istioctl does: the port by 4, its settings by 6
			t.printf("    %d:\n", pl.Port)
			if pl.TLSMode != "" {
				t.printf("%sTLS Mode: %s\n", level2, pl.TLSMode)
			}
			if len(pl.Policies) > 0 {
				t.printf("%sPolicies: %s\n", level2, strings.Join(pl.Policies, "/"))
			}
		}
	}
}

func (t *textWriter) virtualService(vs *VirtualServiceInfo) {
	t.printf("VirtualService: %s\n", t.kname(vs.Name, vs.Namespace))
	t.printf("%s%s\n", level1, bindingText(vs))
	reaching, toSvc := 0, 0
	for _, r := range vs.Routes {
		if r.ReachesPod {
			reaching++
		}
		for _, d := range r.Destinations {
			if d.ThisService {
				toSvc++
				break
			}
		}
	}
	for _, r := range vs.Routes {
		t.vsRoute(r, len(vs.Routes) > 1)
	}
	if len(vs.Routes) == 0 {
		t.printf("%s%d HTTP route(s), %d TCP route(s): none sends traffic to this Service\n", level1, vs.HTTPRoutes, vs.TCPRoutes)
	}
	if toSvc > 0 && reaching == 0 { // in istioctl's words: one line per kind of route it has
		for _, k := range []struct {
			n    int
			kind string
		}{{vs.HTTPRoutes, "HTTP"}, {vs.TCPRoutes, "TCP"}, {vs.TLSRoutes, "TLS"}} {
			if k.n > 0 {
				t.printf("%sWARNING: No destinations match pod subsets (checked %d %s routes)\n", level1, k.n, k.kind)
			}
		}
	}
	for _, w := range vs.Warnings {
		t.printf("%sWARNING: %s\n", level1, w)
	}
	if other := vs.HTTPRoutes + vs.TCPRoutes + vs.TLSRoutes - len(vs.Routes); other > 0 {
		t.printf("%s%d additional destination(s) that will not reach this pod\n", level1, other) // istioctl's words
	}
}

// vsRoute writes a route as istioctl does: its destinations, then its match (with several routes,
// "Match: everything" closes a route that has none, so each block ends with its match).
func (t *textWriter) vsRoute(r VSRoute, several bool) {
	for _, d := range r.Destinations {
		line := fmt.Sprintf("Route to host %q", d.Host)
		if d.Subset != "" {
			line += fmt.Sprintf(" subset %q", d.Subset)
		}
		if d.Weight > 0 {
			line += fmt.Sprintf(" with weight %d%%", d.Weight)
		}
		if d.Port != 0 { // after istioctl's words, so that its line is a prefix of this one
			line += fmt.Sprintf(" on port %d", d.Port)
		}
		switch {
		case d.SubsetUndefined:
			line += " (subset not defined)"
		case d.ThisService && !d.SubsetMatchesPod:
			line += " (not this pod)"
		}
		t.printf("%s%s\n", level1, line)
	}
	if r.Note != "" {
		t.printf("%s%s\n", level1, capitalise(r.Note))
	}
	if r.Fault {
		t.printf("%sFault injection\n", level1)
	}
	switch {
	case len(r.Match) > 0:
		t.matches(r.Match, level1)
	case r.Kind != "http":
		t.printf("%sMatch: all %s traffic\n", level1, strings.ToUpper(r.Kind))
	case several:
		t.printf("%sMatch: everything\n", level1)
	}
}

// matches writes one "Match: ..." line per match, in istioctl's words (istioctl joins them on one
// line; one per line keeps each greppable and readable).
func (t *textWriter) matches(ms []string, indent string) {
	for _, m := range ms {
		t.printf("%sMatch: %s\n", indent, m)
	}
}

// bindingText says which proxies use a VirtualService: the sidecars of the mesh, the gateways it
// names (as namespace/name, the form VirtualServices use), or both.
func bindingText(vs *VirtualServiceInfo) string {
	var gws []string
	for _, g := range vs.Gateways {
		if g == "mesh" || g == "" {
			continue
		}
		if !strings.Contains(g, "/") {
			g = vs.Namespace + "/" + g
		}
		gws = append(gws, g)
	}
	noun := "Gateway"
	if len(gws) > 1 {
		noun = "Gateways"
	}
	switch {
	case len(gws) == 0:
		return "Bound to mesh: traffic from other pods uses it"
	case !vs.Mesh:
		return fmt.Sprintf("Bound to %s %s only: traffic from other pods does not use it", noun, strings.Join(gws, ", "))
	}
	return fmt.Sprintf("Bound to mesh and %s %s: traffic from other pods and through the %s uses it", noun, strings.Join(gws, ", "), strings.ToLower(noun))
}

func tlsText(t string) string {
	switch t {
	case TLSIstioMutual:
		return "mTLS (ISTIO_MUTUAL)"
	case TLSAuto:
		return "auto mTLS"
	case TLSPlain:
		return "plaintext"
	}
	return "TLS"
}

func (t *textWriter) loaded(lp LoadedPort) {
	t.printf("Proxy has for port %d:\n", lp.Port)
	if len(lp.Clusters) == 0 {
		t.printf("%sno outbound cluster\n", level1)
	}
	for _, c := range lp.Clusters {
		extra := []string{}
		if c.DestinationRule != "" {
			extra = append(extra, "DestinationRule "+t.knameID(c.DestinationRule))
		}
		extra = append(extra, tlsText(c.TLS))
		if c.State != "" {
			extra = append(extra, c.State)
		}
		t.printf("%sCluster %s (%s)\n", level1, c.Name, strings.Join(extra, ", "))
	}
	t.loadedRoutes(lp.Routes, level1)
}

func (t *textWriter) loadedRoutes(routes []LoadedRoute, indent string) {
	for _, r := range routes {
		t.printf("%sRoute %s, virtual host %s:\n", indent, r.RouteConfig, r.VirtualHost)
		for _, e := range r.Routes {
			dest := e.Action
			if len(e.Clusters) > 0 {
				cs := make([]string, len(e.Clusters))
				for i, c := range e.Clusters {
					cs[i] = c.Name
					if c.Weight > 0 {
						cs[i] += fmt.Sprintf(" %d%%", c.Weight)
					}
				}
				dest = strings.Join(cs, ", ")
			}
			line := fmt.Sprintf("%s -> %s", e.Match, dest)
			if e.VirtualService != "" {
				line += " (VirtualService " + t.knameID(e.VirtualService) + ")"
			}
			t.printf("%s%s%s\n", indent, level1, line)
		}
	}
}

func (t *textWriter) mtls(m *MTLSInfo, inbound []InboundPort) {
	t.printf("Effective PeerAuthentication:\n")
	t.printf("%sWorkload mTLS mode: %s\n", level1, m.Mode)
	if len(m.PortModes) > 0 {
		t.printf("%sPort Level mTLS mode:\n", level1)
		for _, p := range m.PortModes {
			t.printf("%s%d: %s\n", level2, p.Port, p.Mode)
		}
	}
	if len(m.Applied) > 0 {
		t.printf("Applied PeerAuthentication:\n")
		names := make([]string, len(m.Applied))
		for i, a := range m.Applied {
			names[i] = fmt.Sprintf("%s (%s, %s)", a.Name+"."+a.Namespace, a.Level, a.Mode)
		}
		t.printf("%s%s\n", level1, strings.Join(names, ", "))
	} else {
		t.printf("%sNo PeerAuthentication applies: Istio's default is PERMISSIVE\n", level1)
	}
	if len(inbound) == 0 {
		return
	}
	t.printf("Proxy inbound:\n")
	for _, ip := range inbound {
		if len(ip.Chains) == 0 {
			t.printf("%s%d: no filter chain (the catch-all chain handles it)\n", level1, ip.Port)
			continue
		}
		dest := ""
		for _, c := range ip.Chains {
			if c.Destination != "" {
				dest = " -> " + c.Destination
				break
			}
		}
		t.printf("%s%d: %s (%s)%s\n", level1, ip.Port, acceptsText(ip.Mode), ip.Mode, dest)
	}
}

func (t *textWriter) authz(aps []AuthorizationPolicy) {
	if len(aps) == 0 {
		t.printf("AuthorizationPolicies: none select the pod\n")
	} else {
		t.printf("AuthorizationPolicies:\n")
		for _, a := range aps {
			line := fmt.Sprintf("%s (%s, %s, %d rule(s))", t.kname(a.Name, a.Namespace), a.Action, scopeText(a.Scope), a.Rules)
			switch {
			case a.Loaded == nil:
			case *a.Loaded:
				line += ": loaded"
			default:
				line += ": NOT LOADED"
			}
			if a.Note != "" {
				line += "; " + a.Note
			}
			t.printf("%s%s\n", level1, line)
		}
	}
}

func scopeText(s string) string {
	switch s {
	case "mesh":
		return "mesh-wide"
	case "namespace":
		return "namespace-wide"
	}
	return "selects this workload"
}

func (t *textWriter) sidecar(s *SidecarInfo) {
	if s == nil {
		t.printf("Sidecar: none: the proxy gets config for every Service in the mesh\n")
		return
	}
	line := fmt.Sprintf("Sidecar: %s (%s)", t.kname(s.Name, s.Namespace), s.Scope)
	if len(s.EgressHosts) > 0 {
		line += ", egress hosts " + strings.Join(s.EgressHosts, ", ")
	}
	if s.IngressListeners > 0 {
		line += fmt.Sprintf(", %d ingress listener(s)", s.IngressListeners)
	}
	t.printf("%s\n", line)
}

func (t *textWriter) outbound(o *OutboundTrafficPolicy) {
	if o == nil {
		return
	}
	line := fmt.Sprintf("Outbound traffic policy: %s (%s)", o.Mode, o.DeclaredBy)
	if o.Loaded != "" {
		line += fmt.Sprintf("; proxy: %s (%s)", o.Loaded, o.LoadedFrom)
	}
	t.printf("%s\n", line)
}

func (t *textWriter) mismatches(r *PodReport) {
	if !r.Proxy.Injected {
		t.printf("No proxy: nothing loaded to compare with the declared config\n")
	} else if r.Proxy.ConfigError != "" {
		t.printf("Proxy config not read: only declared config is checked\n")
	}
	if len(r.Mismatches) == 0 {
		t.printf("No mismatches found\n")
		return
	}
	t.printf("Mismatches (%d):\n", len(r.Mismatches))
	for _, m := range r.Mismatches {
		t.printf("%s- %s\n", level1, m.Message)
	}
}
