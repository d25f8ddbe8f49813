package render

import (
	"bytes"
	"io"
	"math/rand"
	"strings"
	"testing"
	"text/tabwriter"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// viaTabwriter is what Table.Write wrote before it aligned columns itself: every line through
// text/tabwriter.
func viaTabwriter(t *testing.T, tb *Table) string {
	t.Helper()
	pad := tb.Padding
	if pad == 0 {
		pad = 5
	}
	var out bytes.Buffer
	tw := tabwriter.NewWriter(&out, 0, 8, pad, ' ', 0)
	var lines [][]string
	if !tb.NoHeaders && len(tb.Headers) > 0 {
		lines = append(lines, tb.Headers)
	}
	for _, cells := range append(lines, tb.Rows...) {
		_, err := tw.Write([]byte(strings.Join(cells, "\t") + "\n"))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Flush())
	return out.String()
}

// TestTableMatchesTabwriter compares Table.Write with text/tabwriter on random tables: uniform
// ones (aligned directly), ragged ones and ones with tabs, newlines and other bytes tabwriter
// interprets (which go through tabwriter), empty cells, non-ASCII text, every padding.
func TestTableMatchesTabwriter(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	words := []string{"", "-", "a", "outbound|9080||reviews.default.svc.cluster.local", "10.0.0.1:80", "HEALTHY",
		"Route: 9080", "ÄÖÜ é", "日本語", "x\ty", "two\nlines", "v\vt", "f\fz", "esc\xffape", "  spaced  ", "0.0.0.0"}
	for i := 0; i < 3000; i++ {
		cols := 1 + rng.Intn(6)
		tb := &Table{Padding: rng.Intn(6), NoHeaders: rng.Intn(4) == 0}
		for j := 0; j < cols; j++ {
			tb.Headers = append(tb.Headers, strings.ToUpper(words[rng.Intn(5)]))
		}
		for r := rng.Intn(8); r > 0; r-- {
			n := cols
			if rng.Intn(10) == 0 {
				n = 1 + rng.Intn(6) // ragged
			}
			row := make([]string, n)
			for j := range row {
				row[j] = words[rng.Intn(len(words))]
				if rng.Intn(3) > 0 && row[j] != "" && !strings.ContainsAny(row[j], "\t\n\v\f\xff") {
					row[j] += words[rng.Intn(9)]
				}
			}
			tb.Rows = append(tb.Rows, row)
		}
		var got bytes.Buffer
		require.NoError(t, tb.Write(&got))
		if !assert.Equal(t, viaTabwriter(t, tb), got.String(), "table %d: %q", i, tb) {
			return
		}
	}
}

// countingWriter counts Write calls, as system calls to standard output would be.
type countingWriter struct{ n int }

func (c *countingWriter) Write(p []byte) (int, error) { c.n++; return len(p), nil }

func TestTableWritesInFewCalls(t *testing.T) {
	tb := &Table{Headers: []string{"A", "B", "C"}}
	for i := 0; i < 1000; i++ {
		tb.Rows = append(tb.Rows, []string{"cell", "another cell", "last"})
	}
	var c countingWriter
	require.NoError(t, tb.Write(&c))
	assert.LessOrEqual(t, c.n, 1, "a 20 KB table in one write") // tabwriter: 6,000 writes
}

// BenchmarkTableWrite: the 77,480-row endpoints table of the 98 MB /clusters file, aligned
// directly and through text/tabwriter.
func BenchmarkTableWrite(b *testing.B) {
	tb := &Table{Padding: 5, Headers: []string{"ENDPOINT", "STATUS", "OUTLIER CHECK", "CLUSTER"}}
	for i := 0; i < 77480; i++ {
		tb.Rows = append(tb.Rows, []string{"10.244.0.192:9080", "HEALTHY", "OK", "outbound|9080||reviews-r12.default.svc.cluster.local"})
	}
	lines := append([][]string{tb.Headers}, tb.Rows...)
	for _, bc := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"aligned", tb.Write},
		{"tabwriter", func(w io.Writer) error { return writeTabwriter(w, lines, 5) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var out bytes.Buffer
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				out.Reset()
				if err := bc.write(&out); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(int64(out.Len()))
		})
	}
}
