// Package proxyconfig is `xdsctl proxy-config`: the views of one Envoy's loaded configuration.
package proxyconfig

import (
	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// NewCmdProxyConfig returns `xdsctl proxy-config` with its views.
func NewCmdProxyConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "proxy-config <view>",
		Aliases: []string{"pc"},
		Short:   "Show the configuration an Envoy proxy has loaded",
		Long: `Show the configuration an Envoy proxy has loaded, read from its admin API (a pod through a
Kubernetes port-forward, or --admin URL) or from a saved dump (--file, - for standard input).`,
	}
	cmd.AddCommand(
		NewCmdListeners(f, nil),
		NewCmdClusters(f, nil),
		NewCmdRoutes(f, nil),
		NewCmdEndpoints(f, nil),
		NewCmdSecrets(f, nil),
		NewCmdBootstrap(f, nil),
		NewCmdEcds(f, nil),
		NewCmdAll(f, nil),
		NewCmdStats(f, nil),
	)
	// Commands that act on a live proxy rather than show its configuration.
	cmd.AddCommand(NewCmdLog(f, nil))
	return cmd
}
