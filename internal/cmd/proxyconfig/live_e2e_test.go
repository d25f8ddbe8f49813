package proxyconfig_test

// End-to-end tests of live targets: xdsctl runs in-process (root.Run, as main does) against a
// real kube-apiserver (kubetest), and reaches each pod's admin port through a real client-go
// port-forward, the API server and kwok, to kubetest's EMULATED Envoy admin API serving real
// dumps from testdata. Every live answer is compared with what `-f <the same dump>` prints.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	streamhttp "k8s.io/streaming/pkg/httpstream"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/internal/kube/kubetest"
)

func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }

const (
	dumpWaypoint = "../../../testdata/dumps/istio/proxyconfig__config_dump.json"
	dumpSidecar  = "../../../testdata/dumps/bookinfo-1.5/productpage-config-dump@istio1.5.4-strictmtls.json"
	dumpGateway  = "../../../testdata/dumps/envoy-gateway/egctl-config-in.all.json"
)

type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

func (r result) String() string {
	return fmt.Sprintf("exit %d after %s\n--- stdout\n%s--- stderr\n%s", r.code, r.took.Round(time.Millisecond), r.stdout, r.stderr)
}

type runOpts struct {
	ctx        context.Context
	kubeconfig string
	wrap       func(*rest.Config) *rest.Config
	tty        bool // stderr is a terminal
}

// e2eNow is the clock of the in-process runs: a note such as "not valid at <time>" must not
// differ between a live run and the -f run it is compared with because a second passed.
var e2eNow = time.Now().Truncate(time.Second)

// xdsctl runs a command line in-process, as the binary would, and returns what it printed.
func xdsctl(t *testing.T, o runOpts, args ...string) result {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	ios.SetStderrTTY(o.tty)
	f := root.NewFactory(ios)
	f.Now = func() time.Time { return e2eNow } // live and -f runs compare their notes, which name the time
	if o.wrap != nil {
		kube.ConfigFlags(f).WrapConfigFn = o.wrap
	}
	if o.kubeconfig != "" {
		args = append(args, "--kubeconfig", o.kubeconfig)
	}
	ctx := o.ctx
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	code := root.Run(ctx, f, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String(), took: time.Since(start)}
}

// offline is what the same view prints from the saved dump.
func offline(t *testing.T, dump string, args ...string) result {
	t.Helper()
	r := xdsctl(t, runOpts{}, append(args, "-f", dump)...)
	if r.code != 0 {
		t.Fatalf("xdsctl %s -f %s: %s", strings.Join(args, " "), dump, r)
	}
	return r
}

func wantSame(t *testing.T, live, file result) {
	t.Helper()
	if live.code != 0 || live.stdout != file.stdout || live.stderr != file.stderr {
		t.Fatalf("live output differs from -f output\nlive: %s\nfile: %s", live, file)
	}
}

func wantError(t *testing.T, r result, code int, parts ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\n%s", r.code, code, r)
	}
	for _, p := range parts {
		if !strings.Contains(r.stderr, p) {
			t.Fatalf("stderr lacks %q\n%s", p, r)
		}
	}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		t.Fatalf("stack trace on stderr\n%s", r)
	}
}

func admin(c *kubetest.Cluster) runOpts { return runOpts{kubeconfig: c.Kubeconfig} }

// TestLivePod is the "done when": a user with a kubeconfig gets, for a pod, the same
// tables (and JSON) as from the saved dump.
func TestLivePod(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpSidecar)
	c.ProxyPod(t, ns, "productpage-v1-7bbd79f8fd-k6j79", a, kubetest.PodOptions{})
	target := "productpage-v1-7bbd79f8fd-k6j79." + ns
	for _, args := range [][]string{
		{"pc", "clusters"}, {"proxy-config", "listeners"}, {"pc", "routes"},
		{"pc", "clusters", "-o", "wide"}, {"pc", "clusters", "-o", "json"}, {"pc", "listeners", "-o", "yaml"},
		{"pc", "clusters", "--fqdn", "reviews.default.svc.cluster.local"},
		{"pc", "secrets"}, {"pc", "bootstrap"}, {"pc", "all"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			wantSame(t, xdsctl(t, admin(c), append(args, target)...), offline(t, dumpSidecar, args...))
		})
	}
	t.Run("namespace flag", func(t *testing.T) {
		wantSame(t, xdsctl(t, admin(c), "pc", "clusters", "productpage-v1-7bbd79f8fd-k6j79", "-n", ns), offline(t, dumpSidecar, "pc", "clusters"))
	})
	t.Run("ecds", func(t *testing.T) {
		const ecdsDump = "../../../testdata/dumps/istio/writer__envoy__configdump__ecds__configdump.json"
		c.ProxyPod(t, ns, "wasm", kubetest.NewEnvoyAdmin(t, ecdsDump), kubetest.PodOptions{})
		wantSame(t, xdsctl(t, admin(c), "pc", "ecds", "wasm."+ns), offline(t, ecdsDump, "pc", "ecds"))
	})
	t.Run("pod/ prefix", func(t *testing.T) {
		wantSame(t, xdsctl(t, admin(c), "pc", "routes", "pod/"+target), offline(t, dumpSidecar, "pc", "routes"))
	})
	// the views read /config_dump; all and endpoints --eds read it with EDS
	for _, r := range a.Requests() {
		if r.Method != http.MethodGet || (r.Path != "/config_dump" && r.Path != "/config_dump?include_eds") {
			t.Errorf("emulator got %s %s", r.Method, r.Path)
		}
	}
}

// TestLiveDefaultNamespace: without .<ns> or -n the kubeconfig context's namespace is used.
func TestLiveDefaultNamespace(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	// the shared cluster's default namespace outlives the test (go test -count=N runs it again)
	name := "default-ns-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))[len("TestLive"):] +
		"-" + strconv.FormatInt(time.Now().UnixNano()%(36*36*36*36), 36)
	c.ProxyPod(t, "default", name, a, kubetest.PodOptions{})
	t.Cleanup(func() {
		zero := int64(0)
		_ = c.Client.CoreV1().Pods("default").Delete(context.Background(), name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	})
	wantSame(t, xdsctl(t, admin(c), "pc", "clusters", name), offline(t, dumpWaypoint, "pc", "clusters"))
}

// TestLiveKinds: <kind>/<name> reads the ready pod behind a workload or service.
func TestLiveKinds(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	ready := kubetest.NewEnvoyAdmin(t, dumpSidecar)
	notReady := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	template := func(app string) string {
		return fmt.Sprintf(`selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec: {containers: [{name: istio-proxy, image: proxyv2}]}`, app)
	}
	c.Apply(t, ns, fmt.Sprintf(`
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  %s
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  %s
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  %s
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d4f}
spec:
  %s
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: svc}
  ports: [{name: http, port: 80}]
`, template("deploy"), template("sts"), template("ds"), template("rs")))
	for _, app := range []string{"deploy", "sts", "ds", "rs", "svc"} {
		// a pending pod, an older pod that runs but is not ready, and the ready one (named last,
		// so neither age nor name picks it by accident)
		c.CreatePod(t, ns, app+"-a-pending", kubetest.PodOptions{Labels: map[string]string{"app": app}, Phase: corev1.PodPending})
		c.ProxyPod(t, ns, app+"-b-notready", notReady, kubetest.PodOptions{Labels: map[string]string{"app": app}, NotReady: true})
		c.ProxyPod(t, ns, app+"-z-ready", ready, kubetest.PodOptions{Labels: map[string]string{"app": app}})
	}
	want := offline(t, dumpSidecar, "pc", "clusters")
	for _, target := range []string{"deployment/web", "deploy/web", "statefulset/db", "sts/db", "daemonset/agent", "ds/agent",
		"replicaset/web-5d4f", "rs/web-5d4f", "service/web", "svc/web", "deployments.apps/web"} {
		t.Run(target, func(t *testing.T) {
			wantSame(t, xdsctl(t, admin(c), "pc", "clusters", target+"."+ns), want)
		})
	}
	if n := len(notReady.Requests()); n != 0 {
		t.Errorf("the not-ready pods were read %d times", n)
	}
	t.Run("no pods behind", func(t *testing.T) {
		c.Apply(t, ns, "apiVersion: v1\nkind: Service\nmetadata: {name: empty}\nspec: {selector: {app: nothing}, ports: [{port: 80}]}\n")
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "svc/empty."+ns), 1,
			fmt.Sprintf(`Error: no pods behind service/empty in namespace %q (selector "app=nothing")`, ns), "Hint: check it has replicas")
	})
	t.Run("not found", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "deploy/nope."+ns), 1,
			fmt.Sprintf(`Error: deployment "nope" not found in namespace %q`, ns), "Hint: list them with: kubectl get deployments.apps -n "+ns)
	})
	t.Run("unknown kind", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "job/x."+ns), 2, `unknown kind "job"`)
	})
}

// TestLiveSelector: -l reads every matching pod, grouped per pod; -A across namespaces.
func TestLiveSelector(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns1, ns2 := c.Namespace(t), c.Namespace(t)
	app := "sel-" + ns1[len(ns1)-6:]
	a1 := kubetest.NewEnvoyAdmin(t, dumpSidecar)
	a2 := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	a3 := kubetest.NewEnvoyAdmin(t, dumpGateway)
	labels := map[string]string{"app": app}
	c.ProxyPod(t, ns1, "one", a1, kubetest.PodOptions{Labels: labels})
	c.ProxyPod(t, ns1, "two", a2, kubetest.PodOptions{Labels: labels})
	c.ProxyPod(t, ns2, "three", a3, kubetest.PodOptions{Labels: labels})
	c.CreatePod(t, ns2, "done", kubetest.PodOptions{Labels: labels, Phase: corev1.PodSucceeded}) // finished pods are left out

	group := func(name, dump string) string {
		return name + ":\n" + offline(t, dump, "pc", "listeners").stdout
	}
	// groups are ordered by pod.namespace
	byName := map[string]string{
		"one." + ns1: group("one."+ns1, dumpSidecar), "two." + ns1: group("two."+ns1, dumpWaypoint),
		"three." + ns2: group("three."+ns2, dumpGateway),
	}
	join := func(names ...string) string {
		var parts []string
		for _, n := range names {
			parts = append(parts, byName[n])
		}
		return strings.Join(parts, "\n")
	}
	t.Run("all namespaces", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "listeners", "-l", "app="+app, "-A")
		// ordered as kubectl get pods -A: by namespace, then name
		names := []string{"one." + ns1, "two." + ns1, "three." + ns2}
		if ns2 < ns1 {
			names = []string{"three." + ns2, "one." + ns1, "two." + ns1}
		}
		if r.code != 0 || r.stdout != join(names...) {
			t.Fatalf("got %s\nwant stdout:\n%s", r, join(names...))
		}
	})
	t.Run("one namespace", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "listeners", "-l", "app="+app, "-n", ns1)
		if want := join("one."+ns1, "two."+ns1); r.code != 0 || r.stdout != want {
			t.Fatalf("got %s\nwant stdout:\n%s", r, want)
		}
	})
	t.Run("set-based selector", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "listeners", "-l", "app in ("+app+"),app!=other", "-n", ns2)
		// one pod: no group header
		if want := offline(t, dumpGateway, "pc", "listeners").stdout; r.code != 0 || r.stdout != want {
			t.Fatalf("got %s\nwant stdout:\n%s", r, want)
		}
	})
	t.Run("no match", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "listeners", "-l", "app=none", "-n", ns1), 1,
			fmt.Sprintf(`Error: no running pods match selector "app=none" in namespace %q`, ns1), "Hint: look in every namespace with -A")
	})
	t.Run("invalid selector", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "listeners", "-l", "app=(", "-n", ns1), 2, `invalid selector "app=("`)
	})
	t.Run("json groups", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "clusters", "-l", "app="+app, "-n", ns1, "-o", "json", "--jq", ".[].proxy")
		if want := fmt.Sprintf("one.%s\ntwo.%s\n", ns1, ns1); r.code != 0 || r.stdout != want {
			t.Fatalf("got %s\nwant %q", r, want)
		}
	})
}

// TestLiveAdminPort: the admin port comes from --proxy-admin-port, Istio's proxy.istio.io/config
// annotation, an Envoy Gateway proxy's labels (19000), or a container port named admin.
func TestLiveAdminPort(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpGateway)
	want := offline(t, dumpGateway, "pc", "clusters")
	only := func(port int) map[int]string { return map[int]string{port: a.Addr()} } // no rule for 15000

	c.CreatePod(t, ns, "flag", kubetest.PodOptions{Forward: only(19001)})
	c.CreatePod(t, ns, "annotation", kubetest.PodOptions{Forward: only(15001),
		Annotations: map[string]string{"proxy.istio.io/config": "proxyAdminPort: 15001\nconcurrency: 2\n"}})
	c.CreatePod(t, ns, "envoy-gateway", kubetest.PodOptions{Forward: only(19000),
		Labels:     map[string]string{"gateway.envoyproxy.io/owning-gateway-name": "eg", "app.kubernetes.io/component": "proxy"},
		Containers: []corev1.Container{{Name: "envoy", Image: "envoyproxy/envoy"}}})
	c.CreatePod(t, ns, "named-port", kubetest.PodOptions{Forward: only(9901),
		Containers: []corev1.Container{{Name: "envoy", Image: "envoyproxy/envoy", Ports: []corev1.ContainerPort{{Name: "admin", ContainerPort: 9901}}}}})

	t.Run("flag", func(t *testing.T) {
		wantSame(t, xdsctl(t, admin(c), "pc", "clusters", "flag."+ns, "--proxy-admin-port", "19001"), want)
	})
	t.Run("flag overrides annotation", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "annotation."+ns, "--proxy-admin-port", "19001"), 1,
			"nothing listens on port 19001 in the pod (from --proxy-admin-port): connection refused")
	})
	for _, pod := range []string{"annotation", "envoy-gateway", "named-port"} {
		t.Run(pod, func(t *testing.T) {
			wantSame(t, xdsctl(t, admin(c), "pc", "clusters", pod+"."+ns), want)
		})
	}
	t.Run("out of range", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "flag."+ns, "--proxy-admin-port", "70000"), 2, "--proxy-admin-port must be between 1 and 65535")
	})
}

// upgrades records the port-forward upgrade requests xdsctl sends to the API server, and can make
// the WebSocket ones fail as a server without WebSocket port-forward support would.
type upgrades struct {
	mu        sync.Mutex
	websocket int
	spdy      int
	failWS    bool
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func (u *upgrades) wrap(c *rest.Config) *rest.Config {
	c.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return rtFunc(func(req *http.Request) (*http.Response, error) {
			if strings.HasSuffix(req.URL.Path, "/portforward") {
				u.mu.Lock()
				ws := len(req.Header["Sec-Websocket-Protocol"]) > 0
				if ws {
					u.websocket++
				} else {
					u.spdy++
				}
				fail := ws && u.failWS
				u.mu.Unlock()
				if fail {
					// what client-go's WebSocket transport returns when the server answers the
					// upgrade with an error (e.g. an API server older than 1.30)
					return nil, &streamhttp.UpgradeFailureError{Cause: errors.New("emulated: the server cannot upgrade to WebSocket")}
				}
			}
			return rt.RoundTrip(req)
		})
	})
	return c
}

func (u *upgrades) counts() (ws, spdy int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.websocket, u.spdy
}

// TestLivePortForwardProtocols: WebSocket first, SPDY when the server cannot upgrade (kubectl's
// behaviour), SPDY only with XDSCTL_PORT_FORWARD_WEBSOCKETS=false (or kubectl's
// KUBECTL_PORT_FORWARD_WEBSOCKETS=false); one port-forward per pod for all its requests.
// Not parallel: it sets the environment.
func TestLivePortForwardProtocols(t *testing.T) {
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	c.ProxyPod(t, ns, "pf", a, kubetest.PodOptions{})
	want := offline(t, dumpWaypoint, "pc", "routes")
	target := "pf." + ns

	t.Run("websocket", func(t *testing.T) {
		u := &upgrades{}
		wantSame(t, xdsctl(t, runOpts{kubeconfig: c.Kubeconfig, wrap: u.wrap}, "pc", "routes", target), want)
		if ws, spdy := u.counts(); ws != 1 || spdy != 0 {
			t.Errorf("upgrades: websocket %d, spdy %d; want 1, 0", ws, spdy)
		}
	})
	for _, env := range []string{kube.EnvPortForwardWebSockets, "KUBECTL_PORT_FORWARD_WEBSOCKETS"} {
		t.Run("spdy by "+env, func(t *testing.T) {
			t.Setenv(env, "false")
			u := &upgrades{}
			wantSame(t, xdsctl(t, runOpts{kubeconfig: c.Kubeconfig, wrap: u.wrap}, "pc", "routes", target), want)
			if ws, spdy := u.counts(); ws != 0 || spdy != 1 {
				t.Errorf("upgrades: websocket %d, spdy %d; want 0, 1", ws, spdy)
			}
		})
	}
	t.Run("fallback to spdy", func(t *testing.T) {
		u := &upgrades{failWS: true}
		wantSame(t, xdsctl(t, runOpts{kubeconfig: c.Kubeconfig, wrap: u.wrap}, "pc", "routes", target), want)
		if ws, spdy := u.counts(); ws != 1 || spdy != 1 {
			t.Errorf("upgrades: websocket %d, spdy %d; want 1, 1", ws, spdy)
		}
	})
	t.Run("one port-forward for several requests", func(t *testing.T) {
		before := a.Connections()
		u := &upgrades{}
		r := xdsctl(t, runOpts{kubeconfig: c.Kubeconfig, wrap: u.wrap}, "pc", "log", target, "--level", "http:debug,router:info,upstream:trace")
		if r.code != 0 {
			t.Fatal(r)
		}
		if ws, spdy := u.counts(); ws+spdy != 1 {
			t.Errorf("%d port-forwards for one pod, want 1", ws+spdy)
		}
		// a connection (a stream of the one port-forward) per request: adminhttp does not reuse
		// connections, so a server's bytes after an answer cannot make Go's transport log them
		if n := a.Connections() - before; n != 3 {
			t.Errorf("the admin API saw %d connections for 3 requests, want 3", n)
		}
	})
}

// TestLiveRBAC: a user who may not do what xdsctl needs gets the missing permission named.
func TestLiveRBAC(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	c.ProxyPod(t, ns, "guarded", a, kubetest.PodOptions{Labels: map[string]string{"app": "guarded"}})
	target := "guarded." + ns
	getPods := rbacv1.PolicyRule{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}
	portForward := rbacv1.PolicyRule{Verbs: []string{"create"}, APIGroups: []string{""}, Resources: []string{"pods/portforward"}}

	t.Run("no permissions", func(t *testing.T) {
		user, kc := c.NewUser(t)
		wantError(t, xdsctl(t, runOpts{kubeconfig: kc}, "pc", "clusters", target), 1,
			fmt.Sprintf(`Error: forbidden: user %q is not allowed to get pods in namespace %q`, user, ns),
			fmt.Sprintf("Hint: xdsctl needs RBAC permission to get pods; ask a cluster admin, and check with: kubectl auth can-i get pods -n %s", ns))
	})
	t.Run("no portforward", func(t *testing.T) {
		user, kc := c.NewUser(t)
		c.Grant(t, user, ns, getPods)
		wantError(t, xdsctl(t, runOpts{kubeconfig: kc}, "pc", "clusters", target), 1,
			fmt.Sprintf(`Error: forbidden: user %q is not allowed to create pods/portforward in namespace %q`, user, ns),
			"kubectl auth can-i create pods/portforward -n "+ns)
	})
	t.Run("impersonation with --as", func(t *testing.T) {
		// kubectl's own flags work: the admin acting as a user without permissions
		user, _ := c.NewUser(t)
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", target, "--as", user), 1,
			fmt.Sprintf(`Error: forbidden: user %q is not allowed to get pods in namespace %q`, user, ns))
	})
	t.Run("no list for a selector", func(t *testing.T) {
		user, kc := c.NewUser(t)
		c.Grant(t, user, ns, getPods, portForward)
		wantError(t, xdsctl(t, runOpts{kubeconfig: kc}, "pc", "clusters", "-l", "app=guarded", "-n", ns), 1,
			fmt.Sprintf(`is not allowed to list pods in namespace %q`, ns))
	})
	t.Run("no get deployments", func(t *testing.T) {
		user, kc := c.NewUser(t)
		c.Grant(t, user, ns, getPods, portForward)
		wantError(t, xdsctl(t, runOpts{kubeconfig: kc}, "pc", "clusters", "deploy/guarded."+ns), 1,
			"not allowed to get deployments.apps in namespace", "kubectl auth can-i get deployments.apps -n "+ns)
	})
	t.Run("create portforward only", func(t *testing.T) {
		// get pods and create pods/portforward are all a pod target needs. The API server
		// refuses such a user the WebSocket upgrade (a GET: it also wants get pods/portforward),
		// so xdsctl falls back to SPDY, as kubectl does.
		user, kc := c.NewUser(t)
		c.Grant(t, user, ns, getPods, portForward)
		u := &upgrades{}
		wantSame(t, xdsctl(t, runOpts{kubeconfig: kc, wrap: u.wrap}, "pc", "clusters", target), offline(t, dumpWaypoint, "pc", "clusters"))
		if ws, spdy := u.counts(); ws != 1 || spdy != 1 {
			t.Errorf("upgrades: websocket %d, spdy %d; want 1, 1", ws, spdy)
		}
	})
	t.Run("get and create portforward", func(t *testing.T) {
		user, kc := c.NewUser(t)
		c.Grant(t, user, ns, getPods, rbacv1.PolicyRule{Verbs: []string{"get", "create"}, APIGroups: []string{""}, Resources: []string{"pods/portforward"}})
		u := &upgrades{}
		wantSame(t, xdsctl(t, runOpts{kubeconfig: kc, wrap: u.wrap}, "pc", "clusters", target), offline(t, dumpWaypoint, "pc", "clusters"))
		if ws, spdy := u.counts(); ws != 1 || spdy != 0 {
			t.Errorf("upgrades: websocket %d, spdy %d; want 1, 0", ws, spdy)
		}
	})
}

// TestLiveErrors: each failure users meet is one line with a hint and a non-zero exit.
func TestLiveErrors(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)

	t.Run("pod not found", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "nope."+ns), 1,
			fmt.Sprintf(`Error: pod "nope" not found in namespace %q`, ns), "Hint: list them with: kubectl get pods -n "+ns)
	})
	t.Run("namespace not found", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "x.no-such-namespace"), 1,
			`Error: pod "x" not found in namespace "no-such-namespace"`)
	})
	t.Run("pod pending", func(t *testing.T) {
		c.CreatePod(t, ns, "pending", kubetest.PodOptions{Phase: corev1.PodPending})
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "pending."+ns), 1,
			fmt.Sprintf(`Error: pod "pending" in namespace %q is not running (phase Pending)`, ns),
			"Hint: wait for it to start, or see why with: kubectl describe pod pending -n "+ns)
	})
	t.Run("pod failed", func(t *testing.T) {
		c.CreatePod(t, ns, "crashed", kubetest.PodOptions{Phase: corev1.PodFailed})
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "crashed."+ns), 1, "is not running (phase Failed)")
	})
	t.Run("pod without a proxy", func(t *testing.T) {
		c.CreatePod(t, ns, "plain", kubetest.PodOptions{Containers: []corev1.Container{{Name: "app", Image: "nginx"}}})
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "plain."+ns), 1,
			`pod "plain" in namespace "`+ns+`"`, "Hint: pod plain has no istio-proxy or envoy container: is the sidecar injected?")
	})
	t.Run("connection refused", func(t *testing.T) {
		c.CreatePod(t, ns, "refused", kubetest.PodOptions{Forward: map[int]string{15000: kubetest.ClosedAddr(t)}})
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "refused."+ns), 1,
			fmt.Sprintf(`Error: fetch /config_dump from pod "refused" in namespace %q: nothing listens on port 15000 in the pod (the default admin port): connection refused`, ns),
			"Hint: is Envoy's admin API on another port? Pass --proxy-admin-port")
	})
	t.Run("non-200", func(t *testing.T) {
		a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
		a.SetFault(kubetest.Fault{Status: http.StatusServiceUnavailable, Body: "envoy overloaded\nmore"})
		c.ProxyPod(t, ns, "overloaded", a, kubetest.PodOptions{})
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "overloaded."+ns), 1,
			fmt.Sprintf(`Error: fetch /config_dump from pod "overloaded" in namespace %q: the admin API answered 503 Service Unavailable: envoy overloaded`+"\n", ns))
	})
	t.Run("not found path", func(t *testing.T) {
		a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
		a.SetFault(kubetest.Fault{Status: http.StatusNotFound, Body: "invalid path"})
		c.ProxyPod(t, ns, "old-envoy", a, kubetest.PodOptions{})
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "old-envoy."+ns), 1,
			"the admin API answered 404 Not Found: invalid path", "Hint: this Envoy may be too old for that admin path")
	})
	t.Run("timeout", func(t *testing.T) {
		a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
		a.SetFault(kubetest.Fault{Hang: true})
		c.ProxyPod(t, ns, "stuck", a, kubetest.PodOptions{})
		r := xdsctl(t, admin(c), "pc", "clusters", "stuck."+ns, "--timeout", "2s")
		wantError(t, r, 1, fmt.Sprintf(`Error: fetch /config_dump from pod "stuck" in namespace %q: timed out waiting for the admin API to answer`, ns),
			"Hint: the proxy is slow or stuck, or the dump is very large; raise --timeout")
		if r.took > 8*time.Second {
			t.Errorf("--timeout 2s took %s", r.took)
		}
	})
	t.Run("dies mid-response", func(t *testing.T) {
		// kwok does not pass the pod side's close on to the port-forward client (its tunnel
		// waits for both directions), so through a pod a proxy that dies mid-response looks
		// like one that stalls: --timeout ends it with what was read. (A real kubelet ends the
		// stream; TestAdminURL/dies_mid-response shows that error.)
		a := kubetest.NewEnvoyAdmin(t, dumpSidecar)
		a.SetFault(kubetest.Fault{DieAfter: 4096})
		c.ProxyPod(t, ns, "oom", a, kubetest.PodOptions{})
		r := xdsctl(t, admin(c), "pc", "clusters", "oom."+ns, "--timeout", "2s")
		wantError(t, r, 1, fmt.Sprintf(`Error: fetch /config_dump from pod "oom" in namespace %q: timed out reading the answer after 4096 bytes`, ns),
			"Hint: the proxy is slow or stuck")
	})
	t.Run("stalls mid-response", func(t *testing.T) {
		a := kubetest.NewEnvoyAdmin(t, dumpSidecar)
		a.SetFault(kubetest.Fault{StallAfter: 4096})
		c.ProxyPod(t, ns, "stalled", a, kubetest.PodOptions{})
		r := xdsctl(t, admin(c), "pc", "clusters", "stalled."+ns, "--timeout", "2s")
		wantError(t, r, 1, fmt.Sprintf(`Error: fetch /config_dump from pod "stalled" in namespace %q: timed out reading the answer after 4096 bytes`, ns),
			"Hint: the proxy is slow or stuck")
		if r.took > 8*time.Second {
			t.Errorf("--timeout 2s took %s", r.took)
		}
	})
	t.Run("unknown context", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "x."+ns, "--context", "nope"), 1,
			`Error: load the Kubernetes configuration in --kubeconfig "`+c.Kubeconfig+`": context "nope" does not exist`,
			"Hint: check --kubeconfig and --context (kubectl config get-contexts)")
	})
	t.Run("bad timeout", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "clusters", "x."+ns, "--timeout", "0s"), 2, "--timeout must be positive")
	})
}

// TestLiveNoKubeconfig: no kubeconfig at all is one line pointing at --kubeconfig, --admin and -f.
// Not parallel: it sets the environment.
func TestLiveNoKubeconfig(t *testing.T) {
	t.Setenv("KUBECONFIG", "")
	t.Setenv("HOME", t.TempDir())
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	wantError(t, xdsctl(t, runOpts{}, "pc", "clusters", "x.default"), 1,
		"Error: no Kubernetes configuration found (", "/.kube/config does not exist and KUBECONFIG is not set)\n", "Hint: pass --kubeconfig or set KUBECONFIG; for an Envoy outside Kubernetes use --admin")
}

// TestLiveCancel: Ctrl-C (the context cancelled) mid-fetch stops at once with exit 130.
func TestLiveCancel(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	a.SetFault(kubetest.Fault{Hang: true})
	c.ProxyPod(t, ns, "slow", a, kubetest.PodOptions{Labels: map[string]string{"app": "slow"}})
	c.ProxyPod(t, ns, "slow2", a, kubetest.PodOptions{Labels: map[string]string{"app": "slow"}})
	for _, args := range [][]string{{"pc", "clusters", "slow." + ns}, {"pc", "clusters", "-l", "app=slow", "-n", ns}} {
		t.Run(strings.Join(args[2:], " "), func(t *testing.T) {
			before := len(a.Requests())
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				for len(a.Requests()) == before {
					time.Sleep(10 * time.Millisecond)
				}
				cancel() // the request reached the proxy: now press Ctrl-C
			}()
			r := xdsctl(t, runOpts{ctx: ctx, kubeconfig: c.Kubeconfig}, append(args, "--timeout", "60s")...)
			if r.code != root.ExitInterrupted || r.took > 10*time.Second {
				t.Fatalf("want exit 130 soon after the cancel: %s", r)
			}
			if r.stdout != "" {
				t.Errorf("stdout after Ctrl-C: %q", r.stdout)
			}
		})
	}
}

// TestLiveManyPods: many pods at once, read with bounded concurrency; the failures are listed,
// the others shown, and the exit code is 1.
func TestLiveManyPods(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	good := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	good.SetFault(kubetest.Fault{Delay: 150 * time.Millisecond}) // overlap the reads
	bad := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	bad.SetFault(kubetest.Fault{Status: http.StatusInternalServerError, Body: "boom"})
	stuck := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	stuck.SetFault(kubetest.Fault{Hang: true})
	labels := map[string]string{"app": "many"}
	const n = 20
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := fmt.Sprintf("pod-%02d", i)
			switch i {
			case 7:
				c.ProxyPod(t, ns, name, bad, kubetest.PodOptions{Labels: labels})
			case 13:
				c.CreatePod(t, ns, name, kubetest.PodOptions{Labels: labels, Forward: map[int]string{15000: kubetest.ClosedAddr(t)}})
			case 17:
				c.ProxyPod(t, ns, name, stuck, kubetest.PodOptions{Labels: labels})
			default:
				c.ProxyPod(t, ns, name, good, kubetest.PodOptions{Labels: labels})
			}
		}()
	}
	wg.Wait()
	// --timeout is per proxy: the stuck one fails alone, the others (read 8 at a time, 150 ms
	// each) are not held to its deadline
	r := xdsctl(t, admin(c), "pc", "clusters", "-l", "app=many", "-n", ns, "--timeout", "3s")
	table := offline(t, dumpWaypoint, "pc", "clusters").stdout
	var want []string
	for i := 0; i < n; i++ {
		if i != 7 && i != 13 && i != 17 {
			want = append(want, fmt.Sprintf("pod-%02d.%s:\n%s", i, ns, table))
		}
	}
	if r.code != 1 || r.stdout != strings.Join(want, "\n") {
		t.Fatalf("got %s\nwant stdout:\n%s", r, strings.Join(want, "\n"))
	}
	wantError(t, r, 1, fmt.Sprintf("Error: 3 of %d proxies failed:\n", n),
		fmt.Sprintf("  pod-17.%s: fetch /config_dump from pod \"pod-17\" in namespace %q: timed out waiting for the admin API to answer", ns, ns),
		fmt.Sprintf("  pod-07.%s: fetch /config_dump from pod \"pod-07\" in namespace %q: the admin API answered 500 Internal Server Error: boom\n", ns, ns),
		fmt.Sprintf("  pod-13.%s: fetch /config_dump from pod \"pod-13\" in namespace %q: nothing listens on port 15000", ns, ns),
		"\nHint: ") // the refused port-forward's hint, once after the list
	if m := good.MaxInFlight(); m < 2 || m > 8 {
		t.Errorf("%d reads at once, want between 2 and 8 (the bound)", m)
	}
	if strings.Contains(r.stderr, "Reading") {
		t.Errorf("progress line on a stderr that is not a terminal:\n%s", r.stderr)
	}
}

// TestAdminURL: --admin reads an Envoy outside Kubernetes (no kubeconfig needed).
func TestAdminURL(t *testing.T) {
	t.Parallel()
	a := kubetest.NewEnvoyAdmin(t, dumpSidecar)
	none := runOpts{kubeconfig: "/nonexistent/kubeconfig"} // never read
	for _, view := range []string{"clusters", "listeners", "routes"} {
		t.Run(view, func(t *testing.T) {
			wantSame(t, xdsctl(t, none, "pc", view, "--admin", a.URL()), offline(t, dumpSidecar, "pc", view))
		})
	}
	t.Run("bare host:port", func(t *testing.T) {
		wantSame(t, xdsctl(t, none, "pc", "routes", "--admin", a.Addr()), offline(t, dumpSidecar, "pc", "routes"))
	})
	t.Run("refused", func(t *testing.T) {
		addr := kubetest.ClosedAddr(t)
		wantError(t, xdsctl(t, none, "pc", "clusters", "--admin", "http://"+addr), 1,
			fmt.Sprintf("Error: fetch /config_dump from http://%s: connection refused", addr),
			"Hint: is the Envoy admin API listening on that port? Pass --admin with the right port")
	})
	t.Run("dies mid-response", func(t *testing.T) {
		d := kubetest.NewEnvoyAdmin(t, dumpSidecar)
		d.SetFault(kubetest.Fault{DieAfter: 4096})
		wantError(t, xdsctl(t, none, "pc", "clusters", "--admin", d.URL()), 1,
			fmt.Sprintf("Error: fetch /config_dump from %s: the admin API closed the connection mid-response after 4096 bytes", d.URL()),
			"Hint: the proxy may have restarted or run out of memory; try again")
	})
	t.Run("non-200", func(t *testing.T) {
		d := kubetest.NewEnvoyAdmin(t, dumpSidecar)
		d.SetFault(kubetest.Fault{Status: http.StatusForbidden, Body: "admin access denied"})
		wantError(t, xdsctl(t, none, "pc", "clusters", "--admin", d.URL()), 1,
			fmt.Sprintf("Error: fetch /config_dump from %s: the admin API answered 403 Forbidden: admin access denied", d.URL()))
	})
	t.Run("timeout", func(t *testing.T) {
		h := kubetest.NewEnvoyAdmin(t, dumpSidecar)
		h.SetFault(kubetest.Fault{Hang: true})
		r := xdsctl(t, none, "pc", "clusters", "--admin", h.URL(), "--timeout", "500ms")
		wantError(t, r, 1, "timed out waiting for the admin API to answer", "raise --timeout")
		if r.took > 3*time.Second {
			t.Errorf("--timeout 500ms took %s", r.took)
		}
	})
	t.Run("invalid URL", func(t *testing.T) {
		wantError(t, xdsctl(t, none, "pc", "clusters", "--admin", "ftp://x"), 2, `invalid admin URL "ftp://x": the scheme must be http or https`)
	})
	t.Run("two sources", func(t *testing.T) {
		wantError(t, xdsctl(t, none, "pc", "clusters", "x", "--admin", a.URL()), 2, "give only one of")
	})
}

// TestLiveLog: proxy-config log shows and sets logger levels (POST /logging), like istioctl.
func TestLiveLog(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint, kubetest.WithLogLevel("warning"))
	b := kubetest.NewEnvoyAdmin(t, dumpWaypoint, kubetest.WithLogLevel("warning"))
	labels := map[string]string{"app": "logs"}
	c.ProxyPod(t, ns, "log-a", a, kubetest.PodOptions{Labels: labels})
	c.ProxyPod(t, ns, "log-b", b, kubetest.PodOptions{Labels: labels})
	target := "log-a." + ns
	listing := func(levels map[string]string) string {
		var sb strings.Builder
		sb.WriteString("active loggers:\n")
		for _, n := range slices.Sorted(maps.Keys(levels)) {
			fmt.Fprintf(&sb, "  %s: %s\n", n, levels[n])
		}
		return sb.String()
	}

	t.Run("show", func(t *testing.T) {
		before := a.Loggers()
		r := xdsctl(t, admin(c), "pc", "log", target)
		if r.code != 0 || r.stdout != listing(before) {
			t.Fatalf("%s\nwant stdout:\n%s", r, listing(before))
		}
		if got := a.Requests(); got[len(got)-1] != (kubetest.AdminRequest{Method: "POST", Path: "/logging"}) {
			t.Errorf("last request %v", got[len(got)-1])
		}
	})
	t.Run("all debug", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "log", target, "--level", "debug")
		l := a.Loggers()
		for n, v := range l {
			if v != "debug" {
				t.Fatalf("logger %s is %s after --level debug", n, v)
			}
		}
		if r.code != 0 || r.stdout != listing(l) {
			t.Fatalf("%s", r)
		}
	})
	t.Run("some loggers", func(t *testing.T) {
		xdsctl(t, admin(c), "pc", "log", target, "--reset")
		r := xdsctl(t, admin(c), "pc", "log", target, "--level", "http:debug,router:info")
		l := a.Loggers()
		if r.code != 0 || l["http"] != "debug" || l["router"] != "info" || l["admin"] != "warning" {
			t.Fatalf("http=%s router=%s admin=%s\n%s", l["http"], l["router"], l["admin"], r)
		}
	})
	t.Run("level then loggers", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "log", target, "--level", "error,upstream:warn")
		l := a.Loggers()
		if r.code != 0 || l["http"] != "error" || l["upstream"] != "warning" {
			t.Fatalf("http=%s upstream=%s\n%s", l["http"], l["upstream"], r)
		}
	})
	t.Run("reset", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "log", target, "-r")
		for n, v := range a.Loggers() {
			if v != "warning" {
				t.Fatalf("logger %s is %s after --reset\n%s", n, v, r)
			}
		}
	})
	t.Run("selector", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "log", "-l", "app=logs", "-n", ns, "--level", "trace")
		want := "log-a." + ns + ":\n" + listing(a.Loggers()) + "\nlog-b." + ns + ":\n" + listing(b.Loggers())
		if r.code != 0 || r.stdout != want || b.Loggers()["main"] != "trace" {
			t.Fatalf("%s\nwant stdout:\n%s", r, want)
		}
	})
	t.Run("json", func(t *testing.T) {
		r := xdsctl(t, admin(c), "pc", "log", target, "-o", "json", "--level", "http:critical")
		if r.code != 0 || !strings.Contains(r.stdout, `{"name":"http","level":"critical"}`) || !strings.HasPrefix(r.stdout, `{"proxy":"log-a.`+ns+`","loggers":[`) {
			t.Fatalf("%s", r)
		}
	})
	t.Run("unknown logger", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "log", target, "--level", "nosuch:debug"), 1,
			`Error: POST /logging?nosuch=debug to pod "log-a" in namespace "`+ns+`": Envoy has no logger "nosuch"`,
			"Hint: list the loggers with: xdsctl proxy-config log <target>")
	})
	t.Run("invalid level", func(t *testing.T) {
		n := len(a.Requests())
		wantError(t, xdsctl(t, admin(c), "pc", "log", target, "--level", "http:loud"), 2, `invalid log level "loud"`)
		if len(a.Requests()) != n {
			t.Errorf("an invalid --level reached the proxy")
		}
	})
	t.Run("no offline mode", func(t *testing.T) {
		wantError(t, xdsctl(t, admin(c), "pc", "log", "-f", dumpWaypoint), 2, "unknown shorthand flag: 'f'")
	})
	t.Run("admin URL", func(t *testing.T) {
		r := xdsctl(t, runOpts{}, "pc", "log", "--admin", b.URL(), "--level", "admin:off")
		if r.code != 0 || b.Loggers()["admin"] != "off" {
			t.Fatalf("%s", r)
		}
	})
}

// TestLiveProgress: reading takes more than a second, so a progress line shows on a terminal
// (stderr only, erased at the end), never when stderr is not one.
func TestLiveProgress(t *testing.T) {
	t.Parallel()
	c := kubetest.Shared(t)
	ns := c.Namespace(t)
	a := kubetest.NewEnvoyAdmin(t, dumpWaypoint)
	a.SetFault(kubetest.Fault{Delay: 1500 * time.Millisecond})
	labels := map[string]string{"app": "progress"}
	c.ProxyPod(t, ns, "p1", a, kubetest.PodOptions{Labels: labels})
	c.ProxyPod(t, ns, "p2", a, kubetest.PodOptions{Labels: labels})
	table := offline(t, dumpWaypoint, "pc", "clusters").stdout
	want := "p1." + ns + ":\n" + table + "\np2." + ns + ":\n" + table
	for _, tty := range []bool{true, false} {
		t.Run(fmt.Sprintf("tty=%v", tty), func(t *testing.T) {
			r := xdsctl(t, runOpts{kubeconfig: c.Kubeconfig, tty: tty}, "pc", "clusters", "-l", "app=progress", "-n", ns)
			if r.code != 0 || r.stdout != want {
				t.Fatalf("%s", r)
			}
			shown := strings.Contains(r.stderr, "\r\033[KReading 2 proxies: 0 done")
			if shown != tty || (tty && !strings.HasSuffix(r.stderr, "\r\033[K")) {
				t.Fatalf("progress on stderr %q (terminal: %v)", r.stderr, tty)
			}
		})
	}
}
