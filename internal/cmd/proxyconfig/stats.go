package proxyconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
	"github.com/xdsctl/xdsctl/pkg/stats"
)

// statsTypes are the values --type takes.
var statsTypes = []string{string(stats.ScopeServer), string(stats.ScopeClusters), string(stats.ScopeListeners)}

// StatsOptions are the options of `proxy-config stats`.
type StatsOptions struct {
	viewOptions
	Filter string // a regular expression over the stat's full name
	Type   string // server, clusters or listeners; "" for all
	// Prom prints the Prometheus text format (-o prom).
	Prom bool

	filter *regexp.Regexp
}

// NewCmdStats returns `proxy-config stats`.
func NewCmdStats(f *cmdutil.Factory, runF func(*StatsOptions) error) *cobra.Command {
	opts := &StatsOptions{}
	cmd := &cobra.Command{
		Use:     "stats {<pod>[.<namespace>] | -l <selector> | --admin <url> | --file <path>}",
		Aliases: []string{"envoy-stats", "stat"},
		Short:   "Show the statistics of an Envoy proxy",
		Long: `Show an Envoy proxy's statistics (counters, gauges, histograms and text readouts), one row per
statistic: NAME VALUE, a histogram as its cumulative P50/P90/P99/P100 (Prometheus: count and sum).
-o wide adds each statistic's type.

A live proxy is asked for /stats?format=json (/stats/prometheus with -o prom). A file may hold any
of Envoy's forms: /stats text, /stats?format=json or /stats/prometheus; xdsctl tells them apart by
their content. --type picks a part of the proxy: clusters (cluster.<name>.*), listeners
(listener.<address>.*) or server (everything else: server.*, cluster_manager.*, listener_manager.*,
http.*, ...). -o prom writes the Prometheus text format; statistics read from the text or JSON
forms come out untyped and with Envoy's full name, as those forms carry neither type nor tags.`,
		Example: `# every statistic of a pod's sidecar
xdsctl proxy-config stats productpage-v1-7bbd79f8fd-k6j79.default

# rejected xDS updates, from a saved /stats
xdsctl pc stats -f stats.txt --filter 'update_rejected$'

# one cluster's statistics as JSON
xdsctl pc stats --admin http://127.0.0.1:9901 --type clusters --filter 'outbound\|9080\|\|reviews' -o json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Output.Format == "prom" {
				if opts.Output.JQ != "" {
					return cmdutil.FlagErrorf("--jq works on JSON output; drop -o prom")
				}
				opts.Prom, opts.Output.Format = true, "short"
			}
			if err := opts.validate(args); err != nil {
				return err
			}
			if opts.Type != "" && !containsFold(statsTypes, opts.Type) {
				return cmdutil.FlagErrorf("--type %q is not a part of a proxy: use one of %s", opts.Type, strings.Join(statsTypes, ", "))
			}
			opts.Type = strings.ToLower(opts.Type)
			if opts.Filter != "" {
				re, err := regexp.Compile(opts.Filter)
				if err != nil {
					return cmdutil.FlagErrorf("--filter %q is not a regular expression: %s", opts.Filter, strings.TrimPrefix(err.Error(), "error parsing regexp: "))
				}
				opts.filter = re
			}
			if runF != nil {
				return runF(opts)
			}
			path := admin.PathStatsJSON
			if opts.Prom {
				path = admin.PathStatsPrometheus
			}
			return runView(cmd.Context(), f, &opts.viewOptions, []string{path}, opts.build)
		},
	}
	addViewFlags(cmd, &opts.viewOptions, "short")
	cmd.Flag("output").Usage = "Output format: one of short|wide|json|yaml|prom"
	cmd.Flags().StringVar(&opts.Filter, "filter", "", "Show only statistics whose name matches this regular `expression` (RE2, as Envoy's /stats?filter=)")
	cmd.Flags().StringVarP(&opts.Type, "type", "t", "", "Show only the statistics of one `part` of the proxy: "+strings.Join(statsTypes, ", "))
	_ = cmd.RegisterFlagCompletionFunc("type", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return statsTypes, cobra.ShellCompDirectiveNoFileComp
	})
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return append(append([]string(nil), cmdutil.Formats...), "prom"), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func (o *StatsOptions) build(bodies map[string][]byte, w *configdump.Warnings) (*viewResult, error) {
	var body []byte
	for _, b := range bodies { // one path was asked for; a file is the body of each
		body = b
	}
	set, err := stats.Parse(body)
	if err != nil {
		return nil, err
	}
	for _, m := range set.Warnings {
		w.Add("stats:"+m, m)
	}
	sel := make([]stats.Stat, 0, len(set.Stats))
	for i := range set.Stats {
		st := &set.Stats[i]
		if o.Type != "" && string(stats.ScopeOf(st)) != o.Type {
			continue
		}
		if o.filter != nil && !o.filter.MatchString(st.FullName()) {
			continue
		}
		sel = append(sel, *st)
	}
	res := &viewResult{}
	switch {
	case o.Prom:
		var buf bytes.Buffer
		if err := stats.WritePrometheus(&buf, sel); err != nil {
			return nil, err
		}
		res.Text = buf.Bytes()
		if len(sel) == 0 {
			res.Notes = []string{"no statistics: none match the filters"}
		}
	case !o.Output.IsTable():
		res.Items = render.Items{N: len(sel), Item: func(i int) ([]byte, error) { return json.Marshal(&sel[i]) }}
	default:
		res.Table = statsTable(sel, o.Output.Format == "wide")
		if len(sel) == 0 {
			res.Notes = []string{"no statistics: none match the filters"}
		}
	}
	return res, nil
}

// statsTable is NAME VALUE (wide: NAME TYPE VALUE), sorted by name.
func statsTable(sel []stats.Stat, wide bool) *render.Table {
	t := &render.Table{Padding: 3, Headers: []string{"NAME", "VALUE"}}
	if wide {
		t.Headers = []string{"NAME", "TYPE", "VALUE"}
	}
	set := stats.Set{Stats: sel}
	for _, st := range set.Sorted() {
		name := render.Dash(st.FullName())
		if wide {
			t.Rows = append(t.Rows, []string{name, string(st.Type), statValue(&st)})
		} else {
			t.Rows = append(t.Rows, []string{name, statValue(&st)})
		}
	}
	return t
}

// statValue is a stat's VALUE cell.
func statValue(st *stats.Stat) string {
	switch {
	case st.Type == stats.TypeText:
		q := strconv.Quote(st.Text) // control characters escaped: the text is one cell
		return render.Dash(q[1 : len(q)-1])
	case st.Histogram != nil:
		return histogramCell(st.Histogram)
	}
	return formatNumber(st.Value)
}

// histogramCell shows a histogram in one cell: its cumulative P50, P90, P99 and P100 (text and
// JSON forms), or its count and sum (Prometheus).
func histogramCell(h *stats.Histogram) string {
	var parts []string
	for _, q := range h.Quantiles {
		if q.Cumulative == nil {
			continue
		}
		switch q.Q {
		case 50, 90, 99, 100:
			parts = append(parts, fmt.Sprintf("P%s=%s", formatNumber(q.Q), formatNumber(*q.Cumulative)))
		}
	}
	if h.Count != nil {
		parts = append(parts, "count="+formatNumber(*h.Count))
	}
	if h.Sum != nil {
		parts = append(parts, "sum="+formatNumber(*h.Sum))
	}
	if len(parts) == 0 {
		return "no recorded values"
	}
	return strings.Join(parts, " ")
}

func formatNumber(f float64) string {
	if math.IsNaN(f) {
		return "-"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
