// Package diff is `xdsctl diff A B`: what differs between two Envoy configs, resource by resource.
package diff

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/cmd/proxystatus"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/pkg/configdiff"
)

// Options are the options of `diff`.
type Options struct {
	IO *iostreams.IOStreams
	// Resolver reaches live proxies (pods, workloads, --admin URLs).
	Resolver func() (cmdutil.TargetResolver, error)
	// ControlPlane is proxy-status's options, for cp:<pod> (its connection flags are diff's too).
	ControlPlane *proxystatus.Options

	A, B      string
	AdminPort int
	Timeout   time.Duration
	Diff      cmdutil.DiffFlags
	Output    cmdutil.OutputOptions

	kinds []configdiff.Kind
}

// NewCmdDiff returns `diff`.
func NewCmdDiff(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Resolver: f.Resolver, ControlPlane: proxystatus.NewOptions(f)}
	cmd := &cobra.Command{
		Use:   "diff <A> <B>",
		Short: "Show what differs between two Envoy configs, resource by resource",
		Long: `Compare two Envoy configs resource by resource: resources are matched by kind and name, and
each is reported added (only in B), removed (only in A) or changed, with a unified diff of its
normalized YAML (Envoy's field names in proto field order, Any payloads expanded, secrets
redacted).

A and B are each one of:
  <pod>[.<namespace>], <kind>/<name>   a proxy in Kubernetes (its /config_dump?include_eds)
  http://HOST:PORT                     a proxy's admin API, as --admin takes it
  <file>, -                            a saved config dump, a bootstrap, or bare resources
                                       (- is standard input; at most one side)
  cp:<pod>[.<namespace>]               what the control plane sent that proxy, as proxy-status
                                       <pod> reads it (istiod, or --xds-address)

What makes no difference: version_info, last_updated, nonces and client_status; key order and
field spellings; default values spelled out or left out; and the order of lists Envoy treats as
sets (virtual hosts, domains, filter chains, ...; routes and filters keep their order). --ignore
adds field paths; --normalize-pod makes twin replicas compare equal. See docs/diff.md.

Exit codes: 0 the configs are equal, 3 they differ, 1 an error, 2 a usage error.`,
		Example: `# what differs between two replicas of one deployment
xdsctl diff reviews-v1-545db77b95-2pkbx reviews-v1-545db77b95-x8k2f -n bookinfo --normalize-pod

# does the proxy hold what istiod sent it?
xdsctl diff cp:reviews-v1-545db77b95-2pkbx.bookinfo reviews-v1-545db77b95-2pkbx.bookinfo

# what changed after an upgrade: a saved dump against the live proxy, clusters and routes only
xdsctl diff before.json deployment/reviews-v1 --kinds clusters,routes

# the changes as JSON, paths and old/new values
xdsctl diff before.json after.json -o json --ignore clusters:metadata`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return cmdutil.FlagErrorf("give two configs to compare: diff <A> <B> (got %d)", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.A, opts.B = args[0], args[1]
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.AdminPort, "proxy-admin-port", 0, "Envoy admin `port` in the pods (default: detected from the pod, else 15000)")
	fl.DurationVar(&opts.Timeout, "timeout", 10*time.Second, "Give up on a proxy or control plane after this `duration`")
	proxystatus.AddControlPlaneFlags(cmd, opts.ControlPlane)
	cmdutil.AddDiffFlags(cmd, &opts.Diff)
	cmdutil.AddOutputFlags(cmd, &opts.Output, "short")
	return cmd
}

func (o *Options) validate() error {
	if err := o.Output.Validate(); err != nil {
		return err
	}
	if o.Output.Format == "wide" {
		o.Output.Format = "short"
	}
	kinds, err := configdiff.ParseKinds(o.Diff.Kinds)
	if err != nil {
		return cmdutil.FlagErrorf("--kinds: %s", err.Error())
	}
	o.kinds = kinds
	if err := configdiff.CheckIgnore(o.Diff.Ignore); err != nil {
		return cmdutil.FlagErrorf("--ignore: %s", err.Error())
	}
	switch {
	case o.A == "-" && o.B == "-":
		return cmdutil.FlagErrorf("only one side can be standard input (-)")
	case o.A == "" || o.B == "":
		return cmdutil.FlagErrorf("a side is empty: give a pod, an admin URL, a file, - or cp:<pod>")
	case o.Timeout <= 0:
		return cmdutil.FlagErrorf("--timeout must be positive, got %s", o.Timeout)
	case o.AdminPort < 0 || o.AdminPort > 65535:
		return cmdutil.FlagErrorf("--proxy-admin-port must be between 1 and 65535, got %d", o.AdminPort)
	case o.Diff.Stat && !o.Output.IsTable():
		return cmdutil.FlagErrorf("--stat is a table; drop -o %s", o.Output.Format)
	}
	for _, s := range []string{o.A, o.B} {
		if sourceKind(s) == sourceControlPlane && len(s) == len("cp:") {
			return cmdutil.FlagErrorf("cp: names no pod: give cp:<pod>[.<namespace>]")
		}
	}
	return nil
}

func run(ctx context.Context, o *Options) error {
	a, err := o.read(ctx, o.A)
	if err != nil {
		return err
	}
	b, err := o.read(ctx, o.B)
	if err != nil {
		return err
	}
	if a.Name == b.Name {
		a.Name, b.Name = "a/"+a.Name, "b/"+b.Name
	}
	r, err := configdiff.Diff(a, b, configdiff.DiffOptions{
		Kinds: o.kinds, Ignore: o.Diff.Ignore, NormalizePod: o.Diff.NormalizePod, ShowSecrets: o.Output.ShowSecrets,
	})
	if err != nil {
		return err
	}
	for _, w := range r.Warnings {
		fmt.Fprintf(o.IO.ErrOut, "Warning: %s\n", w)
	}
	wo := configdiff.WriteOptions{Color: o.IO.ColorEnabled(), NoHeaders: o.Output.NoHeaders}
	switch {
	case o.Diff.Stat:
		err = r.WriteStat(o.IO.Out, wo)
	case o.Output.IsTable():
		err = r.WriteText(o.IO.Out, wo)
	default:
		var data []byte
		if data, err = json.Marshal(r); err == nil {
			err = o.Output.WriteData(o.IO.Out, data)
		}
	}
	if err != nil {
		return err
	}
	if r.Equal {
		if o.Output.IsTable() {
			fmt.Fprintf(o.IO.ErrOut, "%s and %s: %s\n", a.Name, b.Name, r.Summary())
		}
		return nil
	}
	return &cmdutil.ProblemsError{Msg: fmt.Sprintf("%s → %s: %s", a.Name, b.Name, r.Summary())}
}
