package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"syscall"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Sentinel errors, so callers and tests can tell the failures apart with errors.Is.
var (
	ErrNotFound   = errors.New("not found")
	ErrNotRunning = errors.New("not running")
	ErrForbidden  = errors.New("forbidden")
	ErrNoConfig   = errors.New("no Kubernetes configuration")
	ErrTimeout    = errors.New("timeout")
	ErrRefused    = errors.New("connection refused")
)

// forbiddenRE reads the apiserver's RBAC message:
// `User "bob" cannot create resource "pods/portforward" in API group "" in the namespace "default"`.
var forbiddenRE = regexp.MustCompile(`User "([^"]*)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]*)")?`)

// Forbidden is an RBAC denial, with what was missing.
type Forbidden struct {
	User      string
	Verb      string
	Resource  string // pods, pods/portforward, deployments.apps
	Namespace string // "" for cluster scope
	Raw       string
}

// Permission is the missing permission as users say it: "create pods/portforward".
func (f *Forbidden) Permission() string { return f.Verb + " " + f.Resource }

func (f *Forbidden) Error() string {
	who := "you are"
	if f.User != "" {
		who = fmt.Sprintf("user %q is", f.User)
	}
	where := "at cluster scope"
	if f.Namespace != "" {
		where = fmt.Sprintf("in namespace %q", f.Namespace)
	}
	return fmt.Sprintf("forbidden: %s not allowed to %s %s", who, f.Permission(), where)
}

func (f *Forbidden) Unwrap() error { return ErrForbidden }

// parseForbidden finds an RBAC denial in err, or returns nil.
func parseForbidden(err error) *Forbidden {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if !apierrors.IsForbidden(err) && !strings.Contains(msg, "forbidden") {
		return nil
	}
	m := forbiddenRE.FindStringSubmatch(msg)
	if m == nil {
		return &Forbidden{Raw: msg}
	}
	res := m[3]
	if m[4] != "" {
		// pods.apps is not a thing, but deployments are "deployments.apps" to kubectl auth can-i
		if base, sub, ok := strings.Cut(res, "/"); ok {
			res = base + "." + m[4] + "/" + sub
		} else {
			res += "." + m[4]
		}
	}
	return &Forbidden{User: m[1], Verb: m[2], Resource: res, Namespace: m[5], Raw: msg}
}

// forbiddenError turns an RBAC denial into a one-line error naming the missing permission, with
// the kubectl auth can-i command as the hint.
func forbiddenError(f *Forbidden, fallbackVerb, fallbackResource, ns string) error {
	if f.Verb == "" {
		f.Verb, f.Resource, f.Namespace = fallbackVerb, fallbackResource, ns
	}
	check := "kubectl auth can-i " + f.Permission()
	if f.Namespace != "" {
		check += " -n " + f.Namespace
	}
	return cmdutil.WithHint(f, fmt.Sprintf("xdsctl needs RBAC permission to %s; ask a cluster admin, and check with: %s", f.Permission(), check))
}

// apiError maps an error from the Kubernetes API (while doing verb on resource in ns) to one line
// with a hint. what is the object, as the user named it.
func apiError(err error, verb, resource, ns, what string) error {
	if err == nil {
		return nil
	}
	if f := parseForbidden(err); f != nil {
		return forbiddenError(f, verb, resource, ns)
	}
	switch {
	case apierrors.IsNotFound(err):
		hint := fmt.Sprintf("list them with: kubectl get %s -n %s", resource, ns)
		return cmdutil.WithHint(fmt.Errorf("%s not found in namespace %q: %w", what, ns, ErrNotFound), hint)
	case apierrors.IsUnauthorized(err):
		return cmdutil.WithHint(fmt.Errorf("the Kubernetes API server rejected the credentials: %s", apiMessage(err)),
			"log in again, or check --kubeconfig, --context and --user")
	case errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		return cmdutil.WithHint(fmt.Errorf("timed out talking to the Kubernetes API server while trying to %s %s: %w", verb, resource, ErrTimeout),
			"check the cluster is reachable (kubectl cluster-info); raise --timeout or --request-timeout")
	case errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, syscall.ECONNREFUSED):
		return cmdutil.WithHint(fmt.Errorf("cannot reach the Kubernetes API server%s: connection refused", atServer(err)),
			"check the cluster is up and --context/--kubeconfig point at it (kubectl cluster-info)")
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return cmdutil.WithHint(fmt.Errorf("cannot reach the Kubernetes API server%s: cannot resolve host %q", atServer(err), dnsErr.Name),
			"check --context/--kubeconfig point at a cluster that exists")
	}
	return fmt.Errorf("%s %s in namespace %q: %s", verb, resource, ns, apiMessage(err))
}

func apiMessage(err error) string {
	var se apierrors.APIStatus
	if errors.As(err, &se) && se.Status().Message != "" {
		return se.Status().Message
	}
	return err.Error()
}

// atServer is " at <server URL>" for an error from a request to the API server, else "".
func atServer(err error) string {
	if s := serverOf(err); s != "" {
		return " at " + s
	}
	return ""
}
