package jsonscan

// Lazy reads the members of an object, or the elements of an array, one at a time from a
// document that has not been scanned: a member is scanned only when the reader asks for it or
// moves past it. A reader that stops early never looks at the rest of the document (Parse would
// scan all of it first), and one that meets a document cut short has every member before the cut.
//
//	r, err := jsonscan.NewLazy(doc)
//	for r.Next() {
//		if jsonscan.KeyIs(r.Key(), "configs") { ... r.Enter() ... }
//	}
//	if err := r.Err(); err != nil { ... }
type Lazy struct {
	doc    []byte // the whole document
	pos    int    // document offset of the current member's value, or of the next member
	closer byte   // '}' or ']'
	n      int    // members seen
	key    []byte
	state  lazyState
	err    error
}

type lazyState uint8

const (
	lazyStart  lazyState = iota // before the first member
	lazyMember                  // at a member's value, not yet passed
	lazyPassed                  // the member's value was passed; pos is just after it
	lazyDone                    // the closing bracket was read, or an error met
)

// NewLazy starts reading the object or array at the start of doc (after white space).
func NewLazy(doc []byte) (*Lazy, error) {
	i := skipWS(doc, 0)
	if i >= len(doc) {
		return nil, &SyntaxError{Offset: int64(i), Msg: "empty document", EOF: true}
	}
	return lazyAt(doc, i)
}

func lazyAt(doc []byte, i int) (*Lazy, error) {
	switch doc[i] {
	case '{':
		return &Lazy{doc: doc, pos: i + 1, closer: '}'}, nil
	case '[':
		return &Lazy{doc: doc, pos: i + 1, closer: ']'}, nil
	}
	return nil, synErr(doc, i, "object or array expected")
}

// Next moves to the next member. It returns false at the end of the object or array, or when
// the document stops being JSON (Err says which).
func (r *Lazy) Next() bool {
	b := r.doc
	switch r.state {
	case lazyDone:
		return false
	case lazyMember:
		end, err := skipValue(b, r.pos)
		if err != nil {
			return r.fail(err)
		}
		r.pos = end
		r.state = lazyPassed
	}
	i := skipWS(b, r.pos)
	if r.state == lazyPassed {
		if i >= len(b) {
			return r.fail(synErr(b, i, "unexpected end of input"))
		}
		if b[i] == r.closer {
			r.state = lazyDone
			r.pos = i + 1
			return false
		}
		if b[i] != ',' {
			return r.fail(synErr(b, i, "',' or '"+string(r.closer)+"' expected"))
		}
		i = skipWS(b, i+1)
	} else if i < len(b) && b[i] == r.closer { // empty
		r.state = lazyDone
		r.pos = i + 1
		return false
	}
	if i >= len(b) {
		return r.fail(synErr(b, i, "unexpected end of input"))
	}
	if r.closer == '}' {
		if b[i] != '"' {
			return r.fail(synErr(b, i, "object key expected"))
		}
		kEnd, err := skipString(b, i)
		if err != nil {
			return r.fail(err)
		}
		r.key = b[i+1 : kEnd-1]
		i = skipWS(b, kEnd)
		if i >= len(b) || b[i] != ':' {
			return r.fail(synErr(b, i, "':' expected after object key"))
		}
		i = skipWS(b, i+1)
		if i >= len(b) {
			return r.fail(synErr(b, i, "unexpected end of input"))
		}
	}
	r.pos = i
	r.n++
	r.state = lazyMember
	return true
}

func (r *Lazy) fail(err error) bool {
	r.err = err
	r.state = lazyDone
	return false
}

// Key returns the current member's raw key (nil in an array).
func (r *Lazy) Key() []byte {
	if r.closer != '}' {
		return nil
	}
	return r.key
}

// Count returns how many members Next has moved to.
func (r *Lazy) Count() int { return r.n }

// Peek returns the current member's value without scanning it when it is an object or array: a
// Value that runs to the end of the document, whose Kind, Get and Fields on its first members
// are cheap (a config dump section's "@type" comes first) but whose Raw is not the member alone.
// A string, number or literal is returned whole.
func (r *Lazy) Peek() Value {
	if r.state != lazyMember {
		return Value{}
	}
	if c := r.doc[r.pos]; c != '{' && c != '[' {
		end, err := skipScalar(r.doc, r.pos)
		if err != nil {
			return Value{}
		}
		return Value{b: r.doc[r.pos:end], off: r.pos}
	}
	return Value{b: r.doc[r.pos:], off: r.pos}
}

// Value scans the current member's value and moves past it. With indexed set, a large object
// or array gets an index of its own, for deep navigation.
func (r *Lazy) Value(indexed bool) (Value, error) {
	if r.state != lazyMember {
		return Value{}, nil
	}
	v, end, err := scanAt(r.doc, r.pos, indexed)
	if err != nil {
		r.fail(err)
		return Value{}, err
	}
	r.pos = end
	r.state = lazyPassed
	return v, nil
}

// ValueScratch is Value indexing into s (see Scratch): for members read one after another and
// navigated deeply. The Value is valid until s is used again.
func (r *Lazy) ValueScratch(s *Scratch) (Value, error) {
	if r.state != lazyMember {
		return Value{}, nil
	}
	if c := r.doc[r.pos]; (c != '{' && c != '[') || !indexable(len(r.doc)) {
		return r.Value(false)
	}
	v, end, err := s.scan(r.doc, r.pos, 0)
	if err != nil {
		r.fail(err)
		return Value{}, err
	}
	r.pos = end
	r.state = lazyPassed
	return v, nil
}

// Enter reads the current member's value, an object or array, lazily. The parent reader must
// not be used again.
func (r *Lazy) Enter() (*Lazy, error) {
	if r.state != lazyMember {
		return nil, synErr(r.doc, r.pos, "no current member")
	}
	r.state = lazyDone
	return lazyAt(r.doc, r.pos)
}

// Err returns the syntax error that stopped the reader, if any. An error with EOF set means the
// document was cut short: the members returned before it are complete.
func (r *Lazy) Err() error { return r.err }

// Offset returns the document offset the reader is at.
func (r *Lazy) Offset() int { return r.pos }
