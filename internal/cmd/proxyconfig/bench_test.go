package proxyconfig_test

import (
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/xdsctl/xdsctl/internal/cmd/root"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// bigInput returns the path of a generated big input (make bench writes them with hack/bigdumps.sh).
func bigInput(b *testing.B, name string) string {
	b.Helper()
	p := filepath.Join("..", "..", "..", "testdata", "big", name)
	st, err := os.Stat(p)
	if err != nil {
		b.Skipf("%s missing: run make bench (hack/bigdumps.sh generates it)", p)
	}
	b.SetBytes(st.Size())
	return p
}

// runCommand runs xdsctl in-process with args, output discarded, as a user would from a shell
// (flag parsing, file reading, parsing, the view, rendering).
func runCommand(b *testing.B, args ...string) {
	b.Helper()
	ios, _, _, _ := iostreams.Test()
	ios.Out, ios.ErrOut = io.Discard, io.Discard
	cmd := root.NewCmdRoot(root.NewFactory(ios))
	cmd.SetArgs(args)
	if err := cmd.Execute(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCommand runs whole commands on the big inputs; peak-heap-MiB is the most live heap seen
// by the garbage collector after each run (the process's RSS adds the mapped file and the binary:
// see hack/perf.sh for whole-process figures).
func BenchmarkCommand(b *testing.B) {
	const dump, clusters = "dump-100mb.json", "clusters-98mb.json"
	for _, bc := range []struct {
		name string
		file string
		args []string
	}{
		{"listeners", dump, []string{"pc", "listeners"}},
		{"clusters", dump, []string{"pc", "clusters"}},
		{"routes", dump, []string{"pc", "routes"}},
		{"secrets", dump, []string{"pc", "secrets"}},
		{"endpoints", clusters, []string{"pc", "endpoints"}},
		{"endpoints-eds", dump, []string{"pc", "endpoints"}},
		{"listeners-json", dump, []string{"pc", "listeners", "-o", "json"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := bigInput(b, bc.file)
			args := append(append([]string(nil), bc.args...), "-f", p)
			b.ReportAllocs()
			var ms runtime.MemStats
			var peak uint64
			for i := 0; i < b.N; i++ {
				runCommand(b, args...)
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
