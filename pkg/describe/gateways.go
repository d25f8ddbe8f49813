package describe

import (
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// servedGateways lists the gateways the pod serves: Istio Gateways whose selector matches it and
// Gateway API Gateways it was deployed for, with the routes bound to each; with the pod's config,
// whether its routes come from each VirtualService.
func (d *Describer) servedGateways(pod *corev1.Pod, view *proxyView, mc *collector) []ServedGateway {
	var loadedVS map[string]bool
	if view != nil && view.hasRoutes {
		loadedVS = map[string]bool{}
		for i := range view.routes {
			_ = view.routes[i].Raw.Get("virtual_hosts").Items(func(_ int, vh jsonscan.Value) bool {
				_ = vh.Get("routes").Items(func(_ int, r jsonscan.Value) bool {
					if kind, id := istioConfigRef(r.Get("metadata", "filter_metadata", "istio", "config").Str()); kind == "virtual-service" {
						loadedVS[id] = true
					}
					return true
				})
				return true
			})
		}
	}
	var out []ServedGateway
	for _, gw := range d.objs.gateways {
		if len(gw.Spec.Selector) == 0 || !selectorMatches(gw.Spec.Selector, pod.Labels) {
			continue
		}
		sg := ServedGateway{Kind: "Gateway", Gateway: gw.Meta.id(), Ports: []ExposedPort{}, Hosts: []string{}, Routes: []BoundRoute{}}
		for _, s := range gw.Spec.Servers {
			sg.Ports = append(sg.Ports, ExposedPort{Port: s.Port.Number, Protocol: strings.ToUpper(s.Port.Protocol), Name: s.Port.Name})
			for _, h := range s.Hosts {
				if !contains(sg.Hosts, h) {
					sg.Hosts = append(sg.Hosts, h)
				}
			}
		}
		for _, vs := range d.objs.virtualServices {
			for _, ref := range vs.Spec.Gateways {
				ns, name := vs.Meta.Namespace, ref
				if n, nm, ok := strings.Cut(ref, "/"); ok {
					ns, name = n, nm
				}
				if name != gw.Meta.Name || ns != gw.Meta.Namespace {
					continue
				}
				br := BoundRoute{Route: "VirtualService " + vs.Meta.id()}
				if loadedVS != nil {
					has := loadedVS[vs.Meta.id()]
					br.Loaded = &has
					if !has {
						mc.add("GatewayRouteNotLoaded", vs.Meta.id(), "VirtualService %s is bound to Gateway %s, which this pod serves, but the proxy has no route from it yet",
							vs.Meta.id(), gw.Meta.id())
					}
				}
				sg.Routes = append(sg.Routes, br)
				break
			}
		}
		out = append(out, sg)
	}
	for _, gw := range d.objs.k8sGateways {
		if pod.Namespace != gw.Meta.Namespace || (pod.Labels[labelGatewayName] != gw.Meta.Name && pod.Labels[labelGatewayNameOld] != gw.Meta.Name) {
			continue
		}
		sg := ServedGateway{Kind: "Gateway API", Gateway: gw.Meta.id(), Ports: []ExposedPort{}, Hosts: []string{}, Routes: []BoundRoute{}}
		for _, l := range gw.Spec.Listeners {
			sg.Ports = append(sg.Ports, ExposedPort{Port: l.Port, Protocol: strings.ToUpper(l.Protocol), Name: l.Name})
			if l.Hostname != "" && !contains(sg.Hosts, l.Hostname) {
				sg.Hosts = append(sg.Hosts, l.Hostname)
			}
		}
		for _, rt := range d.objs.k8sRoutes {
			for _, pr := range rt.Spec.ParentRefs {
				ns := pr.Namespace
				if ns == "" {
					ns = rt.Meta.Namespace
				}
				if pr.Name == gw.Meta.Name && ns == gw.Meta.Namespace && (pr.Kind == nil || *pr.Kind == "Gateway") {
					kind := rt.Kind
					if kind == "" {
						kind = "HTTPRoute"
					}
					sg.Routes = append(sg.Routes, BoundRoute{Route: kind + " " + rt.Meta.id()})
					break
				}
			}
		}
		out = append(out, sg)
	}
	return out
}

// gatewayMatchesNotLoaded lists the matches of a VirtualService (as its exposure renders them) that
// the gateway proxy's routes to the Service do not have from that VirtualService. Only URI matches
// are compared (the proxy's routes name headers, not their values); without Istio's metadata on
// the proxy's routes (old Istio), nothing can be told. all is set when no route comes from it.
func gatewayMatchesNotLoaded(e *Exposure) (missing []string, all bool) {
	kind, vsID, _ := strings.Cut(e.Route, " ")
	if kind != "VirtualService" {
		return nil, false
	}
	have := map[string]bool{}
	anyMeta := false
	for _, r := range e.Routes {
		for _, re := range r.Routes {
			if re.VirtualService != "" {
				anyMeta = true
			}
			if re.VirtualService == vsID {
				have[re.Match] = true
			}
		}
	}
	if !anyMeta {
		return nil, false
	}
	if len(have) == 0 {
		return nil, true
	}
	for _, m := range e.RouteMatches {
		want := m
		if m == "*" {
			want = "/*" // no match: Istio writes prefix "/"
		}
		if !strings.HasPrefix(want, "/") || strings.Contains(want, " ") {
			continue
		}
		if !have[want] {
			missing = append(missing, m)
		}
	}
	return missing, false
}
