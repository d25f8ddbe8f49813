package describe

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// describeService reads one Service of the pod: its ports, the DestinationRules and
// VirtualServices for its host, and what the pod's own proxy has loaded for it.
func (d *Describer) describeService(pod *corev1.Pod, svc *corev1.Service, view *proxyView, isSidecar bool, mtls *MTLSInfo, mc *collector) ServiceInfo {
	host := d.fqdn(svc.Name, svc.Namespace)
	si := ServiceInfo{Name: svc.Name, Namespace: svc.Namespace, Host: host, Type: string(svc.Spec.Type),
		Ports: servicePorts(svc, pod), DestinationRules: []DestinationRuleInfo{}, VirtualServices: []VirtualServiceInfo{}}
	mesh := d.meshFor(revisionOf(pod))

	drs, effective := d.destinationRules(host, pod, svc.Namespace, mesh.RootNamespace)
	si.DestinationRules = drs
	for _, vs := range d.objs.virtualServices {
		if info, ok := d.virtualServiceFor(vs, host, pod, effective, mc); ok {
			si.VirtualServices = append(si.VirtualServices, info)
		}
	}

	// TLS conflicts between what clients are told (DestinationRule) and what the pod requires (PeerAuthentication).
	if effective != nil && mtls != nil {
		for _, p := range si.Ports {
			tls := drTLSMode(effective, uint32(p.Port))
			need := mtls.modeFor(uint32(p.PodPort))
			switch {
			case need == "STRICT" && (tls == "DISABLE" || tls == "SIMPLE" || tls == "MUTUAL"):
				mc.add("TLSConflict", effective.Meta.id(),
					"TLS conflict on %s port %d: DestinationRule %s makes clients send %s, but the pod requires mTLS (PeerAuthentication STRICT)",
					svc.Name, p.Port, effective.Meta.id(), clientSends(tls))
			case need == "DISABLE" && tls == "ISTIO_MUTUAL":
				mc.add("TLSConflict", effective.Meta.id(),
					"TLS conflict on %s port %d: DestinationRule %s makes clients send Istio mTLS, but the pod accepts only plaintext (PeerAuthentication DISABLE)",
					svc.Name, p.Port, effective.Meta.id())
			}
		}
	}

	if view == nil || !view.hasClusters {
		return si
	}
	egressOK := d.egressAllows(pod, mesh.RootNamespace, svc.Namespace, host)
	for _, p := range si.Ports {
		if p.Protocol == "UDP" {
			continue
		}
		lp := LoadedPort{Port: p.Port, Clusters: view.outboundClusters(host, int(p.Port))}
		if lp.Clusters == nil {
			lp.Clusters = []LoadedCluster{}
		}
		if view.hasRoutes && isHTTP(p.Protocol) {
			names := map[string]bool{strconv.Itoa(int(p.Port)): true, host + ":" + strconv.Itoa(int(p.Port)): true}
			match := func(domains []string) bool {
				for _, dm := range domains {
					if dm == host || dm == host+":"+strconv.Itoa(int(p.Port)) {
						return true
					}
				}
				return false
			}
			lp.Routes = view.routesFor(names, match, host, int(p.Port))
		}
		si.Loaded = append(si.Loaded, lp)
		if isSidecar && egressOK {
			d.compareClusters(svc, p, host, lp, effective, mc)
			if view.hasRoutes && isHTTP(p.Protocol) {
				d.compareRoutes(svc, p, host, lp, pod, mc)
			}
		}
	}
	return si
}

func clientSends(tls string) string {
	if tls == "DISABLE" {
		return "plaintext"
	}
	return "their own TLS (" + tls + ")"
}

// destinationRules lists the DestinationRules whose host matches the Service, and picks the one
// the pod's namespace uses: its own namespace first, then the Service's, then the root namespace;
// an exact host before a wildcard; the oldest first.
func (d *Describer) destinationRules(host string, pod *corev1.Pod, svcNS, rootNS string) ([]DestinationRuleInfo, *destinationRule) {
	type cand struct {
		dr   *destinationRule
		info DestinationRuleInfo
		rank int
	}
	var cands []cand
	client := pod.Namespace
	for _, dr := range d.objs.destinationRules {
		h := d.resolveHost(dr.Spec.Host, dr.Meta.Namespace)
		if !hostMatches(h, host) {
			continue
		}
		info := DestinationRuleInfo{Name: dr.Meta.Name, Namespace: dr.Meta.Namespace, Host: dr.Spec.Host,
			MatchingSubsets: []string{}, NonMatchingSubsets: []string{}}
		for _, s := range dr.Spec.Subsets {
			if selectorMatches(s.Labels, pod.Labels) {
				info.MatchingSubsets = append(info.MatchingSubsets, s.Name)
			} else {
				info.NonMatchingSubsets = append(info.NonMatchingSubsets, s.Name)
			}
		}
		if tp := dr.Spec.TrafficPolicy; tp != nil {
			if tp.TLS != nil {
				info.TLSMode = tp.TLS.Mode
			}
			info.Policies = policies(tp.LoadBalancer, tp.ConnectionPool, tp.OutlierDetection)
			for _, pl := range tp.PortLevelSettings {
				pp := PortPolicy{Port: pl.Port.Number, Policies: policies(pl.LoadBalancer, pl.ConnectionPool, pl.OutlierDetection)}
				if pl.TLS != nil {
					pp.TLSMode = pl.TLS.Mode
				}
				info.PortLevel = append(info.PortLevel, pp)
			}
		}
		rank := -1
		switch {
		case !exportedTo(dr.Spec.ExportTo, dr.Meta.Namespace, client):
			info.Note = fmt.Sprintf("not exported to namespace %s (exportTo %s)", client, strings.Join(dr.Spec.ExportTo, ","))
		case dr.Spec.WorkloadSelector != nil && (dr.Meta.Namespace != client || !selectorMatches(dr.Spec.WorkloadSelector.MatchLabels, pod.Labels)):
			info.Note = "its workloadSelector does not select this pod"
		case dr.Meta.Namespace == client:
			rank = 0
		case dr.Meta.Namespace == svcNS:
			rank = 1
		case dr.Meta.Namespace == rootNS:
			rank = 2
		default:
			info.Note = fmt.Sprintf("applies only to clients in namespace %s", dr.Meta.Namespace)
		}
		if rank >= 0 && h != host {
			rank = rank*2 + 1 // a wildcard host ranks after an exact one of the same namespace
		} else if rank >= 0 {
			rank *= 2
		}
		cands = append(cands, cand{dr: dr, info: info, rank: rank})
	}
	best := -1
	for i, c := range cands {
		if c.rank < 0 {
			continue
		}
		if best < 0 || c.rank < cands[best].rank || c.rank == cands[best].rank && older(&c.dr.Meta, &cands[best].dr.Meta) {
			best = i
		}
	}
	out := make([]DestinationRuleInfo, 0, len(cands))
	var eff *destinationRule
	for i, c := range cands {
		if i == best {
			c.info.Effective = true
			eff = c.dr
		} else if c.info.Note == "" && best >= 0 {
			c.info.Note = fmt.Sprintf("%s takes precedence for clients in namespace %s", cands[best].dr.Meta.id(), pod.Namespace)
		}
		out = append(out, c.info)
	}
	// the effective rule first, then the others as listed
	sort.SliceStable(out, func(i, j int) bool { return out[i].Effective && !out[j].Effective })
	return out, eff
}

func policies(lb, cp, od []byte) []string {
	var out []string
	if len(lb) > 0 && string(lb) != "null" {
		out = append(out, "load balancer")
	}
	if len(cp) > 0 && string(cp) != "null" {
		out = append(out, "connection pool")
	}
	if len(od) > 0 && string(od) != "null" {
		out = append(out, "outlier detection")
	}
	return out
}

// drTLSMode is the TLS mode a DestinationRule sets for a port ("" when it sets none).
func drTLSMode(dr *destinationRule, port uint32) string {
	tp := dr.Spec.TrafficPolicy
	if tp == nil {
		return ""
	}
	for _, pl := range tp.PortLevelSettings {
		if pl.Port.Number == port && pl.TLS != nil {
			return pl.TLS.Mode
		}
	}
	if tp.TLS != nil {
		return tp.TLS.Mode
	}
	return ""
}

func subsetOf(dr *destinationRule, name string) *subset {
	if dr == nil {
		return nil
	}
	for i := range dr.Spec.Subsets {
		if dr.Spec.Subsets[i].Name == name {
			return &dr.Spec.Subsets[i]
		}
	}
	return nil
}

// meshBound tells whether a VirtualService applies to sidecars (gateways unset or "mesh").
func meshBound(vs *virtualService) bool {
	if len(vs.Spec.Gateways) == 0 {
		return true
	}
	for _, g := range vs.Spec.Gateways {
		if g == "mesh" {
			return true
		}
	}
	return false
}

// virtualServiceFor describes a VirtualService for a Service, if it routes the Service's host (as a
// mesh VirtualService) or sends traffic to it (bound to the mesh, to gateways, or both).
func (d *Describer) virtualServiceFor(vs *virtualService, host string, pod *corev1.Pod, effective *destinationRule, mc *collector) (VirtualServiceInfo, bool) {
	hostMatch := false
	for _, h := range vs.Spec.Hosts {
		if hostMatches(d.resolveHost(h, vs.Meta.Namespace), host) {
			hostMatch = true
		}
	}
	captures := hostMatch && meshBound(vs)
	info := VirtualServiceInfo{Name: vs.Meta.Name, Namespace: vs.Meta.Namespace, Hosts: vs.Spec.Hosts, Gateways: vs.Spec.Gateways, Mesh: meshBound(vs),
		Routes: []VSRoute{}, HTTPRoutes: len(vs.Spec.HTTP), TCPRoutes: len(vs.Spec.TCP), TLSRoutes: len(vs.Spec.TLS)}
	if len(info.Gateways) == 0 {
		info.Gateways = []string{"mesh"}
	}
	toService := false
	dest := func(rd routeDestination) VSDestination {
		vd := VSDestination{Host: rd.Destination.Host, Subset: rd.Destination.Subset, Port: rd.Destination.Port.Number, Weight: rd.Weight}
		vd.ThisService = d.resolveHost(rd.Destination.Host, vs.Meta.Namespace) == host
		vd.SubsetMatchesPod = true
		if !vd.ThisService {
			return vd
		}
		toService = true
		if vd.Subset == "" {
			return vd
		}
		s := subsetOf(effective, vd.Subset)
		switch {
		case effective == nil:
			vd.SubsetMatchesPod, vd.SubsetUndefined = false, true
			info.Warnings = append(info.Warnings, fmt.Sprintf("routes to subset %s, but no DestinationRule defines subsets for %s", vd.Subset, rd.Destination.Host))
			mc.add("SubsetUnknown", vs.Meta.id(), "VirtualService %s routes to subset %s of %s, but no DestinationRule defines subsets for it: those requests fail (503)",
				vs.Meta.id(), vd.Subset, rd.Destination.Host)
		case s == nil:
			vd.SubsetMatchesPod, vd.SubsetUndefined = false, true
			info.Warnings = append(info.Warnings, fmt.Sprintf("routes to subset %s, which DestinationRule %s does not define", vd.Subset, effective.Meta.id()))
			mc.add("SubsetUnknown", vs.Meta.id(), "VirtualService %s routes to subset %s of %s, which DestinationRule %s does not define: those requests fail (503)",
				vs.Meta.id(), vd.Subset, rd.Destination.Host, effective.Meta.id())
		default:
			vd.SubsetMatchesPod = selectorMatches(s.Labels, pod.Labels)
		}
		return vd
	}
	for _, hr := range vs.Spec.HTTP {
		r := VSRoute{Kind: "http", Name: hr.Name, Match: renderHTTPMatches(hr.Match), Destinations: []VSDestination{}, Fault: len(hr.Fault) > 0 && string(hr.Fault) != "null"}
		for _, rd := range hr.Route {
			r.Destinations = append(r.Destinations, dest(rd))
		}
		switch {
		case len(hr.Redirect) > 0 && string(hr.Redirect) != "null":
			r.Note = "redirect"
		case len(hr.DirectResponse) > 0 && string(hr.DirectResponse) != "null":
			r.Note = "direct response"
		}
		keepRoute(&info, r, captures)
	}
	for _, tr := range vs.Spec.TCP {
		r := VSRoute{Kind: "tcp", Match: renderL4Matches(tr.Match), Destinations: []VSDestination{}}
		for _, rd := range tr.Route {
			r.Destinations = append(r.Destinations, dest(rd))
		}
		keepRoute(&info, r, captures)
	}
	for _, tr := range vs.Spec.TLS {
		r := VSRoute{Kind: "tls", Match: renderL4Matches(tr.Match), Destinations: []VSDestination{}}
		for _, rd := range tr.Route {
			r.Destinations = append(r.Destinations, dest(rd))
		}
		keepRoute(&info, r, captures)
	}
	// a mesh VirtualService for the host shapes all traffic to it; one bound to gateways only is
	// shown when it sends traffic to the Service (as istioctl does), with its binding
	return info, captures || toService
}

// keepRoute keeps a route that reaches the Service, or any route of a VirtualService that
// captures the Service's host (its traffic may go elsewhere).
func keepRoute(info *VirtualServiceInfo, r VSRoute, captures bool) {
	reaches := false
	for _, ds := range r.Destinations {
		if ds.ThisService {
			reaches = true
			if ds.SubsetMatchesPod {
				r.ReachesPod = true
			}
		}
	}
	if reaches || captures {
		info.Routes = append(info.Routes, r)
	}
}

func renderStringMatch(m *stringMatch) string {
	switch {
	case m == nil:
		return ""
	case m.Exact != "":
		return m.Exact
	case m.Prefix != "":
		return m.Prefix + "*"
	case m.Regex != "":
		return "regex " + m.Regex
	}
	return "*"
}

// renderHTTPMatches writes each match request as istioctl does: the URI, then header conditions.
func renderHTTPMatches(ms []httpMatch) []string {
	out := []string{}
	for _, m := range ms {
		var parts []string
		if m.URI != nil {
			s := renderStringMatch(m.URI)
			if m.IgnoreURICase {
				s += " uncased"
			}
			parts = append(parts, s)
		}
		if m.Method != nil {
			parts = append(parts, "method "+renderStringMatch(m.Method))
		}
		if m.Authority != nil {
			parts = append(parts, "authority "+renderStringMatch(m.Authority))
		}
		if len(m.Headers) > 0 {
			keys := make([]string, 0, len(m.Headers))
			for k := range m.Headers {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			conds := make([]string, len(keys))
			for i, k := range keys {
				v := m.Headers[k]
				conds[i] = k + "=" + renderStringMatch(&v)
			}
			parts = append(parts, "when headers are "+strings.Join(conds, "; "))
		}
		if m.Port != 0 {
			parts = append(parts, fmt.Sprintf("port %d", m.Port))
		}
		if len(m.SourceLabels) > 0 {
			parts = append(parts, "from workloads "+PodSelector{Labels: m.SourceLabels}.String())
		}
		if len(m.Gateways) > 0 {
			parts = append(parts, "through "+strings.Join(m.Gateways, ","))
		}
		if len(parts) == 0 {
			parts = append(parts, "*")
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func renderL4Matches(ms []json.RawMessage) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, compactJSON(m))
	}
	return out
}

// compareClusters checks the proxy's outbound clusters for a Service port against the
// DestinationRule that should apply: present, carrying that rule, one per subset, with its TLS mode.
func (d *Describer) compareClusters(svc *corev1.Service, p ServicePort, host string, lp LoadedPort, effective *destinationRule, mc *collector) {
	main := fmt.Sprintf("outbound|%d||%s", p.Port, host)
	var mainC *LoadedCluster
	subsets := map[string]*LoadedCluster{}
	for i := range lp.Clusters {
		c := &lp.Clusters[i]
		if c.Subset == "" {
			mainC = c
		} else {
			subsets[c.Subset] = c
		}
	}
	svcID := svc.Name + "." + svc.Namespace
	if mainC == nil {
		mc.add("ClusterMissing", svcID, "the proxy has no cluster %s: it cannot call Service %s on port %d (not pushed yet, or hidden by exportTo)",
			main, svcID, p.Port)
		return
	}
	want := ""
	if effective != nil {
		want = effective.Meta.id()
	}
	for _, c := range lp.Clusters {
		if c.DestinationRule == "" || c.DestinationRule == want {
			continue
		}
		if !d.drExists(c.DestinationRule) {
			mc.add("DestinationRuleStale", c.DestinationRule, "the proxy applies DestinationRule %s to %s, but it does not exist: the proxy is stale",
				c.DestinationRule, c.Name)
		} else {
			mc.add("DestinationRuleOther", c.DestinationRule, "the proxy applies DestinationRule %s to %s, but %s should apply",
				c.DestinationRule, c.Name, orNone(want))
		}
	}
	if effective == nil {
		return
	}
	if mainC.DestinationRule == "" {
		mc.add("DestinationRuleNotLoaded", want, "DestinationRule %s is not loaded by the proxy yet: cluster %s carries no DestinationRule", want, main)
	}
	for _, s := range effective.Spec.Subsets {
		if _, ok := subsets[s.Name]; !ok {
			mc.add("SubsetNotLoaded", want, "DestinationRule %s defines subset %s, but the proxy has no cluster outbound|%d|%s|%s",
				want, s.Name, p.Port, s.Name, host)
		}
	}
	names := make([]string, 0, len(subsets))
	for n := range subsets {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if subsetOf(effective, n) == nil && subsets[n].DestinationRule == want {
			mc.add("SubsetStale", want, "the proxy has cluster %s for subset %s, which DestinationRule %s no longer defines", subsets[n].Name, n, want)
		}
	}
	mode := drTLSMode(effective, uint32(p.Port))
	got := mainC.TLS
	ok := true
	switch mode {
	case "ISTIO_MUTUAL":
		ok = got == TLSIstioMutual
	case "DISABLE":
		ok = got == TLSPlain
	case "SIMPLE", "MUTUAL":
		ok = got == TLSOriginate
	}
	if !ok {
		mc.add("TLSModeNotLoaded", want, "DestinationRule %s sets TLS mode %s for port %d, but the proxy's cluster %s uses %s",
			want, mode, p.Port, main, describeClusterTLS(got))
	}
}

func describeClusterTLS(t string) string {
	switch t {
	case TLSIstioMutual:
		return "Istio mTLS (ISTIO_MUTUAL)"
	case TLSAuto:
		return "auto mTLS"
	case TLSPlain:
		return "plaintext"
	}
	return "TLS"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func (d *Describer) drExists(id string) bool {
	for _, dr := range d.objs.destinationRules {
		if dr.Meta.id() == id {
			return true
		}
	}
	return !d.installed(GroupNetworking, "DestinationRule") // cannot tell: do not call it stale
}

func (d *Describer) vsExists(id string) bool {
	for _, vs := range d.objs.virtualServices {
		if vs.Meta.id() == id {
			return true
		}
	}
	return !d.installed(GroupNetworking, "VirtualService")
}

// compareRoutes checks the proxy's HTTP routes for a Service port against the mesh VirtualServices
// for its host that the pod's namespace sees.
func (d *Describer) compareRoutes(svc *corev1.Service, p ServicePort, host string, lp LoadedPort, pod *corev1.Pod, mc *collector) {
	hostPort := fmt.Sprintf("%s:%d", host, p.Port)
	loaded := map[string]bool{}
	for _, r := range lp.Routes {
		for _, e := range r.Routes {
			if e.VirtualService != "" {
				loaded[e.VirtualService] = true
			}
		}
	}
	var want []string
	for _, vs := range d.objs.virtualServices {
		if !meshBound(vs) || !exportedTo(vs.Spec.ExportTo, vs.Meta.Namespace, pod.Namespace) {
			continue
		}
		// only a VirtualService for the exact host shapes this host's virtual host; one for a
		// wildcard gets a virtual host of its own
		for _, h := range vs.Spec.Hosts {
			if d.resolveHost(h, vs.Meta.Namespace) == host {
				want = append(want, vs.Meta.id())
				break
			}
		}
	}
	if len(lp.Routes) == 0 {
		if len(want) > 0 || (p.Protocol != "auto-detect") {
			mc.add("RouteMissing", svc.Name+"."+svc.Namespace, "the proxy has no HTTP route for %s (route config %d)%s",
				hostPort, p.Port, wantSuffix(want))
		}
		return
	}
	for _, w := range want {
		if !loaded[w] {
			mc.add("VirtualServiceNotLoaded", w, "VirtualService %s is not loaded by the proxy yet: its routes for %s do not come from it", w, hostPort)
		}
	}
	ids := make([]string, 0, len(loaded))
	for id := range loaded {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		switch {
		case !d.vsExists(id):
			mc.add("VirtualServiceStale", id, "the proxy routes %s by VirtualService %s, which does not exist: the proxy is stale", hostPort, id)
		case !contains(want, id) && len(want) > 0:
			mc.add("VirtualServiceOther", id, "the proxy routes %s by VirtualService %s, but %s should apply", hostPort, id, strings.Join(want, ", "))
		case !contains(want, id):
			mc.add("VirtualServiceStale", id, "the proxy routes %s by VirtualService %s, which no longer applies to that host", hostPort, id)
		}
	}
}

func wantSuffix(want []string) string {
	if len(want) == 0 {
		return ""
	}
	return ", though VirtualService " + strings.Join(want, ", ") + " routes it"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// compactJSON writes a JSON value on one line, unquoting a plain string.
func compactJSON(raw []byte) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return string(raw)
	}
	return b.String()
}
