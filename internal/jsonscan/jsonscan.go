// Package jsonscan reads JSON lazily: a Value is a slice of the original document, and only the
// parts a caller asks for are looked at. Skipping a value checks its structure (balanced brackets,
// terminated strings) without decoding it, which is what makes a 100 MB config dump cheap to read
// when a view needs a tenth of it.
//
// Object keys are matched in Envoy's snake_case and in the lowerCamelCase that protojson and some
// tools write: Get("dynamic_active_clusters") finds "dynamicActiveClusters" too.
//
// Values of a document read with Parse may be used from several goroutines. Values reached
// through a Lazy reader share an index that grows as the reader moves on; use them from one
// goroutine at a time.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Kind is the JSON type of a Value.
type Kind uint8

// The kinds of a Value. Missing is the zero Value: a key that was not there.
const (
	Missing Kind = iota
	Null
	Bool
	Number
	String
	Array
	Object
	Invalid
)

func (k Kind) String() string {
	return [...]string{"missing", "null", "bool", "number", "string", "array", "object", "invalid"}[k]
}

// Value is one JSON value: a sub-slice of the document, with no surrounding white space.
type Value struct {
	b   []byte
	off int    // offset of b[0] in the document, for the index
	idx *index // where large objects and arrays end; nil when the value was not indexed
	ix  int32  // 1 + this value's slot in idx; 0 when it has none (small, scalar or not known)
}

// SyntaxError says where a document stops being JSON.
type SyntaxError struct {
	Offset int64  // byte offset in the document (in the value, for a value made with New)
	Msg    string // what was wrong
	EOF    bool   // the document ended too early (truncated)
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset)
}

func synErr(b []byte, i int, msg string) error {
	return &SyntaxError{Offset: int64(i), Msg: msg, EOF: i >= len(b)}
}

// Parse checks the structure of the whole document once, indexing its large composites, and
// returns its top-level value.
func Parse(doc []byte) (Value, error) {
	i := skipWS(doc, 0)
	if i >= len(doc) {
		return Value{}, &SyntaxError{Offset: int64(i), Msg: "empty document", EOF: true}
	}
	root, end, err := scanAt(doc, i, true)
	if err != nil {
		return Value{}, err
	}
	if j := skipWS(doc, end); j < len(doc) {
		return root, &SyntaxError{Offset: int64(j), Msg: "unexpected data after the top-level value"}
	}
	return root, nil
}

// scanAt scans the value starting at doc[i] and returns it, with an index of its own when
// indexed is set and it is an object or array.
func scanAt(doc []byte, i int, indexed bool) (Value, int, error) {
	if c := doc[i]; (c != '{' && c != '[') || !indexed || !indexable(len(doc)) {
		end, err := skipValue(doc, i)
		if err != nil {
			return Value{}, 0, err
		}
		return Value{b: doc[i:end], off: i}, end, nil
	}
	x := newIndex(len(doc) - i)
	end, err := scanComposite(doc, i, x, 0)
	if err != nil {
		return Value{}, 0, err
	}
	x.frontier = end
	v := Value{b: doc[i:end], off: i, idx: x}
	if len(x.pairs) > 0 && x.pairs[0].open == int32(i) {
		v.ix = 1
	}
	return v, end, nil
}

// New wraps raw bytes that are already known to hold one complete JSON value. Nothing is
// indexed: navigation scans as it goes.
func New(raw []byte) Value { return Value{b: bytes.TrimSpace(raw)} }

// Indexed returns v with an index of its own, so that walking into it does not rescan nested
// values; it validates v's structure on the way. Use it on a value that will be navigated
// deeply (a config dump section) when it came from a reader that did not index it.
func Indexed(v Value) (Value, error) {
	if v.idx != nil || (v.Kind() != Object && v.Kind() != Array) || !indexable(v.off+len(v.b)) {
		return v, nil
	}
	x := newIndex(len(v.b))
	end, err := scanComposite(v.b, 0, x, v.off)
	if err != nil {
		return v, err
	}
	if end != len(v.b) {
		return v, &SyntaxError{Offset: int64(v.off + end), Msg: "unexpected data after the value"}
	}
	x.frontier = v.off + end
	w := Value{b: v.b, off: v.off, idx: x}
	if len(x.pairs) > 0 && x.pairs[0].open == int32(v.off) {
		w.ix = 1
	}
	return w, nil
}

// Raw returns the value's bytes (a slice of the document; do not modify).
func (v Value) Raw() []byte { return v.b }

// Offset returns where the value starts in its document.
func (v Value) Offset() int { return v.off }

// Exists tells whether the value is present.
func (v Value) Exists() bool { return len(v.b) > 0 }

// Kind returns the JSON type of the value.
func (v Value) Kind() Kind {
	if len(v.b) == 0 {
		return Missing
	}
	return kindOf[v.b[0]]
}

var kindOf = func() (t [256]Kind) {
	for i := range t {
		t[i] = Invalid
	}
	t['{'], t['['], t['"'], t['t'], t['f'], t['n'] = Object, Array, String, Bool, Bool, Null
	for _, c := range "-0123456789" {
		t[c] = Number
	}
	return t
}()

// child finds the end of the member value starting at v.b[i]. cur is the slot where v's next
// large child must be when v is indexed (-1 otherwise); it is advanced past the child found.
func (v *Value) child(i int, cur *int) (Value, error) {
	b := v.b
	c := b[i]
	if c != '{' && c != '[' {
		end, err := skipScalar(b, i)
		if err != nil {
			return Value{}, err
		}
		return Value{b: b[i:end], off: v.off + i}, nil
	}
	x := v.idx
	if x == nil {
		end, err := scanComposite(b, i, nil, 0)
		if err != nil {
			return Value{}, err
		}
		return Value{b: b[i:end], off: v.off + i}, nil
	}
	off := v.off + i
	s := -1
	switch {
	case *cur >= 0: // v is indexed, so its large children follow its slot in order
		if *cur < len(x.pairs) && x.pairs[*cur].open == int32(off) {
			s = *cur
			*cur = int(x.pairs[s].next)
		}
	case off < x.frontier:
		s = x.lookup(off)
	}
	if s >= 0 {
		end := int(x.pairs[s].close) - v.off
		return Value{b: b[i:end], off: off, idx: x, ix: int32(s + 1)}, nil
	}
	end, err := scanComposite(b, i, nil, 0) // small: cheaper to scan than to index
	if err != nil {
		return Value{}, err
	}
	return Value{b: b[i:end], off: off, idx: x}, nil
}

// cursor returns the slot where v's first large child would be, or -1 when v has no slot.
func (v *Value) cursor() int {
	if v.ix == 0 {
		return -1
	}
	return int(v.ix)
}

// Fields calls fn for each member of an object, in document order, until fn returns false.
// The key is the raw key without quotes (escapes are left as they are). A non-object yields nothing.
func (v Value) Fields(fn func(key []byte, val Value) bool) error {
	b := v.b
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	cur := v.cursor()
	i := skipWS(b, 1)
	if i < len(b) && b[i] == '}' {
		return nil
	}
	for i < len(b) {
		if b[i] != '"' {
			return synErr(b, i, "object key expected")
		}
		kEnd, err := skipString(b, i)
		if err != nil {
			return err
		}
		key := b[i+1 : kEnd-1]
		i = skipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return synErr(b, i, "':' expected after object key")
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			break
		}
		val, err := v.child(i, &cur)
		if err != nil {
			return err
		}
		if !fn(key, val) {
			return nil
		}
		i = skipWS(b, i+len(val.b))
		if i >= len(b) {
			break
		}
		if b[i] == '}' {
			return nil
		}
		if b[i] != ',' {
			return synErr(b, i, "',' or '}' expected in object")
		}
		i = skipWS(b, i+1)
	}
	return synErr(b, len(b), "unterminated object")
}

// Items calls fn for each element of an array, in order, until fn returns false. A non-array yields nothing.
func (v Value) Items(fn func(i int, val Value) bool) error {
	b := v.b
	if len(b) == 0 || b[0] != '[' {
		return nil
	}
	cur := v.cursor()
	i := skipWS(b, 1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for n := 0; i < len(b); n++ {
		val, err := v.child(i, &cur)
		if err != nil {
			return err
		}
		if !fn(n, val) {
			return nil
		}
		i = skipWS(b, i+len(val.b))
		if i >= len(b) {
			break
		}
		if b[i] == ']' {
			return nil
		}
		if b[i] != ',' {
			return synErr(b, i, "',' or ']' expected in array")
		}
		i = skipWS(b, i+1)
	}
	return synErr(b, len(b), "unterminated array")
}

// Len returns the number of elements of an array or members of an object.
func (v Value) Len() int {
	n := 0
	switch v.Kind() {
	case Array:
		_ = v.Items(func(int, Value) bool { n++; return true })
	case Object:
		_ = v.Fields(func([]byte, Value) bool { n++; return true })
	}
	return n
}

// Get returns the member named key (given in snake_case; its lowerCamelCase spelling matches too).
// Several keys walk a path. A missing member gives the zero Value.
func (v Value) Get(keys ...string) Value {
	for _, k := range keys {
		var found Value
		_ = v.Fields(func(key []byte, val Value) bool {
			if KeyIs(key, k) {
				found = val
				return false
			}
			return true
		})
		if !found.Exists() {
			return Value{}
		}
		v = found
	}
	return v
}

// Index returns the i-th element of an array, or the zero Value.
func (v Value) Index(i int) Value {
	var found Value
	_ = v.Items(func(n int, val Value) bool {
		if n == i {
			found = val
			return false
		}
		return true
	})
	return found
}

// KeyIs tells whether a raw object key is the field named snake (snake_case), written either in
// snake_case or in lowerCamelCase as protojson does (foo_bar_baz → fooBarBaz, port_value → portValue).
func KeyIs(key []byte, snake string) bool {
	if len(key) == len(snake) && string(key) == snake {
		return true
	}
	if len(key) >= len(snake) || len(key) == 0 || key[0] != snake[0] {
		return false // camelCase is shorter than snake_case by the underscores
	}
	i, j := 0, 0
	for i < len(key) && j < len(snake) {
		c, w := key[i], snake[j]
		if c == w {
			i++
			j++
			continue
		}
		if w == '_' && j+1 < len(snake) {
			n := snake[j+1]
			if ('a' <= n && n <= 'z' && c == n-'a'+'A') || ('0' <= n && n <= '9' && c == n) {
				i++
				j += 2
				continue
			}
		}
		return false
	}
	return i == len(key) && j == len(snake)
}

// Str returns a string value unescaped, or "" for any other kind.
func (v Value) Str() string {
	b := v.b
	if len(b) < 2 || b[0] != '"' {
		return ""
	}
	in := b[1 : len(b)-1]
	if bytes.IndexByte(in, '\\') < 0 {
		return string(in)
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return string(in)
	}
	return s
}

// StrIs tells whether v is a string equal to s, without allocating (escapes are compared as
// written, which is right for the ASCII names Envoy uses).
func (v Value) StrIs(s string) bool {
	b := v.b
	return len(b) == len(s)+2 && b[0] == '"' && string(b[1:len(b)-1]) == s
}

// Text returns the value as display text: a string unescaped, a number or bool as written, "" otherwise.
func (v Value) Text() string {
	switch v.Kind() {
	case String:
		return v.Str()
	case Number, Bool:
		return string(v.b)
	}
	return ""
}

// Int returns an integer value, accepting a number or a quoted number (protojson writes 64-bit
// integers as strings). ok is false when the value is missing or not an integer.
func (v Value) Int() (n int64, ok bool) {
	var s string
	switch v.Kind() {
	case Number:
		s = string(v.b)
	case String:
		s = v.Str()
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false
		}
		return int64(f), true
	}
	return n, true
}

// Bool returns a boolean value; anything else is false.
func (v Value) Bool() bool { return len(v.b) == 4 && string(v.b) == "true" }

// IsNull tells whether the value is JSON null.
func (v Value) IsNull() bool { return len(v.b) == 4 && string(v.b) == "null" }

// Strings returns the string elements of an array.
func (v Value) Strings() []string {
	var out []string
	_ = v.Items(func(_ int, e Value) bool {
		out = append(out, e.Text())
		return true
	})
	return out
}

// isWS is a lookup table for JSON white space.
var isWS = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS[b[i]] {
		i++
	}
	return i
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, synErr(b, i, "value expected")
	}
	if c := b[i]; c == '{' || c == '[' {
		return scanComposite(b, i, nil, 0)
	}
	return skipScalar(b, i)
}

// skipScalar returns the index just past the string, number or literal starting at b[i].
func skipScalar(b []byte, i int) (int, error) {
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case 't':
		return skipLiteral(b, i, "true")
	case 'f':
		return skipLiteral(b, i, "false")
	case 'n':
		return skipLiteral(b, i, "null")
	default:
		if c == '-' || ('0' <= c && c <= '9') {
			return skipNumber(b, i)
		}
		return 0, synErr(b, i, fmt.Sprintf("invalid character %q", c))
	}
}

func skipLiteral(b []byte, i int, lit string) (int, error) {
	if len(b)-i < len(lit) {
		return 0, synErr(b, len(b), "truncated literal")
	}
	if string(b[i:i+len(lit)]) != lit {
		return 0, synErr(b, i, "invalid literal")
	}
	return i + len(lit), nil
}

var isNumChar = func() (t [256]bool) {
	for _, c := range "0123456789+-.eE" {
		t[c] = true
	}
	return t
}()

func skipNumber(b []byte, i int) (int, error) {
	j := i
	for j < len(b) && isNumChar[b[j]] {
		j++
	}
	if j == i || (j == i+1 && b[i] == '-') {
		return 0, synErr(b, i, "invalid number")
	}
	return j, nil
}
