package jsonscan

import (
	"os"
	"testing"
)

func BenchmarkParseBig(b *testing.B) {
	p := os.Getenv("XDSCTL_BENCH_DUMP")
	if p == "" {
		b.Skip("set XDSCTL_BENCH_DUMP")
	}
	data, err := os.ReadFile(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
