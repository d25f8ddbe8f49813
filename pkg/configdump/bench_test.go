package configdump

import (
	"os"
	"testing"
)

// benchDump reads the big dump named by XDSCTL_BENCH_DUMP (make bench generates it).
func benchDump(b *testing.B) []byte {
	b.Helper()
	p := os.Getenv("XDSCTL_BENCH_DUMP")
	if p == "" {
		b.Skip("set XDSCTL_BENCH_DUMP to a large /config_dump (make bench does)")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func BenchmarkListeners(b *testing.B) {
	data := benchDump(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := Parse(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Listeners(); err != nil {
			b.Fatal(err)
		}
	}
}
