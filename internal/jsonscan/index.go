package jsonscan

import (
	"slices"
	"sort"
)

// indexMin is the size from which an object or array gets an index entry. Smaller ones are
// cheaper to scan again than to look up.
const indexMin = 256

// index records where the large objects and arrays of a document end, found in the one pass
// that validates it, so that walking into nested values does not scan the same bytes again at
// every level.
type index struct {
	pairs []pair // sorted by open once finished
}

// pair is where a composite value starts and the offset just past its closing bracket.
type pair struct{ open, close int32 }

func (x *index) finish() {
	slices.SortFunc(x.pairs, func(a, b pair) int { return int(a.open - b.open) })
}

// lookup returns the end of the composite value starting at offset off, if it was indexed.
func (x *index) lookup(off int) (int, bool) {
	if off > 1<<31-1 {
		return 0, false
	}
	o := int32(off)
	p := x.pairs
	i := sort.Search(len(p), func(i int) bool { return p[i].open >= o })
	if i < len(p) && p[i].open == o {
		return int(p[i].close), true
	}
	return 0, false
}

// skipCompositeIndexing is skipComposite that also records the large composites it passes.
func skipCompositeIndexing(b []byte, i int, x *index) (int, error) {
	if len(b) > 1<<31-1 {
		return skipComposite(b, i) // too large for int32 offsets: no index
	}
	var stackBuf [64]int32
	stack := stackBuf[:0]
	for i < len(b) {
		c := b[i]
		if !structural[c] {
			i++
			continue
		}
		switch c {
		case '"':
			j, err := skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case '{', '[':
			stack = append(stack, int32(i))
			if len(stack) > maxDepth {
				return 0, synErr(b, i, "nesting too deep")
			}
		default: // '}' or ']'
			if len(stack) == 0 {
				return 0, synErr(b, i, "unexpected "+string(c))
			}
			open := stack[len(stack)-1]
			if want := closerOf(b[open]); want != c {
				return 0, synErr(b, i, "unexpected "+string(c))
			}
			stack = stack[:len(stack)-1]
			if i+1-int(open) >= indexMin {
				x.pairs = append(x.pairs, pair{open, int32(i + 1)})
			}
			if len(stack) == 0 {
				return i + 1, nil
			}
		}
		i++
	}
	return 0, synErr(b, len(b), "unexpected end of input")
}

func closerOf(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}
