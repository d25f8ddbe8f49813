// Package adminhttp is a client for an Envoy admin API over HTTP: a plain Envoy (--admin URL)
// or the local end of a Kubernetes port-forward (internal/kube). Package admin holds what
// commands know of the API (paths, the Client interface); this package is its HTTP transport.
package adminhttp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// MaxBody is the largest admin answer read: config dumps of the largest meshes are a few hundred MB.
const MaxBody = 2 << 30

// Hints shared by the admin errors.
const (
	HintTimeout = "the proxy is slow or stuck, or the dump is very large; raise --timeout (default 10s)"
	hintRefused = "is the Envoy admin API listening on that port? Pass --admin with the right port (Envoy often uses 9901, 8001 or 19000)"
)

// Options configure a Client.
type Options struct {
	// Name is what error messages call the proxy, e.g. `pod "reviews-v1" in namespace "default"`.
	// The default is the base URL.
	Name string
	// Transport carries the requests; the default is a fresh transport that honours the proxy
	// environment (loopback addresses are never proxied).
	Transport http.RoundTripper
	// MaxBody caps the size of an answer (default MaxBody).
	MaxBody int64
	// RefusedHint is the hint for "connection refused" (default: check the --admin port).
	RefusedHint string
	// ConnError, when set, may explain a connection-level failure better than the HTTP client can
	// (a port-forward knows why the pod side closed). It returns nil to keep the original error.
	ConnError func(err error) error
	// OnClose runs after Close has released the HTTP connections (stops a port-forward).
	OnClose func() error
}

// Client is an admin.Client for an admin API at a base URL: a plain Envoy (--admin URL), or the local
// end of a port-forward. One client keeps its connection alive across requests.
type Client struct {
	base *url.URL
	opts Options
	hc   *http.Client
}

var _ admin.Client = (*Client)(nil)

// New returns a client for the admin API at baseURL (http or https; a bare host:port
// means http).
func New(baseURL string, o Options) (*Client, error) {
	u, err := ParseURL(baseURL)
	if err != nil {
		return nil, err
	}
	if o.Name == "" {
		o.Name = u.String()
	}
	if o.MaxBody <= 0 {
		o.MaxBody = MaxBody
	}
	if o.RefusedHint == "" {
		o.RefusedHint = hintRefused
	}
	tr := o.Transport
	if tr == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConnsPerHost = 1
		tr = t
	}
	return &Client{base: u, opts: o, hc: &http.Client{Transport: tr}}, nil
}

// ParseURL checks an --admin URL: http or https with a host, no query. A bare host:port means http.
// Its errors are usage errors; commands report them as such.
func ParseURL(s string) (*url.URL, error) {
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("invalid admin URL %q: %v", s, errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid admin URL %q: the scheme must be http or https", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("invalid admin URL %q: no host", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("invalid admin URL %q: give only scheme, host, port and path prefix", s)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	return u, nil
}

// Name is what errors call the proxy.
func (c *Client) Name() string { return c.opts.Name }

// Get fetches path (e.g. /config_dump?include_eds) and returns the body of a 200 answer.
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path)
}

// Post sends a POST to path (Envoy's mutating endpoints, such as /logging) and returns the body.
func (c *Client) Post(ctx context.Context, path string) ([]byte, error) {
	return c.do(ctx, http.MethodPost, path)
}

// Close releases idle connections, then runs OnClose.
func (c *Client) Close() error {
	c.hc.CloseIdleConnections()
	if c.opts.OnClose != nil {
		return c.opts.OnClose()
	}
	return nil
}

func (c *Client) do(ctx context.Context, method, path string) ([]byte, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base.String()+path, http.NoBody)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.what(method, path), err)
	}
	req.Header.Set("User-Agent", "xdsctl")
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, c.connError(ctx, method, path, err, 0)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.statusError(method, path, resp)
	}
	if resp.ContentLength > c.opts.MaxBody {
		return nil, fmt.Errorf("%s: the answer is %s, more than the %s xdsctl reads", c.what(method, path), size(resp.ContentLength), size(c.opts.MaxBody))
	}
	var buf bytes.Buffer
	if resp.ContentLength > 0 {
		buf.Grow(int(resp.ContentLength))
	}
	n, err := buf.ReadFrom(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		return nil, c.connError(ctx, method, path, err, n)
	}
	if n > c.opts.MaxBody {
		return nil, fmt.Errorf("%s: the answer is larger than the %s xdsctl reads", c.what(method, path), size(c.opts.MaxBody))
	}
	return buf.Bytes(), nil
}

// statusError describes a non-200 answer with its status and the first line of its body.
func (c *Client) statusError(method, path string, resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	var err error = &admin.StatusError{What: c.what(method, path), Code: resp.StatusCode, Status: status, Body: string(head)}
	switch resp.StatusCode {
	case http.StatusNotFound:
		return cmdutil.WithHint(err, "this Envoy may be too old for that admin path, or the port is not Envoy's admin API")
	case http.StatusMethodNotAllowed, http.StatusBadRequest:
		return cmdutil.WithHint(err, "check the admin port really is Envoy's admin API")
	}
	return err
}

// connError turns a failed request or body read into one line with a hint.
func (c *Client) connError(ctx context.Context, method, path string, err error, read int64) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			if read > 0 {
				return cmdutil.WithHint(fmt.Errorf("%s: timed out reading the answer after %d bytes: %w", c.what(method, path), read, ErrTimeout), HintTimeout)
			}
			return cmdutil.WithHint(fmt.Errorf("%s: timed out waiting for the admin API to answer: %w", c.what(method, path), ErrTimeout), HintTimeout)
		}
		return fmt.Errorf("%s: %w", c.what(method, path), ctxErr)
	}
	if c.opts.ConnError != nil {
		if better := c.opts.ConnError(err); better != nil {
			return fmt.Errorf("%s: %w", c.what(method, path), better)
		}
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return cmdutil.WithHint(fmt.Errorf("%s: %w", c.what(method, path), ErrRefused), c.opts.RefusedHint)
	case errors.Is(err, io.ErrUnexpectedEOF) || (read > 0 && isClosedConn(err)):
		return cmdutil.WithHint(fmt.Errorf("%s: the admin API closed the connection mid-response after %d bytes: %w", c.what(method, path), read, ErrMidResponse),
			"the proxy may have restarted or run out of memory; try again")
	case errors.Is(err, io.EOF) || isClosedConn(err):
		return cmdutil.WithHint(fmt.Errorf("%s: the admin API closed the connection without answering: %w", c.what(method, path), ErrNoAnswer),
			"is that port Envoy's admin API? Envoy may also be restarting")
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return fmt.Errorf("%s: cannot resolve host %q", c.what(method, path), dnsErr.Name)
	}
	return fmt.Errorf("%s: %w", c.what(method, path), unwrapURLError(err))
}

// what names a request for error messages, e.g. `fetch /config_dump from pod "x" in namespace "y"`.
// Describe says what a request is, as its errors start: "fetch /config_dump from pod ...".
func (c *Client) Describe(method, path string) string { return c.what(method, path) }

func (c *Client) what(method, path string) string {
	if method == http.MethodGet {
		return fmt.Sprintf("fetch %s from %s", path, c.opts.Name)
	}
	return fmt.Sprintf("%s %s to %s", method, path, c.opts.Name)
}

// Sentinel errors, for callers and tests that need to tell failures apart.
var (
	ErrTimeout     = errors.New("timeout")
	ErrRefused     = errors.New("connection refused")
	ErrMidResponse = errors.New("connection closed mid-response")
	ErrNoAnswer    = errors.New("connection closed before an answer")
)

func isClosedConn(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "server closed idle connection")
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// size writes a byte count for people: 512 bytes, 3 MiB.
func size(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
