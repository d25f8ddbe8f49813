package kube

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

func TestParseForbidden(t *testing.T) {
	cases := []struct {
		name, msg                  string
		wantUser, wantPerm, wantNS string
		wantError                  string
	}{
		{
			name:     "portforward",
			msg:      `pods "x" is forbidden: User "bob" cannot create resource "pods/portforward" in API group "" in the namespace "default"`,
			wantUser: "bob", wantPerm: "create pods/portforward", wantNS: "default",
			wantError: `forbidden: user "bob" is not allowed to create pods/portforward in namespace "default"`,
		},
		{
			name:     "apps group",
			msg:      `deployments.apps "x" is forbidden: User "alice" cannot get resource "deployments" in API group "apps" in the namespace "prod"`,
			wantUser: "alice", wantPerm: "get deployments.apps", wantNS: "prod",
		},
		{
			name:     "cluster scope",
			msg:      `pods is forbidden: User "carol" cannot list resource "pods" in API group "" at the cluster scope`,
			wantUser: "carol", wantPerm: "list pods", wantNS: "",
			wantError: `forbidden: user "carol" is not allowed to list pods at cluster scope`,
		},
		{
			name:     "subresource in a group",
			msg:      `deployments.apps "d" is forbidden: User "x" cannot get resource "deployments/scale" in API group "apps" in the namespace "n"`,
			wantUser: "x", wantPerm: "get deployments.apps/scale", wantNS: "n",
		},
		{
			name:     "serviceaccount user",
			msg:      `pods "p" is forbidden: User "system:serviceaccount:ci:deployer" cannot get resource "pods" in API group "" in the namespace "ci"`,
			wantUser: "system:serviceaccount:ci:deployer", wantPerm: "get pods", wantNS: "ci",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := parseForbidden(errors.New(tc.msg))
			if f == nil {
				t.Fatal("not recognised")
			}
			if f.User != tc.wantUser || f.Permission() != tc.wantPerm || f.Namespace != tc.wantNS {
				t.Fatalf("got user %q perm %q ns %q", f.User, f.Permission(), f.Namespace)
			}
			if tc.wantError != "" && f.Error() != tc.wantError {
				t.Errorf("Error() = %q, want %q", f.Error(), tc.wantError)
			}
			if !errors.Is(f, ErrForbidden) {
				t.Error("not errors.Is ErrForbidden")
			}
		})
	}
	if parseForbidden(errors.New("connection refused")) != nil {
		t.Error("a non-RBAC error was taken for a denial")
	}
	if f := parseForbidden(errors.New("forbidden: by a webhook")); f == nil || f.Verb != "" {
		t.Errorf("an unparseable denial: %+v", f)
	}
}

func TestForbiddenErrorFallback(t *testing.T) {
	// an unparseable denial names what xdsctl was doing
	err := forbiddenError(&Forbidden{Raw: "forbidden"}, "create", "pods/portforward", "ns")
	if err.Error() != `forbidden: you are not allowed to create pods/portforward in namespace "ns"` {
		t.Errorf("got %q", err)
	}
	if h := cmdutil.HintOf(err); h != "xdsctl needs RBAC permission to create pods/portforward; ask a cluster admin, and check with: kubectl auth can-i create pods/portforward -n ns" {
		t.Errorf("hint %q", h)
	}
}

func TestAPIError(t *testing.T) {
	gr := schema.GroupResource{Resource: "pods"}
	cases := []struct {
		name     string
		err      error
		wantMsg  string
		wantHint string
		wantIs   error
	}{
		{"not found", apierrors.NewNotFound(gr, "x"), `pod "x" not found in namespace "ns": not found`, "list them with: kubectl get pods -n ns", ErrNotFound},
		{"forbidden", apierrors.NewForbidden(gr, "x", errors.New(`User "bob" cannot get resource "pods" in API group "" in the namespace "ns"`)),
			`forbidden: user "bob" is not allowed to get pods in namespace "ns"`, "xdsctl needs RBAC permission to get pods; ask a cluster admin, and check with: kubectl auth can-i get pods -n ns", ErrForbidden},
		{"unauthorized", apierrors.NewUnauthorized("token expired"), "the Kubernetes API server rejected the credentials: token expired", "log in again, or check --kubeconfig, --context and --user", nil},
		{"deadline", fmt.Errorf("get: %w", context.DeadlineExceeded), "timed out talking to the Kubernetes API server while trying to get pods: timeout", "check the cluster is reachable (kubectl cluster-info); raise --timeout or --request-timeout", ErrTimeout},
		{"server timeout", apierrors.NewTimeoutError("slow", 1), "timed out talking to the Kubernetes API server while trying to get pods: timeout", "", ErrTimeout},
		{"refused", &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "cannot reach the Kubernetes API server: connection refused", "check the cluster is up and --context/--kubeconfig point at it (kubectl cluster-info)", nil},
		{"dns", &net.DNSError{Name: "k8s.example", Err: "no such host"}, `cannot reach the Kubernetes API server: cannot resolve host "k8s.example"`, "", nil},
		{"other", apierrors.NewInternalError(errors.New("etcd down")), `get pods in namespace "ns": Internal error occurred: etcd down`, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := apiError(tc.err, "get", "pods", "ns", `pod "x"`)
			if err.Error() != tc.wantMsg {
				t.Fatalf("message %q, want %q", err, tc.wantMsg)
			}
			if tc.wantHint != "" && cmdutil.HintOf(err) != tc.wantHint {
				t.Errorf("hint %q, want %q", cmdutil.HintOf(err), tc.wantHint)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("not errors.Is %v", tc.wantIs)
			}
		})
	}
	if apiError(nil, "get", "pods", "ns", "x") != nil {
		t.Error("nil error mapped to non-nil")
	}
	if err := apiError(context.Canceled, "get", "pods", "ns", "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancel became %v", err)
	}
}
