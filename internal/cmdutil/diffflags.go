package cmdutil

import "github.com/spf13/cobra"

// DiffFlags are the flags of every command that compares two configs (xdsctl diff and
// proxy-status <pod>): what to compare and how to show it. pkg/configdiff reads them; this package
// only binds them, so it links no Envoy API.
type DiffFlags struct {
	Kinds        []string
	Ignore       []string
	NormalizePod bool
	Stat         bool
}

// AddDiffFlags binds --kinds, --ignore, --normalize-pod and --stat.
func AddDiffFlags(cmd *cobra.Command, d *DiffFlags) {
	fl := cmd.Flags()
	fl.StringSliceVar(&d.Kinds, "kinds", nil, "Compare only these `kinds` (bootstrap,clusters,endpoints,extensions,listeners,routes,secrets)")
	fl.StringArrayVar(&d.Ignore, "ignore", nil, "Also ignore this `field-path` ([KIND:]FIELD[.FIELD]..., * any one field, ** any depth; repeatable)")
	fl.BoolVar(&d.NormalizePod, "normalize-pod", false, "Replace each side's own pod IPs and pod name with placeholders, so twin replicas compare equal")
	fl.BoolVar(&d.Stat, "stat", false, "Show only the changed resources with the lines each adds and removes")
	_ = cmd.RegisterFlagCompletionFunc("kinds", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return []string{"bootstrap", "clusters", "endpoints", "extensions", "listeners", "routes", "secrets"}, cobra.ShellCompDirectiveNoFileComp
	})
}

// Set tells whether any of the flags was given.
func (d *DiffFlags) Set() bool {
	return len(d.Kinds) > 0 || len(d.Ignore) > 0 || d.NormalizePod || d.Stat
}
