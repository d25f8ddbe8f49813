package describe

import (
	"net/netip"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// The Services in front of a gateway's pods: each is a way in, with its own address.

// gatewayFront is a Service in front of gateway pods, with the pods it selects (svc nil: pods that
// no Service selects).
type gatewayFront struct {
	svc  *corev1.Service
	pods []*corev1.Pod
}

// gatewayFronts groups gateway pods by the Services that select them and serve one of the
// gateway's ports, in the order of their external address (as istioctl lists them). Services that
// give no external access (ClusterIP) are left out when another one does; pods without a Service
// are one front only when no Service selects any of them.
func (d *Describer) gatewayFronts(pods []*corev1.Pod, gwPorts []ExposedPort) []gatewayFront {
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name })
	var fronts []gatewayFront
	index := map[*corev1.Service]int{}
	for _, p := range pods {
		for _, s := range servicesSelecting(d.c.Services, p) {
			i, ok := index[s]
			if !ok {
				i = len(fronts)
				index[s] = i
				fronts = append(fronts, gatewayFront{svc: s})
			}
			fronts[i].pods = append(fronts[i].pods, p)
		}
	}
	if len(fronts) == 0 {
		return []gatewayFront{{pods: pods}}
	}
	keep := func(ok func(gatewayFront) bool) {
		var kept []gatewayFront
		for _, f := range fronts {
			if ok(f) {
				kept = append(kept, f)
			}
		}
		if len(kept) > 0 {
			fronts = kept
		}
	}
	keep(func(f gatewayFront) bool { return servesPort(f.svc, gwPorts) })
	keep(func(f gatewayFront) bool { return external(f.svc) })
	sort.SliceStable(fronts, func(i, j int) bool {
		ai, aj := serviceAddresses(fronts[i].svc), serviceAddresses(fronts[j].svc)
		switch {
		case len(ai) == 0 && len(aj) == 0:
		case len(ai) == 0 || len(aj) == 0:
			return len(ai) > len(aj) // with an address first
		case ai[0] != aj[0]:
			return addressLess(ai[0], aj[0])
		}
		return fronts[i].svc.Namespace+"/"+fronts[i].svc.Name < fronts[j].svc.Namespace+"/"+fronts[j].svc.Name
	})
	return fronts
}

// addressLess orders IP addresses numerically, before host names (in text order).
func addressLess(a, b string) bool {
	ia, errA := netip.ParseAddr(a)
	ib, errB := netip.ParseAddr(b)
	switch {
	case errA == nil && errB == nil:
		return ia.Less(ib)
	case errA == nil || errB == nil:
		return errA == nil
	}
	return a < b
}

// servesPort tells whether a Service has one of the gateway's ports (as its port, or the pod port it targets).
func servesPort(s *corev1.Service, gwPorts []ExposedPort) bool {
	for _, sp := range s.Spec.Ports {
		for _, gp := range gwPorts {
			if uint32(sp.Port) == gp.Port || sp.TargetPort.IntValue() == int(gp.Port) {
				return true
			}
		}
	}
	return false
}

// external tells whether a Service can be reached from outside the cluster.
func external(s *corev1.Service) bool {
	return s.Spec.Type == corev1.ServiceTypeLoadBalancer || s.Spec.Type == corev1.ServiceTypeNodePort || len(s.Spec.ExternalIPs) > 0
}

// serviceAddresses are a Service's external addresses: its load balancer's, then its externalIPs.
func serviceAddresses(s *corev1.Service) []string {
	var out []string
	for _, ing := range s.Status.LoadBalancer.Ingress {
		if ing.IP != "" {
			out = append(out, ing.IP)
		} else if ing.Hostname != "" {
			out = append(out, ing.Hostname)
		}
	}
	return uniqueStrings(append(out, s.Spec.ExternalIPs...))
}

// gatewayAPIFront is the Service in front of a Gateway API Gateway's pods (in the Gateway's
// namespace, a load balancer first), with all the pods.
func gatewayAPIFront(pods []*corev1.Pod, svcs []corev1.Service, ns string) gatewayFront {
	sort.Slice(pods, func(i, j int) bool { return pods[i].Namespace+"/"+pods[i].Name < pods[j].Namespace+"/"+pods[j].Name })
	f := gatewayFront{pods: pods}
	for _, p := range pods {
		for _, s := range servicesSelecting(svcs, p) {
			if s.Namespace == ns && (f.svc == nil || s.Spec.Type == corev1.ServiceTypeLoadBalancer && f.svc.Spec.Type != corev1.ServiceTypeLoadBalancer) {
				f.svc = s
			}
		}
		if f.svc != nil {
			break
		}
	}
	return f
}
