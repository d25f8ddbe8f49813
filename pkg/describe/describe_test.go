package describe

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// cluster parses YAML documents into a Cluster (the way --k8s-file does).
func cluster(t *testing.T, docs ...string) *Cluster {
	t.Helper()
	c, warnings, err := ParseObjects([]byte(strings.Join(docs, "\n---\n")))
	require.NoError(t, err)
	require.Empty(t, warnings)
	return c
}

const podYAML = `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web, version: v1}, annotations: {sidecar.istio.io/status: '{"revision":"canary"}'}}
spec:
  containers:
  - {name: web, ports: [{containerPort: 8080, name: http-web}]}
  - {name: istio-proxy}
status: {phase: Running, podIP: 10.0.0.5}`

func testPod(t *testing.T, c *Cluster) *corev1.Pod {
	t.Helper()
	for i := range c.Pods {
		if c.Pods[i].Name == "web-1" {
			return &c.Pods[i]
		}
	}
	t.Fatal("no pod web-1")
	return nil
}

func TestIstioProtocol(t *testing.T) {
	str := func(s string) *string { return &s }
	tests := []struct {
		name string
		port corev1.ServicePort
		want string
	}{
		{"name prefix", corev1.ServicePort{Name: "http-web", Protocol: "TCP"}, "HTTP"},
		{"name exact", corev1.ServicePort{Name: "grpc", Protocol: "TCP"}, "GRPC"},
		{"upper case name", corev1.ServicePort{Name: "HTTP2-api", Protocol: "TCP"}, "HTTP2"},
		{"grpc-web", corev1.ServicePort{Name: "grpc-web-ui", Protocol: "TCP"}, "GRPC-Web"},
		{"appProtocol wins", corev1.ServicePort{Name: "tcp-x", AppProtocol: str("http"), Protocol: "TCP"}, "HTTP"},
		{"kubernetes appProtocol", corev1.ServicePort{AppProtocol: str("kubernetes.io/h2c"), Protocol: "TCP"}, "HTTP2"},
		{"no name", corev1.ServicePort{Port: 80, Protocol: "TCP"}, "auto-detect"},
		{"unknown prefix", corev1.ServicePort{Name: "web", Protocol: "TCP"}, "auto-detect"},
		{"udp", corev1.ServicePort{Name: "http", Protocol: "UDP"}, "UDP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, istioProtocol(&tt.port))
		})
	}
}

func TestHosts(t *testing.T) {
	d := New(&Cluster{}, Options{})
	assert.Equal(t, "reviews.shop.svc.cluster.local", d.resolveHost("reviews", "shop"))
	assert.Equal(t, "reviews.other", d.resolveHost("reviews.other", "shop"), "a dotted host is not expanded (istiod does not)")
	assert.Equal(t, "*", d.resolveHost("*", "shop"))
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"reviews.shop.svc.cluster.local", "reviews.shop.svc.cluster.local", true},
		{"*", "reviews.shop.svc.cluster.local", true},
		{"*.shop.svc.cluster.local", "reviews.shop.svc.cluster.local", true},
		{"*.local", "reviews.shop.svc.cluster.local", true},
		{"*.other.svc.cluster.local", "reviews.shop.svc.cluster.local", false},
		{"ratings.shop.svc.cluster.local", "reviews.shop.svc.cluster.local", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, hostMatches(tt.pattern, tt.host), "%s vs %s", tt.pattern, tt.host)
	}
}

func TestExportedTo(t *testing.T) {
	tests := []struct {
		exportTo []string
		ns       string
		want     bool
	}{
		{nil, "other", true},
		{[]string{"*"}, "other", true},
		{[]string{"."}, "shop", true},
		{[]string{"."}, "other", false},
		{[]string{"other"}, "other", true},
		{[]string{"~"}, "shop", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, exportedTo(tt.exportTo, "shop", tt.ns), "exportTo %v from %s", tt.exportTo, tt.ns)
	}
}

func pa(name, ns, created, selector, mode, portLevel string) string {
	s := "apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: " + name + ", namespace: " + ns + ", creationTimestamp: \"" + created + "\"}\nspec:\n"
	if selector != "" {
		s += "  selector: {matchLabels: {" + selector + "}}\n"
	}
	if mode != "" {
		s += "  mtls: {mode: " + mode + "}\n"
	}
	if portLevel != "" {
		s += "  portLevelMtls: {" + portLevel + "}\n"
	}
	return s
}

func TestPeerAuthentication(t *testing.T) {
	const t1, t2 = "2024-01-01T00:00:00Z", "2024-02-01T00:00:00Z"
	tests := []struct {
		name    string
		pas     []string
		mode    string
		ports   []PortMTLS
		applied []string
	}{
		{name: "none: PERMISSIVE", mode: "PERMISSIVE", applied: []string{}},
		{name: "mesh STRICT", pas: []string{pa("default", "istio-system", t1, "", "STRICT", "")}, mode: "STRICT",
			applied: []string{"default.istio-system mesh STRICT"}},
		{name: "namespace overrides mesh", pas: []string{pa("default", "istio-system", t1, "", "STRICT", ""), pa("default", "shop", t1, "", "PERMISSIVE", "")},
			mode: "PERMISSIVE", applied: []string{"default.istio-system mesh STRICT", "default.shop namespace PERMISSIVE"}},
		{name: "workload UNSET inherits namespace", pas: []string{pa("default", "shop", t1, "", "STRICT", ""), pa("web", "shop", t1, "app: web", "", "")},
			mode: "STRICT", applied: []string{"default.shop namespace STRICT", "web.shop workload UNSET"}},
		{name: "workload overrides", pas: []string{pa("default", "shop", t1, "", "STRICT", ""), pa("web", "shop", t1, "app: web", "DISABLE", "")},
			mode: "DISABLE", applied: []string{"default.shop namespace STRICT", "web.shop workload DISABLE"}},
		{name: "oldest workload policy wins", pas: []string{pa("new", "shop", t2, "app: web", "DISABLE", ""), pa("old", "shop", t1, "app: web", "STRICT", "")},
			mode: "STRICT", applied: []string{"old.shop workload STRICT"}},
		{name: "selector that does not match", pas: []string{pa("api", "shop", t1, "app: api", "STRICT", "")}, mode: "PERMISSIVE", applied: []string{}},
		{name: "root namespace policy with selector is ignored", pas: []string{pa("web", "istio-system", t1, "app: web", "STRICT", "")},
			mode: "PERMISSIVE", applied: []string{}},
		{name: "other namespace ignored", pas: []string{pa("default", "other", t1, "", "STRICT", "")}, mode: "PERMISSIVE", applied: []string{}},
		{name: "port level, UNSET inherits workload", pas: []string{pa("web", "shop", t1, "app: web", "STRICT", "8080: {mode: PERMISSIVE}, 9090: {mode: UNSET}")},
			mode: "STRICT", ports: []PortMTLS{{8080, "PERMISSIVE"}, {9090, "STRICT"}}, applied: []string{"web.shop workload STRICT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cluster(t, append([]string{podYAML}, tt.pas...)...)
			d := New(c, Options{})
			got := d.peerAuthentication(testPod(t, c), "istio-system")
			assert.Equal(t, tt.mode, got.Mode)
			assert.Equal(t, tt.ports, got.PortModes)
			applied := []string{}
			for _, a := range got.Applied {
				applied = append(applied, a.Name+"."+a.Namespace+" "+a.Level+" "+a.Mode)
			}
			assert.Equal(t, tt.applied, applied)
			assert.Equal(t, tt.mode, got.modeFor(1), "a port without its own mode")
		})
	}
}

func dr(name, ns, host, extra string) string {
	return "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: {name: " + name + ", namespace: " + ns + "}\nspec:\n  host: \"" + host + "\"\n" + extra
}

func TestDestinationRulePrecedence(t *testing.T) {
	svc := "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http-web}]}"
	tests := []struct {
		name      string
		drs       []string
		effective string
		notes     map[string]string
	}{
		{name: "client namespace before root", drs: []string{dr("root", "istio-system", "web.shop.svc.cluster.local", ""), dr("local", "shop", "web", "")}, effective: "local"},
		{name: "exact before wildcard", drs: []string{dr("wild", "shop", "*.shop.svc.cluster.local", ""), dr("exact", "shop", "web", "")}, effective: "exact"},
		{name: "root namespace wildcard", drs: []string{dr("mesh", "istio-system", "*.local", "")}, effective: "mesh"},
		{name: "other namespace applies to its own clients", drs: []string{dr("theirs", "other", "web.shop.svc.cluster.local", "")},
			notes: map[string]string{"theirs": "applies only to clients in namespace other"}},
		{name: "exportTo dot hides it", drs: []string{dr("private", "istio-system", "web.shop.svc.cluster.local", "  exportTo: [\".\"]\n")},
			notes: map[string]string{"private": "not exported to namespace shop (exportTo .)"}},
		{name: "workloadSelector for other workloads", drs: []string{dr("sel", "shop", "web", "  workloadSelector: {matchLabels: {app: api}}\n")},
			notes: map[string]string{"sel": "its workloadSelector does not select this pod"}},
		{name: "wrong host", drs: []string{dr("ratings", "shop", "ratings", "")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cluster(t, append([]string{podYAML, svc}, tt.drs...)...)
			d := New(c, Options{})
			infos, eff := d.destinationRules("web.shop.svc.cluster.local", testPod(t, c), "shop", "istio-system")
			if tt.effective == "" {
				assert.Nil(t, eff)
			} else {
				require.NotNil(t, eff)
				assert.Equal(t, tt.effective, eff.Meta.Name)
				assert.True(t, infos[0].Effective, "the effective rule is listed first")
			}
			for name, note := range tt.notes {
				found := false
				for _, i := range infos {
					if i.Name == name {
						found = true
						assert.Equal(t, note, i.Note)
					}
				}
				assert.True(t, found, name)
			}
		})
	}
}

func TestServicePorts(t *testing.T) {
	c := cluster(t, podYAML, `apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: http-web}
  - {name: admin, port: 9000, targetPort: admin}
  - {port: 8443}`)
	got := servicePorts(&c.Services[0], testPod(t, c))
	require.Len(t, got, 3)
	assert.Equal(t, int32(8080), got[0].PodPort)
	assert.Equal(t, "HTTP", got[0].Protocol)
	assert.Equal(t, `targetPort "admin" matches no container port of pod web-1`, got[1].Error)
	assert.Equal(t, int32(8443), got[2].PodPort, "no targetPort: the port itself")
	assert.Equal(t, "auto-detect", got[2].Protocol)
}

func TestPodInfo(t *testing.T) {
	c := cluster(t, podYAML)
	pi, px := describePodInfo(testPod(t, c))
	assert.True(t, px.Injected)
	assert.Equal(t, "canary", pi.Revision, "revision from the sidecar status annotation")
	assert.Nil(t, px.Ready, "no container status")
	assert.False(t, pi.Ready)

	native := cluster(t, `apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web, istio.io/rev: stable}}
spec:
  initContainers: [{name: istio-proxy, restartPolicy: Always}]
  containers: [{name: web, securityContext: {runAsUser: 1337}}]
status:
  phase: Running
  conditions: [{type: Ready, status: "True"}]
  initContainerStatuses: [{name: istio-proxy, ready: true}]`)
	pi, px = describePodInfo(testPod(t, native))
	assert.True(t, px.Injected, "native sidecar")
	require.NotNil(t, px.Ready)
	assert.True(t, *px.Ready)
	assert.Equal(t, "stable", pi.Revision)
	assert.Contains(t, pi.Warnings, "container web runs as UID 1337, which is reserved for the sidecar proxy")
	assert.Contains(t, pi.Warnings, "no version or app.kubernetes.io/version label: Istio telemetry reports version \"latest\"")
}

func TestIstioConfigRef(t *testing.T) {
	tests := []struct{ path, kind, id string }{
		{"/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/bookinfo", "virtual-service", "bookinfo.default"},
		{"/apis/networking/v1alpha3/namespaces/default/destination-rule/productpage", "destination-rule", "productpage.default"},
		{"/apis/gateway.networking.k8s.io/v1/namespaces/ns/http-route/r", "http-route", "r.ns"},
		{"", "", ""},
		{"garbage", "", ""},
	}
	for _, tt := range tests {
		kind, id := istioConfigRef(tt.path)
		assert.Equal(t, tt.kind, kind, tt.path)
		assert.Equal(t, tt.id, id, tt.path)
	}
}

func TestRBACPolicyID(t *testing.T) {
	assert.Equal(t, "httpbin.default", rbacPolicyID("ns[default]-policy[httpbin]-rule[0]"))
	assert.Equal(t, "ext-authz.default", rbacPolicyID("istio-ext-authz-ns[default]-policy[ext-authz]-rule[3]"))
	assert.Equal(t, "", rbacPolicyID("some-other-policy"))
}

func TestClusterTLS(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"istio mtls by alpn", `{"transport_socket":{"name":"envoy.transport_sockets.tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","common_tls_context":{"alpn_protocols":["istio-peer-exchange","istio"]}}}}`, TLSIstioMutual},
		{"istio mtls by sni", `{"transportSocket":{"name":"tls","typedConfig":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","sni":"outbound_.9080_._.reviews.default.svc.cluster.local"}}}`, TLSIstioMutual},
		{"v2 tls_context with istio certs", `{"tls_context":{"common_tls_context":{"tls_certificates":[{"certificate_chain":{"filename":"/etc/certs/cert-chain.pem"}}]}}}`, TLSIstioMutual},
		{"simple tls", `{"transport_socket":{"name":"envoy.transport_sockets.tls","typed_config":{"@type":"type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext","sni":"api.example.com"}}}`, TLSOriginate},
		{"auto mtls", `{"transport_socket_matches":[{"name":"tlsMode-istio","match":{"tlsMode":"istio"}},{"name":"tlsMode-disabled","match":{}}]}`, TLSAuto},
		{"plaintext", `{"name":"outbound|80||x"}`, TLSPlain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, clusterTLS(jsonscan.New([]byte(tt.json))))
		})
	}
}

func TestOutboundPolicyFromListeners(t *testing.T) {
	dump := func(catchAll string) *proxyView {
		d, err := configdump.Parse([]byte(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","dynamic_listeners":[{"name":"virtualOutbound","active_state":{"listener":{
			"name":"virtualOutbound","address":{"socket_address":{"address":"0.0.0.0","port_value":15001}},
			"filter_chains":[
			 {"name":"virtualOutbound-blackhole","filter_chain_match":{"destination_port":15001},"filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","cluster":"BlackHoleCluster"}}]},
			 {"name":"virtualOutbound-catchall-tcp","filters":[{"name":"envoy.filters.network.tcp_proxy","typed_config":{"@type":"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy","cluster":"` + catchAll + `"}}]}]}}}]}]}`))
		require.NoError(t, err)
		v, err := newProxyView(d)
		require.NoError(t, err)
		return v
	}
	mode, cluster, found := dump("BlackHoleCluster").outboundPolicy()
	assert.True(t, found)
	assert.Equal(t, "REGISTRY_ONLY", mode, "the loop guard on 15001 is not the catch-all")
	assert.Equal(t, "BlackHoleCluster", cluster)
	mode, _, _ = dump("PassthroughCluster").outboundPolicy()
	assert.Equal(t, "ALLOW_ANY", mode)
}

func TestSidecarEgress(t *testing.T) {
	sc := `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: shop}
spec:
  egress:
  - hosts: ["./*", "istio-system/*"]
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}`
	c := cluster(t, podYAML, sc)
	d := New(c, Options{})
	pod := testPod(t, c)
	info := d.sidecarFor(pod, "istio-system")
	require.NotNil(t, info)
	assert.Equal(t, "namespace", info.Scope)
	assert.Equal(t, []string{"./*", "istio-system/*"}, info.EgressHosts)
	assert.True(t, d.egressAllows(pod, "istio-system", "shop", "web.shop.svc.cluster.local"))
	assert.True(t, d.egressAllows(pod, "istio-system", "istio-system", "istiod.istio-system.svc.cluster.local"))
	assert.False(t, d.egressAllows(pod, "istio-system", "other", "api.other.svc.cluster.local"))
	o := d.outbound(d.meshFor(""), info, nil, false, &collector{})
	assert.Equal(t, "REGISTRY_ONLY", o.Mode)
	assert.Equal(t, "Sidecar default.shop", o.DeclaredBy)
}

func TestDumpOfOtherPod(t *testing.T) {
	gc := goldenCase{k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml"}, dumps: map[string]string{pod15: dumpProductpage13}}
	d, proxies := loadCase(t, gc)
	r := d.Pod(findPod(t, d.c, pod15), proxies)
	require.NotEmpty(t, r.Mismatches)
	assert.Equal(t, "DumpOfOtherPod", r.Mismatches[0].Kind)
	assert.Equal(t, "the config dump is from pod productpage-v1-7bbd79f8fd-k6j79.default, not productpage-v1-7d6cfb7dfd-ccspq.default: what the proxy has loaded may not be this pod's",
		r.Mismatches[0].Message)
}

func TestGatewaySelectorsAndProxiesNeeded(t *testing.T) {
	d, _ := loadCase(t, goldenCase{k8s: []string{"bookinfo-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml", "gateway-api.yaml"}})
	sels := d.GatewayPodSelectors()
	var got []string
	for _, s := range sels {
		got = append(got, s.Namespace+"/"+s.String())
	}
	assert.Equal(t, []string{"/istio=ingressgateway", "default/gateway.networking.k8s.io/gateway-name=bookinfo-gateway", "default/istio.io/gateway-name=bookinfo-gateway"}, got)
	assert.Equal(t, []string{pod13, gw13}, d.ProxiesNeeded([]*corev1.Pod{findPod(t, d.c, pod13)}))
}

func TestParseObjects(t *testing.T) {
	t.Run("lists, documents, CRDs and skipped kinds", func(t *testing.T) {
		c, warnings, err := ParseObjects([]byte(`apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: x}}
- {apiVersion: apps/v1, kind: Deployment, metadata: {name: d, namespace: x}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: virtualservices.networking.istio.io}
spec: {group: networking.istio.io, names: {plural: virtualservices, kind: VirtualService}}
---
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "namespace": "x"}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: x}
`))
		require.NoError(t, err)
		assert.Len(t, c.Pods, 1)
		assert.Len(t, c.Services, 1)
		assert.Len(t, c.Objects, 1)
		assert.Equal(t, []string{"skipped objects describe does not read: 1 Deployment.apps"}, warnings)
		assert.Equal(t, CRDInstalled, c.CRDs["virtualservices.networking.istio.io"])
		assert.Equal(t, CRDNotInstalled, c.CRDs["destinationrules.networking.istio.io"], "the file lists the group's CRDs, and this one is not among them")
		assert.Equal(t, CRDInstalled, c.CRDs["httproutes.gateway.networking.k8s.io"], "it has objects")
		_, known := c.CRDs["peerauthentications.security.istio.io"]
		assert.False(t, known, "nothing says")
	})
	t.Run("bad objects are left out with a warning", func(t *testing.T) {
		c, warnings, err := ParseObjects([]byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}, "spec": {"containers": "not a list"}}`))
		require.NoError(t, err)
		assert.Empty(t, c.Pods)
		assert.Equal(t, []string{"Pod x/a cannot be read, so it is left out: field spec.containers should be []v1.Container, not string"}, warnings)
	})
	t.Run("a bad Istio object is left out by New", func(t *testing.T) {
		c := cluster(t, "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: v, namespace: x}\nspec: {hosts: 3}")
		d := New(c, Options{})
		assert.Empty(t, d.objs.virtualServices)
		assert.Equal(t, []string{`VirtualService v in namespace "x" cannot be read, so it is left out: field spec.hosts should be []string, not number`}, d.Warnings())
	})
	t.Run("not YAML", func(t *testing.T) {
		_, _, err := ParseObjects([]byte("apiVersion: v1\nkind: [unclosed"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), "document 1 is not valid YAML or JSON")
	})
	t.Run("empty", func(t *testing.T) {
		_, _, err := ParseObjects([]byte("\n"))
		require.EqualError(t, err, "no Kubernetes objects in it")
	})
}

func FuzzParseObjects(f *testing.F) {
	f.Add([]byte(podYAML))
	f.Add([]byte("apiVersion: v1\nkind: List\nitems: [{apiVersion: networking.istio.io/v1, kind: VirtualService, metadata: {name: v}, spec: {http: [{route: [{destination: {host: x}}]}]}}]"))
	f.Add([]byte(`{"kind":"List","items":[1,"x",null]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, _, err := ParseObjects(data)
		if err != nil {
			return
		}
		d := New(c, Options{})
		for i := range c.Pods {
			r := d.Pod(&c.Pods[i], nil)
			var b strings.Builder
			_ = WritePodText(&b, r, TextOptions{})
		}
		for i := range c.Services {
			_ = d.Service(&c.Services[i], nil)
		}
	})
}

// TestWildcardVirtualServiceNotExpected: a VirtualService for *.default.svc.cluster.local gets a
// virtual host of its own, so the Service's own routes not coming from it is no mismatch; one for
// the exact host is.
func TestWildcardVirtualServiceNotExpected(t *testing.T) {
	vs := func(host string) string {
		return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: all, namespace: default}\nspec:\n  hosts: [\"" + host + "\"]\n  http: [{route: [{destination: {host: productpage}}]}]"
	}
	for host, want := range map[string]bool{"*.default.svc.cluster.local": false, "productpage.default.svc.cluster.local": true} {
		gc := goldenCase{k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml"}, dumps: map[string]string{pod15: dumpProductpage15}}
		d, proxies := loadCase(t, gc)
		extra := cluster(t, vs(host))
		d.c.Merge(extra)
		d = New(d.c, d.o)
		r := d.Pod(findPod(t, d.c, pod15), proxies)
		got := false
		for _, m := range r.Mismatches {
			if m.Kind == "VirtualServiceNotLoaded" {
				got = true
			}
		}
		assert.Equal(t, want, got, host)
	}
}
