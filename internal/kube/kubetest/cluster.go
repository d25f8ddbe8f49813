// Package kubetest runs a real Kubernetes control plane for end-to-end tests, on loopback and
// without containers: etcd and kube-apiserver (built from Go modules by hack/kube-e2e/ensure.sh
// into ${XDG_CACHE_HOME:-~/.cache}/xdsctl/kube-e2e/bin) and kwok, which plays the node and its
// kubelet (pods go Running, and port-forwards reach addresses on this machine). No scheduler,
// controller-manager or ServiceAccount admission runs: pods are bound to the kwok node directly,
// Deployments and Services make no pods or Endpoints by themselves, and namespaces are never
// deleted.
//
// The proxy side is not Envoy: EnvoyAdmin is an EMULATION of Envoy's admin API that serves real
// dumps from testdata.
//
// # Use
//
// One cluster per test binary, started on first use (4-5 s on an idle 2-core machine, up to ~10 s
// on a loaded one) and stopped after the tests:
//
//	func TestMain(m *testing.M) { os.Exit(kubetest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()                          // tests share the cluster; each works in its own namespace
//		c := kubetest.Shared(t)               // skips without the binaries (fails with XDSCTL_E2E=1)
//		ns := c.Namespace(t)                  // a namespace of the test's own
//		a := kubetest.NewEnvoyAdmin(t, "../../testdata/dumps/istio/proxyconfig__config_dump.json")
//		c.ProxyPod(t, ns, "reviews-v1", a, kubetest.PodOptions{Labels: map[string]string{"app": "reviews"}})
//		// xdsctl --kubeconfig c.Kubeconfig pc clusters reviews-v1.<ns>  reads a's dump through a real port-forward
//	}
//
// Helpers (all take the test, and fail it on error):
//   - Pods: CreatePod (labels, annotations, containers and ports; Phase Running/Pending/Succeeded/
//     Failed; NotReady), ProxyPod (a pod whose admin port 15000 reaches an EnvoyAdmin).
//   - Port-forward targets: PortForward(ns, pod, {port: "127.0.0.1:n"}) writes kwok's per-pod rule
//     and waits until kwok has it; every other port of every pod refuses connections, as a real
//     pod's port where nothing listens. ClosedAddr is an address nothing listens on.
//   - Users: admin (system:masters, Kubeconfig), Users (alice, bob, carol, dave) and NewUser (a
//     pool user no other test has), with no permissions until Grant (a Role in a namespace) or
//     GrantCluster (a ClusterRole, removed after the test). KubeconfigFor, ClientFor, Can.
//   - Objects: Apply / ApplyFile (a YAML stream, server-side apply, any kind), InstallCRDs (waits
//     until each CRD is Established and its kinds can be applied). Client and Dynamic are the
//     admin's typed and dynamic clients.
//   - EnvoyAdmin: NewEnvoyAdmin(t, dumpFile, WithClustersFile(...), WithLogLevel(...)); SetFault
//     (hang, die or stall mid-response, non-200, delay, limited to some paths); Requests,
//     Connections, MaxInFlight, Loggers; Close (later connections are refused). Through kwok, a
//     connection the emulator drops mid-response looks to the client like a stall (kwok's tunnel
//     waits for both directions); --admin sees the drop.
//   - StartupTime, StartupPhases, PIDs: for reports and tests of the harness itself.
//
// Every process the harness starts is in its own process group and gets SIGKILL when the test
// binary dies (Pdeathsig, from a thread that lives as long as the binary), so an interrupted or
// timed-out `go test` leaves nothing running; a later Start removes run directories left behind.
// XDSCTL_E2E_KEEP=1 keeps the run directory (logs, kubeconfigs); XDSCTL_E2E_VERBOSE=1 prints the
// start-up time.
package kubetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

// portForwardGVR is kwok's PortForward resource: a per-pod rule saying where port-forwards to the pod go.
var portForwardGVR = schema.GroupVersionResource{Group: "kwok.x-k8s.io", Version: "v1alpha1", Resource: "portforwards"}

// NodeName is the fake node every test pod runs on (kwok manages it).
const NodeName = "kwok-node-0"

// Users that exist besides the admin: they belong to no group, so they may do nothing until a
// test grants them a Role (Grant, GrantCluster). Parallel tests that need a user of their own take
// one from a pool with NewUser.
var Users = []string{"alice", "bob", "carol", "dave"}

// userPoolSize is how many extra users (user-01 ...) NewUser can hand out.
const userPoolSize = 32

// Cluster is a running control plane.
type Cluster struct {
	RunDir     string
	Kubeconfig string // the admin's (system:masters)
	Config     *rest.Config
	Client     kubernetes.Interface
	Dynamic    dynamic.Interface

	bins    Binaries
	pki     *pki
	tokens  map[string]string // user -> bearer token
	apiURL  string
	procs   []*proc
	started time.Time
	ready   time.Duration
	phases  []string // "etcd 0.4s", ... for XDSCTL_E2E_VERBOSE

	userMu   sync.Mutex
	nextUser int
	mapperMu sync.Mutex
	mapper   *restmapper.DeferredDiscoveryRESTMapper
}

type proc struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
	err  error
}

// Start runs etcd, kube-apiserver and kwok on free loopback ports in a new temporary directory,
// creates the fake node, and returns when pods can be scheduled on it.
func Start(ctx context.Context, bins Binaries) (c *Cluster, err error) {
	removeStaleRunDirs()
	dir, err := os.MkdirTemp("", runDirPrefix)
	if err != nil {
		return nil, err
	}
	c = &Cluster{RunDir: dir, bins: bins, tokens: map[string]string{}, started: time.Now()}
	// the owner's pid lets a later Start remove this directory if the test binary was killed
	if err := os.WriteFile(filepath.Join(dir, "owner.pid"), []byte(strconv.Itoa(os.Getpid())), 0o600); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("%w%s", err, c.logTails())
			c.Stop()
		}
	}()
	if c.pki, err = writePKI(filepath.Join(dir, "pki")); err != nil {
		return nil, fmt.Errorf("write certificates: %w", err)
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdPort, peerPort, apiPort, kwokPort := ports[0], ports[1], ports[2], ports[3]
	if err := c.writeTokens(); err != nil {
		return nil, err
	}

	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	etcd, err := c.start("etcd", bins.Etcd,
		"--name", "e2e", "--data-dir", filepath.Join(dir, "etcd"),
		"--listen-client-urls", etcdURL, "--advertise-client-urls", etcdURL,
		"--listen-peer-urls", peerURL, "--initial-advertise-peer-urls", peerURL,
		"--initial-cluster", "e2e="+peerURL,
		"--quota-backend-bytes", "1073741824", "--log-level", "warn", "--unsafe-no-fsync")
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "etcd health", etcd, func() error { return httpOK(nil, etcdURL+"/health", "") }); err != nil {
		return nil, err
	}
	c.phase("etcd")

	c.apiURL = fmt.Sprintf("https://127.0.0.1:%d", apiPort)
	p := c.pki
	api, err := c.start("kube-apiserver", bins.APIServer,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1", "--secure-port", fmt.Sprint(apiPort),
		"--tls-cert-file", p.servingCert, "--tls-private-key-file", p.servKey,
		"--client-ca-file", p.caCert, "--token-auth-file", filepath.Join(dir, "tokens.csv"),
		"--authorization-mode", "RBAC",
		"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file", p.saPub, "--service-account-signing-key-file", p.saKey,
		"--service-cluster-ip-range", "10.96.0.0/16",
		// no kube-controller-manager runs: no default ServiceAccounts, no Endpoints reconciler
		"--endpoint-reconciler-type", "none",
		"--disable-admission-plugins", "ServiceAccount,TaintNodesByCondition",
		"--kubelet-preferred-address-types", "InternalIP",
		"--allow-privileged=true", "--profiling=false",
		"--cert-dir", filepath.Join(dir, "apiserver-certs"))
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "kube-apiserver /readyz", api, func() error {
		return httpOK(c.pki.pool(), c.apiURL+"/readyz", c.tokens["admin"])
	}); err != nil {
		return nil, err
	}
	c.phase("kube-apiserver")
	if c.Kubeconfig, err = c.writeKubeconfig("admin"); err != nil {
		return nil, err
	}
	if c.Config, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig); err != nil {
		return nil, err
	}
	c.Config.QPS, c.Config.Burst = 200, 400
	if c.Client, err = kubernetes.NewForConfig(c.Config); err != nil {
		return nil, err
	}
	if c.Dynamic, err = dynamic.NewForConfig(c.Config); err != nil {
		return nil, err
	}
	// kwok does not register its CRDs; the PortForward CRD comes from its module.
	if err := c.createFromYAML(ctx, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
		filepath.Join(bins.KwokData, "kwok.x-k8s.io_portforwards.yaml")); err != nil {
		return nil, fmt.Errorf("create the PortForward CRD: %w", err)
	}

	stage := func(f string) string { return filepath.Join(bins.KwokData, f) }
	// A port of a pod with no PortForward rule behaves as a real pod's port where nothing
	// listens: the dial is refused (kwok itself would answer "no forward found").
	nothingListens := filepath.Join(dir, "cluster-portforward.yaml")
	if err := os.WriteFile(nothingListens, []byte(fmt.Sprintf(`apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata: {name: kubetest-nothing-listens}
spec:
  forwards:
  - target: {address: %q, port: %d}
`, closedHost, closedPort)), 0o600); err != nil {
		return nil, err
	}
	kwok, err := c.start("kwok", bins.Kwok,
		"--kubeconfig", c.Kubeconfig,
		"--config", stage("node-initialize.yaml"),
		"--config", stage("node-heartbeat-with-lease.yaml"),
		"--config", stage("pod-ready.yaml"),
		"--config", stage("pod-complete.yaml"),
		"--config", stage("pod-delete.yaml"),
		"--config", nothingListens,
		"--enable-crds", "PortForward",
		"--manage-all-nodes=true",
		"--node-ip", "127.0.0.1", "--node-name", "localhost", "--node-port", fmt.Sprint(kwokPort),
		"--server-address", fmt.Sprintf("127.0.0.1:%d", kwokPort),
		"--tls-cert-file", p.servingCert, "--tls-private-key-file", p.servKey,
		"--node-lease-duration-seconds", "40", "--cidr", "10.244.0.0/16")
	if err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "kwok /healthz", kwok, func() error {
		return httpOK(nil, fmt.Sprintf("https://127.0.0.1:%d/healthz", kwokPort), "")
	}); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, "the PortForward resource", kwok, func() error {
		_, err := c.Dynamic.Resource(portForwardGVR).Namespace("default").List(ctx, metav1.ListOptions{})
		return err
	}); err != nil {
		return nil, err
	}
	c.phase("kwok")
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:        NodeName,
		Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
		Labels:      map[string]string{"type": "kwok", "kubernetes.io/hostname": NodeName, "kubernetes.io/os": "linux"},
	}}
	if _, err := c.Client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create node: %w", err)
	}
	if err := waitFor(ctx, "node Ready", kwok, func() error {
		n, err := c.Client.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return errors.New("not ready")
	}); err != nil {
		return nil, err
	}
	c.phase("node Ready")
	c.mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.Client.Discovery()))
	c.ready = time.Since(c.started)
	return c, nil
}

// phase records how long the start has taken so far.
func (c *Cluster) phase(name string) {
	c.phases = append(c.phases, fmt.Sprintf("%s %.1fs", name, time.Since(c.started).Seconds()))
}

// StartupPhases says when each part of the start was done, e.g. "etcd 0.3s", "kube-apiserver 3.1s".
func (c *Cluster) StartupPhases() []string { return append([]string(nil), c.phases...) }

// StartupTime is how long Start took, from nothing to a Ready node.
func (c *Cluster) StartupTime() time.Duration { return c.ready }

// PIDs are the process ids of the harness processes (etcd, kube-apiserver, kwok), for tests of
// the harness itself.
func (c *Cluster) PIDs() []int {
	pids := make([]int, 0, len(c.procs))
	for _, p := range c.procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	return pids
}

// runDirPrefix names the run directories in os.TempDir().
const runDirPrefix = "xdsctl-kube-e2e-"

// removeStaleRunDirs removes the run directories of test binaries that were killed before they
// could clean up (their processes died with them: see procAttr).
func removeStaleRunDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), runDirPrefix+"*"))
	for _, d := range dirs {
		data, err := os.ReadFile(filepath.Join(d, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) == nil {
			continue
		}
		_ = os.RemoveAll(d)
	}
}

// Stop ends the processes (kwok, apiserver, etcd) and removes the run directory, unless
// XDSCTL_E2E_KEEP=1 (then it prints where it is).
func (c *Cluster) Stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		p := c.procs[i]
		select {
		case <-p.done:
			continue
		default:
		}
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.done
		}
	}
	if os.Getenv("XDSCTL_E2E_KEEP") == "1" {
		fmt.Fprintf(os.Stderr, "kubetest: kept %s\n", c.RunDir)
		return
	}
	_ = os.RemoveAll(c.RunDir)
}

func (c *Cluster) start(name, bin string, args ...string) (*proc, error) {
	logPath := filepath.Join(c.RunDir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = procAttr()
	if err := startProcess(cmd); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	c.procs = append(c.procs, p)
	return p, nil
}

// logTails returns the end of every process log, for a failed start.
func (c *Cluster) logTails() string {
	var b strings.Builder
	for _, p := range c.procs {
		data, _ := os.ReadFile(p.log)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(&b, "\n--- %s (%s) ---\n%s", p.name, p.log, strings.Join(lines, "\n"))
	}
	return b.String()
}

// waitFor polls check until it succeeds, p exits, or ctx ends.
func waitFor(ctx context.Context, what string, p *proc, check func() error) error {
	var last error
	for {
		if last = check(); last == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited (%v) while waiting for %s", p.name, p.err, what)
		case <-ctx.Done():
			return fmt.Errorf("timed out waiting for %s: %v", what, last)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func httpOK(pool *x509.CertPool, url, token string) error {
	tlsCfg := &tls.Config{RootCAs: pool}
	if pool == nil {
		tlsCfg.InsecureSkipVerify = true //nolint:gosec // kwok's health port on loopback, before any client trusts it
	}
	tr := &http.Transport{TLSClientConfig: tlsCfg}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequest(http.MethodGet, url, http.NoBody)
	if err != nil {
		return err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Transport: tr, Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (c *Cluster) writeTokens() error {
	var b strings.Builder
	all := append([]string{"admin"}, Users...)
	for i := 1; i <= userPoolSize; i++ {
		all = append(all, fmt.Sprintf("user-%02d", i))
	}
	for i, u := range all {
		buf := make([]byte, 24)
		if _, err := rand.Read(buf); err != nil {
			return err
		}
		tok := hex.EncodeToString(buf)
		c.tokens[u] = tok
		groups := ""
		if u == "admin" {
			groups = `,"system:masters"`
		}
		fmt.Fprintf(&b, "%s,%s,uid-%d%s\n", tok, u, i, groups)
	}
	return os.WriteFile(filepath.Join(c.RunDir, "tokens.csv"), []byte(b.String()), 0o600)
}

// writeKubeconfig writes a kubeconfig for user (namespace default) and returns its path.
func (c *Cluster) writeKubeconfig(user string) (string, error) {
	tok, ok := c.tokens[user]
	if !ok {
		return "", fmt.Errorf("no user %q (users: admin, %s, user-01 ... user-%02d)", user, strings.Join(Users, ", "), userPoolSize)
	}
	path := filepath.Join(c.RunDir, "kubeconfig-"+user)
	cfg := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "e2e",
		"clusters": []any{map[string]any{"name": "e2e", "cluster": map[string]any{
			"server": c.apiURL, "certificate-authority-data": []byte(c.pki.caPEM),
		}}},
		"users":    []any{map[string]any{"name": user, "user": map[string]any{"token": tok}}},
		"contexts": []any{map[string]any{"name": "e2e", "context": map[string]any{"cluster": "e2e", "user": user, "namespace": "default"}}},
	}
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, data, 0o600)
}

// createFromYAML POSTs the object in file to path; an existing object is fine.
func (c *Cluster) createFromYAML(ctx context.Context, path, file string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	body, err := yaml.YAMLToJSON(raw)
	if err != nil {
		return err
	}
	res := c.Client.Discovery().RESTClient().Post().AbsPath(path).
		SetHeader("Content-Type", "application/json").Body(bytes.NewReader(body)).Do(ctx)
	var code int
	res.StatusCode(&code)
	if err := res.Error(); err != nil && code != http.StatusConflict {
		return err
	}
	return nil
}
