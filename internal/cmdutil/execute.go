package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// Execute runs cmd with args and returns the process exit code. It prints the error the way
// users see it on errOut: "Error: ...", the hint, and the usage pointer after a usage error;
// a ProblemsError prints its summary only, a SilentError nothing, an ExitStatus nothing (another
// program ran the command). A mistyped subcommand is reported before flags are parsed
// (CheckSubcommand).
func Execute(ctx context.Context, cmd *cobra.Command, errOut io.Writer, args []string) int {
	if err := CheckSubcommand(cmd, args); err != nil {
		c, _, _ := cmd.Find(args)
		return Report(ctx, errOut, err, c)
	}
	cmd.SetArgs(args)
	c, err := cmd.ExecuteContextC(ctx)
	return Report(ctx, errOut, err, c)
}

// Report prints err the way Execute does and returns the exit code for it; c is the command that
// failed (for the usage pointer after a usage error), or nil.
func Report(ctx context.Context, errOut io.Writer, err error, c *cobra.Command) int {
	if err == nil {
		return ExitOK
	}
	var es *ExitStatus
	if errors.As(err, &es) {
		return es.Code
	}
	if errors.Is(err, SilentError) {
		if ctx.Err() != nil {
			return ExitInterrupted
		}
		return ExitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(errOut, "Error: interrupted")
		return ExitInterrupted
	}
	var pe *ProblemsError
	if errors.As(err, &pe) {
		if pe.Msg != "" {
			fmt.Fprintln(errOut, pe.Msg)
		}
		return ExitProblems
	}
	fmt.Fprintf(errOut, "Error: %s\n", err)
	if h := HintOf(err); h != "" {
		fmt.Fprintf(errOut, "Hint: %s\n", h)
	}
	var fe *FlagError
	if errors.As(err, &fe) && c != nil {
		fmt.Fprintf(errOut, "\nRun '%s --help' for usage.\n", c.CommandPath())
	}
	return ExitCode(err)
}
