// Package root assembles xdsctl's command tree: every command, with kubectl's flags and live
// access to proxies through client-go and gRPC.
package root

import (
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/cmd/analyze"
	"github.com/xdsctl/xdsctl/internal/cmd/controlplane"
	"github.com/xdsctl/xdsctl/internal/cmd/describe"
	"github.com/xdsctl/xdsctl/internal/cmd/diff"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmd/proxystatus"
	"github.com/xdsctl/xdsctl/internal/cmd/selftest"
	"github.com/xdsctl/xdsctl/internal/cmd/trace"
	"github.com/xdsctl/xdsctl/internal/cmd/ui"
	"github.com/xdsctl/xdsctl/internal/cmd/version"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube"
)

// NewFactory returns the production Factory for the given streams.
func NewFactory(ios *iostreams.IOStreams) *cmdutil.Factory {
	kf := genericclioptions.NewConfigFlags(true)
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       time.Now,
		KubeFlags: kf,
	}
	f.Resolver = func() (cmdutil.TargetResolver, error) { return kube.NewResolver(kf), nil }
	return f
}

// NewCmdRoot returns the root command.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "xdsctl <command>",
		Short: "Show what an Envoy proxy really has loaded, and whether it matches its control plane",
		Long: `xdsctl reads Envoy's admin API (live, through a Kubernetes port-forward or an admin URL, or
from a saved /config_dump) and shows listeners, clusters, routes, endpoints, secrets and more as
tables, JSON, YAML or jq results; it compares what proxies hold with what their control plane sent.`,
		Example: `# the listeners of a pod's sidecar (pc is short for proxy-config)
xdsctl pc listeners productpage-v1-7bbd79f8fd-k6j79.default

# the same views of a saved dump, or of the example sidecar built into xdsctl
xdsctl pc routes -f config_dump.json
xdsctl pc clusters --demo

# is every proxy in sync with its control plane? (ps is short for proxy-status)
xdsctl ps

# what applies to a pod: services, routing, security
xdsctl describe pod productpage-v1-7bbd79f8fd-k6j79

# what is broken in a proxy's config; where one request goes, step by step
xdsctl analyze --demo
xdsctl trace --demo --to 10.96.0.10:9080 --host reviews --path /

# what differs between twin pods (or a file and a pod, or a pod and its control plane)
xdsctl diff reviews-v1-abc.default reviews-v1-def.default

# try the whole xDS loop on this machine, no cluster needed
xdsctl selftest`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetIn(f.IOStreams.In)
	f.KubeFlags.AddFlags(cmd.PersistentFlags())

	cmd.AddCommand(version.NewCmdVersion(f))
	cmd.AddCommand(proxyconfig.NewCmdProxyConfig(f))
	cmd.AddCommand(proxystatus.NewCmdProxyStatus(f, nil))
	cmd.AddCommand(describe.NewCmdDescribe(f))
	cmd.AddCommand(diff.NewCmdDiff(f, nil))
	cmd.AddCommand(analyze.NewCmdAnalyze(f, nil))
	cmd.AddCommand(trace.NewCmdTrace(f, nil))
	cmd.AddCommand(controlplane.NewCmdControlPlane(f))
	cmd.AddCommand(selftest.NewCmdSelftest(f, nil))
	cmd.AddCommand(ui.NewCmdUI(f))
	cmd.AddCommand(&cobra.Command{
		Use:                "grpc-peer -target <name>...",
		Short:              "Run a real gRPC-Go proxyless xDS client (for the self-test)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			return child.Main(args, f.IOStreams.In, f.IOStreams.Out, f.IOStreams.ErrOut)
		},
	})
	cmdutil.StrictUsage(cmd)
	return cmd
}
