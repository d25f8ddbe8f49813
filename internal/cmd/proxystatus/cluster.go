package proxystatus

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
)

// Cluster is what proxy-status needs from Kubernetes: istiod's pods, port-forwards and tokens
// (xdsclient.Cluster), resolving a proxy target, and admin targets for listed pods. *kube.Resolver
// implements it.
type Cluster interface {
	xdsclient.Cluster
	cmdutil.TargetResolver
	TargetsForPods(pods []corev1.Pod, adminPort int, maxResponse int64) []admin.Target
}

func clusterFrom(f *cmdutil.Factory) func() (Cluster, error) {
	return func() (Cluster, error) {
		if f.Resolver == nil {
			return nil, errors.New("no Kubernetes access configured")
		}
		r, err := f.Resolver()
		if err != nil {
			return nil, rehint(err)
		}
		c, ok := r.(Cluster)
		if !ok {
			return nil, fmt.Errorf("the target resolver %T cannot reach control planes in Kubernetes", r)
		}
		return hintingCluster{c}, nil
	}
}

// noConfigHint is proxy-status's hint when there is no kubeconfig.
const noConfigHint = "pass --kubeconfig or set KUBECONFIG; outside Kubernetes ask a control plane with --xds-address, or read a saved response with --file"

// rehint gives a missing kubeconfig proxy-status's hint.
func rehint(err error) error {
	if errors.Is(err, kube.ErrNoConfig) {
		return cmdutil.WithHint(err, noConfigHint)
	}
	return err
}

// hintingCluster rehints the errors of the calls that load the kubeconfig.
type hintingCluster struct{ Cluster }

func (h hintingCluster) DefaultNamespace() (string, error) {
	ns, err := h.Cluster.DefaultNamespace()
	return ns, rehint(err)
}

func (h hintingCluster) ListPods(ctx context.Context, ns, selector string) ([]corev1.Pod, error) {
	pods, err := h.Cluster.ListPods(ctx, ns, selector)
	return pods, rehint(err)
}

func (h hintingCluster) Resolve(ctx context.Context, q cmdutil.TargetQuery) ([]admin.Target, error) {
	ts, err := h.Cluster.Resolve(ctx, q)
	return ts, rehint(err)
}

func namespaceFrom(f *cmdutil.Factory) func() string {
	return func() string {
		if kf := kube.ConfigFlags(f); kf != nil && kf.Namespace != nil {
			return *kf.Namespace
		}
		return ""
	}
}
