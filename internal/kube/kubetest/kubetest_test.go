package kubetest_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"

	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const dump = "../../../testdata/dumps/istio/proxyconfig__config_dump.json"

func TestPodPhases(t *testing.T) {
	c := kubetest.Shared(t)
	t.Logf("cluster started in %s", c.StartupTime())
	ns := c.Namespace(t)
	cases := []struct {
		name      string
		o         kubetest.PodOptions
		wantPhase corev1.PodPhase
		wantReady bool
	}{
		{"running", kubetest.PodOptions{}, corev1.PodRunning, true},
		{"pending", kubetest.PodOptions{Phase: corev1.PodPending}, corev1.PodPending, false},
		{"failed", kubetest.PodOptions{Phase: corev1.PodFailed}, corev1.PodFailed, false},
		{"succeeded", kubetest.PodOptions{Phase: corev1.PodSucceeded}, corev1.PodSucceeded, false},
		{"notready", kubetest.PodOptions{NotReady: true}, corev1.PodRunning, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c.CreatePod(t, ns, tc.name, tc.o)
			// read back after a moment: kwok must not undo what the harness set
			time.Sleep(200 * time.Millisecond)
			p, err := c.Client.CoreV1().Pods(ns).Get(context.Background(), tc.name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ready := false
			for _, cond := range p.Status.Conditions {
				if cond.Type == corev1.PodReady {
					ready = cond.Status == corev1.ConditionTrue
				}
			}
			if p.Status.Phase != tc.wantPhase || ready != tc.wantReady {
				t.Errorf("phase %s ready %v, want %s ready %v", p.Status.Phase, ready, tc.wantPhase, tc.wantReady)
			}
		})
	}
}

// TestPortForwardToEmulator goes the way xdsctl goes: client-go's SPDY port-forward through the
// API server and kwok to the emulated admin API.
func TestPortForwardToEmulator(t *testing.T) {
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dump)
	c.ProxyPod(t, ns, "sidecar", a, kubetest.PodOptions{})

	u := c.Client.CoreV1().RESTClient().Post().Resource("pods").Namespace(ns).Name("sidecar").SubResource("portforward").URL()
	tr, up, err := spdy.RoundTripperFor(c.Config)
	if err != nil {
		t.Fatal(err)
	}
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	pf, err := portforward.NewOnAddresses(spdy.NewDialer(up, &http.Client{Transport: tr}, http.MethodPost, u),
		[]string{"127.0.0.1"}, []string{"0:15000"}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- pf.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errc:
		t.Fatal(err)
	}
	ports, _ := pf.GetPorts()
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/server_info", ports[0].Local))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"LIVE"`) {
		t.Fatalf("server_info: %s %s", resp.Status, body)
	}
	if got := a.Requests(); len(got) != 1 || got[0].Path != "/server_info" {
		t.Errorf("emulator saw %v", got)
	}
}

func TestUsersAndGrants(t *testing.T) {
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	user, _ := c.NewUser(t)
	ctx := context.Background()
	if c.Can(ctx, user, "list", "", "pods", "", ns) {
		t.Fatalf("%s may list pods before any grant", user)
	}
	c.Grant(t, user, ns, rbacv1.PolicyRule{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}})
	if _, err := c.ClientFor(t, user).CoreV1().Pods(ns).List(ctx, metav1.ListOptions{}); err != nil {
		t.Fatalf("list pods as %s after Grant: %v", user, err)
	}
	if _, err := c.ClientFor(t, user).CoreV1().Pods("default").List(ctx, metav1.ListOptions{}); err == nil {
		t.Fatalf("%s may list pods in another namespace", user)
	}
	if c.Can(ctx, user, "create", "", "pods", "portforward", ns) {
		t.Fatalf("%s may port-forward without a grant", user)
	}
	other, _ := c.NewUser(t)
	if other == user {
		t.Fatalf("NewUser gave %s twice", user)
	}
	c.GrantCluster(t, other, rbacv1.PolicyRule{Verbs: []string{"list"}, APIGroups: []string{""}, Resources: []string{"pods"}})
	if !c.Can(ctx, other, "list", "", "pods", "", "default") {
		t.Fatalf("%s may not list pods after GrantCluster", other)
	}
}

const vsCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: virtualservices.networking.istio.io}
spec:
  group: networking.istio.io
  names: {kind: VirtualService, listKind: VirtualServiceList, plural: virtualservices, singular: virtualservice, shortNames: [vs]}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

func TestApplyCRDsAndObjects(t *testing.T) {
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	c.InstallCRDs(t, vsCRD)
	objs := c.Apply(t, ns, `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews}
spec: {hosts: [reviews], http: [{route: [{destination: {host: reviews}}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: reviews}
spec:
  selector: {app: reviews}
  ports: [{name: http, port: 9080}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: reviews-v1}
spec:
  selector: {matchLabels: {app: reviews}}
  template:
    metadata: {labels: {app: reviews}}
    spec: {containers: [{name: reviews, image: reviews}]}
`)
	if len(objs) != 3 {
		t.Fatalf("applied %d objects, want 3", len(objs))
	}
	vs, err := c.Dynamic.Resource(schema.GroupVersionResource{Group: "networking.istio.io", Version: "v1", Resource: "virtualservices"}).
		Namespace(ns).Get(context.Background(), "reviews", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if vs.GetNamespace() != ns {
		t.Errorf("VirtualService in %q, want %q", vs.GetNamespace(), ns)
	}
	// applying again updates in place
	c.Apply(t, ns, "apiVersion: v1\nkind: Service\nmetadata: {name: reviews, labels: {v: \"2\"}}\nspec: {selector: {app: reviews}, ports: [{name: http, port: 9080}]}\n")
	svc, err := c.Client.CoreV1().Services(ns).Get(context.Background(), "reviews", metav1.GetOptions{})
	if err != nil || svc.Labels["v"] != "2" {
		t.Fatalf("service after re-apply: %v %v", svc.Labels, err)
	}
}

// TestKilledTestBinaryLeavesNothing starts a cluster in a child test binary, kills the child with
// SIGKILL (what a `go test -timeout` panic or a killed run amounts to) and checks that etcd,
// kube-apiserver and kwok die with it.
func TestKilledTestBinaryLeavesNothing(t *testing.T) {
	if os.Getenv("KUBETEST_CHILD") == "1" {
		c := kubetest.Shared(t)
		pids := c.PIDs()
		fmt.Printf("PIDS %v %s\n", strings.Trim(fmt.Sprint(pids), "[]"), c.RunDir)
		select {} // wait to be killed
	}
	kubetest.Shared(t) // skip like every other e2e test when the harness is missing
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledTestBinaryLeavesNothing$", "-test.v")
	cmd.Env = append(os.Environ(), "KUBETEST_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pids []int
	runDir := ""
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "PIDS "); ok {
			for _, f := range strings.Fields(rest) {
				if n, err := strconv.Atoi(f); err == nil {
					pids = append(pids, n)
				} else {
					runDir = f
				}
			}
			break
		}
	}
	if runDir != "" {
		defer os.RemoveAll(runDir)
	}
	if len(pids) != 3 {
		_ = cmd.Process.Kill()
		t.Fatalf("child printed pids %v, want 3", pids)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil && !isZombie(pid) {
			if time.Now().After(deadline) {
				_ = syscall.Kill(pid, syscall.SIGKILL)
				t.Fatalf("process %d outlived the killed test binary", pid)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

// isZombie tells whether pid has exited but not been reaped (its parent is gone; init reaps it).
func isZombie(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}
