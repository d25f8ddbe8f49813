package configdiff

import (
	"fmt"
	"strings"
)

// block is one resource's canonical text on one side ("" when that side lacks it).
type block struct {
	name, text string
}

// edit is one line of a diff: ' ' both sides, '-' only the control plane's, '+' only the proxy's.
type edit struct {
	op    byte
	a, b  int // line numbers (0-based) in the whole control plane and proxy texts
	text  string
	block int // which block the line belongs to
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// unified writes a unified diff of the blocks (a from the control plane, b from the proxy, pairwise
// the same resource) with ctx lines of context. Hunk headers name the resource a hunk starts in, as
// git names a function: "@@ -12,7 +12,8 @@ cluster "outbound|9080||reviews"".
func unified(a, b []block, nameA, nameB string, ctx int, what string) string {
	var edits []edit
	la, lb := 0, 0
	for i := range a {
		x, y := splitLines(a[i].text), splitLines(b[i].text)
		for _, e := range diffLines(x, y) {
			e.a += la
			e.b += lb
			e.block = i
			edits = append(edits, e)
		}
		la += len(x)
		lb += len(y)
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	for start := 0; start < len(edits); {
		// find the next change
		for start < len(edits) && edits[start].op == ' ' {
			start++
		}
		if start == len(edits) {
			break
		}
		lo := start - ctx
		if lo < 0 {
			lo = 0
		}
		// extend while changes are within 2*ctx unchanged lines of each other
		hi, run := start, 0
		for i := start; i < len(edits); i++ {
			if edits[i].op == ' ' {
				run++
				if run > 2*ctx {
					break
				}
				continue
			}
			run = 0
			hi = i
		}
		end := hi + ctx + 1
		if end > len(edits) {
			end = len(edits)
		}
		writeHunk(&out, edits[lo:end], a[edits[start].block].name, what)
		start = end
	}
	return out.String()
}

func writeHunk(out *strings.Builder, es []edit, name, what string) {
	aStart, bStart, aN, bN := -1, -1, 0, 0
	for _, e := range es {
		if e.op != '+' {
			if aStart < 0 {
				aStart = e.a
			}
			aN++
		}
		if e.op != '-' {
			if bStart < 0 {
				bStart = e.b
			}
			bN++
		}
	}
	// an empty side is written as the line before it, per the unified format
	if aStart < 0 {
		aStart = es[0].a - 1
	}
	if bStart < 0 {
		bStart = es[0].b - 1
	}
	fmt.Fprintf(out, "@@ -%s +%s @@ %s %q\n", hunkRange(aStart, aN), hunkRange(bStart, bN), what, name)
	for _, e := range es {
		out.WriteByte(e.op)
		out.WriteString(e.text)
		out.WriteByte('\n')
	}
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// diffLines returns the shortest edit script turning a into b (Myers' algorithm, linear space).
func diffLines(a, b []string) []edit {
	d := &differ{a: a, b: b}
	d.compare(0, len(a), 0, len(b))
	// d.matches holds matched (i, j) pairs in order; fill in the edits between them
	var out []edit
	i, j := 0, 0
	emit := func(ti, tj int) {
		for ; i < ti; i++ {
			out = append(out, edit{op: '-', a: i, b: j, text: a[i]})
		}
		for ; j < tj; j++ {
			out = append(out, edit{op: '+', a: i, b: j, text: b[j]})
		}
	}
	for _, m := range d.matches {
		emit(m[0], m[1])
		out = append(out, edit{op: ' ', a: i, b: j, text: a[i]})
		i++
		j++
	}
	emit(len(a), len(b))
	return out
}

type differ struct {
	a, b    []string
	matches [][2]int
	vf, vb  []int
}

// compare finds the matches of a[alo:ahi] and b[blo:bhi], appending them in order.
func (d *differ) compare(alo, ahi, blo, bhi int) {
	for alo < ahi && blo < bhi && d.a[alo] == d.b[blo] {
		d.matches = append(d.matches, [2]int{alo, blo})
		alo++
		blo++
	}
	var suffix [][2]int
	for alo < ahi && blo < bhi && d.a[ahi-1] == d.b[bhi-1] {
		ahi--
		bhi--
		suffix = append(suffix, [2]int{ahi, bhi})
	}
	if alo < ahi && blo < bhi {
		x, y, u, v := d.middleSnake(alo, ahi, blo, bhi)
		if (x == alo && y == blo && u == ahi && v == bhi) || (u-x == 0 && ((x == alo && y == blo) || (x == ahi && y == bhi))) {
			// no progress possible: treat the rest as replaced (cannot happen with stripped ends, kept as a guard)
		} else {
			d.compare(alo, x, blo, y)
			for k := 0; k < u-x; k++ {
				d.matches = append(d.matches, [2]int{x + k, y + k})
			}
			d.compare(u, ahi, v, bhi)
		}
	}
	for k := len(suffix) - 1; k >= 0; k-- {
		d.matches = append(d.matches, suffix[k])
	}
}

// middleSnake finds the middle snake of an optimal path through a[alo:ahi], b[blo:bhi]: it runs from
// (x, y) to (u, v) in absolute indexes.
func (d *differ) middleSnake(alo, ahi, blo, bhi int) (x, y, u, v int) {
	n, m := ahi-alo, bhi-blo
	max := n + m
	size := 2*max + 3
	if cap(d.vf) < size {
		d.vf, d.vb = make([]int, size), make([]int, size)
	}
	vf, vb := d.vf[:size], d.vb[:size]
	off := max + 1
	delta := n - m
	odd := delta&1 != 0
	vf[off+1], vb[off+1] = 0, 0
	for D := 0; D <= (max+1)/2; D++ {
		// forward: vf[k] is the furthest x reached on diagonal k = x - y
		for k := -D; k <= D; k += 2 {
			var xs int
			if k == -D || (k != D && vf[off+k-1] < vf[off+k+1]) {
				xs = vf[off+k+1]
			} else {
				xs = vf[off+k-1] + 1
			}
			ys := xs - k
			xe, ye := xs, ys
			for xe < n && ye < m && d.a[alo+xe] == d.b[blo+ye] {
				xe++
				ye++
			}
			vf[off+k] = xe
			if odd {
				kr := delta - k // the backward diagonal that meets this one
				if kr >= -(D-1) && kr <= D-1 && xe+vb[off+kr] >= n {
					return alo + xs, blo + ys, alo + xe, blo + ye
				}
			}
		}
		// backward on the reversed sequences: vb[kr] is the furthest xr reached on kr = xr - yr
		for kr := -D; kr <= D; kr += 2 {
			var xs int
			if kr == -D || (kr != D && vb[off+kr-1] < vb[off+kr+1]) {
				xs = vb[off+kr+1]
			} else {
				xs = vb[off+kr-1] + 1
			}
			ys := xs - kr
			xe, ye := xs, ys
			for xe < n && ye < m && d.a[ahi-1-xe] == d.b[bhi-1-ye] {
				xe++
				ye++
			}
			vb[off+kr] = xe
			if !odd {
				k := delta - kr
				if k >= -D && k <= D && xe+vf[off+k] >= n {
					// the snake in forward coordinates runs from (n-xe, m-ye) to (n-xs, m-ys)
					return alo + n - xe, blo + m - ye, alo + n - xs, blo + m - ys
				}
			}
		}
	}
	// not reached for a valid input; split in the middle to make progress
	return alo + n/2, blo + m/2, alo + n/2, blo + m/2
}
