package describe

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/testutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Real dumps (top-level testdata, with PROVENANCE files).
const (
	dumpsDir          = "../../testdata/dumps/"
	dumpProductpage13 = dumpsDir + "istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json"
	dumpProductpage19 = dumpsDir + "istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2019-09-13.json"
	dumpGateway13     = dumpsDir + "istio-history/istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj@2020-04-20.json"
	dumpProductpage15 = dumpsDir + "bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json"
	dumpGateway15     = dumpsDir + "bookinfo-1.5/ingressgateway_config_dump@istio1.5.4.json"
	dumpAuthz         = dumpsDir + "istio/authz__configdump.json"
	dumpHTTPFragment  = dumpsDir + "istio/describe__describe__http_config.json"
)

// Pods of the real dumps.
const (
	pod13   = "productpage-v1-7bbd79f8fd-k6j79.default"
	gw13    = "istio-ingressgateway-5bf6c9887-vvvmj.istio-system"
	pod15   = "productpage-v1-7d6cfb7dfd-ccspq.default"
	gw15    = "istio-ingressgateway-568476969c-v7xw7.istio-system"
	podAuth = "httpbin-85d76b4bb6-dz6b5.default"
)

type goldenCase struct {
	name    string
	k8s     []string          // files under testdata/k8s
	dumps   map[string]string // pod name.namespace -> dump
	pod     string            // name.namespace, or
	service string            // name.namespace
	crds    map[string]CRDState
}

var goldenCases = []goldenCase{
	{name: "plain-service", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15},
	{name: "mtls-strict-namespace", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-namespace-strict.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15},
	{name: "mtls-permissive", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13}, pod: pod13},
	{name: "mtls-port-level", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "peerauthentication-port-level.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13}, pod: pod13},
	{name: "mtls-not-loaded", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "peerauthentication-port-level.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15},
	{name: "tls-conflict", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "destinationrule-tls-disable.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15},
	{name: "subsets-weights", k8s: []string{"bookinfo-1.3.yaml", "subsets-weights.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13}, pod: pod13},
	{name: "ingress-lb", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13, gw13: dumpGateway13}, pod: pod13},
	{name: "ingress-no-lb", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15, gw15: dumpGateway15}, pod: pod15},
	{name: "ingress-gateway-fragment", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15, gw15: dumpHTTPFragment}, pod: pod15},
	{name: "gateway-api", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-api.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15},
	{name: "missing-destinationrule", k8s: []string{"bookinfo-1.3.yaml", "virtualservice-subset-v1.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13}, pod: pod13},
	{name: "missing-gateway", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "missing-gateways.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15, gw15: dumpGateway15}, pod: pod15},
	{name: "no-gateway", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15, crds: map[string]CRDState{
			"gateways.gateway.networking.k8s.io": CRDNotInstalled, "httproutes.gateway.networking.k8s.io": CRDNotInstalled,
			"grpcroutes.gateway.networking.k8s.io": CRDNotInstalled}},
	{name: "registry-only", k8s: []string{"bookinfo-1.5.yaml", "mesh-registry-only.yaml", "peerauthentication-mesh-strict.yaml"},
		dumps: map[string]string{pod15: dumpProductpage15}, pod: pod15},
	{name: "no-proxy", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "details-no-sidecar.yaml", "destinationrules-1.3.yaml"}, pod: "details-v1-6fc55d65c9-k7b2x.default"},
	{name: "not-ready", k8s: []string{"bookinfo-1.3-not-ready.yaml", "destinationrules-1.3.yaml"},
		dumps: map[string]string{pod13: dumpProductpage19}, pod: pod13},
	{name: "crds-absent", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "details-no-sidecar.yaml"}, pod: "details-v1-6fc55d65c9-k7b2x.default",
		crds: allCRDs(CRDNotInstalled)},
	{name: "authorization", k8s: []string{"httpbin.yaml"}, dumps: map[string]string{podAuth: dumpAuthz}, pod: podAuth},
	{name: "gateway-pod", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml"},
		dumps: map[string]string{gw15: dumpGateway15}, pod: gw15},
	{name: "service-two-pods", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "productpage-v2-pending.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13}, service: "productpage.default"},
	// istioctl's "vs route to multiple hosts": a VirtualService bound to a gateway only, with weights
	{name: "gateway-weights", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "virtualservice-gateway-weights.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13, gw13: dumpHTTPFragment}, pod: pod13},
	// a Gateway whose selector matches the pods of two gateways, each behind its own Service
	{name: "ingress-two-services", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml", "ingress-second-gateway.yaml"},
		dumps: map[string]string{pod13: dumpProductpage13, gw13: dumpGateway13, "ingress.default": dumpHTTPFragment}, pod: pod13},
}

func allCRDs(st CRDState) map[string]CRDState {
	m := map[string]CRDState{}
	for _, rt := range ResourceTypes {
		m[rt.Key()] = st
	}
	return m
}

// loadCase reads a case's objects and dumps the way the command does offline.
func loadCase(t *testing.T, gc goldenCase) (*Describer, map[string]*Proxy) {
	t.Helper()
	c := &Cluster{CRDs: map[string]CRDState{}}
	for _, f := range gc.k8s {
		data, err := os.ReadFile(filepath.Join("testdata", "k8s", f))
		require.NoError(t, err)
		part, warnings, err := ParseObjects(data)
		require.NoError(t, err, f)
		require.Empty(t, warnings, f)
		c.Merge(part)
	}
	for k, v := range gc.crds {
		c.CRDs[k] = v
	}
	proxies := map[string]*Proxy{}
	for id, path := range gc.dumps {
		data, err := os.ReadFile(path)
		require.NoError(t, err)
		d, err := configdump.Parse(data)
		require.NoError(t, err)
		proxies[id] = &Proxy{Dump: d, Source: "file " + strconv.Quote(filepath.Base(path))}
	}
	d := New(c, Options{Namespace: "default", AdminPort: func(p *corev1.Pod) (int, string) { return 15000, "default" }})
	return d, proxies
}

func findPod(t *testing.T, c *Cluster, id string) *corev1.Pod {
	t.Helper()
	name, ns, _ := strings.Cut(id, ".")
	for i := range c.Pods {
		if c.Pods[i].Name == name && c.Pods[i].Namespace == ns {
			return &c.Pods[i]
		}
	}
	t.Fatalf("no pod %s in the case's objects", id)
	return nil
}

func findService(t *testing.T, c *Cluster, id string) *corev1.Service {
	t.Helper()
	name, ns, _ := strings.Cut(id, ".")
	for i := range c.Services {
		if c.Services[i].Name == name && c.Services[i].Namespace == ns {
			return &c.Services[i]
		}
	}
	t.Fatalf("no service %s in the case's objects", id)
	return nil
}

// missingProxies gives every pod without a dump the error the command gives offline.
func missingProxies(d *Describer, pods []*corev1.Pod, proxies map[string]*Proxy) {
	for _, id := range d.ProxiesNeeded(pods) {
		if _, ok := proxies[id]; !ok {
			proxies[id] = &Proxy{Err: errors.New("no config dump given for it (--file " + id + "=<dump>)")}
		}
	}
}

func TestGolden(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			d, proxies := loadCase(t, gc)
			var text, js bytes.Buffer
			var v any
			if gc.pod != "" {
				pod := findPod(t, d.c, gc.pod)
				missingProxies(d, []*corev1.Pod{pod}, proxies)
				r := d.Pod(pod, proxies)
				require.NoError(t, WritePodText(&text, r, TextOptions{Namespace: "default"}))
				v = r
			} else {
				svc := findService(t, d.c, gc.service)
				var pods []*corev1.Pod
				for i := range d.c.Pods {
					pods = append(pods, &d.c.Pods[i])
				}
				missingProxies(d, pods, proxies)
				r := d.Service(svc, proxies)
				require.NoError(t, WriteServiceText(&text, r, TextOptions{Namespace: "default"}))
				v = r
			}
			enc := json.NewEncoder(&js)
			enc.SetIndent("", "  ")
			require.NoError(t, enc.Encode(v))
			assertGolden(t, text.Bytes(), "describe/"+gc.name+".text")
			assertGolden(t, js.Bytes(), "describe/"+gc.name+".json")
			assert.Empty(t, d.Warnings())
		})
	}
}

// assertGolden compares got with testdata/<name>.golden (testutil.Golden).
func assertGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

// BenchmarkDescribePod describes the productpage pod of the Istio 1.3 cluster with its gateway,
// from parsed dumps (what the command does after reading them).
func BenchmarkDescribePod(b *testing.B) {
	t := &testing.T{}
	gc := goldenCases[7] // ingress-lb
	if gc.name != "ingress-lb" {
		b.Fatal("case order changed")
	}
	d, proxies := loadCase(t, gc)
	pod := findPod(t, d.c, gc.pod)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		dd := New(d.c, d.o)
		r := dd.Pod(pod, proxies)
		if err := WritePodText(io.Discard, r, TextOptions{Namespace: "default"}); err != nil {
			b.Fatal(err)
		}
	}
}
