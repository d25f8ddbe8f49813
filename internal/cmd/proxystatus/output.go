package proxystatus

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

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
		width := 0
		if o.Output.Format == "wide" {
			width = o.termWidth()
		}
		if width <= 0 {
			return t.Write(w)
		}
		var buf bytes.Buffer
		if err := t.Write(&buf); err != nil {
			return err
		}
		_, err := w.Write(cutLines(buf.Bytes(), width))
		return err
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

// termWidth is the width of the terminal stdout is (COLUMNS, else the terminal's size), 0 when
// stdout is not a terminal: then the wide table's NACK lines are kept whole, for grep.
func (o *Options) termWidth() int {
	if !o.IO.IsStdoutTTY() {
		return 0
	}
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := o.IO.Out.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			return w
		}
	}
	return 0
}

// cutLines cuts every line longer than width runes to width, its last rune "…": the wide table's
// last column (NACK) ends where the terminal does instead of wrapping.
func cutLines(b []byte, width int) []byte {
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\n") {
		nl := strings.HasSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\n")
		if utf8.RuneCountInString(line) > width {
			r := []rune(line)
			line = string(r[:width-1]) + "…"
		}
		out.WriteString(line)
		if nl {
			out.WriteByte('\n')
		}
	}
	return out.Bytes()
}

func (o *Options) table(ps []status.ProxyStatus) *render.Table {
	h, rows := status.Table(ps, status.TableOptions{Wide: o.Output.Format == "wide", Now: o.Now()})
	return &render.Table{Headers: h, Rows: rows, Padding: 5, NoHeaders: o.Output.NoHeaders}
}
