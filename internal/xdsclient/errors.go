package xdsclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/boundedread"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Sentinel errors, so callers and tests can tell the failures apart with errors.Is.
var (
	ErrUnreachable   = errors.New("unreachable")
	ErrTLS           = errors.New("TLS handshake failed")
	ErrUnauthorized  = errors.New("not authorized")
	ErrTimeout       = errors.New("timeout")
	ErrUnimplemented = errors.New("not served")
	ErrTooLarge      = errors.New("answer too large")
	ErrNotXDS        = errors.New("not an xDS server")
)

// hintNotXDS is the hint when what answered at --xds-address does not behave as an xDS server.
const hintNotXDS = "check that --xds-address is the control plane's gRPC xDS port (istiod: 15010 plaintext, 15012 TLS; the bundled control plane: 18000), not an HTTP port (istiod's 15014) or an Envoy admin API"

func isUnimplemented(err error) bool {
	return status.Code(err) == codes.Unimplemented
}

// callError turns a failed call into one line naming the control plane, with a hint.
func (c *Conn) callError(parent, ctx context.Context, what string, err error) error {
	if parent.Err() != nil {
		return parent.Err() // interrupted: main reports it
	}
	st, _ := status.FromError(err)
	msg := admin.Printable(st.Message()) // the server's words: no escape sequences to the terminal
	pre := fmt.Sprintf("%s from %s", what, c.opts.Name)
	if e := c.faultError(pre, err, st); e != nil {
		return e
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		detail := ""
		if i := strings.Index(msg, "last connection error: "); i >= 0 {
			detail = ": " + strings.TrimSuffix(msg[i+len("last connection error: "):], `"`)
		}
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrTimeout, "%s: no answer within %s%s", pre, c.opts.Timeout, detail),
			"check the address and that the control plane is up; raise --timeout for a very large mesh")
	case st.Code() == codes.Unauthenticated:
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnauthorized, "%s: the control plane refused the credentials: %s", pre, msg),
			"pass a valid bearer token with --token, or client certificates with --cert/--key")
	case st.Code() == codes.PermissionDenied:
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnauthorized, "%s: permission denied: %s", pre, msg),
			"the identity of the token or certificate may not read debug information; istiod allows it for service accounts of its own namespace")
	case st.Code() == codes.Unimplemented:
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnimplemented, "%s: the server does not serve it", pre),
			"is this the control plane's xDS port? For istiod leave out --xds-address (xdsctl asks istio.io/debug/syncz), or use --from-proxies")
	case st.Code() == codes.Unavailable:
		return c.unavailable(pre, msg)
	}
	if msg == "" {
		msg = admin.Printable(err.Error())
	}
	return fmt.Errorf("%s: %s", pre, msg)
}

// unavailable explains a connection that could not be made or used.
func (c *Conn) unavailable(pre, msg string) error {
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "no application protocol"):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrNotXDS, "%s: the server speaks TLS but not HTTP/2, so it is not a gRPC server", pre), hintNotXDS)
	case strings.Contains(low, "connection refused"):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnreachable, "%s: connection refused", pre),
			"is the control plane running and listening on that port? Check --xds-address")
	case strings.Contains(low, "no such host"):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnreachable, "%s: cannot resolve the host", pre), "check the host name in --xds-address")
	case strings.Contains(low, "first record does not look like a tls handshake"):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrTLS, "%s: the server does not speak TLS", pre), "pass --plaintext")
	case strings.Contains(low, "certificate signed by unknown authority") || strings.Contains(low, "x509:") || strings.Contains(low, "tls:"):
		detail := msg
		if i := strings.Index(low, "x509:"); i >= 0 {
			detail = msg[i:]
		} else if i := strings.Index(low, "tls:"); i >= 0 {
			detail = msg[i:]
		}
		detail = strings.TrimSuffix(detail, `"`)
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrTLS, "%s: TLS handshake failed: %s", pre, detail),
			"pass the control plane's CA with --ca (or --insecure to skip verification), and --cert/--key if it wants a client certificate")
	case !c.opts.Plaintext && (strings.Contains(low, "broken pipe") || strings.Contains(low, "connection reset")):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrTLS, "%s: the server closed the connection during the TLS handshake", pre),
			"the server may want a client certificate (--cert/--key), or speak plaintext (--plaintext)")
	case strings.Contains(low, "looked like an http/1.1 header") || strings.Contains(low, "server preface: http2: frame too large"):
		// HTTP/1 bytes where an HTTP/2 frame should be (an HTTP/1.0 status line gets no note)
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrNotXDS, "%s: an HTTP/1 server answered, not a gRPC server", pre), hintNotXDS)
	case c.opts.Plaintext && (strings.Contains(low, "server preface") || strings.Contains(low, "connection closed") || strings.Contains(low, "eof")):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnreachable, "%s: the server closed the connection", pre),
			"the server may want TLS: drop --plaintext")
	}
	if i := strings.Index(msg, "last connection error: "); i >= 0 {
		msg = strings.TrimSuffix(msg[i+len("last connection error: "):], `"`)
	}
	return cmdutil.WithHint(cmdutil.KindErrorf(ErrUnreachable, "%s: %s", pre, msg), "check the address and that the control plane is up")
}

// faultError explains the answers of a server that is not the xDS server it was taken for: a stream
// ended without a message, a unary call answered with none or two, an answer over --max-response.
// It returns nil for any other failure.
func (c *Conn) faultError(pre string, err error, st *status.Status) error {
	msg := admin.Printable(st.Message())
	switch {
	case strings.Contains(msg, "received unexpected content-type"):
		what := "a web server"
		if m := webAnswer.FindStringSubmatch(msg); m != nil {
			what = fmt.Sprintf("a web server (HTTP %s, %s)", m[1], m[2])
		}
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrNotXDS, "%s: %s answered, not a gRPC server", pre, what), hintNotXDS)
	case errors.Is(err, io.EOF):
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrNotXDS, "%s: the server ended the stream without answering", pre),
			"the server may not serve that request (an old istiod, or not istiod at all); "+hintNotXDS)
	case strings.Contains(msg, "cardinality violation"):
		what := "with no message"
		if strings.Contains(msg, "another message") {
			what = "with more than one message"
		}
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrNotXDS, "%s: the server answered a single request %s, as no CSDS server does", pre, what), hintNotXDS)
	case st.Code() == codes.ResourceExhausted && strings.Contains(msg, "larger than max"):
		size := ""
		if m := largerThanMax.FindStringSubmatch(msg); m != nil {
			if n, perr := strconv.ParseInt(m[1], 10, 64); perr == nil {
				size = " " + boundedread.Size(n) + ","
			}
		}
		return cmdutil.WithHint(cmdutil.KindErrorf(ErrTooLarge, "%s: the answer is%s more than the %s limit of --%s", pre, size, boundedread.Size(c.opts.MaxResponse), cmdutil.MaxResponseFlag),
			fmt.Sprintf("if the control plane really knows that many proxies, raise --%s (e.g. --%s %s)", cmdutil.MaxResponseFlag, cmdutil.MaxResponseFlag, cmdutil.FormatByteSize(min(2*c.opts.MaxResponse, 2<<30))))
	}
	return nil
}

// webAnswer finds the status and content type in gRPC's `unexpected HTTP status code received from
// server: 200 (OK); transport: received unexpected content-type "text/html"`.
var webAnswer = regexp.MustCompile(`status code received from server: (\d+) .*content-type "([^"]*)"`)

// largerThanMax finds the size in gRPC's "grpc: received message larger than max (10485760 vs. 8388608)".
var largerThanMax = regexp.MustCompile(`larger than max \((\d+) vs\.`)
