package boundedread

import (
	"bytes"
	"context"
	"io"
	"testing"
)

// BenchmarkRead reads a 100 MB answer, with its size declared (Content-Length) and without
// (chunked), against what adminhttp did before: bytes.Buffer grown to Content-Length, or doubling.
func BenchmarkRead(b *testing.B) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 100<<20/16)
	size := int64(len(data))
	b.Run("declared", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, _, err := Read(context.Background(), onlyReader{bytes.NewReader(data)}, size, 1<<30); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unknown size", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			if _, _, err := Read(context.Background(), onlyReader{bytes.NewReader(data)}, -1, 1<<30); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("before: buffer grown to the declared size", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			var buf bytes.Buffer
			buf.Grow(int(size))
			if _, err := buf.ReadFrom(io.LimitReader(onlyReader{bytes.NewReader(data)}, 2<<30+1)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("before: buffer doubling", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(io.LimitReader(onlyReader{bytes.NewReader(data)}, 2<<30+1)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// onlyReader hides WriteTo, as a network body does not have it.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }
