package root

import (
	"context"
	"errors"
	"fmt"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// ExitInterrupted is the exit code after Ctrl-C (128 + SIGINT), as shells report it.
const ExitInterrupted = 130

// Run executes the command line args with f and returns the process exit code. It prints the
// error (and its hint) to f.IOStreams.ErrOut the way users see it. main calls it with os.Args;
// end-to-end tests call it in-process with iostreams.Test() streams.
func Run(ctx context.Context, f *cmdutil.Factory, args []string) int {
	ios := f.IOStreams
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	c, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if errors.Is(err, cmdutil.SilentError) {
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		return cmdutil.ExitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(ios.ErrOut, "Error: interrupted")
		return ExitInterrupted
	}
	var pe *cmdutil.ProblemsError
	if errors.As(err, &pe) {
		if pe.Msg != "" {
			fmt.Fprintln(ios.ErrOut, pe.Msg)
		}
		return cmdutil.ExitProblems
	}
	fmt.Fprintf(ios.ErrOut, "Error: %s\n", err)
	if h := cmdutil.HintOf(err); h != "" {
		fmt.Fprintf(ios.ErrOut, "Hint: %s\n", h)
	}
	var fe *cmdutil.FlagError
	if errors.As(err, &fe) && c != nil {
		fmt.Fprintf(ios.ErrOut, "\nRun '%s --help' for usage.\n", c.CommandPath())
	}
	return cmdutil.ExitCode(err)
}
