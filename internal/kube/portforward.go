package kube

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/klog/v2"
	streamhttp "k8s.io/streaming/pkg/httpstream"

	"github.com/xdsctl/xdsctl/internal/adminhttp"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Forward is an open port-forward: the local URL that reaches the pod's port, how to stop it, and
// how to learn why the pod side failed a connection.
type Forward struct {
	URL string
	// Stop closes the local listener and the connection to the API server.
	Stop func()
	// Explain waits briefly for the reason the pod side failed a connection (the port-forward's
	// error stream, e.g. "connection refused") and returns it, or nil if none came.
	Explain func(wait time.Duration) error
}

// ForwardFunc opens a port-forward from a free loopback port to port in pod.
type ForwardFunc func(ctx context.Context, pod *corev1.Pod, port int) (*Forward, error)

// explainWait is how long a failed request waits for the port-forward to say why.
const explainWait = time.Second

// forwardClient is the admin client of one pod. It opens its port-forward on the first request and
// keeps it for every later request (each over its own connection through it), until Close.
type forwardClient struct {
	r       *Resolver
	pod     *corev1.Pod
	port    int
	source  string // where the port came from, for hints
	maxBody int64  // --max-response

	mu      sync.Mutex
	hc      *adminhttp.Client
	err     error
	refused error // the pod side refused a connection: why (later requests fail with it at once)
}

func newForwardClient(r *Resolver, pod *corev1.Pod, port int, source string, maxBody int64) *forwardClient {
	return &forwardClient{r: r, pod: pod, port: port, source: source, maxBody: maxBody}
}

func (c *forwardClient) name() string {
	return fmt.Sprintf("pod %q in namespace %q", c.pod.Name, c.pod.Namespace)
}

func (c *forwardClient) Get(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path)
}

func (c *forwardClient) Post(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodPost, path)
}

// do sends one request through the pod's port-forward. Once the pod side has refused a connection
// (nothing listens on the admin port), later requests of the same command fail at once with that
// reason: each would otherwise open another stream to the pod only to be refused again, and a node
// slow to answer a stream makes that a 30 s wait (client-go's stream creation timeout).
func (c *forwardClient) do(ctx context.Context, method, path string) ([]byte, error) {
	hc, err := c.open(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	refused := c.refused
	c.mu.Unlock()
	if refused != nil {
		return nil, fmt.Errorf("%s: %w", hc.Describe(method, path), refused)
	}
	if method == http.MethodPost {
		return hc.Post(ctx, path)
	}
	return hc.Get(ctx, path)
}

func (c *forwardClient) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hc != nil {
		err := c.hc.Close()
		c.hc = nil
		c.err = errors.New("closed")
		return err
	}
	return nil
}

func (c *forwardClient) open(ctx context.Context) (*adminhttp.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.hc != nil || c.err != nil {
		return c.hc, c.err
	}
	fw, err := c.r.Forward(ctx, c.pod, c.port)
	if err != nil {
		c.err = c.openError(ctx, err)
		return nil, c.err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil // the local end of a port-forward is never proxied
	tr.MaxIdleConnsPerHost = 1
	hc, err := adminhttp.New(fw.URL, adminhttp.Options{
		Name:        c.name(),
		Transport:   tr,
		MaxBody:     c.maxBody,
		RefusedHint: c.refusedHint(),
		ConnError: func(error) error {
			if fw.Explain == nil {
				return nil
			}
			why := c.explain(fw.Explain(explainWait))
			if errors.Is(why, ErrRefused) {
				c.mu.Lock()
				c.refused = why
				c.mu.Unlock()
			}
			return why
		},
		OnClose: func() error { fw.Stop(); return nil },
	})
	if err != nil {
		fw.Stop()
		c.err = err
		return nil, err
	}
	c.hc = hc
	return hc, nil
}

// openError explains a port-forward that could not be opened.
func (c *forwardClient) openError(ctx context.Context, err error) error {
	ns := c.pod.Namespace
	if f := parseForbidden(err); f != nil {
		return forbiddenError(f, "create", "pods/portforward", ns)
	}
	if ctx.Err() != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return cmdutil.WithHint(fmt.Errorf("open a port-forward to %s: timed out: %w", c.name(), ErrTimeout),
				"check the API server and the node are reachable (kubectl port-forward works?); raise --timeout")
		}
		return ctx.Err()
	}
	msg := strings.TrimPrefix(err.Error(), "error upgrading connection: ")
	return cmdutil.WithHint(fmt.Errorf("open a port-forward to %s: %s", c.name(), msg),
		fmt.Sprintf("check that kubectl port-forward -n %s %s %d works", ns, c.pod.Name, c.port))
}

// explain maps the reason the pod side gave (the port-forward error stream) to a one-line error.
func (c *forwardClient) explain(reason error) error {
	if reason == nil {
		return nil
	}
	msg := reason.Error()
	if strings.Contains(msg, "connection refused") {
		return cmdutil.WithHint(fmt.Errorf("nothing listens on port %d in the pod (%s): %w", c.port, c.portSource(), ErrRefused), c.refusedHint())
	}
	if errors.Is(reason, portforward.ErrLostConnectionToPod) {
		return cmdutil.WithHint(fmt.Errorf("lost the port-forward connection to the pod: %w", reason), "the pod may have restarted; try again")
	}
	return fmt.Errorf("the port-forward to port %d failed: %s", c.port, msg)
}

func (c *forwardClient) portSource() string {
	if c.source == "default" {
		return "the default admin port"
	}
	return "from " + c.source
}

func (c *forwardClient) refusedHint() string {
	if isProxylessGRPC(c.pod) {
		ip := c.pod.Status.PodIP
		if ip == "" {
			ip = "<pod IP>"
		}
		return fmt.Sprintf("pod %s is a proxyless gRPC client: no Envoy, so no admin API. Ask its own CSDS service (gRPC's admin server) instead: "+
			"xdsctl proxy-status --xds-address %s:<its admin port> --plaintext", c.pod.Name, ip)
	}
	if !looksLikeProxy(c.pod) && c.source == "default" {
		return fmt.Sprintf("pod %s has no istio-proxy or envoy container: is the sidecar injected? If Envoy's admin API is on another port, pass --proxy-admin-port", c.pod.Name)
	}
	if c.source == "default" {
		return fmt.Sprintf("is Envoy's admin API on another port? Pass --proxy-admin-port (%d is the default)", c.port)
	}
	return fmt.Sprintf("is Envoy's admin API on another port? Pass --proxy-admin-port (port %d came %s)", c.port, c.portSource())
}

// portForward is the real ForwardFunc: client-go's port-forward on 127.0.0.1:0, WebSocket first and
// SPDY when the API server cannot upgrade (kubectl's behaviour), unless r.Mode says otherwise.
func (r *Resolver) portForward(ctx context.Context, pod *corev1.Pod, port int) (*Forward, error) {
	d, err := r.dialer(pod)
	if err != nil {
		return nil, err
	}
	sink := &errorSink{first: make(chan struct{})}
	// client-go reports a failed forwarded connection (the pod's answer on the error stream) to
	// the logger in the context: collect it there, to explain the failure and keep stderr clean.
	fctx, cancel := context.WithCancel(klog.NewContext(context.Background(), logr.New(sink)))
	ready := make(chan struct{})
	pf, err := portforward.NewOnAddressesWithContext(fctx, d, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, ready, nil, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	done := make(chan error, 1)
	go func() {
		err := pf.ForwardPorts()
		if err != nil {
			sink.record(err)
		}
		done <- err
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("the port-forward stopped before it was ready")
		}
		return nil, err
	case <-ctx.Done():
		cancel()
		return nil, ctx.Err()
	}
	ports, err := pf.GetPorts()
	if err != nil || len(ports) == 0 {
		cancel()
		return nil, fmt.Errorf("port-forward has no local port: %w", err)
	}
	return &Forward{
		URL: fmt.Sprintf("http://127.0.0.1:%d", ports[0].Local),
		Stop: func() {
			cancel() // ForwardPorts closes the listener and the connection, then returns
			select {
			case <-done:
			case <-time.After(time.Second):
			}
		},
		Explain: sink.wait,
	}, nil
}

// dialer connects to the API server's pods/portforward subresource.
func (r *Resolver) dialer(pod *corev1.Pod) (httpstream.Dialer, error) {
	u := r.client.CoreV1().RESTClient().Post().Resource("pods").Namespace(pod.Namespace).Name(pod.Name).SubResource("portforward").URL()
	transport, upgrader, err := spdy.RoundTripperFor(r.cfg)
	if err != nil {
		return nil, fmt.Errorf("port-forward transport: %w", err)
	}
	spdyDialer := spdy.NewDialer(upgrader, &http.Client{Transport: transport}, http.MethodPost, u)
	if r.Mode == PortForwardSPDY {
		return spdyDialer, nil
	}
	ws, err := portforward.NewSPDYOverWebsocketDialer(u, r.cfg)
	if err != nil {
		return nil, fmt.Errorf("port-forward transport: %w", err)
	}
	if r.Mode == PortForwardWebSocket {
		return ws, nil
	}
	return portforward.NewFallbackDialer(ws, spdyDialer, shouldFallback), nil
}

// shouldFallback tells whether a failed WebSocket port-forward should be retried over SPDY: the
// server could not upgrade (an older API server, a proxy in between, or RBAC that allows the
// SPDY POST but not the WebSocket GET), or an HTTPS proxy refused WebSockets. client-go's
// WebSocket transport reports these with k8s.io/streaming's error types, the SPDY side with
// apimachinery's: both are checked.
func shouldFallback(err error) bool {
	return httpstream.IsUpgradeFailure(err) || httpstream.IsHTTPSProxyError(err) ||
		streamhttp.IsUpgradeFailure(err) || streamhttp.IsHTTPSProxyError(err)
}

// errorSink is a logr sink that keeps the first error client-go reports for one port-forward.
type errorSink struct {
	mu    sync.Mutex
	err   error
	first chan struct{}
}

func (s *errorSink) record(err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
		close(s.first)
	}
}

// wait returns the first error, waiting up to d for one.
func (s *errorSink) wait(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.first:
	case <-t.C:
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *errorSink) Init(logr.RuntimeInfo)          {}
func (s *errorSink) Enabled(int) bool               { return false }
func (s *errorSink) Info(int, string, ...any)       {}
func (s *errorSink) WithValues(...any) logr.LogSink { return s }
func (s *errorSink) WithName(string) logr.LogSink   { return s }
func (s *errorSink) Error(err error, msg string, _ ...any) {
	if err == nil {
		err = errors.New(msg)
	}
	s.record(err)
}

var quietOnce sync.Once

// quietKlog stops client-go's global klog output (it would print port-forward chatter on stderr,
// where xdsctl prints only its own warnings and progress).
func quietKlog() {
	quietOnce.Do(func() { klog.SetLogger(logr.Discard()) })
}
