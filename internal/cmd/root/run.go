package root

import (
	"context"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// ExitInterrupted is the exit code after Ctrl-C (128 + SIGINT), as shells report it.
const ExitInterrupted = cmdutil.ExitInterrupted

// Run executes the command line args with f and returns the process exit code. It prints the
// error (and its hint) to f.IOStreams.ErrOut the way users see it. main calls it with os.Args;
// end-to-end tests call it in-process with iostreams.Test() streams.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	return cmdutil.Execute(ctx, NewCmdRoot(f), f.IOStreams.ErrOut, args)
}
