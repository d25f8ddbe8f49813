package describe

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Labels that tie pods to a Gateway API Gateway (Istio's automated deployments).
const (
	labelGatewayName    = "gateway.networking.k8s.io/gateway-name"
	labelGatewayNameOld = "istio.io/gateway-name"
)

// exposures finds how the pod's Services are reachable through ingress gateways: Istio Gateways
// bound by VirtualServices that route to them, and Gateway API Gateways that HTTPRoutes or
// GRPCRoutes attach to. proxies may hold the gateway pods' config dumps, to check that the gateway
// proxy really routes to the Service. Having no gateway at all is not an error.
func (d *Describer) exposures(pod *corev1.Pod, svcs []*corev1.Service, proxies map[string]*Proxy, mc *collector) []Exposure {
	out := []Exposure{}
	for _, svc := range svcs {
		host := d.fqdn(svc.Name, svc.Namespace)
		ports := servicePorts(svc, pod)
		for _, vs := range d.objs.virtualServices {
			if !routesTo(d, vs, host) {
				continue
			}
			for _, ref := range vs.Spec.Gateways {
				if ref == "mesh" || ref == "" {
					continue
				}
				out = append(out, d.istioExposures(vs, ref, svc, host, ports, proxies, mc)...)
			}
		}
		for _, rt := range d.objs.k8sRoutes {
			if !backendIs(rt, svc) {
				continue
			}
			for _, pr := range rt.Spec.ParentRefs {
				if e, ok := d.gatewayAPIExposure(rt, pr, svc, host, ports, proxies, mc); ok {
					out = append(out, e)
				}
			}
		}
	}
	return out
}

// routesTo tells whether some route of the VirtualService has a destination that is host.
func routesTo(d *Describer, vs *virtualService, host string) bool {
	for _, r := range vs.Spec.HTTP {
		if d.sendsTo(vs, r.Route, host) {
			return true
		}
	}
	for _, r := range vs.Spec.TCP {
		if d.sendsTo(vs, r.Route, host) {
			return true
		}
	}
	for _, r := range vs.Spec.TLS {
		if d.sendsTo(vs, r.Route, host) {
			return true
		}
	}
	return false
}

// sendsTo tells whether one of a VirtualService route's destinations is host.
func (d *Describer) sendsTo(vs *virtualService, rds []routeDestination, host string) bool {
	for _, rd := range rds {
		if d.resolveHost(rd.Destination.Host, vs.Meta.Namespace) == host {
			return true
		}
	}
	return false
}

// istioExposures describes the Istio Gateway a VirtualService binds to: one exposure per Service in
// front of the gateway pods its selector matches (a selector may match the pods of several gateway
// deployments, each with its own Service and address).
func (d *Describer) istioExposures(vs *virtualService, ref string, svc *corev1.Service, host string, ports []ServicePort, proxies map[string]*Proxy, mc *collector) []Exposure {
	ns, name := vs.Meta.Namespace, ref
	if n, nm, ok := strings.Cut(ref, "/"); ok {
		ns, name = n, nm
	}
	e := Exposure{Kind: "Gateway", Gateway: name + "." + ns, Route: "VirtualService " + vs.Meta.id(), Service: svc.Name + "." + svc.Namespace,
		RouteMatches: d.vsMatchesTo(vs, host), Hosts: []string{}, Ports: []ExposedPort{}, Addresses: []string{}, URLs: []string{}}
	var gw *istioGateway
	for _, g := range d.objs.gateways {
		if g.Meta.Name == name && g.Meta.Namespace == ns {
			gw = g
		}
	}
	if gw == nil {
		if !d.installed(GroupNetworking, "Gateway") {
			return nil
		}
		e.Missing = true
		mc.add("GatewayMissing", ns+"/"+name, "VirtualService %s binds to Gateway %s/%s, which does not exist: nothing is exposed through it",
			vs.Meta.id(), ns, name)
		return []Exposure{e}
	}
	// the servers whose hosts cover the VirtualService's hosts
	for _, s := range gw.Spec.Servers {
		var hosts []string
		for _, sh := range s.Hosts {
			hns, hn, ok := strings.Cut(sh, "/")
			if !ok {
				hn, hns = sh, "*"
			}
			if hns != "*" && hns != vs.Meta.Namespace && !(hns == "." && gw.Meta.Namespace == vs.Meta.Namespace) {
				continue
			}
			for _, vh := range vs.Spec.Hosts {
				if hostMatches(hn, vh) || hostMatches(vh, hn) {
					hosts = append(hosts, vh)
				}
			}
		}
		if len(hosts) == 0 {
			continue
		}
		e.Ports = append(e.Ports, ExposedPort{Port: s.Port.Number, Protocol: strings.ToUpper(s.Port.Protocol), Name: s.Port.Name})
		for _, h := range hosts {
			if !contains(e.Hosts, h) {
				e.Hosts = append(e.Hosts, h)
			}
		}
	}
	if len(e.Ports) == 0 {
		mc.add("GatewayHostMismatch", gw.Meta.id(), "VirtualService %s binds to Gateway %s, but none of the Gateway's servers accepts its hosts %s",
			vs.Meta.id(), gw.Meta.id(), strings.Join(vs.Spec.Hosts, ","))
	}
	// the gateway pods and the Service in front of them
	var pods []*corev1.Pod
	for i := range d.c.Pods {
		p := &d.c.Pods[i]
		if len(gw.Spec.Selector) > 0 && selectorMatches(gw.Spec.Selector, p.Labels) {
			pods = append(pods, p)
		}
	}
	sel := PodSelector{Labels: gw.Spec.Selector}.String()
	if len(pods) == 0 {
		e.AddressNote = fmt.Sprintf("no gateway pods match the Gateway's selector %s", sel)
		mc.add("GatewayNoPods", gw.Meta.id(), "Gateway %s selects pods %s, but no such pods exist: nothing serves it", gw.Meta.id(), sel)
		return []Exposure{e}
	}
	var out []Exposure
	for _, f := range d.gatewayFronts(pods, e.Ports) {
		ef := e
		ef.Addresses, ef.URLs = []string{}, []string{}
		d.fillGatewayPods(&ef, f, proxies, host, ports, mc)
		out = append(out, ef)
	}
	return out
}

// vsMatchesTo lists the matches of the VirtualService's routes that send traffic to host.
func (d *Describer) vsMatchesTo(vs *virtualService, host string) []string {
	out := []string{}
	to := func(rds []routeDestination) bool { return d.sendsTo(vs, rds, host) }
	for _, r := range vs.Spec.HTTP {
		if to(r.Route) {
			m := renderHTTPMatches(r.Match)
			if len(m) == 0 {
				m = []string{"*"}
			}
			out = append(out, m...)
		}
	}
	for _, r := range vs.Spec.TCP {
		if to(r.Route) {
			out = append(out, "TCP")
		}
	}
	for _, r := range vs.Spec.TLS {
		if to(r.Route) {
			out = append(out, "TLS")
		}
	}
	return out
}

// k8sMatchesTo lists the matches of the route's rules that send traffic to the Service.
func k8sMatchesTo(rt *k8sRoute, svc *corev1.Service) []string {
	out := []string{}
	for _, r := range rt.Spec.Rules {
		one := &k8sRoute{Meta: rt.Meta}
		one.Spec.Rules = append(one.Spec.Rules, r)
		if !backendIs(one, svc) {
			continue
		}
		if len(r.Matches) == 0 {
			out = append(out, "*")
		}
		for _, m := range r.Matches {
			var parts []string
			if m.Path != nil {
				switch m.Path.Type {
				case "Exact":
					parts = append(parts, m.Path.Value)
				case "RegularExpression":
					parts = append(parts, "regex "+m.Path.Value)
				default:
					parts = append(parts, strings.TrimSuffix(m.Path.Value, "/")+"/*")
				}
			}
			if len(m.Method) > 0 && string(m.Method) != "null" {
				parts = append(parts, "method "+compactJSON(m.Method))
			}
			for _, h := range m.Headers {
				parts = append(parts, "header "+h.Name+"="+h.Value)
			}
			if len(parts) == 0 {
				parts = append(parts, "*")
			}
			out = append(out, strings.Join(parts, " "))
		}
	}
	return out
}

// backendIs tells whether a Gateway API route sends traffic to the Service.
func backendIs(rt *k8sRoute, svc *corev1.Service) bool {
	for _, r := range rt.Spec.Rules {
		for _, b := range r.BackendRefs {
			if (b.Group != nil && *b.Group != "") || (b.Kind != nil && *b.Kind != "Service") {
				continue
			}
			ns := b.Namespace
			if ns == "" {
				ns = rt.Meta.Namespace
			}
			if b.Name == svc.Name && ns == svc.Namespace {
				return true
			}
		}
	}
	return false
}

func (d *Describer) gatewayAPIExposure(rt *k8sRoute, pr parentRef, svc *corev1.Service, host string, ports []ServicePort, proxies map[string]*Proxy, mc *collector) (Exposure, bool) {
	if (pr.Group != nil && *pr.Group != GroupGatewayAPI) || (pr.Kind != nil && *pr.Kind != "Gateway") {
		return Exposure{}, false // attached to a Service (GAMMA, mesh routing), not a gateway
	}
	ns := pr.Namespace
	if ns == "" {
		ns = rt.Meta.Namespace
	}
	kind := rt.Kind
	if kind == "" {
		kind = "HTTPRoute"
	}
	e := Exposure{Kind: "Gateway API", Gateway: pr.Name + "." + ns, Route: kind + " " + rt.Meta.id(), Service: svc.Name + "." + svc.Namespace,
		RouteMatches: k8sMatchesTo(rt, svc), Hosts: rt.Spec.Hostnames, Ports: []ExposedPort{}, Addresses: []string{}, URLs: []string{}}
	if e.Hosts == nil {
		e.Hosts = []string{}
	}
	var gw *k8sGateway
	for _, g := range d.objs.k8sGateways {
		if g.Meta.Name == pr.Name && g.Meta.Namespace == ns {
			gw = g
		}
	}
	if gw == nil {
		if !d.installed(GroupGatewayAPI, "Gateway") {
			return e, false
		}
		e.Missing = true
		mc.add("GatewayMissing", ns+"/"+pr.Name, "%s %s attaches to Gateway %s/%s, which does not exist: nothing is exposed through it",
			kind, rt.Meta.id(), ns, pr.Name)
		return e, true
	}
	for _, l := range gw.Spec.Listeners {
		if (pr.SectionName != "" && pr.SectionName != l.Name) || (pr.Port != 0 && pr.Port != l.Port) {
			continue
		}
		e.Ports = append(e.Ports, ExposedPort{Port: l.Port, Protocol: strings.ToUpper(l.Protocol), Name: l.Name})
		if len(rt.Spec.Hostnames) == 0 && l.Hostname != "" && !contains(e.Hosts, l.Hostname) {
			e.Hosts = append(e.Hosts, l.Hostname)
		}
	}
	if len(e.Ports) == 0 {
		mc.add("GatewayListenerMissing", gw.Meta.id(), "%s %s attaches to Gateway %s, but the Gateway has no listener %s",
			kind, rt.Meta.id(), gw.Meta.id(), listenerRef(pr))
	}
	for _, a := range gw.Status.Addresses {
		e.Addresses = append(e.Addresses, a.Value)
	}
	var pods []*corev1.Pod
	for i := range d.c.Pods {
		p := &d.c.Pods[i]
		if p.Namespace == ns && (p.Labels[labelGatewayName] == gw.Meta.Name || p.Labels[labelGatewayNameOld] == gw.Meta.Name) {
			pods = append(pods, p)
		}
	}
	if len(e.Addresses) == 0 {
		e.AddressNote = "the Gateway has no address yet (status.addresses is empty)"
		for _, c := range gw.Status.Conditions {
			if c.Type == "Programmed" && c.Status != "True" {
				e.AddressNote = fmt.Sprintf("the Gateway is not programmed (%s: %s)", c.Reason, c.Message)
			}
		}
	}
	fromStatus := len(e.Addresses) > 0
	d.fillGatewayPods(&e, gatewayAPIFront(pods, d.c.Services, ns), proxies, host, ports, mc)
	if fromStatus { // the Gateway's status is the authority on its address
		e.Addresses = uniqueStrings(gwAddresses(gw))
		e.URLs = exposureURLs(e.Addresses, e.Ports)
		e.AddressNote = ""
	}
	return e, true
}

func gwAddresses(gw *k8sGateway) []string {
	var out []string
	for _, a := range gw.Status.Addresses {
		out = append(out, a.Value)
	}
	return out
}

func listenerRef(pr parentRef) string {
	switch {
	case pr.SectionName != "" && pr.Port != 0:
		return fmt.Sprintf("%s on port %d", pr.SectionName, pr.Port)
	case pr.SectionName != "":
		return pr.SectionName
	}
	return fmt.Sprintf("on port %d", pr.Port)
}

// fillGatewayPods records the gateway pods, the Service in front of them and its external
// address, and whether the gateway proxies route to the Service.
func (d *Describer) fillGatewayPods(e *Exposure, f gatewayFront, proxies map[string]*Proxy, host string, ports []ServicePort, mc *collector) {
	pods, gsvc := f.pods, f.svc
	e.GatewayPods = nil
	for _, p := range pods {
		e.GatewayPods = append(e.GatewayPods, p.Name+"."+p.Namespace)
	}
	if gsvc == nil {
		e.AddressNote = "no Service selects the gateway pods: the gateway is not reachable"
	} else {
		e.GatewayService = gsvc.Name + "." + gsvc.Namespace
		e.Addresses = uniqueStrings(append(e.Addresses, serviceAddresses(gsvc)...))
		if len(e.Addresses) > 0 {
			e.URLs = exposureURLs(e.Addresses, e.Ports)
			e.AddressNote = ""
		} else {
			e.AddressNote = noAddressNote(gsvc, e.Ports)
		}
	}
	// what the gateway proxies have
	var notes []string
	anyRead := false
	loaded := false
	for _, p := range pods {
		px := proxies[p.Name+"."+p.Namespace]
		if px == nil || px.Dump == nil {
			if px != nil && px.Err != nil {
				notes = append(notes, fmt.Sprintf("%s.%s: %v", p.Name, p.Namespace, px.Err))
			}
			continue
		}
		view, err := d.view(px.Dump)
		if err != nil || !view.hasRoutes {
			continue
		}
		anyRead = true
		for _, sp := range ports {
			rs := view.routesFor(nil, nil, host, int(sp.Port))
			for _, r := range rs {
				if len(r.Routes) > 0 {
					loaded = true
					e.Routes = append(e.Routes, r)
				}
			}
		}
		missing, none := gatewayMatchesNotLoaded(e)
		switch {
		case !loaded:
			mc.add("GatewayRouteNotLoaded", p.Name+"."+p.Namespace, "ingress gateway pod %s.%s has no route to %s yet (%s not loaded)",
				p.Name, p.Namespace, host, e.Route)
		case none:
			mc.add("GatewayRouteNotLoaded", p.Name+"."+p.Namespace, "ingress gateway pod %s.%s routes %s by other VirtualServices: %s is not loaded yet",
				p.Name, p.Namespace, host, e.Route)
		case len(missing) > 0:
			mc.add("GatewayRouteNotLoaded", p.Name+"."+p.Namespace, "ingress gateway pod %s.%s has no route for %s from %s yet",
				p.Name, p.Namespace, strings.Join(missing, ", "), e.Route)
		}
		break // one gateway pod tells
	}
	if anyRead {
		e.Loaded = &loaded
	} else if len(notes) > 0 {
		e.LoadedNote = "gateway config not read: " + strings.Join(notes, "; ")
	}
}

func noAddressNote(s *corev1.Service, ports []ExposedPort) string {
	switch s.Spec.Type {
	case corev1.ServiceTypeLoadBalancer:
		var nps []string
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 && exposedOn(ports, uint32(p.Port)) {
				nps = append(nps, strconv.Itoa(int(p.NodePort)))
			}
		}
		note := fmt.Sprintf("Service %s.%s has no load-balancer address yet", s.Name, s.Namespace)
		if len(nps) > 0 {
			note += "; meanwhile it is reachable on any node at port " + strings.Join(nps, ", ")
		}
		return note
	case corev1.ServiceTypeNodePort:
		var nps []string
		for _, p := range s.Spec.Ports {
			if p.NodePort != 0 && exposedOn(ports, uint32(p.Port)) {
				nps = append(nps, strconv.Itoa(int(p.NodePort)))
			}
		}
		return fmt.Sprintf("Service %s.%s is a NodePort: reach it on any node at port %s", s.Name, s.Namespace, orNone(strings.Join(nps, ", ")))
	}
	return fmt.Sprintf("Service %s.%s has type %s: it has no external address", s.Name, s.Namespace, orDefault(string(s.Spec.Type), "ClusterIP"))
}

func exposedOn(ports []ExposedPort, port uint32) bool {
	for _, p := range ports {
		if p.Port == port {
			return true
		}
	}
	return false
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// exposureURLs writes scheme://address[:port] for each address and gateway port.
func exposureURLs(addrs []string, ports []ExposedPort) []string {
	out := []string{}
	for _, a := range addrs {
		for _, p := range ports {
			scheme, def := "tcp", uint32(0)
			switch p.Protocol {
			case "HTTP", "HTTP2", "GRPC":
				scheme, def = "http", 80
			case "HTTPS":
				scheme, def = "https", 443
			case "TLS":
				scheme = "tls"
			}
			u := scheme + "://" + a
			if p.Port != def {
				u += ":" + strconv.Itoa(int(p.Port))
			}
			if !contains(out, u) {
				out = append(out, u)
			}
		}
	}
	return out
}

func uniqueStrings(in []string) []string {
	out := []string{}
	for _, s := range in {
		if !contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
