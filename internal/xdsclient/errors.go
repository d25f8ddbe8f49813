package xdsclient

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Sentinel errors, so callers and tests can tell the failures apart with errors.Is.
var (
	ErrUnreachable   = errors.New("unreachable")
	ErrTLS           = errors.New("TLS handshake failed")
	ErrUnauthorized  = errors.New("not authorized")
	ErrTimeout       = errors.New("timeout")
	ErrUnimplemented = errors.New("not served")
)

// kindError prints its message and unwraps to a sentinel, so the sentinel's text is not repeated.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

func kindErrorf(kind error, format string, args ...any) error {
	return &kindError{msg: fmt.Sprintf(format, args...), kind: kind}
}

func isUnimplemented(err error) bool {
	return status.Code(err) == codes.Unimplemented
}

// callError turns a failed call into one line naming the control plane, with a hint.
func (c *Conn) callError(parent, ctx context.Context, what string, err error) error {
	if parent.Err() != nil {
		return parent.Err() // interrupted: main reports it
	}
	st, _ := status.FromError(err)
	msg := st.Message()
	pre := fmt.Sprintf("%s from %s", what, c.opts.Name)
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || st.Code() == codes.DeadlineExceeded:
		detail := ""
		if i := strings.Index(msg, "last connection error: "); i >= 0 {
			detail = ": " + strings.TrimSuffix(msg[i+len("last connection error: "):], `"`)
		}
		return cmdutil.WithHint(kindErrorf(ErrTimeout, "%s: no answer within %s%s", pre, c.opts.Timeout, detail),
			"check the address and that the control plane is up; raise --timeout for a very large mesh")
	case st.Code() == codes.Unauthenticated:
		return cmdutil.WithHint(kindErrorf(ErrUnauthorized, "%s: the control plane refused the credentials: %s", pre, msg),
			"pass a valid bearer token with --token, or client certificates with --cert/--key")
	case st.Code() == codes.PermissionDenied:
		return cmdutil.WithHint(kindErrorf(ErrUnauthorized, "%s: permission denied: %s", pre, msg),
			"the identity of the token or certificate may not read debug information; istiod allows it for service accounts of its own namespace")
	case st.Code() == codes.Unimplemented:
		return cmdutil.WithHint(kindErrorf(ErrUnimplemented, "%s: the server does not serve it", pre),
			"is this the control plane's xDS port? For istiod leave out --xds-address (xdsctl asks istio.io/debug/syncz), or use --from-proxies")
	case st.Code() == codes.Unavailable:
		return c.unavailable(pre, msg)
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("%s: %s", pre, msg)
}

// unavailable explains a connection that could not be made or used.
func (c *Conn) unavailable(pre, msg string) error {
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "connection refused"):
		return cmdutil.WithHint(kindErrorf(ErrUnreachable, "%s: connection refused", pre),
			"is the control plane running and listening on that port? Check --xds-address")
	case strings.Contains(low, "no such host"):
		return cmdutil.WithHint(kindErrorf(ErrUnreachable, "%s: cannot resolve the host", pre), "check the host name in --xds-address")
	case strings.Contains(low, "first record does not look like a tls handshake"):
		return cmdutil.WithHint(kindErrorf(ErrTLS, "%s: the server does not speak TLS", pre), "pass --plaintext")
	case strings.Contains(low, "certificate signed by unknown authority") || strings.Contains(low, "x509:") || strings.Contains(low, "tls:"):
		detail := msg
		if i := strings.Index(low, "x509:"); i >= 0 {
			detail = msg[i:]
		} else if i := strings.Index(low, "tls:"); i >= 0 {
			detail = msg[i:]
		}
		detail = strings.TrimSuffix(detail, `"`)
		return cmdutil.WithHint(kindErrorf(ErrTLS, "%s: TLS handshake failed: %s", pre, detail),
			"pass the control plane's CA with --ca (or --insecure to skip verification), and --cert/--key if it wants a client certificate")
	case !c.opts.Plaintext && (strings.Contains(low, "broken pipe") || strings.Contains(low, "connection reset")):
		return cmdutil.WithHint(kindErrorf(ErrTLS, "%s: the server closed the connection during the TLS handshake", pre),
			"the server may want a client certificate (--cert/--key), or speak plaintext (--plaintext)")
	case c.opts.Plaintext && (strings.Contains(low, "server preface") || strings.Contains(low, "connection closed") || strings.Contains(low, "eof")):
		return cmdutil.WithHint(kindErrorf(ErrUnreachable, "%s: the server closed the connection", pre),
			"the server may want TLS: drop --plaintext")
	}
	if i := strings.Index(msg, "last connection error: "); i >= 0 {
		msg = strings.TrimSuffix(msg[i+len("last connection error: "):], `"`)
	}
	return cmdutil.WithHint(kindErrorf(ErrUnreachable, "%s: %s", pre, msg), "check the address and that the control plane is up")
}
