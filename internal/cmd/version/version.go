// Package version is `xdsctl version`.
package version

import (
	"encoding/json"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/render"
)

// Set by goreleaser and the Makefile through -X ldflags.
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)

// Info is the version as -o json|yaml prints it (kubectl's clientVersion field names).
type Info struct {
	Version   string `json:"gitVersion"`
	Commit    string `json:"gitCommit"`
	BuildDate string `json:"buildDate"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// NewCmdVersion returns `xdsctl version`.
func NewCmdVersion(f *cmdutil.Factory) *cobra.Command {
	var output string
	var short bool
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version of xdsctl",
		Example: `  xdsctl version
  xdsctl version --short      # v0.3.0
  xdsctl version -o json      # for scripts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := f.IOStreams.Out
			info := Info{Version, Commit, Date, runtime.Version(), runtime.GOOS + "/" + runtime.GOARCH}
			switch {
			case short && output != "":
				return cmdutil.FlagErrorf("--short prints the version alone; drop -o %s", output)
			case short:
				_, err := fmt.Fprintln(out, info.Version)
				return err
			case output == "":
				_, err := fmt.Fprintf(out, "xdsctl %s (commit %s, built %s, %s %s)\n", info.Version, info.Commit, info.BuildDate, info.GoVersion, info.Platform)
				return err
			case output != "json" && output != "yaml":
				return cmdutil.FlagErrorf("unknown output format %q: use json or yaml", output)
			}
			doc, err := json.Marshal(map[string]Info{"clientVersion": info})
			if err != nil {
				return err
			}
			if output == "yaml" {
				return render.WriteYAML(out, doc)
			}
			doc, err = render.Indent(doc)
			if err != nil {
				return err
			}
			_, err = out.Write(doc)
			return err
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "Output format: json or yaml (default: one line)")
	cmd.Flags().BoolVar(&short, "short", false, "Print the version alone")
	return cmd
}
