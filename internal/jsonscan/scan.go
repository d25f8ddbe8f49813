package jsonscan

import (
	"encoding/binary"
	"math/bits"
)

// The scanner finds the end of a value by looking only at the bytes that can change the
// structure: quotes, brackets and, inside strings, backslashes. It reads eight bytes at a time
// and picks those bytes out with word arithmetic (SWAR), so the white space of indented dumps
// (about 40 % of the bytes of an Envoy dump) and the inside of strings cost an eighth of a
// byte-at-a-time loop.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// zeros has the high bit set in the bytes of v that are zero. Bits above the first zero byte may
// be wrong (a borrow), so only the lowest set bit is meaningful.
func zeros(v uint64) uint64 { return (v - lsb) &^ v & msb }

func word(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i : i+8]) }

// structural marks the bytes that matter outside strings.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// nextStructural returns the index of the first '"', '{', '}', '[' or ']' at or after i, or len(b).
func nextStructural(b []byte, i int) int {
	for i+8 <= len(b) {
		w := word(b, i)
		x := w | 0x2020202020202020 // '[' -> '{', ']' -> '}'
		m := zeros(w^(lsb*'"')) | zeros(x^(lsb*'{')) | zeros(x^(lsb*'}'))
		if m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(b) && !structural[b[i]] {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for j+8 <= len(b) {
		w := word(b, j)
		m := zeros(w^(lsb*'"')) | zeros(w^(lsb*'\\'))
		if m == 0 {
			j += 8
			continue
		}
		j += bits.TrailingZeros64(m) >> 3
		if b[j] == '"' {
			return j + 1, nil
		}
		j += 2 // a backslash and the byte it escapes
	}
	for j < len(b) {
		switch b[j] {
		case '"':
			return j + 1, nil
		case '\\':
			j += 2
		default:
			j++
		}
	}
	return 0, synErr(b, len(b), "unterminated string")
}

// maxDepth bounds nesting so hostile input cannot exhaust memory.
const maxDepth = 10000

// frame is an open object or array: where it starts and, when indexing, its slot in the index.
type frame struct{ open, slot int32 }

// scanComposite returns the index just past the object or array starting at b[i], checking that
// brackets pair up and strings end. With x non-nil (and b at offset base of the document) it also
// records the composites of at least indexMin bytes, in document order (see index).
func scanComposite(b []byte, i int, x *index, base int) (int, error) {
	var stackBuf [64]frame
	stack := stackBuf[:0]
	for {
		i = nextStructural(b, i)
		if i >= len(b) {
			return 0, synErr(b, len(b), "unexpected end of input")
		}
		switch c := b[i]; c {
		case '"':
			j, err := skipString(b, i)
			if err != nil {
				return 0, err
			}
			i = j
			continue
		case '{', '[':
			if len(stack) >= maxDepth {
				return 0, synErr(b, i, "nesting too deep")
			}
			f := frame{open: int32(i), slot: -1}
			if x != nil {
				f.slot = x.open(base + i)
			}
			stack = append(stack, f)
		default: // '}' or ']'
			if len(stack) == 0 {
				return 0, synErr(b, i, "unexpected "+string(c))
			}
			f := stack[len(stack)-1]
			if closerOf(b[f.open]) != c {
				return 0, synErr(b, i, "unexpected "+string(c))
			}
			stack = stack[:len(stack)-1]
			if x != nil {
				x.close(f.slot, base+i+1, i+1-int(f.open))
			}
			if len(stack) == 0 {
				return i + 1, nil
			}
		}
		i++
	}
}

func closerOf(c byte) byte {
	if c == '{' {
		return '}'
	}
	return ']'
}
