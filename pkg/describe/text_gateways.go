package describe

import (
	"fmt"
	"strings"
)

func (t *textWriter) ingress(es []Exposure, rs ResourceStatus) {
	if len(es) == 0 {
		t.printf("Not exposed through an ingress gateway: no Gateway-bound VirtualService or Gateway API route sends traffic to its Services\n")
		if rs.GatewayAPI == CRDNotInstalled {
			t.printf("%s(Gateway API CRDs are not installed)\n", level1)
		}
		return
	}
	for i, e := range es {
		if i > 0 {
			t.printf(sep)
		}
		kind := "Ingress Gateway"
		if e.Kind == "Gateway API" {
			kind = "Gateway API Gateway"
		}
		routeKind, routeID, _ := strings.Cut(e.Route, " ")
		if e.Missing {
			t.printf("Not exposed: %s %s names %s %s, which does not exist\n", routeKind, t.knameID(routeID), kind, t.knameID(e.Gateway))
			t.matches(e.RouteMatches, level1)
			continue
		}
		if len(e.URLs) > 0 {
			t.printf("Exposed on %s %s\n", kind, strings.Join(e.URLs, ", "))
		} else {
			t.printf("Exposed on %s %s: no external address\n", kind, t.knameID(e.Gateway))
		}
		if e.AddressNote != "" {
			t.printf("%s%s\n", level1, capitalise(e.AddressNote))
		}
		t.printf("%sGateway: %s, %s %s\n", level1, t.knameID(e.Gateway), routeKind, t.knameID(routeID))
		if len(e.Hosts) > 0 {
			t.printf("%sHosts: %s\n", level1, strings.Join(e.Hosts, ", "))
		}
		if len(e.Ports) > 0 {
			ps := make([]string, len(e.Ports))
			for j, p := range e.Ports {
				ps[j] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
			}
			t.printf("%sPorts: %s\n", level1, strings.Join(ps, ", "))
		}
		t.matches(e.RouteMatches, level1)
		if e.GatewayService != "" || len(e.GatewayPods) > 0 {
			t.printf("%sGateway Service: %s, pods: %s\n", level1, orNone(e.GatewayService), orNone(strings.Join(e.GatewayPods, ", ")))
		}
		switch {
		case e.Loaded != nil && *e.Loaded:
			t.printf("%sGateway proxy has:\n", level1)
			t.loadedRoutes(e.Routes, level2)
		case e.Loaded != nil:
			t.printf("%sGateway proxy has NO route to %s\n", level1, t.knameID(e.Service))
		case e.LoadedNote != "":
			t.printf("%s%s\n", level1, capitalise(e.LoadedNote))
		}
	}
}

func (t *textWriter) served(g ServedGateway) {
	kind := "Istio Gateway"
	if g.Kind == "Gateway API" {
		kind = "Gateway API Gateway"
	}
	ps := make([]string, len(g.Ports))
	for j, p := range g.Ports {
		ps[j] = fmt.Sprintf("%d/%s", p.Port, p.Protocol)
	}
	t.printf("This pod serves %s %s: ports %s, hosts %s\n", kind, t.knameID(g.Gateway), orNone(strings.Join(ps, ", ")), orNone(strings.Join(g.Hosts, ", ")))
	if len(g.Routes) == 0 {
		t.printf("%sNo route is bound to it\n", level1)
	}
	for _, r := range g.Routes {
		kind, id, _ := strings.Cut(r.Route, " ")
		line := kind + " " + t.knameID(id)
		switch {
		case r.Loaded == nil:
		case *r.Loaded:
			line += ": loaded"
		default:
			line += ": NOT LOADED"
		}
		t.printf("%s%s\n", level1, line)
	}
}
