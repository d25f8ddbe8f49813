// Command gen-docs writes the command reference of xdsctl as Markdown, one file per command
// (cobra/doc), into the directory given (default docs/cli). `make docs` runs it.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// errUsage is returned for arguments that are not one directory.
var errUsage = errors.New("usage: go run ./hack/gen-docs [<dir>]   (default docs/cli)")

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		if errors.Is(err, errUsage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(args []string) error {
	dir := "docs/cli"
	switch {
	case len(args) == 0:
	case len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		dir = args[0]
	default: // -h, --help or anything else: never a directory named after a flag
		return errUsage
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %q: %w", dir, err)
	}
	ios, _, _, _ := iostreams.Test()
	cmd := root.NewCmdRoot(root.NewFactory(ios))
	cmd.DisableAutoGenTag = true   // no date line, so the docs only change when the commands do
	cmd.InitDefaultCompletionCmd() // cobra adds `completion` when it runs; document it too
	if home, err := os.UserHomeDir(); err == nil && len(home) > 1 {
		homeless(cmd, home)
	}
	if err := doc.GenMarkdownTree(cmd, dir); err != nil {
		return fmt.Errorf("write the reference into %q: %w", dir, err)
	}
	return nil
}

// homeless writes the home directory of whoever runs gen-docs as $HOME in every flag default
// (kubectl's --cache-dir is $HOME/.kube/cache), so the reference is the same on every machine.
func homeless(cmd *cobra.Command, home string) {
	fix := func(f *pflag.Flag) {
		if strings.HasPrefix(f.DefValue, home+string(os.PathSeparator)) || f.DefValue == home {
			f.DefValue = "$HOME" + strings.TrimPrefix(f.DefValue, home)
		}
	}
	cmd.PersistentFlags().VisitAll(fix)
	cmd.Flags().VisitAll(fix)
	for _, c := range cmd.Commands() {
		homeless(c, home)
	}
}
