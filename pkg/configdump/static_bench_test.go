package configdump

import (
	"os"
	"testing"
)

// BenchmarkParseInputDump: ParseInput on a dump costs what Parse costs (a few hundred ns and 7
// allocations whatever the size: the sections are read lazily); the static readers never run.
func BenchmarkParseInputDump(b *testing.B) {
	benchEach(b, func(b *testing.B, data []byte) {
		if _, err := ParseInput(data); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkParseInputStatic: an Envoy bootstrap (Envoy's front-proxy sandbox, YAML) read as a dump,
// with the listeners view over it.
func BenchmarkParseInputStatic(b *testing.B) {
	data, err := os.ReadFile("../../testdata/static/front-proxy.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		d, err := ParseInput(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := d.Listeners(); err != nil {
			b.Fatal(err)
		}
	}
}
