package trace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/render"
	"github.com/xdsctl/xdsctl/pkg/trace"
)

// traceInputs traces the connection through each proxy's configuration and prints the steps.
func traceInputs(ios *iostreams.IOStreams, o *Options, inputs []proxyconfig.Input) error {
	multi := len(inputs) > 1
	var failed []string
	var docs []json.RawMessage
	for i, in := range inputs {
		if in.Err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", in.Name, in.Err))
			continue
		}
		w := configdump.NewWarnings()
		res, err := traceOne(in.Bodies, o, w)
		for _, msg := range w.List() {
			fmt.Fprintf(ios.ErrOut, "Warning: %s%s\n", prefix(multi, in.Name), msg)
		}
		if err != nil {
			if !multi {
				return describeErr(o, in.Name, err)
			}
			failed = append(failed, fmt.Sprintf("%s: %v", in.Name, err))
			continue
		}
		if o.Output.IsTable() {
			if multi {
				if i > 0 {
					fmt.Fprintln(ios.Out)
				}
				fmt.Fprintf(ios.Out, "%s:\n", in.Name)
			}
			writeResult(ios.Out, res)
			continue
		}
		b, err := json.Marshal(res)
		if err != nil {
			return err
		}
		if multi {
			name, _ := json.Marshal(in.Name)
			b = []byte(fmt.Sprintf(`{"proxy":%s,"trace":%s}`, name, b))
		}
		docs = append(docs, b)
	}
	if !o.Output.IsTable() && len(docs) > 0 {
		doc := docs[0]
		if multi {
			var err error
			if doc, err = render.JSONArray(docs); err != nil {
				return err
			}
		}
		if err := writeJSON(ios.Out, o, doc); err != nil {
			return err
		}
	}
	return cmdutil.ProxiesFailed(ios.ErrOut, failed, len(inputs), nil)
}

func prefix(multi bool, name string) string {
	if multi {
		return name + ": "
	}
	return ""
}

func writeJSON(w io.Writer, o *Options, doc []byte) error {
	ind, err := render.Indent(doc)
	if err != nil {
		return err
	}
	return o.Output.WriteData(w, ind)
}

func describeErr(o *Options, name string, err error) error {
	var ie *configdump.InputError
	if errors.As(err, &ie) || errors.Is(err, configdump.ErrNoSection) {
		hint := ""
		if errors.Is(err, configdump.ErrNoSection) && o.Source.File != "" {
			hint = "trace starts at a listener: give a whole /config_dump (xdsctl proxy-config all <pod> --save dump.json) or a bootstrap; to check a route configuration alone, run route tests with --tests FILE"
		}
		return cmdutil.WithHint(fmt.Errorf("%s: %w", name, err), hint)
	}
	return fmt.Errorf("%s: %w", name, err)
}

func traceOne(bodies map[string][]byte, o *Options, w *configdump.Warnings) (*trace.Result, error) {
	d, err := configdump.ParseInput(bodies[admin.PathConfigDumpWithEDS])
	if err != nil {
		return nil, err
	}
	if d.Partial != "" {
		w.Add("partial", d.Partial)
	}
	d.Warnings = w
	var status *configdump.Clusters
	if b := bodies[admin.PathClustersJSON]; len(b) > 0 {
		status, _ = configdump.ParseClusters(b) // a file gives the dump here: no /clusters then
	}
	cfg, err := trace.FromDump(d, status, o.conn, w)
	if err != nil {
		return nil, err
	}
	var req *trace.Request
	if !o.conn.TCP {
		req = o.req
	}
	return trace.Trace(cfg, o.conn, req), nil
}

// collapseAfter is how many routes that do not match in a row are printed in full; a longer run
// shows its first and last few and counts the rest (-o json keeps every step).
const collapseAfter, collapseKeep = 12, 5

// writeResult prints the steps, numbered, then the outcome.
func writeResult(w io.Writer, r *trace.Result) {
	var b bytes.Buffer
	misses := func(i int) bool { return r.Steps[i].Stage == "route" && r.Steps[i].Outcome == trace.OutcomeNoMatch }
	for i := 0; i < len(r.Steps); i++ {
		if misses(i) && (i == 0 || !misses(i-1)) {
			end := i
			for end < len(r.Steps) && misses(end) {
				end++
			}
			if end-i > collapseAfter {
				for j := i; j < i+collapseKeep; j++ {
					writeStep(&b, j, r.Steps[j])
				}
				fmt.Fprintf(&b, "    … %d more routes do not match (-o json lists each)\n", end-i-2*collapseKeep)
				i = end - collapseKeep
			}
		}
		writeStep(&b, i, r.Steps[i])
	}
	b.WriteString("\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%-14s %s\n", k+":", v)
		}
	}
	row("Listener", r.Listener)
	row("Filter chain", r.FilterChain)
	row("Route config", r.RouteConfig)
	row("Virtual host", r.VirtualHost)
	row("Route", r.Route)
	if a := r.Action; a != nil {
		row("Action", describeAction(a))
		if a.PathRewritten {
			row("Path", a.Path)
		}
		if a.HostRewritten {
			row("Host", a.Host)
		}
	}
	row("Cluster", r.Cluster)
	if len(r.Endpoints) > 0 {
		eps := make([]string, 0, len(r.Endpoints))
		for _, e := range r.Endpoints {
			eps = append(eps, e.Address+" "+e.Health)
		}
		const max = 10
		if len(eps) > max {
			eps = append(eps[:max], fmt.Sprintf("and %d more", len(r.Endpoints)-max))
		}
		row("Endpoints", strings.Join(eps, ", "))
	}
	if r.Stop != "" {
		row("Stops", r.Stop)
	}
	_, _ = w.Write(b.Bytes())
}

func writeStep(b *bytes.Buffer, i int, s trace.Step) {
	fmt.Fprintf(b, "%2d. %-16s %s", i+1, s.Stage, s.Subject)
	if s.Compared != "" {
		fmt.Fprintf(b, ": %s", s.Compared)
	}
	fmt.Fprintf(b, " → %s\n", s.Outcome)
}

func describeAction(a *trace.Action) string {
	switch a.Kind {
	case trace.KindCluster:
		if len(a.Weighted) > 0 {
			return "weighted clusters, picked " + a.Cluster
		}
		return "to cluster " + a.Cluster
	case trace.KindRedirect:
		return fmt.Sprintf("redirect %d to %s", a.Status, a.Location)
	case trace.KindDirectResponse:
		return fmt.Sprintf("direct response %d", a.Status)
	case trace.KindNoCluster:
		return "no cluster"
	}
	return a.Kind
}

// runTests runs route tests against the route configuration the source gives.
func runTests(ctx context.Context, f *cmdutil.Factory, o *Options) error {
	tf, err := readTests(f, o)
	if err != nil {
		return err
	}
	var inputs []proxyconfig.Input
	if o.Demo {
		inputs = proxyconfig.DemoInputs(admin.PathConfigDump)
	} else if inputs, err = proxyconfig.LoadInputs(ctx, f, &o.Source, []string{admin.PathConfigDump}, nil); err != nil {
		return err
	}
	if len(inputs) != 1 {
		return cmdutil.FlagErrorf("--tests runs against one route configuration: give one proxy or file, not %d", len(inputs))
	}
	in := inputs[0]
	w := configdump.NewWarnings()
	rc, err := routeConfigOf(in.Bodies[admin.PathConfigDump], o.RouteConfig, w)
	for _, msg := range w.List() {
		fmt.Fprintf(f.IOStreams.ErrOut, "Warning: %s\n", msg)
	}
	if err != nil {
		return describeErr(o, in.Name, err)
	}
	for _, p := range rc.Problems {
		fmt.Fprintf(f.IOStreams.ErrOut, "Warning: route configuration %q: %s\n", rc.Name, p)
	}
	results := rc.RunTests(tf)
	failed := 0
	for _, r := range results {
		if !r.Passed {
			failed++
		}
	}
	shown := results
	if o.OnlyShowFailures {
		shown = slices.DeleteFunc(slices.Clone(results), func(r trace.TestResult) bool { return r.Passed })
	}
	out := f.IOStreams.Out
	if o.Output.IsTable() {
		writeTestResults(out, shown, len(results), failed)
	} else {
		if shown == nil {
			shown = []trace.TestResult{}
		}
		b, err := json.Marshal(shown)
		if err != nil {
			return err
		}
		if err := writeJSON(out, o, b); err != nil {
			return err
		}
	}
	if failed > 0 {
		return &cmdutil.ProblemsError{Msg: fmt.Sprintf("%d of %s failed", failed, plural(len(results), "route test"))}
	}
	return nil
}

func writeTestResults(w io.Writer, results []trace.TestResult, total, failed int) {
	var b bytes.Buffer
	for _, r := range results {
		if r.Passed {
			fmt.Fprintf(&b, "PASS  %s\n", r.TestName)
			continue
		}
		fmt.Fprintf(&b, "FAIL  %s\n", r.TestName)
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "      %s: expected %q, actual %q\n", f.Field, f.Expected, f.Actual)
		}
	}
	fmt.Fprintf(&b, "%d passed, %d failed\n", total-failed, failed)
	_, _ = w.Write(b.Bytes())
}

// routeConfigOf finds the route configuration to test in what configdump.ParseInput reads (a
// dump, a bootstrap, bare RouteConfigurations): the only one, or the one named.
func routeConfigOf(data []byte, name string, w *configdump.Warnings) (*trace.RouteConfiguration, error) {
	d, err := configdump.ParseInput(data)
	if err != nil {
		return nil, err
	}
	d.Warnings = w
	rcs, err := trace.RouteConfigs(d, w)
	if err != nil {
		return nil, err
	}
	if name == "" && len(rcs) == 1 {
		return rcs[0].Parse()
	}
	var names []string
	for i := range rcs {
		if name != "" && rcs[i].Name == name {
			return rcs[i].Parse()
		}
		n := rcs[i].Name
		if n == "" {
			n = "(unnamed, " + rcs[i].Where + ")"
		}
		names = append(names, n)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("the dump has no route configuration (no RDS, and no listener with an inline one)")
	}
	list := strings.Join(names, ", ")
	if len(names) > 10 {
		list = strings.Join(names[:10], ", ") + fmt.Sprintf(" and %d more", len(names)-10)
	}
	if name == "" {
		return nil, cmdutil.WithHint(fmt.Errorf("the dump has %d route configurations: pick one with --route-config <name>", len(names)), "route configurations: "+list)
	}
	return nil, cmdutil.WithHint(fmt.Errorf("the dump has no route configuration %q", name), "route configurations: "+list)
}
