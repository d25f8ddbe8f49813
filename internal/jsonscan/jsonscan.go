// Package jsonscan reads JSON lazily: a Value is a slice of the original document, and only the
// parts a caller asks for are looked at. Skipping a value checks its structure (balanced brackets,
// terminated strings) without decoding it, which is what makes a 100 MB config dump cheap to read
// when a view needs a tenth of it.
//
// Object keys are matched in Envoy's snake_case and in the lowerCamelCase that protojson and some
// tools write: Get("dynamic_active_clusters") finds "dynamicActiveClusters" too.
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
	idx *index // where large objects and arrays end; nil when the document was not indexed
}

// sub returns the value b[i:j] of v.
func (v Value) sub(i, j int) Value { return Value{b: v.b[i:j], off: v.off + i, idx: v.idx} }

// skip returns the index in v.b just past the value starting at v.b[i], using the index for large composites.
func (v Value) skip(i int) (int, error) {
	if v.idx != nil && i < len(v.b) && (v.b[i] == '{' || v.b[i] == '[') {
		if end, ok := v.idx.lookup(v.off + i); ok {
			return end - v.off, nil
		}
	}
	return skipValue(v.b, i)
}

// SyntaxError says where a document stops being JSON.
type SyntaxError struct {
	Offset int64  // byte offset in the document
	Msg    string // what was wrong
	EOF    bool   // the document ended too early (truncated)
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s at byte %d", e.Msg, e.Offset)
}

// Parse checks the structure of the whole document once and returns its top-level value.
func Parse(doc []byte) (Value, error) {
	i := skipWS(doc, 0)
	if i >= len(doc) {
		return Value{}, &SyntaxError{Offset: int64(i), Msg: "empty document", EOF: true}
	}
	idx := &index{}
	var end int
	var err error
	if doc[i] == '{' || doc[i] == '[' {
		end, err = skipCompositeIndexing(doc, i, idx)
	} else {
		end, err = skipValue(doc, i)
	}
	if err != nil {
		return Value{}, err
	}
	idx.finish()
	root := Value{b: doc[i:end], off: i, idx: idx}
	if j := skipWS(doc, end); j < len(doc) {
		return root, &SyntaxError{Offset: int64(j), Msg: "unexpected data after the top-level value"}
	}
	return root, nil
}

// New wraps raw bytes that are already known to hold one complete JSON value.
func New(raw []byte) Value { return Value{b: bytes.TrimSpace(raw)} }

// Raw returns the value's bytes (a slice of the document; do not modify).
func (v Value) Raw() []byte { return v.b }

// Exists tells whether the value is present.
func (v Value) Exists() bool { return len(v.b) > 0 }

// Kind returns the JSON type of the value.
func (v Value) Kind() Kind {
	if len(v.b) == 0 {
		return Missing
	}
	switch v.b[0] {
	case '{':
		return Object
	case '[':
		return Array
	case '"':
		return String
	case 't', 'f':
		return Bool
	case 'n':
		return Null
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		return Number
	}
	return Invalid
}

// Fields calls fn for each member of an object, in document order, until fn returns false.
// The key is the raw key without quotes (escapes are left as they are). A non-object yields nothing.
func (v Value) Fields(fn func(key []byte, val Value) bool) error {
	b := v.b
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
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
		vEnd, err := v.skip(i)
		if err != nil {
			return err
		}
		if !fn(key, v.sub(i, vEnd)) {
			return nil
		}
		i = skipWS(b, vEnd)
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
	i := skipWS(b, 1)
	if i < len(b) && b[i] == ']' {
		return nil
	}
	for n := 0; i < len(b); n++ {
		end, err := v.skip(i)
		if err != nil {
			return err
		}
		if !fn(n, v.sub(i, end)) {
			return nil
		}
		i = skipWS(b, end)
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

// ---- scanning ----

// isWS is a lookup table for JSON white space.
var isWS = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS[b[i]] {
		i++
	}
	return i
}

func synErr(b []byte, i int, msg string) error {
	return &SyntaxError{Offset: int64(i), Msg: msg, EOF: i >= len(b)}
}

// errDepth bounds nesting so hostile input cannot exhaust memory.
const maxDepth = 10000

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	j := i + 1
	for {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, synErr(b, len(b), "unterminated string")
		}
		j += k
		// count the backslashes right before the quote: an odd number escapes it
		n := 0
		for p := j - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j + 1, nil
		}
		j++
	}
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, synErr(b, i, "value expected")
	}
	switch c := b[i]; c {
	case '"':
		return skipString(b, i)
	case '{', '[':
		return skipComposite(b, i)
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

// structural marks the bytes skipComposite must stop at outside strings.
var structural = [256]bool{'"': true, '{': true, '}': true, '[': true, ']': true}

// skipComposite skips an object or array, checking that brackets pair up and strings end.
func skipComposite(b []byte, i int) (int, error) {
	var stackBuf [64]byte
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
		case '{':
			stack = append(stack, '}')
		case '[':
			stack = append(stack, ']')
		default: // '}' or ']'
			if len(stack) == 0 || stack[len(stack)-1] != c {
				return 0, synErr(b, i, fmt.Sprintf("unexpected %q", c))
			}
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				return i + 1, nil
			}
		}
		if len(stack) > maxDepth {
			return 0, synErr(b, i, "nesting too deep")
		}
		i++
	}
	return 0, synErr(b, len(b), "unexpected end of input")
}

// GetUnfinished is Get for a document that was cut short: when the member named key is the one
// the input ends in, it returns the rest of the input from that member's value on, so Items or
// Fields can still visit the elements that are complete.
func (v Value) GetUnfinished(key string) Value {
	b := v.b
	if len(b) == 0 || b[0] != '{' {
		return Value{}
	}
	i := skipWS(b, 1)
	for i < len(b) && b[i] == '"' {
		kEnd, err := skipString(b, i)
		if err != nil {
			return Value{}
		}
		k := b[i+1 : kEnd-1]
		i = skipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return Value{}
		}
		i = skipWS(b, i+1)
		vEnd, err := v.skip(i)
		if KeyIs(k, key) {
			if err != nil {
				return v.sub(i, len(b))
			}
			return v.sub(i, vEnd)
		}
		if err != nil {
			return Value{}
		}
		i = skipWS(b, vEnd)
		if i < len(b) && b[i] == ',' {
			i = skipWS(b, i+1)
		}
	}
	return Value{}
}
