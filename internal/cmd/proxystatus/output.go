package proxystatus

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/pkg/render"
	"github.com/xdsctl/xdsctl/pkg/status"
)

// inferredNote says what an inferred status can and cannot tell.
const inferredNote = "Note: the status is inferred from the proxies' own config dumps (versions, warming resources, rejected updates), " +
	"not told by a control plane: config a control plane has not sent yet cannot show"

// show prints the report the flags select, and fails with exit code 3 under --fail-on-unsynced.
func (o *Options) show(r *fetched) error {
	errOut := o.IO.ErrOut
	for _, w := range r.Warnings {
		fmt.Fprintf(errOut, "Warning: %s\n", w)
	}
	shown, err := o.filter(r.Proxies)
	if err != nil {
		return err
	}
	if r.inferred {
		fmt.Fprintln(errOut, inferredNote)
	}
	if o.Selector != "" && !r.inferred && !anyLabels(r.Proxies) && len(r.Proxies) > 0 {
		fmt.Fprintf(errOut, "Note: %s reports no labels for its proxies, so -l %q matches none of them\n", r.source, o.Selector)
	}
	if err := o.write(o.IO.Out, shown); err != nil {
		return err
	}
	if len(shown) == 0 && o.Output.IsTable() {
		fmt.Fprintln(errOut, noneFound(o, len(r.Proxies)))
	}
	return o.failOnUnsynced(shown)
}

func (o *Options) failOnUnsynced(shown []status.ProxyStatus) error {
	if !o.FailOnUnsynced {
		return nil
	}
	if n := status.CountUnsynced(shown); n > 0 {
		return &cmdutil.ProblemsError{Msg: fmt.Sprintf("%d of %d %s not SYNCED", n, len(shown), plural(len(shown), "proxy is", "proxies are"))}
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func noneFound(o *Options, total int) string {
	if total == 0 {
		return "No proxies found."
	}
	return fmt.Sprintf("No proxies found: the filters leave out all %d.", total)
}

func anyLabels(ps []status.ProxyStatus) bool {
	for i := range ps {
		if len(ps[i].Labels) > 0 {
			return true
		}
	}
	return false
}

// write prints the proxies as a table, JSON, YAML or jq results.
func (o *Options) write(w io.Writer, ps []status.ProxyStatus) error {
	if o.Output.IsTable() {
		t := o.table(ps)
		if len(t.Rows) == 0 {
			return nil
		}
		return t.Write(w)
	}
	if ps == nil {
		ps = []status.ProxyStatus{}
	}
	data, err := json.Marshal(ps)
	if err != nil {
		return err
	}
	return o.Output.WriteData(w, data)
}

func (o *Options) table(ps []status.ProxyStatus) *render.Table {
	h, rows := status.Table(ps, status.TableOptions{Wide: o.Output.Format == "wide", Now: o.Now()})
	return &render.Table{Headers: h, Rows: rows, Padding: 5, NoHeaders: o.Output.NoHeaders}
}
