package boundedread

import (
	"bytes"
	"context"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// spaces is an endless stream of spaces, as a hostile server sends.
type spaces struct{}

func (spaces) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestRead(t *testing.T) {
	body := strings.Repeat("0123456789", 100_000) // 1 MB
	for _, tc := range []struct {
		name     string
		r        io.Reader
		declared int64
		limit    int64
		want     string
		err      string
	}{
		{"declared size", strings.NewReader(body), int64(len(body)), 2 << 20, body, ""},
		{"unknown size", strings.NewReader(body), -1, 2 << 20, body, ""},
		{"declared too small", strings.NewReader(body), 10, 2 << 20, body, ""},
		{"declared too large", strings.NewReader("{}"), 1 << 20, 2 << 20, "{}", ""},
		{"one byte at a time", iotest.OneByteReader(strings.NewReader(body[:70_000])), -1, 1 << 20, body[:70_000], ""},
		{"exactly the limit", strings.NewReader(body), -1, int64(len(body)), body, ""},
		{"empty", strings.NewReader(""), 0, 10, "", ""},
		{"one byte over", strings.NewReader(body), -1, int64(len(body)) - 1, "", "the answer is larger than the 999999 bytes limit"},
		{"declared over the limit", strings.NewReader(body), 2_000_000_000, 8 << 20, "", "the answer is 1907 MiB, more than the 8 MiB limit"},
		{"endless", spaces{}, -1, 8 << 20, "", "the answer is larger than the 8 MiB limit"},
		{"read error", iotest.TimeoutReader(strings.NewReader(body)), -1, 2 << 20, "", "timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, n, err := Read(context.Background(), tc.r, tc.declared, tc.limit)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || string(got) != tc.want || n != int64(len(tc.want)) {
				t.Fatalf("got %d bytes (n=%d), %v; want %d bytes", len(got), n, err, len(tc.want))
			}
		})
	}
}

// A declared size is trusted once maxPrealloc bytes arrived: one buffer of that size; a sender that
// declared too little or too much still gets exactly what it sent.
func TestReadTrustsDeclaredSizeAfterProof(t *testing.T) {
	defer func(p int64) { maxPrealloc = p }(maxPrealloc)
	maxPrealloc = 64 << 10
	body := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	for _, tc := range []struct {
		name     string
		declared int64
		alloc    uint64 // at most
	}{
		{"honest", int64(len(body)), 64<<10 + 1<<20 + 32<<10},
		{"declared too much", 2 << 20, 64<<10 + 2<<20 + 32<<10},
		{"declared too little", 200 << 10, 3 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			got, n, err := Read(context.Background(), onlyReader{bytes.NewReader(body)}, tc.declared, 4<<20)
			runtime.ReadMemStats(&after)
			if err != nil || !bytes.Equal(got, body) || n != int64(len(body)) {
				t.Fatalf("%d bytes (n=%d), %v", len(got), n, err)
			}
			if a := after.TotalAlloc - before.TotalAlloc; a > tc.alloc {
				t.Errorf("allocated %d bytes, want at most %d", a, tc.alloc)
			}
		})
	}
}

// An endless stream stops at the limit having allocated about twice the limit, not more.
func TestReadMemory(t *testing.T) {
	const limit = 8 << 20
	for _, declared := range []int64{-1, 2_000_000_000, limit} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _, err := Read(context.Background(), spaces{}, declared, limit)
		runtime.ReadMemStats(&after)
		var tl *TooLargeError
		if !errors.As(err, &tl) {
			t.Fatalf("declared %d: %v", declared, err)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 2*limit+(1<<20) {
			t.Errorf("declared %d: allocated %d bytes reading up to the %d limit", declared, got, limit)
		}
	}
	// a 40 MB answer read whole: the peak is the chunks plus the result
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	got, _, err := Read(context.Background(), io.LimitReader(spaces{}, 40<<20), -1, 1<<30)
	runtime.ReadMemStats(&after)
	if err != nil || len(got) != 40<<20 {
		t.Fatal(len(got), err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 2*(40<<20)+(24<<20) {
		t.Errorf("allocated %d bytes for a 40 MiB answer", a)
	}
}

// A cancelled context stops the read between two reads, however fast the stream.
func TestReadContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, _, err := Read(ctx, slow{}, -1, 1<<30)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v", err)
	}
	if took := time.Since(start); took > 150*time.Millisecond {
		t.Errorf("took %s after a 50ms deadline", took)
	}
}

// slow gives 1 KiB every millisecond.
type slow struct{}

func (slow) Read(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	return copy(p, bytes.Repeat([]byte{' '}, 1024)), nil
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{512: "512 bytes", 1 << 30: "1 GiB", 3 << 30: "3 GiB", 8 << 20: "8 MiB", 1536 << 20: "1536 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzRead: whatever the stream, its declared size and the limit, Read returns the stream itself
// or says it is too large, and never more than limit bytes.
func FuzzRead(f *testing.F) {
	defer func(p int64) { maxPrealloc = p }(maxPrealloc)
	maxPrealloc = 64 // so small inputs reach every path: chunks, trusting the declared size
	f.Add([]byte("{}"), int64(2), int64(10), uint8(1))
	f.Add(bytes.Repeat([]byte("x"), 5000), int64(-1), int64(4096), uint8(7))
	f.Add([]byte("abc"), int64(1<<40), int64(1<<20), uint8(0))
	f.Fuzz(func(t *testing.T, data []byte, declared, limit int64, step uint8) {
		if limit < 0 || limit > 1<<20 {
			limit = int64(len(data))
		}
		var r io.Reader = bytes.NewReader(data)
		if step > 0 {
			r = &stepReader{data: data, step: int(step)}
		}
		got, n, err := Read(context.Background(), r, declared, limit)
		var tl *TooLargeError
		switch {
		case errors.As(err, &tl):
			if int64(len(data)) <= limit && declared <= limit {
				t.Fatalf("%d bytes, limit %d, declared %d: %v", len(data), limit, declared, err)
			}
		case err != nil:
			t.Fatal(err)
		case !bytes.Equal(got, data) || n != int64(len(data)):
			t.Fatalf("read %d bytes (n=%d) of %d", len(got), n, len(data))
		}
	})
}

// stepReader gives at most step bytes per Read.
type stepReader struct {
	data []byte
	step int
}

func (s *stepReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.step)], s.data)
	s.data = s.data[n:]
	return n, nil
}
