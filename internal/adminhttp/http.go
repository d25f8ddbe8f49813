// Package adminhttp is a client for an Envoy admin API over HTTP: a plain Envoy (--admin URL)
// or the local end of a Kubernetes port-forward (internal/kube). Package admin holds what
// commands know of the API (paths, the Client interface); this package is its HTTP transport.
package adminhttp

import (
	"bytes"
	"compress/gzip"
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
	"github.com/xdsctl/xdsctl/internal/boundedread"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// MaxBody is the largest admin answer read unless Options say otherwise (--max-response's default):
// config dumps of the largest meshes are a few hundred MB.
const MaxBody = cmdutil.DefaultMaxResponse

// maxRedirects is how many same-host redirects a request follows.
const maxRedirects = 5

// maxHeaderBytes bounds an answer's headers.
const maxHeaderBytes = 1 << 20

// Hints shared by the admin errors.
const (
	HintTimeout = "the proxy is slow or stuck, or the dump is very large; raise --timeout (default 10s)"
	hintHTML    = "something in front of the admin port answered (a web proxy, gateway or login page): point xdsctl at Envoy's admin port itself (in a pod 15000, else often 9901)"
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
// end of a port-forward. Each request has its own connection (see New).
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
		tr = http.DefaultTransport
	}
	if t, ok := tr.(*http.Transport); ok {
		t = t.Clone()
		// Go's transparent gzip would inflate an answer with no bound; do() inflates within the limit.
		t.DisableCompression = true
		// No reuse: a server that sends bytes after an answer makes Go's transport log
		// "Unsolicited response received on idle HTTP channel" to the process's standard error.
		t.DisableKeepAlives = true
		// Envoy's headers are a few hundred bytes; Go's default allows 10 MB of them
		t.MaxResponseHeaderBytes = maxHeaderBytes
		tr = t
	}
	c := &Client{base: u, opts: o}
	c.hc = &http.Client{Transport: tr, CheckRedirect: c.checkRedirect}
	return c, nil
}

// checkRedirect follows a redirect only to the same scheme, host and port: an answer from
// elsewhere would be shown as if the proxy had given it.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != c.base.Scheme || req.URL.Host != c.base.Host {
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrRedirect, "redirected to %s, another host than %s", redact(req.URL), c.base.Host),
			"xdsctl shows only what the admin API itself answers; point --admin at the proxy's admin port, not at something that redirects")
	}
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	return nil
}

// redact is a URL without its user info and query, for messages.
func redact(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.Fragment = nil, "", ""
	return v.String()
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
	body, declared := io.Reader(resp.Body), resp.ContentLength
	switch enc := strings.ToLower(resp.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip", "x-gzip": // never asked for, but a server may send it anyway: inflate within the limit
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, c.connError(ctx, method, path, err, 0)
		}
		body, declared = zr, -1
	default:
		return nil, fmt.Errorf("%s: the answer is encoded with %q, which xdsctl did not ask for", c.what(method, path), enc)
	}
	data, n, err := boundedread.Read(ctx, body, declared, c.opts.MaxBody)
	if err != nil {
		var tl *boundedread.TooLargeError
		if errors.As(err, &tl) {
			return nil, cmdutil.WithHint(cmdutil.KindErrorf(ErrTooLarge, "%s: %s of --%s", c.what(method, path), tl.Error(), cmdutil.MaxResponseFlag),
				fmt.Sprintf("if the proxy really holds that much configuration, raise --%s (e.g. --%s %s)", cmdutil.MaxResponseFlag, cmdutil.MaxResponseFlag, cmdutil.FormatByteSize(2*c.opts.MaxBody)))
		}
		return nil, c.connError(ctx, method, path, err, n)
	}
	if isHTML(resp.Header.Get("Content-Type"), data) {
		return nil, cmdutil.WithHint(cmdutil.KindErrorf(ErrHTML, "%s: answered with an HTML page%s, not Envoy's admin API (a proxy or login page in front of it?)", c.what(method, path), titled(pageTitle(data))),
			hintHTML)
	}
	return data, nil
}

// statusError describes a non-200 answer with its status and the first line of its body.
func (c *Client) statusError(method, path string, resp *http.Response) error {
	head, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	status := resp.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	se := &admin.StatusError{What: c.what(method, path), Code: resp.StatusCode, Status: status, Body: string(head)}
	if isHTML(resp.Header.Get("Content-Type"), head) {
		se.Body, se.HTML = "", "-"
		if t := pageTitle(head); t != "" {
			se.HTML = t
		}
		return cmdutil.WithHint(se, hintHTML)
	}
	var err error = se
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
	if errors.Is(err, ErrRedirect) {
		var he *cmdutil.HintError
		if errors.As(err, &he) {
			return cmdutil.WithHint(fmt.Errorf("%s: %w", c.what(method, path), he.Err), he.Hint)
		}
	}
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
	if strings.Contains(err.Error(), "server response headers exceeded") {
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrTooLarge, "%s: the answer's headers are larger than %s", c.what(method, path), boundedread.Size(maxHeaderBytes)),
			"is that port Envoy's admin API?")
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
	ErrTooLarge    = errors.New("answer too large")
	ErrHTML        = errors.New("an HTML page")
	ErrRedirect    = errors.New("redirected to another host")
)

// isHTML tells whether an answer is a web page: its Content-Type says so, or its first bytes are
// an HTML document's. Envoy's admin API answers the paths xdsctl reads with JSON or text.
func isHTML(contentType string, body []byte) bool {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(contentType)), "text/html") {
		return true
	}
	head := bytes.TrimLeft(body[:min(len(body), 512)], " \t\r\n\ufeff")
	for _, p := range []string{"<!doctype html", "<html", "<head", "<body", "<!--", "<?xml"} {
		if len(head) >= len(p) && strings.EqualFold(string(head[:len(p)]), p) {
			return true
		}
	}
	return false
}

// pageTitle is the text of an HTML page's <title>, cleaned and cut to 80 characters, or "".
func pageTitle(body []byte) string {
	low := asciiLower(body[:min(len(body), 64<<10)]) // byte for byte: offsets in low are offsets in body
	i := bytes.Index(low, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(low[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(low[start:], []byte("</title"))
	if end < 0 {
		return ""
	}
	t := strings.Join(strings.Fields(string(body[start:start+end])), " ")
	t = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, t)
	if r := []rune(t); len(r) > 80 {
		t = string(r[:80]) + "..."
	}
	return t
}

// asciiLower is b with A-Z lowered, the same length (bytes.ToLower may change it on bad UTF-8).
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

func titled(t string) string {
	if t == "" {
		return ""
	}
	return fmt.Sprintf(" (%q)", t)
}

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
