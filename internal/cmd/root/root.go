// Package root assembles the xdsctl command tree.
package root

import (
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane/launch"
	"github.com/xdsctl/xdsctl/internal/cmd/describe"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmd/proxystatus"
	"github.com/xdsctl/xdsctl/internal/cmd/version"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/internal/kube"
)

// NewFactory returns the production Factory for the given streams.
func NewFactory(ios *iostreams.IOStreams) *cmdutil.Factory {
	f := &cmdutil.Factory{
		IOStreams: ios,
		Now:       time.Now,
		KubeFlags: genericclioptions.NewConfigFlags(true),
	}
	f.Resolver = func() (cmdutil.TargetResolver, error) { return kube.NewResolver(f.KubeFlags), nil }
	return f
}

// NewCmdRoot returns the root command.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
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
	cmd.AddCommand(proxystatus.NewCmdProxyStatus(f, nil))
	cmd.AddCommand(describe.NewCmdDescribe(f))
	cmd.AddCommand(launch.NewCmdControlPlane(launch.DefaultRunner), launch.NewCmdSelftest(launch.DefaultRunner))
	return cmd
}
