// Package tree assembles the command tree both programs share: the root with kubectl's flags,
// version, proxy-config, controlplane and selftest. internal/cmd/root (xdsctl-live) adds
// proxy-status and describe; internal/cmd/front (xdsctl) adds stand-ins that hand them to
// xdsctl-live. It links neither Kubernetes' client libraries nor gRPC.
package tree

import (
	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane/launch"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmd/version"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// New returns the root command with the shared commands and more.
func New(f *cmdutil.Factory, more ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "xdsctl <command>",
		Short: "Show what an Envoy proxy really has loaded, and whether it matches its control plane",
		Long: `xdsctl reads Envoy's admin API (live, through a Kubernetes port-forward or an admin URL, or
from a saved /config_dump) and shows listeners, clusters, routes, endpoints, secrets and more as
tables, JSON, YAML or jq results.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		CompletionOptions: cobra.CompletionOptions{
			HiddenDefaultCmd: false,
		},
	}
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmdutil.FlagErrorf("%s", err.Error())
	})
	f.KubeFlags.AddFlags(cmd.PersistentFlags())

	cmd.AddCommand(version.NewCmdVersion(f))
	cmd.AddCommand(proxyconfig.NewCmdProxyConfig(f))
	cmd.AddCommand(launch.NewCmdControlPlane(launch.DefaultRunner), launch.NewCmdSelftest(launch.DefaultRunner))
	cmd.AddCommand(more...)
	return cmd
}
