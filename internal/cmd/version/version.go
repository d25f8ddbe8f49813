// Package version is `xdsctl version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
)

// Set by goreleaser and the Makefile through -X ldflags.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// NewCmdVersion returns `xdsctl version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of xdsctl",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "xdsctl %s (commit %s, built %s, %s %s/%s)\n",
				Version, Commit, Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
