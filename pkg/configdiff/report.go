package configdiff

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/xdsctl/xdsctl/pkg/render"
)

// WriteOptions tune the human forms of a Report.
type WriteOptions struct {
	Color     bool // ANSI colours on diff lines (a terminal)
	NoHeaders bool // leave out the table header
}

// Count tells how many resources were added, removed and changed.
func (r *Report) Count() (added, removed, changed int) {
	for _, c := range r.Changes {
		switch c.Change {
		case Added:
			added++
		case Removed:
			removed++
		default:
			changed++
		}
	}
	return added, removed, changed
}

// Summary says in one line what differs: "3 resources differ: 1 added, 1 removed, 1 changed".
func (r *Report) Summary() string {
	if r.Equal {
		n := 0
		for _, k := range r.Kinds {
			if k.Compared {
				n += k.A
			}
		}
		return fmt.Sprintf("no differences (%d %s compared)", n, plural(n, "resource"))
	}
	a, rm, c := r.Count()
	n := len(r.Changes)
	verb := "differs"
	if n > 1 {
		verb = "differ"
	}
	return fmt.Sprintf("%d %s %s: %d added, %d removed, %d changed", n, plural(n, "resource"), verb, a, rm, c)
}

func (r *Report) table(o WriteOptions, stat bool) *render.Table {
	t := &render.Table{Headers: []string{"KIND", "NAME", "CHANGE"}, Padding: 3, NoHeaders: o.NoHeaders}
	if stat {
		t.Headers = append(t.Headers, "LINES")
	}
	for _, c := range r.Changes {
		row := []string{c.KindName, c.Name, string(c.Change)}
		if stat {
			row = append(row, fmt.Sprintf("+%d -%d", c.Plus, c.Minus))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// WriteText writes the summary table (KIND NAME CHANGE) and then, for each changed resource, the
// unified diff of its normalized text. An equal report writes nothing.
func (r *Report) WriteText(w io.Writer, o WriteOptions) error {
	if r.Equal {
		return nil
	}
	var b bytes.Buffer
	if err := r.table(o, false).Write(&b); err != nil {
		return err
	}
	var d strings.Builder
	for _, c := range r.Changes {
		if c.Diff == "" {
			continue
		}
		d.WriteByte('\n')
		writeDiff(&d, c.Diff, o.Color)
	}
	b.WriteString(d.String())
	_, err := w.Write(b.Bytes())
	return err
}

// WriteStat writes the summary table with the lines each resource adds and removes, and a total,
// as git diff --stat does.
func (r *Report) WriteStat(w io.Writer, o WriteOptions) error {
	if r.Equal {
		return nil
	}
	var b bytes.Buffer
	if err := r.table(o, true).Write(&b); err != nil {
		return err
	}
	plus, minus := 0, 0
	for _, c := range r.Changes {
		plus += c.Plus
		minus += c.Minus
	}
	fmt.Fprintf(&b, "%s (+%d -%d lines)\n", r.Summary(), plus, minus)
	_, err := w.Write(b.Bytes())
	return err
}

// Text is the normalized text of an added resource (B's) or a removed one (A's), as WriteText
// would show it; "" for a changed resource, whose Diff says what changed.
func (c *ResourceChange) Text() string {
	switch c.Change {
	case Added:
		return c.textB
	case Removed:
		return c.textA
	}
	return ""
}
