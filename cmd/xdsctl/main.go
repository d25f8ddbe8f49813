// Command xdsctl shows what an Envoy proxy has loaded and whether it matches its control plane.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	os.Exit(run())
}

func run() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	ios := iostreams.System()
	f := root.NewFactory(ios)
	cmd := root.NewCmdRoot(f)
	c, err := cmd.ExecuteContextC(ctx)
	if err == nil {
		return cmdutil.ExitOK
	}
	if errors.Is(err, cmdutil.SilentError) {
		return cmdutil.ExitError
	}
	if ctx.Err() != nil {
		fmt.Fprintln(ios.ErrOut, "Error: interrupted")
		return 130
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
