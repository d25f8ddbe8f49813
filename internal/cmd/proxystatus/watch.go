package proxystatus

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xdsctl/xdsctl/pkg/render"
	"github.com/xdsctl/xdsctl/pkg/status"
)

// ANSI sequences for the watch screen.
const (
	clearScreen = "\x1b[H\x1b[2J"
	reverse     = "\x1b[7m"
	resetStyle  = "\x1b[0m"
)

// frame is one refresh of the table.
type frame struct {
	headers []string
	rows    [][]string
}

// rowKey identifies a row across refreshes: the proxy and its control plane.
func (f *frame) rowKey(r []string) string {
	key := r[0]
	for i, h := range f.headers {
		if h == "CONTROL PLANE" && i < len(r) {
			key += "\x00" + r[i]
		}
	}
	return key
}

// rowKeys are the keys of f's rows: a row continuing a proxy's NACK lines (NAME empty, see
// status.Table) is keyed by its proxy and its NACK line.
func (f *frame) rowKeys() []string {
	keys := make([]string, len(f.rows))
	owner := ""
	for i, r := range f.rows {
		if len(r) > 0 && r[0] == "" {
			keys[i] = owner + "\x01" + r[len(r)-1]
			continue
		}
		owner = f.rowKey(r)
		keys[i] = owner
	}
	return keys
}

// stripAge drops the age from a state cell, "SYNCED (5m)" → "SYNCED": ages change every refresh.
func stripAge(c string) string {
	if i := strings.Index(c, " ("); i > 0 && strings.HasSuffix(c, ")") && c != "(inferred)" {
		return c[:i]
	}
	return c
}

// changed marks the cells of cur whose content (ages aside) differs from prev; a row prev did not
// have is changed as a whole. With no prev nothing is changed.
func changed(prev, cur *frame) [][]bool {
	out := make([][]bool, len(cur.rows))
	if prev == nil {
		for i := range out {
			out[i] = make([]bool, len(cur.rows[i]))
		}
		return out
	}
	col := map[string]int{}
	for i, h := range prev.headers {
		col[h] = i
	}
	rows := map[string][]string{}
	for i, k := range prev.rowKeys() {
		rows[k] = prev.rows[i]
	}
	curKeys := cur.rowKeys()
	for i, r := range cur.rows {
		out[i] = make([]bool, len(r))
		pr, ok := rows[curKeys[i]]
		for j, c := range r {
			if !ok {
				out[i][j] = true
				continue
			}
			pj, ok := col[cur.headers[j]]
			out[i][j] = !ok || pj >= len(pr) || stripAge(pr[pj]) != stripAge(c)
		}
	}
	return out
}

// sameContent tells whether two frames show the same states (ages aside).
func sameContent(a, b *frame) bool {
	if a == nil || b == nil || strings.Join(a.headers, "\t") != strings.Join(b.headers, "\t") || len(a.rows) != len(b.rows) {
		return false
	}
	for i := range a.rows {
		for j := range a.rows[i] {
			if j >= len(b.rows[i]) || stripAge(a.rows[i][j]) != stripAge(b.rows[i][j]) {
				return false
			}
		}
	}
	return true
}

// writeHighlighted writes the table aligned exactly as render.Table (text/tabwriter, padding 5)
// aligns it, with the marked cells in reverse video. Escape sequences have no width, which
// tabwriter cannot know, so the padding is computed here.
func writeHighlighted(w io.Writer, f *frame, marks [][]bool, noHeaders bool, color bool) error {
	const padding = 5
	lines := f.rows
	var lineMarks [][]bool
	if !noHeaders {
		lines = append([][]string{f.headers}, f.rows...)
		lineMarks = append([][]bool{make([]bool, len(f.headers))}, marks...)
	} else {
		lineMarks = marks
	}
	width := map[int]int{}
	for _, l := range lines {
		for j, c := range l {
			if j < len(l)-1 && utf8.RuneCountInString(c) > width[j] {
				width[j] = utf8.RuneCountInString(c)
			}
		}
	}
	var b strings.Builder
	for i, l := range lines {
		for j, c := range l {
			if color && lineMarks[i][j] {
				b.WriteString(reverse + c + resetStyle)
			} else {
				b.WriteString(c)
			}
			if j < len(l)-1 {
				b.WriteString(strings.Repeat(" ", width[j]-utf8.RuneCountInString(c)+padding))
			}
		}
		b.WriteByte('\n')
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// cutLastColumn returns f with the cells of its last column (NACK) cut with "…" so that no line
// is wider than width (0: as is), the table aligned as writeHighlighted aligns it.
func cutLastColumn(f *frame, noHeaders bool, width int) *frame {
	if width <= 0 || len(f.headers) == 0 {
		return f
	}
	const padding = 5
	last := len(f.headers) - 1
	offset := 0
	for j := 0; j < last; j++ {
		w := 0
		if !noHeaders {
			w = utf8.RuneCountInString(f.headers[j])
		}
		for _, r := range f.rows {
			if j < len(r) && utf8.RuneCountInString(r[j]) > w {
				w = utf8.RuneCountInString(r[j])
			}
		}
		offset += w + padding
	}
	room := width - offset
	if room < 2 {
		return f // the other columns already fill the terminal
	}
	out := &frame{headers: f.headers, rows: make([][]string, len(f.rows))}
	for i, r := range f.rows {
		out.rows[i] = r
		if len(r) == last+1 && utf8.RuneCountInString(r[last]) > room {
			c := append([]string(nil), r...)
			c[last] = string([]rune(r[last])[:room-1]) + "…"
			out.rows[i] = c
		}
	}
	return out
}

// watch refreshes the table every interval until ctx ends (Ctrl-C), which ends it without an error.
// On a terminal the screen is redrawn with the cells that changed since the last refresh in reverse
// video (no colour with NO_COLOR); otherwise a table is printed whenever a state changes.
func (o *Options) watch(ctx context.Context) error {
	after := o.after
	if after == nil {
		after = time.After
	}
	tty := o.IO.IsStdoutTTY()
	var prev *frame
	lastWarn := ""
	for n := 0; ; n++ {
		r, err := o.fetch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			if prev == nil {
				return err
			}
			fmt.Fprintf(o.IO.ErrOut, "Warning: %v; trying again in %s\n", err, o.Interval)
		} else {
			if w := strings.Join(r.Warnings, "\n"); w != lastWarn {
				for _, line := range r.Warnings {
					fmt.Fprintf(o.IO.ErrOut, "Warning: %s\n", line)
				}
				lastWarn = w
			}
			if n == 0 && r.inferred {
				fmt.Fprintln(o.IO.ErrOut, inferredNote)
			}
			shown, err := o.filter(r.Proxies)
			if err != nil {
				return err
			}
			h, rows := status.Table(shown, status.TableOptions{Wide: o.Output.Format == "wide", Now: o.Now()})
			cur := &frame{headers: h, rows: rows}
			if err := o.drawFrame(tty, prev, cur, len(r.Proxies)); err != nil {
				return err
			}
			prev = cur
		}
		select {
		case <-ctx.Done():
			return nil
		case <-after(o.Interval):
		}
	}
}

func (o *Options) drawFrame(tty bool, prev, cur *frame, total int) error {
	out := o.IO.Out
	if tty {
		fmt.Fprintf(out, "%sEvery %s: xdsctl proxy-status%s%s\n\n", clearScreen, o.Interval, strings.Repeat(" ", 4), o.Now().Format(time.RFC1123))
		if len(cur.rows) == 0 {
			_, err := fmt.Fprintln(out, noneFound(o, total))
			return err
		}
		marks := changed(prev, cur)
		shown := cur
		if o.Output.Format == "wide" {
			shown = cutLastColumn(cur, o.Output.NoHeaders, o.termWidth())
		}
		return writeHighlighted(out, shown, marks, o.Output.NoHeaders, o.IO.ColorEnabled())
	}
	if prev != nil && sameContent(prev, cur) {
		return nil
	}
	if prev != nil {
		fmt.Fprintln(out)
	}
	if len(cur.rows) == 0 {
		_, err := fmt.Fprintln(o.IO.ErrOut, noneFound(o, total))
		return err
	}
	t := &render.Table{Headers: cur.headers, Rows: cur.rows, Padding: 5, NoHeaders: o.Output.NoHeaders}
	return t.Write(out)
}
