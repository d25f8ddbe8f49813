// Package program is the command tree of xdsctl-controlplane, the program behind
// `xdsctl controlplane` and `xdsctl selftest`: the bundled control plane, the emulated Envoy
// sidecar, the self-test, and (hidden) the real gRPC-Go xDS client the self-test starts.
//
// They are a separate program because what they link costs start-up time that every xdsctl
// command would pay: go-control-plane's server and cache with the Envoy API they need (about 15 ms
// of package init) and google.golang.org/grpc/xds (about 7 ms more), against a budget of 20 ms for
// `xdsctl version`. xdsctl finds this program next to itself and runs it (package launch).
package program

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmd/controlplane"
	"github.com/xdsctl/xdsctl/internal/cmd/selftest"
	"github.com/xdsctl/xdsctl/internal/cmd/version"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/controlplane/grpcpeer/child"
)

// NewCmdRoot returns the program's root command. It calls itself xdsctl, so help and errors
// read as the user typed them (xdsctl runs this program for them).
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "xdsctl <command>",
		Short: "The bundled xDS control plane, emulated Envoy sidecar and self-test of xdsctl",
		Long: `xdsctl-controlplane holds xdsctl's bundled xDS control plane, its emulated Envoy sidecar and its
self-test. xdsctl runs it for 'xdsctl controlplane ...' and 'xdsctl selftest'.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return cmdutil.FlagErrorf("%s", err.Error())
	})
	cmd.AddCommand(controlplane.NewCmdControlPlane(f))
	cmd.AddCommand(selftest.NewCmdSelftest(f, nil))
	cmd.AddCommand(version.NewCmdVersion(f))
	cmd.AddCommand(&cobra.Command{
		Use:                "grpc-peer -target <name>...",
		Short:              "Run a real gRPC-Go proxyless xDS client (for the self-test)",
		Hidden:             true,
		DisableFlagParsing: true,
		RunE: func(_ *cobra.Command, args []string) error {
			return child.Main(args, f.IOStreams.In, f.IOStreams.Out, f.IOStreams.ErrOut)
		},
	})
	return cmd
}

// Run executes args and returns the exit code, printing errors as xdsctl does.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	return cmdutil.Execute(ctx, NewCmdRoot(f), f.IOStreams.ErrOut, args)
}
