package xdsclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/boundedread"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/xdswire"
)

// Debug type URLs istiod serves over ADS (pilot/pkg/xds/statusgen.go).
const (
	TypeSyncz      = "istio.io/debug/syncz"
	TypeConfigDump = "istio.io/debug/config_dump"
)

// Istiod's ports: xDS over TLS, xDS plaintext, HTTP monitoring and debug.
const (
	PortXDSTLS       = 15012
	PortXDSPlaintext = 15010
	PortDebugHTTP    = 15014
)

// notConnected is in istiod's config_dump answer for a proxy connected to another replica.
const notConnected = "Proxy not connected to this Pilot instance"

// ErrNoIstiod is wrapped when no istiod pod is found.
var ErrNoIstiod = errors.New("no istiod")

// Cluster is what asking istiod needs from Kubernetes; *kube.Resolver implements it.
type Cluster interface {
	DefaultNamespace() (string, error)
	ListPods(ctx context.Context, namespace, selector string) ([]corev1.Pod, error)
	ForwardPort(ctx context.Context, pod *corev1.Pod, port int) (addr string, stop func(), err error)
	ServiceAccountToken(ctx context.Context, namespace, serviceAccount string, audiences []string, ttl time.Duration) (string, error)
}

// IstiodOptions say which istiod to ask and how.
type IstiodOptions struct {
	// Namespace is where istiod runs (default istio-system).
	Namespace string
	// Revision selects the istiod pods of one revision (label istio.io/rev); "" asks every istiod.
	Revision string
	// Plaintext uses port 15010 without TLS or token; otherwise 15012 with TLS and a token.
	Plaintext bool
	// Port overrides the xDS port.
	Port int
	// CA, when set, verifies istiod's certificate (as istiod.<ns>.svc, or istiod-<rev>.<ns>.svc). Without
	// it the certificate is not verified, as istioctl does: the port-forward already reaches the pod
	// through the authenticated API server.
	CA, Cert, Key string
	// Token is the bearer token; "" requests one for the namespace's "default" service account, with
	// audience istio-ca, from the TokenRequest API.
	Token string
	// Timeout bounds each request.
	Timeout time.Duration
	// MaxResponse bounds each answer (--max-response; 0: cmdutil.DefaultMaxResponse).
	MaxResponse int64
	// Warn receives notes (an HTTP fallback); nil discards them.
	Warn io.Writer
}

// Answer is one istiod replica's answer.
type Answer struct {
	// Pod is the istiod pod.
	Pod string
	// Response is a DiscoveryResponse in binary form (from ADS), or nil.
	Response []byte
	// Legacy is the body of HTTP /debug/syncz (the fallback for istiod without the syncz debug type).
	Legacy []byte
	Err    error
	// note says how the answer was got when it is worth saying (an HTTP fallback).
	note string
}

// Istiod asks the istiod replicas of a cluster.
type Istiod struct {
	cl   Cluster
	opts IstiodOptions

	tokenOnce sync.Once
	token     string
	tokenErr  error
}

// NewIstiod returns a client for the istiod pods of a cluster.
func NewIstiod(cl Cluster, o IstiodOptions) *Istiod {
	if o.Namespace == "" {
		o.Namespace = "istio-system"
	}
	if o.Port == 0 {
		o.Port = PortXDSTLS
		if o.Plaintext {
			o.Port = PortXDSPlaintext
		}
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Warn == nil {
		o.Warn = io.Discard
	}
	return &Istiod{cl: cl, opts: o}
}

// Selector is the label selector of the istiod pods asked.
func (i *Istiod) Selector() string {
	if i.opts.Revision != "" {
		return "app=istiod,istio.io/rev=" + i.opts.Revision
	}
	return "app=istiod"
}

// Pods lists the running istiod pods, or fails with a hint when there are none.
func (i *Istiod) Pods(ctx context.Context) ([]corev1.Pod, error) {
	pods, err := i.cl.ListPods(ctx, i.opts.Namespace, i.Selector())
	if err != nil {
		return nil, err
	}
	var running []corev1.Pod
	for _, p := range pods {
		if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
			running = append(running, p)
		}
	}
	if len(running) == 0 {
		what := "no istiod pods"
		if len(pods) > 0 {
			what = "no running istiod pods"
		}
		return nil, cmdutil.WithHint(fmt.Errorf("%s (label %s) in namespace %q: %w", what, i.Selector(), i.opts.Namespace, ErrNoIstiod),
			"pass -i/--istio-namespace where istiod runs and -r/--revision for a revision; ask another control plane with --xds-address, or infer from the proxies with --from-proxies")
	}
	return running, nil
}

// Syncz asks every istiod replica for istio.io/debug/syncz, in parallel. A replica that does not
// serve the debug type over ADS (an older istiod) is asked HTTP :15014/debug/syncz instead. The
// error is for failures before any replica was asked (no pods, no token).
func (i *Istiod) Syncz(ctx context.Context) ([]Answer, error) {
	pods, err := i.Pods(ctx)
	if err != nil {
		return nil, err
	}
	if err := i.ensureToken(ctx); err != nil {
		return nil, err
	}
	answers := make([]Answer, len(pods))
	var wg sync.WaitGroup
	for k := range pods {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			answers[k] = i.synczOf(ctx, &pods[k])
		}(k)
	}
	wg.Wait()
	for _, a := range answers { // in pod order, once all are in
		if a.note != "" {
			fmt.Fprintln(i.opts.Warn, a.note)
		}
	}
	return answers, nil
}

func (i *Istiod) synczOf(ctx context.Context, pod *corev1.Pod) Answer {
	a := Answer{Pod: pod.Name}
	a.Response, a.Err = i.debug(ctx, pod, TypeSyncz, nil)
	// Fall back only when istiod was reached but does not answer the debug type; a connection,
	// TLS or credentials problem is reported as it is.
	if a.Err == nil || ctx.Err() != nil || !(errors.Is(a.Err, ErrUnimplemented) || errors.Is(a.Err, ErrTimeout)) {
		return a
	}
	legacy, herr := i.httpSyncz(ctx, pod)
	if herr != nil {
		return a // the ADS error says more
	}
	note := fmt.Sprintf("Note: istiod pod %q did not answer %s over xDS (%v); used its HTTP :%d/debug/syncz instead",
		pod.Name, TypeSyncz, a.Err, PortDebugHTTP)
	return Answer{Pod: pod.Name, Legacy: legacy, note: note}
}

// ConfigDump asks the istiod replicas, one after the other, for their view of one proxy
// (istio.io/debug/config_dump, resource name pod.namespace) and returns the first answer of the
// replica the proxy is connected to, with that replica's pod name.
func (i *Istiod) ConfigDump(ctx context.Context, proxyID string) (resp []byte, pod string, err error) {
	pods, err := i.Pods(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := i.ensureToken(ctx); err != nil {
		return nil, "", err
	}
	var errs []error
	for k := range pods {
		b, err := i.debug(ctx, &pods[k], TypeConfigDump, []string{proxyID})
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			errs = append(errs, err)
			continue
		}
		if notConnectedAnswer(b) {
			continue
		}
		return b, pods[k].Name, nil
	}
	if len(errs) > 0 {
		return nil, "", errs[0]
	}
	return nil, "", cmdutil.WithHint(fmt.Errorf("no istiod replica (label %s in namespace %q) has proxy %q connected", i.Selector(), i.opts.Namespace, proxyID),
		"check the pod's sidecar is running and connected (xdsctl proxy-status lists the connected proxies); with several revisions pass -r")
}

// notConnectedAnswer tells whether a config_dump answer says the proxy is not connected here (or is empty).
func notConnectedAnswer(b []byte) bool {
	return len(b) == 0 || strings.Contains(string(b), notConnected) || !hasResources(b)
}

// hasResources tells whether a DiscoveryResponse has any resources (field 2).
func hasResources(b []byte) bool {
	found := false
	_ = xdswire.Walk(b, func(num protowire.Number, _ protowire.Type, _ []byte) int {
		found = found || num == 2
		return 0 // skip the value
	})
	return found
}

// debug opens a port-forward to the pod's xDS port and sends one debug request.
func (i *Istiod) debug(ctx context.Context, pod *corev1.Pod, typeURL string, names []string) ([]byte, error) {
	fctx, cancel := context.WithTimeout(ctx, i.opts.Timeout)
	defer cancel()
	addr, stop, err := i.cl.ForwardPort(fctx, pod, i.opts.Port)
	if err != nil {
		return nil, fmt.Errorf("istiod pod %q: %w", pod.Name, err)
	}
	defer stop()
	o := Options{
		Address: addr, Name: fmt.Sprintf("istiod pod %q (port %d)", pod.Name, i.opts.Port), Plaintext: i.opts.Plaintext,
		CA: i.opts.CA, Cert: i.opts.Cert, Key: i.opts.Key, Token: i.token, Timeout: i.opts.Timeout,
		MaxResponse: i.opts.MaxResponse,
	}
	if !o.Plaintext {
		o.ServerName = "istiod." + i.opts.Namespace + ".svc"
		if i.opts.Revision != "" && i.opts.Revision != "default" {
			o.ServerName = "istiod-" + i.opts.Revision + "." + i.opts.Namespace + ".svc"
		}
		o.Insecure = i.opts.CA == ""
	}
	c, err := Dial(o)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.DebugRequest(ctx, typeURL, names, i.debugNode())
}

// debugNode is the identity istiod sees: an Istio node ID (istiod parses type~ip~id~domain) whose
// metadata asks for the event generator, as istioctl's requests do.
func (i *Istiod) debugNode() Node {
	ns := i.opts.Namespace
	return Node{
		ID:       fmt.Sprintf("sidecar~127.0.0.1~xdsctl-%d.%s~%s.svc.cluster.local", os.Getpid(), ns, ns),
		Metadata: map[string]string{"GENERATOR": "event", "NAMESPACE": ns, "SERVICE_ACCOUNT": "default"},
	}
}

// ensureToken gets the bearer token once (not for plaintext).
func (i *Istiod) ensureToken(ctx context.Context) error {
	if i.opts.Plaintext || i.opts.Cert != "" {
		return nil
	}
	i.tokenOnce.Do(func() {
		if i.opts.Token != "" {
			i.token = i.opts.Token
			return
		}
		tok, err := i.cl.ServiceAccountToken(ctx, i.opts.Namespace, "default", []string{"istio-ca"}, time.Hour)
		if err != nil {
			hint := "pass --token, or ask istiod's plaintext port 15010 with --plaintext"
			if h := cmdutil.HintOf(err); h != "" {
				hint = h + "; or " + hint
			}
			i.tokenErr = cmdutil.WithHint(fmt.Errorf("get a token for istiod: %w", err), hint)
			return
		}
		i.token = tok
	})
	return i.tokenErr
}

// httpSyncz reads istiod's HTTP :15014/debug/syncz through a port-forward.
func (i *Istiod) httpSyncz(ctx context.Context, pod *corev1.Pod) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, i.opts.Timeout)
	defer cancel()
	addr, stop, err := i.cl.ForwardPort(ctx, pod, PortDebugHTTP)
	if err != nil {
		return nil, err
	}
	defer stop()
	return HTTPSyncz(ctx, "http://"+addr, i.token, i.opts.MaxResponse)
}

// HTTPSyncz GETs <base>/debug/syncz (istiod's HTTP debug endpoint) and returns the body, reading
// at most maxResponse bytes (0: cmdutil.DefaultMaxResponse). Redirects are not followed.
func HTTPSyncz(ctx context.Context, base, token string, maxResponse int64) ([]byte, error) {
	if maxResponse <= 0 {
		maxResponse = cmdutil.DefaultMaxResponse
	}
	what := fmt.Sprintf("GET %s/debug/syncz", base)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/debug/syncz", http.NoBody)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	// no transparent gzip (unbounded), no reuse (Go logs a server's stray bytes to stderr)
	tr := &http.Transport{Proxy: nil, DisableCompression: true, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", what, resp.Status)
	}
	body, _, err := boundedread.Read(ctx, resp.Body, resp.ContentLength, maxResponse)
	if err != nil {
		var tl *boundedread.TooLargeError
		if errors.As(err, &tl) {
			return nil, cmdutil.WithHint(fmt.Errorf("%s: %s of --%s", what, tl.Error(), cmdutil.MaxResponseFlag), "raise --"+cmdutil.MaxResponseFlag+" if the mesh really is that large")
		}
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return body, nil
}
