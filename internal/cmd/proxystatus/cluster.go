package proxystatus

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/xdsclient"
)

// Cluster is what proxy-status needs from Kubernetes: istiod's pods, port-forwards and tokens
// (xdsclient.Cluster), resolving a proxy target, and admin targets for listed pods. *kube.Resolver
// implements it.
type Cluster interface {
	xdsclient.Cluster
	cmdutil.TargetResolver
	TargetsForPods(pods []corev1.Pod, adminPort int) []admin.Target
}

func clusterFrom(f *cmdutil.Factory) func() (Cluster, error) {
	return func() (Cluster, error) {
		if f.Resolver == nil {
			return nil, errors.New("no Kubernetes access configured")
		}
		r, err := f.Resolver()
		if err != nil {
			return nil, err
		}
		c, ok := r.(Cluster)
		if !ok {
			return nil, fmt.Errorf("the target resolver %T cannot reach control planes in Kubernetes", r)
		}
		return c, nil
	}
}

func namespaceFrom(f *cmdutil.Factory) func() string {
	return func() string {
		if f.KubeFlags != nil && f.KubeFlags.Namespace != nil {
			return *f.KubeFlags.Namespace
		}
		return ""
	}
}
