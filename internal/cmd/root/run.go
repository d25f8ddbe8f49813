package root

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// ExitInterrupted is the exit code after Ctrl-C (128 + SIGINT), as shells report it.
const ExitInterrupted = cmdutil.ExitInterrupted

// Run executes the command line args with f and returns the process exit code. It prints the
// error (and its hint) to f.IOStreams.ErrOut the way users see it. End-to-end tests call it
// in-process with iostreams.Test() streams.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	return Execute(ctx, f, NewCmdRoot(f), args)
}

// Execute runs args on a root command made by NewCmdRoot(f) and returns the exit code.
func Execute(ctx context.Context, f *cmdutil.Factory, cmd *cobra.Command, args []string) int {
	return cmdutil.Execute(ctx, cmd, f.IOStreams.ErrOut, args)
}

// AsKubectlPlugin makes help and errors say `kubectl xds` when the program runs as the kubectl
// plugin kubectl-xds (kubectl finds plugins on PATH by that name).
func AsKubectlPlugin(cmd *cobra.Command, program string) {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[cobra.CommandDisplayNameAnnotation] = "kubectl " + strings.TrimPrefix(program, "kubectl-")
}
