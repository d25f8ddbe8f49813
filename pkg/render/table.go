// Package render writes views as tables, JSON, YAML or jq results to an io.Writer.
package render

import (
	"bufio"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
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
	// MaxCell, when positive, cuts every cell longer than MaxCell runes to MaxCell runes ending
	// in "…" (for a terminal: a 470-column NACK message would wrap every line of the table).
	// Zero keeps cells whole, as pipes and files get them.
	MaxCell int
}

// Ellipsis ends a cell that was cut.
const Ellipsis = "…"

// Cut shortens s to at most max runes, the last of them "…", when it is longer.
func Cut(s string, max int) string {
	if max <= 0 || len(s) <= max || utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return Ellipsis
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + Ellipsis
		}
		n++
	}
	return s
}

// cutCells returns rows with every cell over max runes cut. The rows are copied (the caller's
// stay whole): cutting happens once per table on a terminal, never on the big-input path.
func cutCells(rows [][]string, max int) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			out[i][j] = Cut(c, max)
		}
	}
	return out
}

// Write prints the table. Every cell is followed by a tab, as istioctl does, so the last column
// is padded too and the lines match istioctl's byte for byte.
//
// A table whose lines all have the same number of cells and whose cells hold no tab-like control
// byte is aligned directly (column width = widest cell + padding, as text/tabwriter computes it)
// and written through one buffer: tabwriter would keep a copy of every cell and write each cell
// and each run of padding to w separately, a system call apiece when w is standard output.
// Other tables go through text/tabwriter itself.
func (t *Table) Write(w io.Writer) error {
	pad := t.Padding
	if pad == 0 {
		pad = 5
	}
	var head [][]string
	if !t.NoHeaders && len(t.Headers) > 0 {
		head = [][]string{t.Headers}
	}
	rows := t.Rows
	if t.MaxCell > 0 {
		rows = cutCells(rows, t.MaxCell)
	}
	parts := [2][][]string{head, rows}
	if widths, ok := columnWidths(parts, pad); ok {
		return writeAligned(w, parts, widths)
	}
	return writeTabwriter(w, append(head, rows...), pad)
}

// columnWidths returns the width of each column but the last (text/tabwriter's cell widths: runes
// plus padding), or false when the table needs text/tabwriter.
func columnWidths(parts [2][][]string, pad int) ([]int, bool) {
	n := -1
	var widths []int
	for _, part := range parts {
		for _, cells := range part {
			if n < 0 {
				n = len(cells)
				widths = make([]int, max(n-1, 0))
			}
			if len(cells) != n {
				return nil, false
			}
			for j, c := range cells {
				ascii := true
				for i := 0; i < len(c); i++ {
					b := c[i]
					if b < ' ' || b == tabwriter.Escape {
						return nil, false // tab, newline, \v, \f and the escape byte are tabwriter's to handle
					}
					ascii = ascii && b < utf8.RuneSelf
				}
				if j < n-1 {
					w := len(c)
					if !ascii {
						w = utf8.RuneCountInString(c)
					}
					widths[j] = max(widths[j], w+pad)
				}
			}
		}
	}
	return widths, true
}

var spaces = strings.Repeat(" ", 256)

func writeAligned(w io.Writer, parts [2][][]string, widths []int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, part := range parts {
		for _, cells := range part {
			for j, c := range cells {
				_, _ = bw.WriteString(c)
				if j == len(widths) {
					break
				}
				w := len(c)
				if !isASCII(c) {
					w = utf8.RuneCountInString(c)
				}
				for p := widths[j] - w; p > 0; p -= len(spaces) {
					_, _ = bw.WriteString(spaces[:min(p, len(spaces))])
				}
			}
			_ = bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

func writeTabwriter(w io.Writer, lines [][]string, pad int) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := tabwriter.NewWriter(bw, 0, 8, pad, ' ', 0)
	var b strings.Builder
	for _, cells := range lines {
		b.Reset()
		for i, c := range cells {
			if i > 0 {
				b.WriteByte('\t')
			}
			b.WriteString(c)
		}
		b.WriteByte('\n')
		_, _ = io.WriteString(tw, b.String())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// EscapeInvalidUTF8 writes every cell that is not valid UTF-8 with its stray bytes as \xNN, so a
// name read from a proxy cannot garble the terminal or the alignment. It tells whether any cell
// was rewritten (the caller warns once).
func (t *Table) EscapeInvalidUTF8() bool {
	changed := false
	for _, row := range t.Rows {
		for j, c := range row {
			if e := EscapeInvalidUTF8(c); e != c {
				row[j], changed = e, true
			}
		}
	}
	return changed
}

// EscapeInvalidUTF8 returns s with each byte that is not part of valid UTF-8 written as \xNN.
func EscapeInvalidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var sb strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			sb.WriteString(`\x` + "0123456789abcdef"[s[i]>>4:s[i]>>4+1] + "0123456789abcdef"[s[i]&15:s[i]&15+1])
		} else {
			sb.WriteString(s[i : i+size])
		}
		i += size
	}
	return sb.String()
}
