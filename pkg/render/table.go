// Package render writes views as tables, JSON, YAML or jq results to an io.Writer.
package render

import (
	"io"
	"strings"
	"text/tabwriter"
)

// Table is a kubectl-style table: upper-case headers, one row per line, columns aligned with
// text/tabwriter exactly as istioctl aligns them (so the bytes match where parity matters).
type Table struct {
	Headers []string
	Rows    [][]string
	// Padding is the number of spaces between columns (istioctl: 5 for most tables, 1 for listeners).
	Padding int
	// NoHeaders leaves the header line out.
	NoHeaders bool
}

// Write prints the table. Every cell is followed by a tab, as istioctl does, so the last column
// is padded too and the lines match istioctl's byte for byte.
func (t *Table) Write(w io.Writer) error {
	pad := t.Padding
	if pad == 0 {
		pad = 5
	}
	tw := tabwriter.NewWriter(w, 0, 8, pad, ' ', 0)
	var b strings.Builder
	line := func(cells []string, trailingTab bool) {
		b.Reset()
		for i, c := range cells {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(c)
		}
		if trailingTab {
			b.WriteByte('\t')
		}
		b.WriteByte('\n')
		_, _ = io.WriteString(tw, b.String())
	}
	if !t.NoHeaders && len(t.Headers) > 0 {
		line(t.Headers, false)
	}
	for _, r := range t.Rows {
		line(r, false)
	}
	return tw.Flush()
}
