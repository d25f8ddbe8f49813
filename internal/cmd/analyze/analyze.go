// Package analyze is the `xdsctl analyze` command: it reads proxies as proxy-config does and
// prints what pkg/analyze finds in their configuration.
package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/inputfile"
	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/stats"
)

// Options are the options of `analyze`.
type Options struct {
	Source cmdutil.SourceOptions
	Output cmdutil.OutputOptions
	// Demo reads the example proxy built into xdsctl (proxy-config's --demo).
	Demo bool
	// ClustersFile is /clusters?format=json output read with -f, for endpoint health.
	ClustersFile string
	// StatsFile is /stats output (any form) read with -f, for the counter findings.
	StatsFile string
	// FailureThreshold is the least severity that makes the command exit 3.
	FailureThreshold analyze.Severity
	CertWarn         time.Duration
	// Schema validates every resource against Envoy's API (on by itself for static configs).
	Schema   bool
	Suppress []Suppression
	Now      func() time.Time
}

// NewCmdAnalyze returns `xdsctl analyze`.
func NewCmdAnalyze(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{Now: f.Now}
	var threshold, certWarn string
	var suppress []string
	cmd := &cobra.Command{
		Use:   "analyze {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Short: "Find what is broken in an Envoy proxy's configuration",
		Long: `Find what is broken in an Envoy proxy's configuration: references to clusters, route
configurations, secrets and endpoints the proxy does not have (or has only warming, or rejected),
updates Envoy rejected (NACKs), certificates expired or about to, routes that can never match,
domains Envoy refuses, two listeners on one port, Istio's outbound traffic policy and subsets
without endpoints, and counters of failures. It reads what proxy-config reads: a live proxy (its
/config_dump?include_eds, /clusters?format=json and /stats), several with -l, an admin URL, a saved
dump with -f (plus --clusters and --stats files), or a static config (an Envoy bootstrap or bare
resources), which is also validated against Envoy's schema (--schema does it for a dump).

Each finding has a stable code (XDS0101...), documented with an example and the fix in
docs/analyze.md, a severity (error: Envoy rejects it or traffic fails; warning: likely wrong;
info), the resource and the place in it, a message and, with -o wide or JSON, a hint.

The command exits 3 when a finding is at or above --failure-threshold (warning unless set), 0
otherwise, and 1 when it could not read the proxy.`,
		Example: `# analyze a pod's sidecar
xdsctl analyze productpage-v1-7bbd79f8fd-k6j79.default

# analyze a saved dump, with the hints
xdsctl analyze -f dump.json -o wide

# try it on the example sidecar built into xdsctl
xdsctl analyze --demo

# every proxy of an app; fail only on errors
xdsctl analyze -l app=reviews --failure-threshold error

# leave out one code, and another for some clusters
xdsctl analyze -f dump.json --suppress XDS0601 --suppress 'XDS0203=Cluster/outbound|*|canary|*'

# the codes of the errors, as JSON
xdsctl analyze -f dump.json --jq '[.[] | select(.severity == "error") | .code]'`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Demo {
				if len(args) > 0 || opts.Source.File != "" || opts.Source.Selector != "" || opts.Source.AdminURL != "" {
					return cmdutil.FlagErrorf("--demo reads the built-in example; drop the <pod>, -l, --admin or --file")
				}
			} else if err := opts.Source.Validate(args); err != nil {
				return err
			}
			if err := opts.Output.Validate(); err != nil {
				return err
			}
			if err := cmdutil.KubeClusterTypo(cmd, opts.Source.File != "" || opts.Demo); err != nil {
				return err
			}
			if opts.ClustersFile != "" && opts.Source.File == "" {
				return cmdutil.FlagErrorf("--clusters reads a saved /clusters?format=json beside -f; a live proxy's is read by itself")
			}
			if opts.StatsFile != "" && opts.Source.File == "" {
				return cmdutil.FlagErrorf("--stats reads a saved /stats beside -f; a live proxy's is read by itself")
			}
			if stdin := btoi(opts.Source.File == "-") + btoi(opts.ClustersFile == "-") + btoi(opts.StatsFile == "-"); stdin > 1 {
				return cmdutil.FlagErrorf("only one of -f, --clusters and --stats can read standard input")
			}
			var err error
			if opts.FailureThreshold, err = analyze.ParseSeverity(threshold); err != nil {
				return cmdutil.FlagErrorf("--failure-threshold: %v", err)
			}
			if opts.CertWarn, err = parseDays(certWarn); err != nil {
				return cmdutil.FlagErrorf("--cert-warn %q: %v", certWarn, err)
			}
			opts.Suppress = nil
			for _, s := range suppress {
				sp, err := ParseSuppression(s)
				if err != nil {
					return cmdutil.FlagErrorf("--suppress %q: %v", s, err)
				}
				opts.Suppress = append(opts.Suppress, sp)
			}
			if runF != nil {
				return runF(opts)
			}
			return run(cmd.Context(), f, opts)
		},
	}
	cmdutil.AddSourceFlags(cmd, &opts.Source)
	cmdutil.AddOutputFlags(cmd, &opts.Output, "short")
	_ = cmd.Flags().MarkHidden("show-secrets") // findings hold no key material
	fl := cmd.Flags()
	fl.BoolVar(&opts.Demo, "demo", false, "Read the example proxy built into xdsctl (a bookinfo sidecar assembled from real Envoy dumps) instead of a live proxy or a file")
	fl.StringVar(&opts.ClustersFile, "clusters", "", "With -f, also read /clusters?format=json output from `path` (host health)")
	fl.StringVar(&opts.StatsFile, "stats", "", "With -f, also read /stats output from `path` (text, JSON or Prometheus form) for the counter findings")
	fl.StringVar(&threshold, "failure-threshold", "warning", "Exit 3 when a finding has this `severity` or a higher one (info, warning, error)")
	fl.StringVar(&certWarn, "cert-warn", "7d", "Report certificates that expire within this `duration` (e.g. 7d, 36h)")
	fl.BoolVar(&opts.Schema, "schema", false, "Validate every resource against Envoy's API (on by itself for static configs; a running Envoy's dump holds only what it accepted)")
	fl.StringArrayVar(&suppress, "suppress", nil, "Leave out findings of a `CODE`, or of CODE=GLOB for resources matching GLOB (Kind/name or name, * matches anything); repeatable")
	return cmd
}

// paths are what analyze reads from a live proxy; optional ones may fail.
var (
	paths    = []string{admin.PathConfigDumpWithEDS}
	optional = []string{admin.PathClustersJSON, admin.PathStatsJSON}
)

// proxyResult is what analyze found for one proxy.
type proxyResult struct {
	name       string
	findings   []analyze.Finding
	suppressed int
	partial    bool // the input was cut short: only part of it was analyzed
	err        error
}

func run(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	var inputs []proxyconfig.Input
	var err error
	if o.Demo { // the example has a config dump and /clusters, no /stats
		inputs = proxyconfig.DemoInputs(append(append([]string(nil), paths...), admin.PathClustersJSON)...)
	} else if inputs, err = proxyconfig.LoadInputs(ctx, f, &o.Source, paths, optional); err != nil {
		return err
	}
	var fileHealth *configdump.Clusters // --clusters and --stats, read once for the -f input
	var fileStats *stats.Set
	if o.ClustersFile != "" {
		data, err := inputfile.Read(o.ClustersFile, f.IOStreams.In)
		if err != nil {
			return fmt.Errorf("--clusters: %w", err)
		}
		if fileHealth, err = configdump.ParseClusters(data); err != nil {
			return fmt.Errorf("--clusters %q: %w", o.ClustersFile, err)
		}
	}
	if o.StatsFile != "" {
		data, err := inputfile.Read(o.StatsFile, f.IOStreams.In)
		if err != nil {
			return fmt.Errorf("--stats: %w", err)
		}
		if fileStats, err = stats.Parse(data); err != nil {
			return fmt.Errorf("--stats %q: %w", o.StatsFile, err)
		}
	}
	ios := f.IOStreams
	multi := len(inputs) > 1
	results := make([]proxyResult, 0, len(inputs))
	for _, in := range inputs {
		r := proxyResult{name: in.Name, err: in.Err}
		if r.err == nil {
			var warnings, notes []string
			pin := proxyInput{dump: in.Bodies[admin.PathConfigDumpWithEDS], health: fileHealth, stats: fileStats}
			if pin.health == nil {
				pin.healthBody = in.Bodies[admin.PathClustersJSON]
			}
			if pin.stats == nil {
				pin.statsBody = in.Bodies[admin.PathStatsJSON]
			}
			r.findings, warnings, notes, r.partial, r.err = analyzeOne(&pin, o)
			for _, w := range warnings {
				fmt.Fprintf(ios.ErrOut, "Warning: %s%s\n", prefix(multi, in.Name), w)
			}
			for _, n := range notes {
				fmt.Fprintf(ios.ErrOut, "Note: %s%s\n", prefix(multi, in.Name), n)
			}
			if r.err != nil && !multi {
				return fmt.Errorf("%s: %w", in.Name, r.err)
			}
			r.findings, r.suppressed = suppress(r.findings, o.Suppress)
		}
		results = append(results, r)
	}
	if err := write(ios.Out, o, results, multi, ios.MaxCell()); err != nil {
		return err
	}
	return summarize(ios.ErrOut, o, results, multi)
}

// proxyInput is what one proxy is analyzed from: its dump, and its /clusters and /stats as
// read from files (health, stats) or as the proxy answered them (the bodies, read here).
type proxyInput struct {
	dump, healthBody, statsBody []byte
	health                      *configdump.Clusters
	stats                       *stats.Set
}

// analyzeOne analyzes one proxy. A /clusters or /stats answer that cannot be read is a warning:
// the checks that need it are left out.
func analyzeOne(p *proxyInput, o *Options) (findings []analyze.Finding, warnings, notes []string, partial bool, err error) {
	w := configdump.NewWarnings()
	d, err := proxyconfig.ParseDump(p.dump, w)
	if err != nil {
		return nil, nil, nil, false, err
	}
	in := analyze.Input{Dump: d, Static: d.Static != "", Health: p.health, Stats: p.stats}
	if len(p.healthBody) > 0 {
		if in.Health, err = configdump.ParseClusters(p.healthBody); err != nil {
			w.Add("health", fmt.Sprintf("/clusters?format=json could not be read, host health not checked: %v", err))
		}
	}
	if len(p.statsBody) > 0 {
		if in.Stats, err = stats.Parse(p.statsBody); err != nil {
			w.Add("stats", fmt.Sprintf("/stats could not be read, counters not checked: %v", err))
		}
	}
	if in.Stats != nil {
		for _, m := range in.Stats.Warnings {
			w.Add("stats:"+m, "stats: "+m)
		}
	}
	res, err := analyze.Analyze(in, analyze.Options{Now: o.Now(), CertWarn: o.CertWarn, Schema: o.Schema || in.Static})
	if err != nil {
		return nil, nil, nil, false, err
	}
	return res.Findings, w.List(), res.Notes, d.Partial != "", nil
}

func prefix(multi bool, name string) string {
	if multi {
		return name + ": "
	}
	return ""
}

// summarize says on stderr what was found, lists the proxies that failed, and returns the error
// that gives the exit code: 1 when a proxy could not be read, 3 when a finding reaches the
// threshold.
func summarize(w io.Writer, o *Options, results []proxyResult, multi bool) error {
	var counts [3]int
	var failed []string
	var hints []string
	withProblems, suppressed, partial := 0, 0, false
	for _, r := range results {
		if r.err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", r.name, r.err))
			if h := cmdutil.HintOf(r.err); h != "" && !slices.Contains(hints, h) {
				hints = append(hints, h)
			}
			continue
		}
		suppressed += r.suppressed
		partial = partial || r.partial
		problem := false
		for _, f := range r.findings {
			counts[f.Severity]++
			problem = problem || f.Severity >= o.FailureThreshold
		}
		if problem {
			withProblems++
		}
	}
	total := counts[analyze.Error] + counts[analyze.Warning] + counts[analyze.Info]
	var sb strings.Builder
	switch {
	case total == 0 && partial:
		sb.WriteString("No problems found in the part of the input that could be read")
	case total == 0:
		sb.WriteString("No problems found")
	default:
		fmt.Fprintf(&sb, "Found %s", countWords(counts))
	}
	if multi {
		fmt.Fprintf(&sb, " in %d %s", len(results)-len(failed), plural(len(results)-len(failed), "proxy", "proxies"))
		if withProblems > 0 {
			fmt.Fprintf(&sb, " (%d with findings at or above %s)", withProblems, o.FailureThreshold)
		}
	}
	if suppressed > 0 {
		fmt.Fprintf(&sb, "; %d suppressed", suppressed)
	}
	summary := sb.String()
	if len(failed) > 0 {
		fmt.Fprintln(w, summary)
		fmt.Fprintf(w, "Error: %d of %d proxies could not be analyzed:\n", len(failed), len(results))
		for _, f := range failed {
			fmt.Fprintf(w, "  %s\n", f)
		}
		for _, h := range hints {
			fmt.Fprintf(w, "Hint: %s\n", h)
		}
		return cmdutil.SilentError
	}
	if withProblems > 0 {
		return &cmdutil.ProblemsError{Msg: summary}
	}
	fmt.Fprintln(w, summary)
	return nil
}

// countWords writes "2 errors, 1 warning and 3 infos".
func countWords(c [3]int) string {
	var parts []string
	for _, s := range []analyze.Severity{analyze.Error, analyze.Warning, analyze.Info} {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], plural(c[s], s.String(), s.String()+"s")))
		}
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// findingsJSON is the findings as JSON (an empty list, not null, when there are none).
func findingsJSON(fs []analyze.Finding) ([]byte, error) {
	if fs == nil {
		fs = []analyze.Finding{}
	}
	return json.Marshal(fs)
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
