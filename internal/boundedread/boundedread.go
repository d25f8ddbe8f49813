// Package boundedread reads an untrusted stream (an admin API's answer, a debug endpoint's body)
// into memory without letting the sender choose how much memory that takes: at most a limit is
// read, a declared size reserves at most MaxPrealloc up front, the buffer grows in chunks (so the
// peak is about twice what was read, never three times as with doubling), and the context is
// checked between reads so a deadline holds while the buffer grows.
//
// A declared size within the limit is trusted once the sender has sent MaxPrealloc bytes: the
// answer is then read into one buffer of that size, so an honest large answer (a config dump of
// hundreds of MB) peaks at its size plus MaxPrealloc rather than twice its size.
package boundedread

import (
	"context"
	"fmt"
	"io"
)

// MaxPrealloc is the most reserved up front from a size the sender declares (Content-Length):
// a header alone must not make xdsctl reserve and zero gigabytes.
const MaxPrealloc = 64 << 20

// maxPrealloc is MaxPrealloc; tests make it small.
var maxPrealloc int64 = MaxPrealloc

// maxChunk is the largest chunk the buffer grows by; minChunk the first one when no size is declared.
const (
	maxChunk = 64 << 20
	minChunk = 32 << 10
)

// TooLargeError says the stream held more than the limit.
type TooLargeError struct {
	Limit    int64
	Declared int64 // the size the sender declared, when that alone was over the limit; else 0
}

func (e *TooLargeError) Error() string {
	if e.Declared > 0 {
		return fmt.Sprintf("the answer is %s, more than the %s limit", Size(e.Declared), Size(e.Limit))
	}
	return fmt.Sprintf("the answer is larger than the %s limit", Size(e.Limit))
}

// Read reads r to its end and returns what it held. declared is the size the sender announced
// (-1 when unknown); it only sizes the first chunk, up to MaxPrealloc. More than limit bytes is a
// *TooLargeError; a done ctx stops the read with ctx.Err(). n is how many bytes were read, also on
// error.
func Read(ctx context.Context, r io.Reader, declared, limit int64) (data []byte, n int64, err error) {
	if declared > limit {
		return nil, 0, &TooLargeError{Limit: limit, Declared: declared}
	}
	first := int64(minChunk)
	if declared >= 0 {
		first = min(declared+1, maxPrealloc) // +1: room to see the end without another chunk
	}
	first = min(first, limit+1)
	var chunks [][]byte
	cur := make([]byte, 0, first)
	trusted := false
	for {
		if err := ctx.Err(); err != nil {
			return nil, n, err
		}
		if len(cur) == cap(cur) && !trusted && declared > n {
			// MaxPrealloc bytes arrived and more are declared (within the limit, checked above):
			// one buffer of the declared size, no final copy
			trusted = true
			whole := make([]byte, 0, declared+1)
			for _, c := range chunks {
				whole = append(whole, c...)
			}
			chunks, cur = nil, append(whole, cur...)
		}
		if len(cur) == cap(cur) {
			chunks = append(chunks, cur)
			next := min(max(2*int64(cap(cur)), minChunk), maxChunk, limit+1-n)
			cur = make([]byte, 0, next)
		}
		m, rerr := r.Read(cur[len(cur):cap(cur)])
		cur = cur[:len(cur)+m]
		n += int64(m)
		if n > limit {
			return nil, n, &TooLargeError{Limit: limit}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return nil, n, rerr
		}
	}
	if len(chunks) == 0 {
		return cur, n, nil
	}
	if err := ctx.Err(); err != nil {
		return nil, n, err
	}
	out := make([]byte, 0, n)
	for _, c := range chunks {
		out = append(out, c...)
	}
	return append(out, cur...), n, nil
}

// Size writes a byte count for people: 512 bytes, 3 MiB, 1 GiB.
func Size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
