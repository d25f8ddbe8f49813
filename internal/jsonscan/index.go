package jsonscan

import (
	"math"
	"sort"
)

// indexMin is the size from which an object or array gets an index entry. Smaller ones are
// cheaper to scan again than to look up, and every entry costs memory (which, on a VM where a
// fresh page costs tens of microseconds, is time).
const indexMin = 1024

// index records where the large objects and arrays of a document end, found in the one pass
// that validates them, so that walking into nested values does not scan the same bytes again at
// every level.
//
// Entries are in document order of their opening bracket (pre-order): a composite takes a slot
// when it opens and gives it back when it closes small, which is always possible because all its
// descendants are smaller and gave theirs back already. So the entries are sorted without
// sorting, and the large children of an indexed composite follow it in order: each entry's next
// is the slot after its subtree, which makes visiting the members of an indexed value O(1) each.
type index struct {
	pairs    []pair
	frontier int // every composite that starts before this document offset has been scanned
	min      int // size from which a composite is kept
}

// newIndex returns an index for a value of n bytes: about one large composite per 700 bytes in
// Envoy dumps; capacity not used is never touched, so it costs no memory.
func newIndex(n int) *index { return &index{pairs: make([]pair, 0, n/512+64), min: indexMin} }

// pair is one large composite: where it starts, the offset just past its closing bracket, and
// the slot after its last descendant.
type pair struct{ open, close, next int32 }

// indexable tells whether offsets of a document of n bytes fit the index.
func indexable(n int) bool { return n < math.MaxInt32 }

// open reserves a slot for the composite starting at document offset off.
func (x *index) open(off int) int32 {
	x.pairs = append(x.pairs, pair{open: int32(off)})
	return int32(len(x.pairs) - 1)
}

// close completes slot s: kept when the composite is large, given back otherwise.
func (x *index) close(s int32, end, size int) {
	if size < x.min {
		x.pairs = x.pairs[:s]
		return
	}
	p := &x.pairs[s]
	p.close = int32(end)
	p.next = int32(len(x.pairs))
}

// lookup returns the slot of the composite starting at document offset off, or -1.
func (x *index) lookup(off int) int {
	p := x.pairs
	o := int32(off)
	i := sort.Search(len(p), func(i int) bool { return p[i].open >= o })
	if i < len(p) && p[i].open == o {
		return i
	}
	return -1
}

// scratchMin is the size from which a Scratch keeps a composite: nearly all of them, since the
// scratch is reused and its memory is paid once.
const scratchMin = 64

// Scratch is an index to reuse for values read one after another, such as the clusters of
// /clusters?format=json or the resources of a section: it keeps every composite of 64 bytes or
// more, so that walking anywhere inside the value is O(1) per step (a value indexed by Parse keeps
// only those of 1 KiB or more, to save memory on 100 MB documents), and once it has grown it
// allocates nothing. A Value indexed into a Scratch is valid until the Scratch is used again; keep
// Detach(v) beyond that.
type Scratch struct{ x index }

// Index scans v (an object or array) into the scratch, dropping what it held, and returns v
// indexed. Anything else is returned as it is.
func (s *Scratch) Index(v Value) (Value, error) {
	if k := v.Kind(); (k != Object && k != Array) || !indexable(v.off+len(v.b)) {
		return v, nil
	}
	w, _, err := s.scan(v.b, 0, v.off)
	return w, err
}

// scan scans the composite at b[i] (b at document offset base) into the scratch.
func (s *Scratch) scan(b []byte, i, base int) (Value, int, error) {
	x := &s.x
	x.pairs, x.frontier, x.min = x.pairs[:0], 0, scratchMin
	end, err := scanComposite(b, i, x, base)
	if err != nil {
		x.pairs = x.pairs[:0]
		return Value{}, 0, err
	}
	x.frontier = base + end
	v := Value{b: b[i:end], off: base + i, idx: x}
	if len(x.pairs) > 0 && x.pairs[0].open == int32(base+i) {
		v.ix = 1
	}
	return v, end, nil
}

// Detach returns v without its index: the same bytes, navigated by scanning. Use it to keep a
// value indexed into a Scratch that will be reused.
func Detach(v Value) Value { return Value{b: v.b, off: v.off} }
