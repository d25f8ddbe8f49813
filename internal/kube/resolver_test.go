package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	streamhttp "k8s.io/streaming/pkg/httpstream"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"

	"k8s.io/apimachinery/pkg/util/httpstream"
)

// These unit tests use client-go's fake clientset and a fake port-forward; the e2e tests
// (resolver_e2e_test.go and internal/cmd/proxyconfig) go through a real API server.

type podSpec struct {
	name, ns string
	labels   map[string]string
	phase    corev1.PodPhase
	ready    bool
	age      time.Duration
}

func mkPod(s podSpec) *corev1.Pod {
	if s.phase == "" {
		s.phase = corev1.PodRunning
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: s.ns, Labels: s.labels,
			CreationTimestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(-s.age))},
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "istio-proxy"}}},
		Status: corev1.PodStatus{Phase: s.phase},
	}
	st := corev1.ConditionFalse
	if s.ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	return p
}

// fakeForward serves every pod from one HTTP server that answers with the pod's name, and
// counts the port-forwards opened and stopped.
type fakeForward struct {
	srv            *httptest.Server
	opened, closed atomic.Int32
	err            error
	ports          []int
}

func newFakeForward(t *testing.T) *fakeForward {
	ff := &fakeForward{}
	ff.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.RequestURI(), r.Header.Get("X-Pod"))
	}))
	t.Cleanup(ff.srv.Close)
	return ff
}

func (ff *fakeForward) forward(_ context.Context, pod *corev1.Pod, port int) (*Forward, error) {
	if ff.err != nil {
		return nil, ff.err
	}
	ff.opened.Add(1)
	ff.ports = append(ff.ports, port)
	// route through a tiny proxy that tags the pod, so tests see which pod was read
	name := pod.Name + "." + pod.Namespace
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, ff.srv.URL+r.URL.RequestURI(), nil)
		req.Header.Set("X-Pod", name)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), 502)
			return
		}
		defer resp.Body.Close()
		buf := make([]byte, 1024)
		n, _ := resp.Body.Read(buf)
		_, _ = w.Write(buf[:n])
	}))
	return &Forward{URL: srv.URL, Stop: func() { srv.Close(); ff.closed.Add(1) }}, nil
}

func resolver(t *testing.T, objs ...runtime.Object) (*Resolver, *fakeForward) {
	r := NewResolverForClient(fake.NewSimpleClientset(objs...), nil, "default")
	ff := newFakeForward(t)
	r.Forward = ff.forward
	return r, ff
}

func get(t *testing.T, c admin.Client) string {
	t.Helper()
	b, err := c.Get(context.Background(), "/config_dump")
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func names(ts []admin.Target) string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return strings.Join(out, " ")
}

func TestResolvePod(t *testing.T) {
	r, ff := resolver(t, mkPod(podSpec{name: "a", ns: "default", ready: true}), mkPod(podSpec{name: "b", ns: "other", ready: true}))
	ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{"a"}})
	if err != nil || names(ts) != "a.default" {
		t.Fatalf("%s %v", names(ts), err)
	}
	// one port-forward for every request, stopped on Close
	for i := 0; i < 3; i++ {
		if got := get(t, ts[0].Client); got != "GET /config_dump a.default" {
			t.Fatalf("got %q", got)
		}
	}
	if _, err := ts[0].Client.Post(context.Background(), "/logging"); err != nil {
		t.Fatal(err)
	}
	_ = ts[0].Client.Close()
	if ff.opened.Load() != 1 || ff.closed.Load() != 1 {
		t.Errorf("opened %d, closed %d port-forwards; want 1, 1", ff.opened.Load(), ff.closed.Load())
	}
	if ff.ports[0] != DefaultAdminPort {
		t.Errorf("port %d", ff.ports[0])
	}

	ts, err = r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{"b.other"}, AdminPort: 9901})
	if err != nil || get(t, ts[0].Client) != "GET /config_dump b.other" || ff.ports[1] != 9901 {
		t.Fatalf("%v %v", err, ff.ports)
	}
}

func TestResolveErrors(t *testing.T) {
	r, _ := resolver(t,
		mkPod(podSpec{name: "pending", ns: "default", phase: corev1.PodPending}),
		mkPod(podSpec{name: "ok", ns: "default", ready: true}),
	)
	ctx := context.Background()
	cases := []struct {
		q       cmdutil.TargetQuery
		want    string
		wantIs  error
		isUsage bool
	}{
		{q: cmdutil.TargetQuery{Args: []string{"nope"}}, want: `pod "nope" not found in namespace "default": not found`, wantIs: ErrNotFound},
		{q: cmdutil.TargetQuery{Args: []string{"pending"}}, want: `pod "pending" in namespace "default" is not running (phase Pending): not running`, wantIs: ErrNotRunning},
		{q: cmdutil.TargetQuery{}, want: "give a <pod>[.<namespace>], -l <selector> or --admin <url>", isUsage: true},
		{q: cmdutil.TargetQuery{Args: []string{"ok"}, AdminPort: 70000}, want: "--proxy-admin-port must be between 1 and 65535, got 70000", isUsage: true},
		{q: cmdutil.TargetQuery{Args: []string{"cronjob/x"}}, want: `unknown kind "cronjob"`, isUsage: true},
		{q: cmdutil.TargetQuery{Selector: "app in (", AllNamespaces: true}, want: `invalid selector "app in ("`, isUsage: true},
		{q: cmdutil.TargetQuery{Selector: "app=none"}, want: `no running pods match selector "app=none" in namespace "default": not found`, wantIs: ErrNotFound},
		{q: cmdutil.TargetQuery{AdminURL: "ftp://x"}, want: `invalid admin URL "ftp://x"`, isUsage: true},
	}
	for _, tc := range cases {
		_, err := r.Resolve(ctx, tc.q)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.q, err, tc.want)
			continue
		}
		var fe *cmdutil.FlagError
		if errors.As(err, &fe) != tc.isUsage {
			t.Errorf("%+v: usage error %v, want %v", tc.q, !tc.isUsage, tc.isUsage)
		}
		if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
			t.Errorf("%+v: not errors.Is %v", tc.q, tc.wantIs)
		}
	}
	// with several targets, one that fails does not stop the others
	ts, err := r.Resolve(ctx, cmdutil.TargetQuery{Args: []string{"ok", "nope", "ok.default"}})
	if err != nil || names(ts) != "nope ok.default" {
		t.Fatalf("%q %v (a missing pod is a failing target; a pod named twice is read once)", names(ts), err)
	}
	if got := get(t, ts[0].Client); got != `error: pod "nope" not found in namespace "default": not found` {
		t.Errorf("failing target: %q", got)
	}
}

func TestResolveKinds(t *testing.T) {
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
	labels := map[string]string{"app": "web"}
	objs := []runtime.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: appsv1.DeploymentSpec{Selector: sel}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: appsv1.StatefulSetSpec{Selector: sel}},
		&appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: appsv1.DaemonSetSpec{Selector: sel}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: appsv1.ReplicaSetSpec{Selector: sel}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{Selector: labels}},
		&corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "headless", Namespace: "default"}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "idle", Namespace: "default"}, Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "idle"}}}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "down", Namespace: "default"}, Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "down"}}}},
		mkPod(podSpec{name: "web-old-notready", ns: "default", labels: labels, age: time.Hour}),
		mkPod(podSpec{name: "web-pending", ns: "default", labels: labels, phase: corev1.PodPending, age: 2 * time.Hour}),
		mkPod(podSpec{name: "web-z-ready", ns: "default", labels: labels, ready: true}),
		mkPod(podSpec{name: "down-1", ns: "default", labels: map[string]string{"app": "down"}, phase: corev1.PodFailed}),
	}
	r, _ := resolver(t, objs...)
	for _, target := range []string{"deploy/web", "sts/web", "ds/web", "rs/web", "svc/web.default"} {
		ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{target}})
		if err != nil || names(ts) != "web-z-ready.default" {
			t.Errorf("%s: %q %v, want the ready pod", target, names(ts), err)
		}
	}
	for target, want := range map[string]string{
		"svc/headless": `service "headless" in namespace "default" has no selector, so no pods behind it`,
		"deploy/idle":  `no pods behind deployment/idle in namespace "default" (selector "app=idle"): not found`,
		"deploy/down":  `none of the 1 pods behind deployment/down in namespace "default" is running: not running`,
		"deploy/nope":  `deployment "nope" not found in namespace "default"`,
	} {
		_, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{target}})
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q", target, err, want)
		}
	}
}

func TestPickPod(t *testing.T) {
	cases := []struct {
		name string
		pods []podSpec
		want string
	}{
		{"ready beats older running", []podSpec{{name: "a", age: time.Hour}, {name: "b", ready: true}}, "b"},
		{"oldest ready", []podSpec{{name: "a", ready: true}, {name: "b", ready: true, age: time.Hour}}, "b"},
		{"name breaks ties", []podSpec{{name: "b", ready: true}, {name: "a", ready: true}}, "a"},
		{"running not ready when nothing is ready", []podSpec{{name: "a", phase: corev1.PodPending}, {name: "b"}}, "b"},
		{"nothing running", []podSpec{{name: "a", phase: corev1.PodPending}, {name: "b", phase: corev1.PodSucceeded}}, ""},
	}
	for _, tc := range cases {
		var pods []corev1.Pod
		for _, s := range tc.pods {
			s.ns = "ns"
			pods = append(pods, *mkPod(s))
		}
		got := ""
		if p := pickPod(pods); p != nil {
			got = p.Name
		}
		if got != tc.want {
			t.Errorf("%s: picked %q, want %q", tc.name, got, tc.want)
		}
	}
	terminating := mkPod(podSpec{name: "t", ns: "ns", ready: true})
	now := metav1.Now()
	terminating.DeletionTimestamp = &now
	if pickPod([]corev1.Pod{*terminating}) != nil {
		t.Error("picked a terminating pod")
	}
	if err := checkRunning(terminating); err == nil || !strings.Contains(err.Error(), "is terminating") {
		t.Errorf("checkRunning(terminating) = %v", err)
	}
}

func TestResolveSelector(t *testing.T) {
	l := map[string]string{"app": "x"}
	r, _ := resolver(t,
		mkPod(podSpec{name: "b", ns: "default", labels: l, ready: true}),
		mkPod(podSpec{name: "a", ns: "default", labels: l, ready: true}),
		mkPod(podSpec{name: "c", ns: "alpha", labels: l, ready: true}),
		mkPod(podSpec{name: "done", ns: "default", labels: l, phase: corev1.PodSucceeded}),
		mkPod(podSpec{name: "starting", ns: "default", labels: l, phase: corev1.PodPending}),
		mkPod(podSpec{name: "other", ns: "default", labels: map[string]string{"app": "y"}}),
	)
	ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Selector: "app=x"})
	if err != nil || names(ts) != "a.default b.default starting.default" {
		t.Fatalf("%q %v", names(ts), err)
	}
	if got := get(t, ts[2].Client); !strings.Contains(got, "is not running (phase Pending)") {
		t.Errorf("a pending pod matched by a selector: %q", got)
	}
	ts, err = r.Resolve(context.Background(), cmdutil.TargetQuery{Selector: "app=x", AllNamespaces: true})
	if err != nil || names(ts) != "c.alpha a.default b.default starting.default" {
		t.Fatalf("-A: %q %v (want by namespace, then name)", names(ts), err)
	}
}

func TestForwardOpenErrors(t *testing.T) {
	p := mkPod(podSpec{name: "a", ns: "default", ready: true})
	cases := []struct {
		name, want, hint string
		err              error
		ctx              func() (context.Context, context.CancelFunc)
	}{
		{name: "forbidden", err: errors.New(`error upgrading connection: pods "a" is forbidden: User "bob" cannot create resource "pods/portforward" in API group "" in the namespace "default"`),
			want: `forbidden: user "bob" is not allowed to create pods/portforward in namespace "default"`,
			hint: "xdsctl needs RBAC permission to create pods/portforward; ask a cluster admin, and check with: kubectl auth can-i create pods/portforward -n default"},
		{name: "upgrade failed", err: errors.New("error upgrading connection: unable to upgrade connection: pod does not exist"),
			want: `open a port-forward to pod "a" in namespace "default": unable to upgrade connection: pod does not exist`,
			hint: "check that kubectl port-forward -n default a 15000 works"},
		{name: "timeout", err: context.DeadlineExceeded,
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithDeadline(context.Background(), time.Now())
			},
			want: `open a port-forward to pod "a" in namespace "default": timed out: timeout`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, ff := resolver(t, p)
			ff.err = tc.err
			ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.Background(), func() {}
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			_, err = ts[0].Client.Get(ctx, "/config_dump")
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error %q, want %q", err, tc.want)
			}
			if tc.hint != "" && cmdutil.HintOf(err) != tc.hint {
				t.Errorf("hint %q", cmdutil.HintOf(err))
			}
		})
	}
}

func TestExplain(t *testing.T) {
	sidecar := newForwardClient(nil, mkPod(podSpec{name: "a", ns: "ns"}), 15000, "default", 0)
	plain := newForwardClient(nil, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}, Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "nginx"}}}}, 15000, "default", 0)
	annotated := newForwardClient(nil, mkPod(podSpec{name: "a", ns: "ns"}), 15001, "annotation proxy.istio.io/config", 0)
	grpcPod := mkPod(podSpec{name: "greeter", ns: "ns"})
	grpcPod.Annotations = map[string]string{"sidecar.istio.io/status": "{}", "inject.istio.io/templates": "grpc-agent"}
	grpcPod.Status.PodIP = "10.0.0.7"
	proxyless := newForwardClient(nil, grpcPod, 15000, "default", 0)
	bootstrapped := newForwardClient(nil, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "client", Namespace: "ns"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Env: []corev1.EnvVar{{Name: "GRPC_XDS_BOOTSTRAP", Value: "/b.json"}}}}}}, 15000, "default", 0)
	refused := errors.New(`error forwarding port 15000 to pod 123, uid : failed to execute portforward in network namespace "/var/run/netns/cni-1": failed to connect to localhost:15000 inside namespace "123", IPv4: dial tcp4 127.0.0.1:15000: connect: connection refused`)
	cases := []struct {
		c          *forwardClient
		reason     error
		want, hint string
	}{
		{sidecar, refused, "nothing listens on port 15000 in the pod (the default admin port): connection refused", "is Envoy's admin API on another port? Pass --proxy-admin-port (15000 is the default)"},
		{plain, refused, "nothing listens on port 15000 in the pod (the default admin port): connection refused", "pod web has no istio-proxy or envoy container: is the sidecar injected? If Envoy's admin API is on another port, pass --proxy-admin-port"},
		{annotated, refused, "nothing listens on port 15001 in the pod (from annotation proxy.istio.io/config): connection refused", "is Envoy's admin API on another port? Pass --proxy-admin-port (port 15001 came from annotation proxy.istio.io/config)"},
		{proxyless, refused, "nothing listens on port 15000 in the pod (the default admin port): connection refused",
			"pod greeter is a proxyless gRPC client: no Envoy, so no admin API. Ask its own CSDS service (gRPC's admin server) instead: xdsctl proxy-status --xds-address 10.0.0.7:<its admin port> --plaintext"},
		{bootstrapped, refused, "nothing listens on port 15000 in the pod (the default admin port): connection refused",
			"pod client is a proxyless gRPC client: no Envoy, so no admin API. Ask its own CSDS service (gRPC's admin server) instead: xdsctl proxy-status --xds-address <pod IP>:<its admin port> --plaintext"},
		{sidecar, errors.New("lost connection to pod"), "the port-forward to port 15000 failed: lost connection to pod", ""},
	}
	for _, tc := range cases {
		err := tc.c.explain(tc.reason)
		if err == nil || err.Error() != tc.want || cmdutil.HintOf(err) != tc.hint {
			t.Errorf("explain(%v) = %q (hint %q), want %q (hint %q)", tc.reason, err, cmdutil.HintOf(err), tc.want, tc.hint)
		}
	}
	if sidecar.explain(nil) != nil {
		t.Error("no reason must explain nothing")
	}
}

func TestModeFromEnv(t *testing.T) {
	cases := []struct {
		xdsctl, kubectl string
		want            PortForwardMode
	}{
		{"", "", PortForwardAuto},
		{"false", "", PortForwardSPDY},
		{"FALSE", "", PortForwardSPDY},
		{"", "false", PortForwardSPDY},
		{"true", "false", PortForwardAuto}, // xdsctl's own variable wins
		{"", "true", PortForwardAuto},
	}
	for _, tc := range cases {
		env := map[string]string{EnvPortForwardWebSockets: tc.xdsctl, envKubectlPortForwardWebSockets: tc.kubectl}
		if got := modeFromEnv(func(k string) string { return env[k] }); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc, got, tc.want)
		}
	}
}

func TestShouldFallback(t *testing.T) {
	cases := []struct {
		err  error
		want bool
	}{
		{&streamhttp.UpgradeFailureError{Cause: errors.New("403")}, true}, // what the WebSocket transport returns
		{fmt.Errorf("dial: %w", &httpstream.UpgradeFailureError{Cause: errors.New("400")}), true},
		{errors.New("connection refused"), false},
		{nil, false},
	}
	for _, tc := range cases {
		if got := shouldFallback(tc.err); got != tc.want {
			t.Errorf("shouldFallback(%v) = %v", tc.err, got)
		}
	}
}

func TestTargetLess(t *testing.T) {
	in := []string{"b.default", "a.default", "z.alpha", "my.dotted.pod.alpha", "http://127.0.0.1:9901"}
	for i := range in {
		for j := range in {
			if i != j && targetLess(in[i], in[j]) && targetLess(in[j], in[i]) {
				t.Fatalf("not a strict order: %s, %s", in[i], in[j])
			}
		}
	}
	if !targetLess("z.alpha", "a.default") || !targetLess("my.dotted.pod.alpha", "z.alpha") || !targetLess("a.default", "b.default") {
		t.Error("want namespace first, then pod name")
	}
}

// TestRefusalRemembered: once the pod side refused a connection (nothing listens on the admin
// port), the client's later requests fail with the same error without another trip to the pod.
func TestRefusalRemembered(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		conns.Add(1)
		c, _, _ := w.(http.Hijacker).Hijack() // the port-forward drops the connection it could not deliver
		_ = c.Close()
	}))
	t.Cleanup(srv.Close)
	var explained atomic.Int32
	r := NewResolverForClient(fake.NewSimpleClientset(mkPod(podSpec{name: "a", ns: "default", ready: true})), nil, "default")
	r.Forward = func(context.Context, *corev1.Pod, int) (*Forward, error) {
		return &Forward{URL: srv.URL, Stop: func() {}, Explain: func(time.Duration) error {
			explained.Add(1)
			return errors.New("dial tcp4 127.0.0.1:15000: connect: connection refused")
		}}, nil
	}
	ts, err := r.Resolve(context.Background(), cmdutil.TargetQuery{Args: []string{"a"}})
	if err != nil {
		t.Fatal(err)
	}
	_, first := ts[0].Client.Get(context.Background(), "/config_dump")
	if !errors.Is(first, ErrRefused) {
		t.Fatalf("first request: %v, want a refusal", first)
	}
	seen, asked := conns.Load(), explained.Load()
	_, second := ts[0].Client.Post(context.Background(), "/logging")
	want := `POST /logging to pod "a" in namespace "default": nothing listens on port 15000 in the pod (the default admin port): connection refused`
	if second == nil || second.Error() != want || !errors.Is(second, ErrRefused) || cmdutil.HintOf(second) != cmdutil.HintOf(first) || cmdutil.HintOf(first) == "" {
		t.Errorf("second request: %v (hint %q), want %s (hint %q)", second, cmdutil.HintOf(second), want, cmdutil.HintOf(first))
	}
	if conns.Load() != seen || explained.Load() != asked {
		t.Errorf("second request reached the pod: %d connections, %d explanations before; %d, %d after", seen, asked, conns.Load(), explained.Load())
	}
}
