package describe

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// gwPod is a gateway pod in ns with the istio=ingressgateway label.
func gwPod(name, ns string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s, namespace: %s, labels: {istio: ingressgateway}}
spec: {containers: [{name: istio-proxy}]}
status: {phase: Running}`, name, ns)
}

// gwService is a Service of type typ in front of the gateway pods of ns, on port, with an optional load-balancer IP.
func gwService(name, ns, typ string, port int, ip string) string {
	status := "{}"
	if ip != "" {
		status = fmt.Sprintf("{loadBalancer: {ingress: [{ip: %s}]}}", ip)
	}
	return fmt.Sprintf(`apiVersion: v1
kind: Service
metadata: {name: %s, namespace: %s}
spec: {type: %s, selector: {istio: ingressgateway}, ports: [{name: http, port: %d, targetPort: 8080}]}
status: %s`, name, ns, typ, port, status)
}

func TestGatewayFronts(t *testing.T) {
	port80 := []ExposedPort{{Port: 80, Protocol: "HTTP"}}
	tests := []struct {
		name string
		objs []string
		want []string // Service name.namespace (or "-") : pods
	}{
		{"one Service per gateway deployment, by address",
			[]string{gwPod("a", "istio-ingress"), gwPod("b", "default"),
				gwService("ingress", "istio-ingress", "LoadBalancer", 80, "1.1.1.1"), gwService("ingress", "default", "LoadBalancer", 80, "2.2.2.2")},
			[]string{"ingress.istio-ingress: a.istio-ingress", "ingress.default: b.default"}},
		{"two Services in front of the same pods",
			[]string{gwPod("a", "istio-system"), gwService("public", "istio-system", "LoadBalancer", 80, "9.9.9.9"),
				gwService("internal", "istio-system", "LoadBalancer", 80, "10.0.0.9")},
			[]string{"public.istio-system: a.istio-system", "internal.istio-system: a.istio-system"}}, // 9.9.9.9 < 10.0.0.9
		{"a ClusterIP Service beside an external one is not a way in",
			[]string{gwPod("a", "istio-system"), gwService("lb", "istio-system", "LoadBalancer", 80, "9.9.9.9"),
				gwService("metrics", "istio-system", "ClusterIP", 80, "")},
			[]string{"lb.istio-system: a.istio-system"}},
		{"only a ClusterIP Service: kept, to say it has no address",
			[]string{gwPod("a", "istio-system"), gwService("gw", "istio-system", "ClusterIP", 80, "")},
			[]string{"gw.istio-system: a.istio-system"}},
		{"a Service without the gateway's port is left out",
			[]string{gwPod("a", "istio-system"), gwService("lb", "istio-system", "LoadBalancer", 80, "9.9.9.9"),
				gwService("status", "istio-system", "LoadBalancer", 15021, "9.9.9.8")},
			[]string{"lb.istio-system: a.istio-system"}},
		{"an address before none",
			[]string{gwPod("a", "ns-a"), gwPod("b", "ns-b"), gwService("pending", "ns-a", "LoadBalancer", 80, ""), gwService("lb", "ns-b", "LoadBalancer", 80, "9.9.9.9")},
			[]string{"lb.ns-b: b.ns-b", "pending.ns-a: a.ns-a"}},
		{"no address at all: by namespace and name",
			[]string{gwPod("a", "ns-a"), gwPod("b", "ns-b"), gwService("gw", "ns-b", "LoadBalancer", 80, ""), gwService("gw", "ns-a", "NodePort", 80, "")},
			[]string{"gw.ns-a: a.ns-a", "gw.ns-b: b.ns-b"}},
		{"no Service at all: one front without one",
			[]string{gwPod("a", "istio-system"), gwPod("b", "istio-system")},
			[]string{"-: a.istio-system, b.istio-system"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := New(cluster(t, tt.objs...), Options{})
			var pods []*corev1.Pod
			for i := range d.c.Pods {
				pods = append(pods, &d.c.Pods[i])
			}
			var got []string
			for _, f := range d.gatewayFronts(pods, port80) {
				name := "-"
				if f.svc != nil {
					name = f.svc.Name + "." + f.svc.Namespace
				}
				var ps []string
				for _, p := range f.pods {
					ps = append(ps, p.Name+"."+p.Namespace)
				}
				got = append(got, name+": "+strings.Join(ps, ", "))
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestBindingText(t *testing.T) {
	tests := []struct {
		gateways []string
		mesh     bool
		want     string
	}{
		{[]string{"mesh"}, true, "Bound to mesh: traffic from other pods uses it"},
		{[]string{"fake-gw"}, false, "Bound to Gateway default/fake-gw only: traffic from other pods does not use it"},
		{[]string{"istio-system/public", "fake-gw"}, false, "Bound to Gateways istio-system/public, default/fake-gw only: traffic from other pods does not use it"},
		{[]string{"mesh", "fake-gw"}, true, "Bound to mesh and Gateway default/fake-gw: traffic from other pods and through the gateway uses it"},
	}
	for _, tt := range tests {
		vs := &VirtualServiceInfo{Namespace: "default", Gateways: tt.gateways, Mesh: tt.mesh}
		assert.Equal(t, tt.want, bindingText(vs), strings.Join(tt.gateways, ","))
	}
}

// TestVirtualServicesOfService: which VirtualServices a Service lists, mesh-bound or not.
func TestVirtualServicesOfService(t *testing.T) {
	vs := func(name, hosts, gateways, dest string) string {
		return fmt.Sprintf(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: %s, namespace: shop}
spec: {hosts: [%s], gateways: [%s], http: [{route: [{destination: {host: %s}}]}]}`, name, hosts, gateways, dest)
	}
	svc := `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}`
	c := cluster(t, podYAML, svc,
		vs("mesh-to-web", "web", "mesh", "web"),
		vs("gateway-to-web", "web.example.com", "public", "web"),
		vs("gateway-elsewhere", "web", "public", "other"),
		vs("mesh-captures-web", "web", "mesh", "other"),
		vs("mesh-elsewhere", "other", "mesh", "other"))
	d := New(c, Options{Namespace: "shop"})
	r := d.Pod(testPod(t, c), nil)
	require.Len(t, r.Services, 1)
	var got []string
	for _, v := range r.Services[0].VirtualServices {
		got = append(got, fmt.Sprintf("%s mesh=%v", v.Name, v.Mesh))
	}
	assert.Equal(t, []string{"gateway-to-web mesh=false", "mesh-captures-web mesh=true", "mesh-to-web mesh=true"}, got)
}

// TestVirtualServiceText: a gateway-bound VirtualService with a route to the Service and one
// elsewhere, written as istioctl words it, with its binding.
func TestVirtualServiceText(t *testing.T) {
	svc := `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}`
	vs := `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: front, namespace: shop}
spec:
  hosts: [shop.example.com]
  gateways: [istio-system/public, mesh]
  http:
  - match: [{uri: {prefix: /api}}, {uri: {exact: /login}, headers: {x-b: {exact: "2"}, x-a: {prefix: "1"}}}]
    route:
    - {destination: {host: web, port: {number: 80}}, weight: 90}
    - {destination: {host: web-canary}, weight: 10}
  - route: [{destination: {host: static}}]`
	c := cluster(t, podYAML, svc, vs)
	d := New(c, Options{Namespace: "shop"})
	r := d.Pod(testPod(t, c), nil)
	require.Len(t, r.Services, 1)
	var b strings.Builder
	tw := &textWriter{w: &b, o: TextOptions{Namespace: "shop"}}
	tw.virtualService(&r.Services[0].VirtualServices[0])
	require.NoError(t, tw.err)
	assert.Equal(t, `VirtualService: front
   Bound to mesh and Gateway istio-system/public: traffic from other pods and through the gateway uses it
   Route to host "web" with weight 90% on port 80
   Route to host "web-canary" with weight 10%
   Match: /api*
   Match: /login when headers are x-a=1*; x-b=2
   1 additional destination(s) that will not reach this pod
`, b.String())
}

// TestDestinationRuleText: a DestinationRule with port-level settings, in istioctl's words and
// indentation (its test "have traffic policy").
func TestDestinationRuleText(t *testing.T) {
	svc := `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: 8080}]}`
	dr := `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: web, namespace: shop}
spec:
  host: web
  subsets: [{name: v1, labels: {version: v1}}]
  trafficPolicy:
    loadBalancer: {simple: LEAST_REQUEST}
    connectionPool: {tcp: {maxConnections: 10}}
    outlierDetection: {minHealthPercent: 10}
    tls: {mode: ISTIO_MUTUAL}
    portLevelSettings:
    - port: {number: 8080}
      loadBalancer: {simple: LEAST_REQUEST}
      tls: {mode: DISABLE}
      connectionPool: {tcp: {maxConnections: 10}}
      outlierDetection: {minHealthPercent: 10}`
	c := cluster(t, podYAML, svc, dr)
	d := New(c, Options{Namespace: "shop"})
	r := d.Pod(testPod(t, c), nil)
	require.Len(t, r.Services, 1)
	var b strings.Builder
	tw := &textWriter{w: &b, o: TextOptions{Namespace: "shop"}}
	tw.destinationRule(&r.Services[0].DestinationRules[0])
	require.NoError(t, tw.err)
	assert.Equal(t, `DestinationRule: web for "web"
   Matching subsets: v1
   Traffic Policy TLS Mode: ISTIO_MUTUAL
   Policies: load balancer/connection pool/outlier detection
   Port Level Settings:
    8080:
      TLS Mode: DISABLE
      Policies: load balancer/connection pool/outlier detection
`, b.String())
}

func TestGatewayMatchesNotLoaded(t *testing.T) {
	route := func(match, vs string) LoadedRouteEntry { return LoadedRouteEntry{Match: match, VirtualService: vs} }
	tests := []struct {
		name     string
		matches  []string
		entries  []LoadedRouteEntry
		missing  []string
		noneFrom bool
	}{
		{"all loaded", []string{"/productpage", "/static*"},
			[]LoadedRouteEntry{route("/productpage", "bookinfo.default"), route("/static*", "bookinfo.default")}, nil, false},
		{"a match not loaded yet", []string{"/prefix*", "/productpage"},
			[]LoadedRouteEntry{route("/productpage", "bookinfo.default")}, []string{"/prefix*"}, false},
		{"everything is prefix /", []string{"*"}, []LoadedRouteEntry{route("/*", "bookinfo.default")}, nil, false},
		{"header matches are not compared", []string{"/api when headers are x=1"}, []LoadedRouteEntry{route("/api header x", "bookinfo.default")}, nil, false},
		{"routes from another VirtualService only", []string{"/productpage"},
			[]LoadedRouteEntry{route("/productpage", "old.default")}, nil, true},
		{"no Istio metadata: cannot tell", []string{"/prefix*"}, []LoadedRouteEntry{route("/productpage", "")}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Exposure{Route: "VirtualService bookinfo.default", RouteMatches: tt.matches,
				Routes: []LoadedRoute{{RouteConfig: "http.80", VirtualHost: "*:80", Routes: tt.entries}}}
			missing, none := gatewayMatchesNotLoaded(e)
			assert.Equal(t, tt.missing, missing)
			assert.Equal(t, tt.noneFrom, none)
		})
	}
}
