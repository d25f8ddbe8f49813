package cmdutil

import (
	"context"
	"time"

	"github.com/spf13/pflag"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// Factory is what commands get from the root: streams, a clock, and lazy access to live proxies.
// Every field that reaches outside the process is a func, so a command that reads a file never
// loads a kubeconfig, and tests swap in fakes.
type Factory struct {
	IOStreams *iostreams.IOStreams
	Now       func() time.Time
	// KubeFlags are kubectl's own flags (--kubeconfig, --context, -n, --as, --request-timeout, ...).
	// They are cli-runtime's *genericclioptions.ConfigFlags (kube.ConfigFlags reads them); tests
	// may give others.
	KubeFlags KubeFlags
	// Resolver turns live targets (<pod>[.<ns>], <kind>/<name>, -l, --admin URL) into admin clients.
	Resolver func() (TargetResolver, error)
}

// TargetQuery is what the user named as live targets.
type TargetQuery struct {
	Args          []string // <pod>[.<namespace>] or <kind>/<name>[.<namespace>]
	Selector      string   // -l/--selector
	AdminURL      string   // --admin URL: a plain Envoy outside Kubernetes
	AdminPort     int      // --proxy-admin-port; 0 means detect from the pod (default 15000)
	AllNamespaces bool     // -A with -l
	MaxResponse   int64    // --max-response: the largest answer read from a proxy, in bytes (0: DefaultMaxResponse)
}

// TargetResolver resolves a TargetQuery to admin clients, one per proxy.
type TargetResolver interface {
	Resolve(ctx context.Context, q TargetQuery) ([]admin.Target, error)
}

// KubeFlags binds kubectl's flags to a flag set.
type KubeFlags interface {
	AddFlags(fs *pflag.FlagSet)
}
