package describe_test

// End-to-end tests: xdsctl describe runs in-process (root.Run, as main does) against a real
// kube-apiserver (kubetest) with Istio and Gateway API CRDs installed (trimmed copies in
// testdata/crds), where the objects of each case are applied as a user would apply them, and
// reaches each proxy's admin API through a real client-go port-forward, the API server and kwok,
// to kubetest's EMULATED Envoy admin API serving the case's real dump. The text printed live must
// be the one pkg/describe's golden file has for the same objects and dumps offline.
//
// Each case gets namespaces of its own; "default" and "istio-system" in the objects and the dumps
// are renamed to them (and back in the output), and gateway selectors get a per-case suffix, so
// cases on the shared cluster do not see each other's gateways.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const (
	e2eK8s    = "../../../pkg/describe/testdata/k8s/"
	e2eGolden = "../../../pkg/describe/testdata/describe/"
	e2eDumps  = "../../../testdata/dumps/"
	crdIstio  = "testdata/crds/istio.yaml"
	crdGWAPI  = "testdata/crds/gateway-api.yaml"
)

var (
	dumpPP13  = e2eDumps + "istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2020-04-15.json"
	dumpPP19  = e2eDumps + "istio-history/istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79@2019-09-13.json"
	dumpGW13  = e2eDumps + "istio-history/istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj@2020-04-20.json"
	dumpPP15  = e2eDumps + "bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json"
	dumpGW15  = e2eDumps + "bookinfo-1.5/ingressgateway_config_dump@istio1.5.4.json"
	dumpAuthz = e2eDumps + "istio/authz__configdump.json"
)

const (
	pp13  = "productpage-v1-7bbd79f8fd-k6j79"
	gw13  = "istio-ingressgateway-5bf6c9887-vvvmj"
	pp15  = "productpage-v1-7d6cfb7dfd-ccspq"
	gw15  = "istio-ingressgateway-568476969c-v7xw7"
	httpb = "httpbin-85d76b4bb6-dz6b5"
)

// e2eCase is one of pkg/describe's golden cases, live.
type e2eCase struct {
	name    string   // the golden's name
	k8s     []string // object files
	dumps   map[string]string
	pod     string // described pod (in "default"), or
	service string // described Service
	// keepNodePorts keeps the Services' nodePorts (other cases drop them: they are cluster-wide).
	keepNodePorts bool
	// lines are lines the live output must have: those istioctl x describe prints for the case, and
	// xdsctl's binding line (checked before the whole golden, to name the fact that is missing).
	lines []string
}

var e2eCases = []e2eCase{
	{name: "plain-service", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml"},
		dumps: map[string]string{pp15: dumpPP15}, pod: pp15},
	{name: "mtls-strict-namespace", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-namespace-strict.yaml"},
		dumps: map[string]string{pp15: dumpPP15}, pod: pp15},
	{name: "mtls-permissive", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml"}, dumps: map[string]string{pp13: dumpPP13}, pod: pp13},
	{name: "mtls-port-level", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "peerauthentication-port-level.yaml"},
		dumps: map[string]string{pp13: dumpPP13}, pod: pp13},
	{name: "mtls-not-loaded", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "peerauthentication-port-level.yaml"},
		dumps: map[string]string{pp15: dumpPP15}, pod: pp15},
	{name: "tls-conflict", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "destinationrule-tls-disable.yaml"},
		dumps: map[string]string{pp15: dumpPP15}, pod: pp15},
	{name: "subsets-weights", k8s: []string{"bookinfo-1.3.yaml", "subsets-weights.yaml"}, dumps: map[string]string{pp13: dumpPP13}, pod: pp13},
	{name: "ingress-lb", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml"},
		dumps: map[string]string{pp13: dumpPP13, gw13: dumpGW13}, pod: pp13,
		lines: []string{"Exposed on Ingress Gateway http://169.45.67.90", "VirtualService: bookinfo", "   Match: /productpage", "   Match: /static*",
			"   Match: /api/v1/products*"}},
	{name: "ingress-no-lb", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml"},
		dumps: map[string]string{pp15: dumpPP15, gw15: dumpGW15}, pod: pp15, keepNodePorts: true},
	{name: "ingress-gateway-fragment", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml"},
		dumps: map[string]string{pp15: dumpPP15, gw15: e2eDumps + "istio/describe__describe__http_config.json"}, pod: pp15, keepNodePorts: true},
	{name: "gateway-api", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-api.yaml"},
		dumps: map[string]string{pp15: dumpPP15}, pod: pp15},
	{name: "missing-destinationrule", k8s: []string{"bookinfo-1.3.yaml", "virtualservice-subset-v1.yaml"}, dumps: map[string]string{pp13: dumpPP13}, pod: pp13},
	{name: "missing-gateway", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml", "gateway-1.5-pending.yaml", "missing-gateways.yaml"},
		dumps: map[string]string{pp15: dumpPP15, gw15: dumpGW15}, pod: pp15},
	{name: "registry-only", k8s: []string{"bookinfo-1.5.yaml", "mesh-registry-only.yaml", "peerauthentication-mesh-strict.yaml"},
		dumps: map[string]string{pp15: dumpPP15}, pod: pp15},
	{name: "no-proxy", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "details-no-sidecar.yaml", "destinationrules-1.3.yaml"}, pod: "details-v1-6fc55d65c9-k7b2x"},
	{name: "not-ready", k8s: []string{"bookinfo-1.3-not-ready.yaml", "destinationrules-1.3.yaml"}, dumps: map[string]string{pp13: dumpPP19}, pod: pp13},
	{name: "authorization", k8s: []string{"httpbin.yaml"}, dumps: map[string]string{httpb: dumpAuthz}, pod: httpb},
	{name: "gateway-pod", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "gateway-1.5-pending.yaml", "bookinfo-gateway-nosubset.yaml"},
		dumps: map[string]string{gw15: dumpGW15}, pod: gw15 + ".istio-system"},
	{name: "service-two-pods", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "productpage-v2-pending.yaml"},
		dumps: map[string]string{pp13: dumpPP13}, service: "productpage"},
	{name: "gateway-weights", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "virtualservice-gateway-weights.yaml"},
		dumps: map[string]string{pp13: dumpPP13, gw13: e2eDumps + "istio/describe__describe__http_config.json"}, pod: pp13,
		lines: []string{"VirtualService: bookinfo", "   Bound to Gateway default/fake-gw only: traffic from other pods does not use it",
			`   Route to host "productpage" with weight 30%`, `   Route to host "productpage2" with weight 20%`,
			`   Route to host "productpage3" with weight 50%`, "   Match: /prefix*", "Exposed on Ingress Gateway http://169.45.67.90"}},
	{name: "ingress-two-services", k8s: []string{"bookinfo-1.3.yaml", "destinationrules-1.3.yaml", "gateway-1.3-lb.yaml", "bookinfo-gateway.yaml", "ingress-second-gateway.yaml"},
		dumps: map[string]string{pp13: dumpPP13, gw13: dumpGW13, "ingress": e2eDumps + "istio/describe__describe__http_config.json"}, pod: pp13,
		lines: []string{"Exposed on Ingress Gateway http://169.45.67.90", "Exposed on Ingress Gateway http://2.2.2.2",
			"   Gateway Service: ingress.default, pods: ingress.default", "   Match: /productpage"}},
}

// TestE2E runs every case on the shared cluster, with the Istio and Gateway API CRDs installed.
func TestE2E(t *testing.T) {
	c := kubetest.Shared(t)
	installCRDs(t, c, crdIstio, crdGWAPI)
	for _, tc := range e2eCases {
		t.Run(tc.name, func(t *testing.T) {
			ns, istioNS := c.Namespace(t), c.Namespace(t)
			env := newEnv(t, c, ns, istioNS)
			for _, f := range tc.k8s {
				env.applyFile(f, tc)
			}
			r := env.describe(tc)
			if r.code != 0 || r.stderr != "" {
				t.Fatalf("xdsctl describe: %s", r)
			}
			want, err := os.ReadFile(e2eGolden + tc.name + ".text.golden")
			if err != nil {
				t.Fatal(err)
			}
			got := env.normalise(r.stdout)
			for _, l := range tc.lines {
				if !hasLine(got, l) {
					t.Errorf("live output has no line %q", l)
				}
			}
			if got != normaliseSource(string(want)) {
				t.Fatalf("live output differs from the offline golden %s.text.golden\n--- live (normalised)\n%s--- golden\n%s", tc.name, got, want)
			}
		})
	}
}

// TestE2ELinesInGoldens checks, without a cluster, that the lines each case expects live are in
// its offline golden (so a live failure on them is a live difference, not a stale list).
func TestE2ELinesInGoldens(t *testing.T) {
	for _, tc := range e2eCases {
		if len(tc.lines) == 0 {
			continue
		}
		want, err := os.ReadFile(e2eGolden + tc.name + ".text.golden")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range tc.lines {
			if !hasLine(string(want), l) {
				t.Errorf("%s.text.golden has no line %q", tc.name, l)
			}
		}
	}
}

// TestE2EWithoutCRDs runs on a cluster of its own: first without any Istio or Gateway API CRD
// (the command works and says so), then with the Istio CRDs only (no Gateway API: not exposed,
// no error).
func TestE2EWithoutCRDs(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test skipped in -short mode")
	}
	bins, err := kubetest.FindBinaries()
	if err != nil {
		if errors.Is(err, kubetest.ErrNoBinaries) && os.Getenv(kubetest.EnvE2E) != "1" {
			t.Skipf("kubetest: %v", err)
		}
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	c, err := kubetest.Start(ctx, bins)
	cancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)

	t.Run("crds-absent", func(t *testing.T) {
		ns, istioNS := c.Namespace(t), c.Namespace(t)
		env := newEnv(t, c, ns, istioNS)
		tc := e2eCase{name: "crds-absent", k8s: []string{"bookinfo-1.5.yaml", "details-no-sidecar.yaml"}, pod: "details-v1-6fc55d65c9-k7b2x"}
		for _, f := range tc.k8s {
			env.applyFile(f, tc)
		}
		r := env.describe(tc)
		want, err := os.ReadFile(e2eGolden + "crds-absent.text.golden")
		if err != nil {
			t.Fatal(err)
		}
		if r.code != 0 || r.stderr != "" || env.normalise(r.stdout) != string(want) {
			t.Fatalf("want the crds-absent golden\n%s--- golden\n%s", r, want)
		}
		// -o json says which types are missing
		r = env.run("describe", "pod", tc.pod+"."+ns, "-o", "json", "--jq", ".resources")
		if r.code != 0 || !strings.Contains(r.stdout, `"istio": "not installed"`) || !strings.Contains(r.stdout, `"gatewayAPI": "not installed"`) {
			t.Fatalf("resources: %s", r)
		}
	})
	t.Run("no-gateway", func(t *testing.T) {
		installCRDs(t, c, crdIstio)
		ns, istioNS := c.Namespace(t), c.Namespace(t)
		env := newEnv(t, c, ns, istioNS)
		tc := e2eCase{name: "no-gateway", k8s: []string{"bookinfo-1.5.yaml", "mesh-1.5.yaml", "peerauthentication-mesh-strict.yaml"},
			dumps: map[string]string{pp15: dumpPP15}, pod: pp15}
		for _, f := range tc.k8s {
			env.applyFile(f, tc)
		}
		r := env.describe(tc)
		want, err := os.ReadFile(e2eGolden + "no-gateway.text.golden")
		if err != nil {
			t.Fatal(err)
		}
		if r.code != 0 || r.stderr != "" || env.normalise(r.stdout) != normaliseSource(string(want)) {
			t.Fatalf("want the no-gateway golden\n%s--- golden\n%s", r, want)
		}
	})
}

// TestE2EErrors: what a user sees when the target is wrong, live.
func TestE2EErrors(t *testing.T) {
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	env := newEnv(t, c, ns, c.Namespace(t))
	r := env.run("describe", "pod", "nope."+ns)
	if r.code != 1 || r.stdout != "" || r.stderr != fmt.Sprintf("Error: pod \"nope\" not found in namespace %q: not found\nHint: list them with: kubectl get pods -n %s\n", ns, ns) {
		t.Fatalf("unknown pod: %s", r)
	}
	r = env.run("describe", "service", "nope", "-n", ns)
	if r.code != 1 || !strings.Contains(r.stderr, fmt.Sprintf("Error: service \"nope\" not found in namespace %q", ns)) {
		t.Fatalf("unknown service: %s", r)
	}
	r = env.run("describe", "pod")
	if r.code != 2 || !strings.Contains(r.stderr, "Error: give one pod: <name>[.<namespace>]") {
		t.Fatalf("no pod: %s", r)
	}
}

// hasLine tells whether text has line as one of its lines.
func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if l == line {
			return true
		}
	}
	return false
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s--- stderr\n%s", r.code, r.stdout, r.stderr)
}

// env is one case's namespaces on a cluster.
type env struct {
	t           *testing.T
	c           *kubetest.Cluster
	ns, istioNS string
	suffix      string // added to gateway selector labels
}

func newEnv(t *testing.T, c *kubetest.Cluster, ns, istioNS string) *env {
	return &env{t: t, c: c, ns: ns, istioNS: istioNS, suffix: ns[strings.LastIndexByte(ns, '-')+1:]}
}

func (e *env) run(args ...string) result {
	e.t.Helper()
	ios, _, out, errOut := iostreams.Test()
	f := root.NewFactory(ios)
	code := root.Run(context.Background(), f, append(args, "--kubeconfig", e.c.Kubeconfig))
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func (e *env) describe(tc e2eCase) result {
	e.t.Helper()
	args := []string{"describe", "pod", strings.Replace(tc.pod, ".istio-system", "."+e.istioNS, 1)}
	if tc.service != "" {
		args = []string{"describe", "service", tc.service}
	}
	return e.run(append(args, "-n", e.ns, "-i", e.istioNS)...)
}

// rename moves what the case's files and dumps put in "default" and "istio-system" to the case's
// namespaces, and makes gateway selectors the case's own.
func (e *env) rename(s string) string {
	r := strings.NewReplacer(
		"namespace: default", "namespace: "+e.ns,
		"namespace: istio-system", "namespace: "+e.istioNS,
		"rootNamespace: istio-system", "rootNamespace: "+e.istioNS,
		"istio: ingressgateway", "istio: ingressgateway-"+e.suffix,
		".default.svc", "."+e.ns+".svc",
		".istio-system.svc", "."+e.istioNS+".svc",
		"/namespaces/default/", "/namespaces/"+e.ns+"/",
		"/namespaces/istio-system/", "/namespaces/"+e.istioNS+"/",
		`"NAMESPACE": "default"`, `"NAMESPACE": "`+e.ns+`"`,
		`"NAMESPACE": "istio-system"`, `"NAMESPACE": "`+e.istioNS+`"`,
		"ns[default]", "ns["+e.ns+"]",
	)
	return r.Replace(s)
}

// normalise maps the case's namespaces back and the config source line to a placeholder.
func (e *env) normalise(out string) string {
	out = strings.NewReplacer(e.istioNS, "istio-system", e.ns, "default", "ingressgateway-"+e.suffix, "ingressgateway").Replace(out)
	return normaliseSource(out)
}

var sourceLine = regexp.MustCompile(`(?m)^   Proxy config: (file "[^"]*"|live|not available from live: .*|no config dump given for it .*)( \(dump of [^)]*\))?$`)

// normaliseSource replaces where the proxy config came from (a file offline, live here; a pod
// that cannot be read says why), keeping whose dump it is.
func normaliseSource(s string) string {
	return sourceLine.ReplaceAllStringFunc(s, func(line string) string {
		m := sourceLine.FindStringSubmatch(line)
		if strings.HasPrefix(m[1], "not available") || strings.HasPrefix(m[1], "no config dump") {
			return "   Proxy config: <not read>"
		}
		return "   Proxy config: <source>" + m[2]
	})
}

// applyFile applies a case's object file as a user would: Services, ConfigMaps and custom
// resources with kubectl apply (server-side), their status as the controllers would set it, and
// pods through the harness (kwok plays their kubelet), each proxy's admin port forwarded to an
// emulated Envoy admin API serving its real dump.
func (e *env) applyFile(file string, tc e2eCase) {
	t := e.t
	t.Helper()
	data, err := os.ReadFile(filepath.Join(e2eK8s, file))
	if err != nil {
		t.Fatal(err)
	}
	docs := decodeDocs(t, []byte(e.rename(string(data))))
	var manifest []string
	type statusUpdate struct {
		obj    *unstructured.Unstructured
		status any
	}
	var statuses []statusUpdate
	for _, obj := range docs {
		u := &unstructured.Unstructured{Object: obj}
		switch u.GetKind() {
		case "Pod":
			e.createPod(u, tc)
			continue
		case "Service":
			unstructured.RemoveNestedField(obj, "spec", "clusterIP")
			unstructured.RemoveNestedField(obj, "spec", "clusterIPs")
			ports, _, _ := unstructured.NestedSlice(obj, "spec", "ports")
			for _, p := range ports {
				if m, ok := p.(map[string]any); ok && !tc.keepNodePorts {
					delete(m, "nodePort")
				}
			}
			_ = unstructured.SetNestedSlice(obj, ports, "spec", "ports")
			if typ, _, _ := unstructured.NestedString(obj, "spec", "type"); typ == "LoadBalancer" && !tc.keepNodePorts {
				// no node ports at all: they are cluster-wide, and a random one could take a port a later case names
				_ = unstructured.SetNestedField(obj, false, "spec", "allocateLoadBalancerNodePorts")
			}
			if tc.keepNodePorts {
				name := u.GetName()
				t.Cleanup(func() { // free the node ports for a later run on the same cluster
					_ = e.c.Client.CoreV1().Services(e.istioNS).Delete(context.Background(), name, metav1.DeleteOptions{})
				})
			}
		}
		if st, ok := obj["status"]; ok && u.GetKind() != "ConfigMap" {
			statuses = append(statuses, statusUpdate{obj: u.DeepCopy(), status: st})
			delete(obj, "status")
		}
		raw, err := json.Marshal(obj)
		if err != nil {
			t.Fatal(err)
		}
		manifest = append(manifest, string(raw))
	}
	if len(manifest) > 0 {
		e.c.Apply(t, e.ns, strings.Join(manifest, "\n---\n"))
	}
	for _, s := range statuses {
		e.setStatus(s.obj, s.status)
	}
}

func decodeDocs(t *testing.T, data []byte) []map[string]any {
	t.Helper()
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []map[string]any
	for {
		var doc map[string]any
		if err := dec.Decode(&doc); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatal(err)
		}
		if doc == nil {
			continue
		}
		if doc["kind"] == "List" {
			items, _ := doc["items"].([]any)
			for _, it := range items {
				if m, ok := it.(map[string]any); ok {
					out = append(out, m)
				}
			}
			continue
		}
		out = append(out, doc)
	}
}

// setStatus writes the status a controller would have written (a load balancer's address, a
// Gateway's addresses), when it says anything.
func (e *env) setStatus(u *unstructured.Unstructured, status any) {
	t := e.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch u.GetKind() {
	case "Service":
		ing, _, _ := unstructured.NestedSlice(map[string]any{"s": status}, "s", "loadBalancer", "ingress")
		if len(ing) == 0 {
			return
		}
		svc, err := e.c.Client.CoreV1().Services(u.GetNamespace()).Get(ctx, u.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range ing {
			m, _ := i.(map[string]any)
			ip, _ := m["ip"].(string)
			host, _ := m["hostname"].(string)
			svc.Status.LoadBalancer.Ingress = append(svc.Status.LoadBalancer.Ingress, corev1.LoadBalancerIngress{IP: ip, Hostname: host})
		}
		if _, err := e.c.Client.CoreV1().Services(svc.Namespace).UpdateStatus(ctx, svc, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	default:
		gvk := u.GroupVersionKind()
		if gvk.Group != "gateway.networking.k8s.io" || gvk.Kind != "Gateway" {
			return
		}
		gvr := schema.GroupVersionResource{Group: gvk.Group, Version: gvk.Version, Resource: "gateways"}
		ri := e.c.Dynamic.Resource(gvr).Namespace(u.GetNamespace())
		cur, err := ri.Get(ctx, u.GetName(), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Object["status"] = status
		if _, err := ri.UpdateStatus(ctx, cur, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
}

// createPod creates a pod of a case file: its labels, annotations and containers; a proxy pod's
// admin port forwarded to an emulated admin API serving its dump (renamed like the objects);
// Pending or not ready as the file says.
func (e *env) createPod(u *unstructured.Unstructured, tc e2eCase) {
	t := e.t
	t.Helper()
	var pod corev1.Pod
	if err := runtimeFromUnstructured(u, &pod); err != nil {
		t.Fatal(err)
	}
	o := kubetest.PodOptions{Labels: pod.Labels, Annotations: pod.Annotations, Containers: pod.Spec.Containers}
	if pod.Status.Phase == corev1.PodPending {
		o.Phase = corev1.PodPending
	}
	if dump, ok := tc.dumps[pod.Name]; ok && o.Phase != corev1.PodPending {
		data, err := os.ReadFile(dump)
		if err != nil {
			t.Fatal(err)
		}
		a := kubetest.NewEnvoyAdmin(t, "", kubetest.WithDump([]byte(e.rename(string(data)))))
		e.c.ProxyPod(t, pod.Namespace, pod.Name, a, o)
	} else {
		e.c.CreatePod(t, pod.Namespace, pod.Name, o)
	}
	// not ready as the file says: the Ready condition, and which containers
	notReady := map[string]bool{}
	for _, s := range pod.Status.ContainerStatuses {
		if !s.Ready {
			notReady[s.Name] = true
		}
	}
	readyFalse := false
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionFalse {
			readyFalse = true
		}
	}
	if !readyFalse || o.Phase == corev1.PodPending {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := e.c.Client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady || p.Status.Conditions[i].Type == corev1.ContainersReady {
			p.Status.Conditions[i].Status = corev1.ConditionFalse
		}
	}
	for i := range p.Status.ContainerStatuses {
		if notReady[p.Status.ContainerStatuses[i].Name] {
			p.Status.ContainerStatuses[i].Ready = false
		}
	}
	if _, err := e.c.Client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func runtimeFromUnstructured(u *unstructured.Unstructured, into any) error {
	raw, err := json.Marshal(u.Object)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, into)
}

func installCRDs(t *testing.T, c *kubetest.Cluster, files ...string) {
	t.Helper()
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c.InstallCRDs(t, string(data))
	}
}
