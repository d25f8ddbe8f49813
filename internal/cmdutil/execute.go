package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/spf13/cobra"
)

// Execute runs cmd with args and returns the process exit code. It prints the error the way
// users see it on errOut: "Error: ...", the hint, and the usage pointer after a usage error;
// a ProblemsError prints its summary only, a SilentError nothing, an ExitStatus nothing (another
// program ran the command). A mistyped subcommand is reported before flags are parsed
// (CheckSubcommand).
//
// What cobra itself writes to standard output (help, usage, version) goes through a writer that
// keeps the first error: `--help > /dev/full` fails (exit 1) rather than print nothing with exit 0.
func Execute(ctx context.Context, cmd *cobra.Command, errOut io.Writer, args []string) int {
	if err := CheckSubcommand(cmd, args); err != nil {
		c, _, _ := cmd.Find(args)
		return Report(ctx, errOut, err, c)
	}
	cmd.SetArgs(args)
	out := &firstErrorWriter{w: cmd.OutOrStdout()}
	cmd.SetOut(out)
	c, err := cmd.ExecuteContextC(ctx)
	if err == nil && out.err != nil {
		err = fmt.Errorf("write standard output: %w", unwrapPath(out.err))
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "write" && pe.Path == os.Stdout.Name() { // a view's "write /dev/stdout: ..."
		err = fmt.Errorf("write standard output: %w", pe.Err)
	}
	return Report(ctx, errOut, err, c)
}

// firstErrorWriter writes to w until a write fails, and keeps that error.
type firstErrorWriter struct {
	w   io.Writer
	err error
}

func (f *firstErrorWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	f.err = err
	return n, err
}

// unwrapPath drops an *fs.PathError's "write /dev/stdout", which the message says in words.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
			code, _ := interruptedCode(ctx)
			return code
		}
		return ExitError
	}
	if ctx.Err() != nil {
		code, word := interruptedCode(ctx)
		fmt.Fprintln(errOut, "Error: "+word)
		return code
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
