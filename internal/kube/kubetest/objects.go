package kubetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/util/retry"
)

// opTimeout bounds one helper's wait (a pod going Running, a CRD being served).
const opTimeout = 30 * time.Second

func ctxFor(t testing.TB) (context.Context, context.CancelFunc) {
	ctx := context.Background()
	if tc, ok := t.(interface{ Context() context.Context }); ok {
		ctx = tc.Context()
	}
	return context.WithTimeout(ctx, opTimeout)
}

// Namespace creates a namespace of the test's own (named after the test, with a random suffix)
// and returns its name. Namespaces are not deleted: no kube-controller-manager runs to finish a
// deletion, and the whole cluster goes away when the tests end.
func (c *Cluster) Namespace(t testing.TB) string {
	t.Helper()
	name := dnsLabel(t.Name(), 40) + "-" + randHex(3)
	ctx, cancel := ctxFor(t)
	defer cancel()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubetest": "true"}}}
	if _, err := c.Client.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create namespace %s: %v", name, err)
	}
	return name
}

// PodOptions shape a test pod. The zero value is a Running, Ready pod with one container named
// istio-proxy that declares port 15090 (http-envoy-prom), as Istio injects it.
type PodOptions struct {
	Labels      map[string]string
	Annotations map[string]string
	// Containers replace the default istio-proxy container.
	Containers []corev1.Container
	// Phase is the phase to reach: "" or Running (bound to the kwok node, which makes it Running
	// and Ready); Pending (never bound: no scheduler runs); Succeeded or Failed (Running first,
	// then its status is set).
	Phase corev1.PodPhase
	// NotReady leaves a Running pod with its Ready condition False.
	NotReady bool
	// Forward, when set, creates the pod's PortForward rule first (port -> address), so
	// port-forwards reach those addresses from the pod's first moment. Other ports of the pod
	// refuse connections, as a real pod's ports where nothing listens.
	Forward map[int]string
}

// CreatePod creates a pod in ns and waits until it reaches the phase o asks for.
func (c *Cluster) CreatePod(t testing.TB, ns, name string, o PodOptions) *corev1.Pod {
	t.Helper()
	ctx, cancel := ctxFor(t)
	defer cancel()
	if len(o.Forward) > 0 {
		c.PortForward(t, ns, name, o.Forward)
	}
	containers := o.Containers
	if len(containers) == 0 {
		containers = []corev1.Container{{
			Name: "istio-proxy", Image: "docker.io/istio/proxyv2:kubetest",
			Ports: []corev1.ContainerPort{{Name: "http-envoy-prom", ContainerPort: 15090}},
		}}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: o.Labels, Annotations: o.Annotations},
		Spec:       corev1.PodSpec{Containers: containers},
	}
	if o.Phase != corev1.PodPending {
		pod.Spec.NodeName = NodeName // no scheduler runs: bind directly
	}
	created, err := c.Client.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("kubetest: create pod %s/%s: %v", ns, name, err)
	}
	if o.Phase == corev1.PodPending {
		return created
	}
	got, err := c.waitPod(ctx, ns, name, func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning && podReady(p) })
	if err != nil {
		t.Fatalf("kubetest: pod %s/%s did not go Running: %v", ns, name, err)
	}
	if len(o.Forward) > 0 {
		if err := c.waitForwardRule(ctx, ns, name); err != nil {
			t.Fatalf("kubetest: %v", err)
		}
	}
	if o.Phase == corev1.PodSucceeded || o.Phase == corev1.PodFailed || o.NotReady {
		got = c.setPodStatus(t, ctx, ns, name, func(p *corev1.Pod) {
			if o.Phase == corev1.PodSucceeded || o.Phase == corev1.PodFailed {
				p.Status.Phase = o.Phase
			}
			for i := range p.Status.Conditions {
				if p.Status.Conditions[i].Type == corev1.PodReady || p.Status.Conditions[i].Type == corev1.ContainersReady {
					p.Status.Conditions[i].Status = corev1.ConditionFalse
				}
			}
			for i := range p.Status.ContainerStatuses {
				p.Status.ContainerStatuses[i].Ready = false
			}
		})
	}
	return got
}

// ProxyPod creates a Running pod with an istio-proxy container whose admin port 15000 is
// forwarded to the emulated Envoy admin API a. Options as for CreatePod (o.Forward is set).
func (c *Cluster) ProxyPod(t testing.TB, ns, name string, a *EnvoyAdmin, o PodOptions) *corev1.Pod {
	t.Helper()
	if o.Forward == nil {
		o.Forward = map[int]string{15000: a.Addr()}
	}
	return c.CreatePod(t, ns, name, o)
}

func (c *Cluster) setPodStatus(t testing.TB, ctx context.Context, ns, name string, mutate func(*corev1.Pod)) *corev1.Pod {
	t.Helper()
	var out *corev1.Pod
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := c.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		mutate(p)
		out, err = c.Client.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("kubetest: set the status of pod %s/%s: %v", ns, name, err)
	}
	return out
}

func (c *Cluster) waitPod(ctx context.Context, ns, name string, ok func(*corev1.Pod) bool) (*corev1.Pod, error) {
	for {
		p, err := c.Client.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil && ok(p) {
			return p, nil
		}
		select {
		case <-ctx.Done():
			if err == nil {
				err = fmt.Errorf("phase %s", p.Status.Phase)
			}
			return nil, fmt.Errorf("%w (last: %v)", ctx.Err(), err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, cond := range p.Status.Conditions {
		if cond.Type == corev1.PodReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// PortForward creates (or replaces) kwok's PortForward rule for the pod ns/pod: a port-forward
// to one of the pod's ports reaches the address given for it (host:port on this machine); other
// ports refuse connections. If the pod is already Running, it waits until kwok has the rule
// (give a new rule to a new pod: a changed rule cannot be told apart from the old one).
func (c *Cluster) PortForward(t testing.TB, ns, pod string, forwards map[int]string) {
	t.Helper()
	ctx, cancel := ctxFor(t)
	defer cancel()
	rules := []any{
		map[string]any{"ports": []any{int64(probePort)}, "target": map[string]any{"address": closedHost, "port": int64(probeTarget)}},
		map[string]any{"target": map[string]any{"address": closedHost, "port": int64(closedPort)}}, // any other port
	}
	for port, addr := range forwards {
		host, p, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("kubetest: PortForward %s/%s: address %q: %v", ns, pod, addr, err)
		}
		pn, err := strconv.Atoi(p)
		if err != nil {
			t.Fatalf("kubetest: PortForward %s/%s: address %q: %v", ns, pod, addr, err)
		}
		rules = append(rules, map[string]any{
			"ports":  []any{int64(port)},
			"target": map[string]any{"address": host, "port": int64(pn)},
		})
	}
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "kwok.x-k8s.io/v1alpha1", "kind": "PortForward",
		"metadata": map[string]any{"name": pod, "namespace": ns},
		"spec":     map[string]any{"forwards": rules},
	}}
	data, err := obj.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Dynamic.Resource(portForwardGVR).Namespace(ns).Patch(ctx, pod, types.ApplyPatchType, data,
		metav1.PatchOptions{FieldManager: "kubetest", Force: ptr(true)}); err != nil {
		t.Fatalf("kubetest: PortForward %s/%s: %v", ns, pod, err)
	}
	if p, err := c.Client.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{}); err == nil && p.Status.Phase == corev1.PodRunning {
		if err := c.waitForwardRule(ctx, ns, pod); err != nil {
			t.Fatalf("kubetest: %v", err)
		}
	}
}

// ClosedAddr returns a loopback address nothing listens on (port-forwards to it are refused).
func ClosedAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// KubeconfigFor returns the path of a kubeconfig for user ("admin", one of Users, or one handed out
// by NewUser), with context "e2e" and namespace "default".
func (c *Cluster) KubeconfigFor(t testing.TB, user string) string {
	t.Helper()
	if user == "admin" {
		return c.Kubeconfig
	}
	path, err := c.writeKubeconfig(user)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return path
}

// NewUser hands out a user no other test has (user-01 ... user-32) and returns its name and
// kubeconfig. The user may do nothing until granted (Grant, GrantCluster).
func (c *Cluster) NewUser(t testing.TB) (name, kubeconfig string) {
	t.Helper()
	c.userMu.Lock()
	c.nextUser++
	n := c.nextUser
	c.userMu.Unlock()
	if n > userPoolSize {
		t.Fatalf("kubetest: NewUser: all %d pool users are taken; use Users or raise userPoolSize", userPoolSize)
	}
	name = fmt.Sprintf("user-%02d", n)
	return name, c.KubeconfigFor(t, name)
}

// ClientFor returns a clientset acting as user.
func (c *Cluster) ClientFor(t testing.TB, user string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", c.KubeconfigFor(t, user))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// Grant gives user the rules in namespace ns (a Role and a RoleBinding named after the user).
// Granting again adds a new Role.
func (c *Cluster) Grant(t testing.TB, user, ns string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	ctx, cancel := ctxFor(t)
	defer cancel()
	name := "kubetest-" + user + "-" + randHex(3)
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Rules: rules}
	if _, err := c.Client.RbacV1().Roles(ns).Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create Role %s/%s: %v", ns, name, err)
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: name},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: user}},
	}
	if _, err := c.Client.RbacV1().RoleBindings(ns).Create(ctx, rb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create RoleBinding %s/%s: %v", ns, name, err)
	}
	c.waitAllowed(t, ctx, user, ns, rules)
}

// GrantCluster gives user the rules in every namespace (a ClusterRole and ClusterRoleBinding),
// removed when the test ends. Use it with a user from NewUser, so parallel tests do not mix.
func (c *Cluster) GrantCluster(t testing.TB, user string, rules ...rbacv1.PolicyRule) {
	t.Helper()
	ctx, cancel := ctxFor(t)
	defer cancel()
	name := "kubetest-" + user + "-" + randHex(3)
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: name}, Rules: rules}
	if _, err := c.Client.RbacV1().ClusterRoles().Create(ctx, cr, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create ClusterRole %s: %v", name, err)
	}
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: name},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: user}},
	}
	if _, err := c.Client.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil {
		t.Fatalf("kubetest: create ClusterRoleBinding %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
		defer cancel()
		_ = c.Client.RbacV1().ClusterRoleBindings().Delete(ctx, name, metav1.DeleteOptions{})
		_ = c.Client.RbacV1().ClusterRoles().Delete(ctx, name, metav1.DeleteOptions{})
	})
	c.waitAllowed(t, ctx, user, "", rules)
}

// waitAllowed waits until the authorizer's cache has the new rules (RBAC is read from an
// informer, so a grant takes effect a moment after it is written).
func (c *Cluster) waitAllowed(t testing.TB, ctx context.Context, user, ns string, rules []rbacv1.PolicyRule) {
	t.Helper()
	if len(rules) == 0 || len(rules[0].Verbs) == 0 || len(rules[0].Resources) == 0 {
		return
	}
	r := rules[0]
	group := ""
	if len(r.APIGroups) > 0 && r.APIGroups[0] != "*" {
		group = r.APIGroups[0]
	}
	res, sub, _ := strings.Cut(r.Resources[0], "/")
	ok := func() bool {
		return c.Can(ctx, user, r.Verbs[0], group, res, sub, ns)
	}
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("kubetest: the grant to %s did not take effect", user)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Can asks the API server whether user may do verb on resource (and subresource) in ns
// (a SubjectAccessReview, as `kubectl auth can-i --as`).
func (c *Cluster) Can(ctx context.Context, user, verb, group, resource, subresource, ns string) bool {
	body := fmt.Sprintf(`{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{"user":%q,"resourceAttributes":{"verb":%q,"group":%q,"resource":%q,"subresource":%q,"namespace":%q}}}`,
		user, verb, group, resource, subresource, ns)
	var out struct {
		Status struct {
			Allowed bool `json:"allowed"`
		} `json:"status"`
	}
	raw, err := c.Client.Discovery().RESTClient().Post().AbsPath("/apis/authorization.k8s.io/v1/subjectaccessreviews").
		SetHeader("Content-Type", "application/json").Body([]byte(body)).DoRaw(ctx)
	if err != nil {
		return false
	}
	return json.Unmarshal(raw, &out) == nil && out.Status.Allowed
}

// Apply creates or updates the objects in a YAML (or JSON) stream of documents (server-side
// apply, field manager "kubetest") and returns them as the server stored them. Namespaced objects
// without a namespace go to ns. CRDs in the stream are waited for until they are served, so
// objects of their kinds may follow in the same stream.
func (c *Cluster) Apply(t testing.TB, ns, manifest string) []*unstructured.Unstructured {
	t.Helper()
	ctx, cancel := ctxFor(t)
	defer cancel()
	out, err := c.apply(ctx, ns, manifest)
	if err != nil {
		t.Fatalf("kubetest: apply: %v", err)
	}
	return out
}

// ApplyFile is Apply with the manifest read from path.
func (c *Cluster) ApplyFile(t testing.TB, ns, path string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("kubetest: %v", err)
	}
	return c.Apply(t, ns, string(data))
}

// InstallCRDs applies CustomResourceDefinitions (a YAML stream; other objects are applied too)
// and waits until each is Established and its kinds can be applied.
func (c *Cluster) InstallCRDs(t testing.TB, manifest string) {
	t.Helper()
	c.Apply(t, "", manifest)
}

func (c *Cluster) apply(ctx context.Context, ns, manifest string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(strings.NewReader(manifest), 4096)
	var out []*unstructured.Unstructured
	for {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return out, err
		}
		raw.Raw = bytes.TrimSpace(raw.Raw)
		if len(raw.Raw) == 0 || string(raw.Raw) == "null" {
			continue
		}
		obj := &unstructured.Unstructured{}
		if err := obj.UnmarshalJSON(raw.Raw); err != nil {
			return out, err
		}
		got, err := c.applyOne(ctx, ns, obj)
		if err != nil {
			return out, fmt.Errorf("%s %s: %w", obj.GetKind(), obj.GetName(), err)
		}
		out = append(out, got)
		if got.GetKind() == "CustomResourceDefinition" {
			if err := c.waitCRD(ctx, got.GetName()); err != nil {
				return out, err
			}
		}
	}
}

func (c *Cluster) applyOne(ctx context.Context, ns string, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvk := obj.GroupVersionKind()
	c.mapperMu.Lock()
	m, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil && meta.IsNoMatchError(err) {
		c.mapper.Reset()
		m, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	c.mapperMu.Unlock()
	if err != nil {
		return nil, err
	}
	data, err := obj.MarshalJSON()
	if err != nil {
		return nil, err
	}
	ri := c.Dynamic.Resource(m.Resource)
	opts := metav1.PatchOptions{FieldManager: "kubetest", Force: ptr(true)}
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		if obj.GetNamespace() == "" {
			obj.SetNamespace(ns)
			if data, err = obj.MarshalJSON(); err != nil {
				return nil, err
			}
		}
		if obj.GetNamespace() == "" {
			return nil, errors.New("namespaced object with no namespace")
		}
		return ri.Namespace(obj.GetNamespace()).Patch(ctx, obj.GetName(), types.ApplyPatchType, data, opts)
	}
	return ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, opts)
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// waitCRD waits until the CRD is Established, then refreshes the REST mapping.
func (c *Cluster) waitCRD(ctx context.Context, name string) error {
	for {
		u, err := c.Dynamic.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, cond := range conds {
				m, _ := cond.(map[string]any)
				if m["type"] == "Established" && m["status"] == "True" {
					c.mapperMu.Lock()
					c.mapper.Reset()
					c.mapperMu.Unlock()
					return nil
				}
			}
		} else if !apierrors.IsNotFound(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CRD %s not Established: %w", name, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// dnsLabel turns s into a lowercase DNS label of at most n characters.
func dnsLabel(s string, n int) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= n {
			break
		}
	}
	out := strings.Trim(b.String(), "-")
	if out == "" {
		out = "test"
	}
	return out
}

func randHex(n int) string {
	buf := make([]byte, n)
	_, _ = rand.Read(buf)
	return hex.EncodeToString(buf)
}

func ptr[T any](v T) *T { return &v }
