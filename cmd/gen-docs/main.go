// Command gen-docs writes the command reference of xdsctl as Markdown, one file per command
// (cobra/doc), into the directory given (default docs/cli). `make docs` runs it.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra/doc"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	dir := "docs/cli"
	switch len(args) {
	case 0:
	case 1:
		dir = args[0]
	default:
		return fmt.Errorf("usage: gen-docs [<dir>]")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %q: %w", dir, err)
	}
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(root.NewFactory(ios))
	cmd.DisableAutoGenTag = true   // no date line, so the docs only change when the commands do
	cmd.InitDefaultCompletionCmd() // cobra adds `completion` when it runs; document it too
	if err := doc.GenMarkdownTree(cmd, dir); err != nil {
		return fmt.Errorf("write the reference into %q: %w", dir, err)
	}
	return nil
}
