package analyze

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/iostreams"
)

// BenchmarkAnalyze runs `xdsctl analyze -f` on the 100 MB dump (make bench generates it with
// hack/bigdumps.sh): reading the file, parsing, every check and the table. Target: 2 s and
// 400 MiB. peak-heap-MiB is the most live heap seen by the garbage collector after each run.
func BenchmarkAnalyze(b *testing.B) {
	p := filepath.Join("..", "..", "..", "testdata", "big", "dump-100mb.json")
	st, err := os.Stat(p)
	if err != nil {
		b.Skipf("%s missing: run make bench (hack/bigdumps.sh generates it)", p)
	}
	for _, format := range []string{"short", "json"} {
		b.Run(format, func(b *testing.B) {
			b.SetBytes(st.Size())
			b.ReportAllocs()
			var ms runtime.MemStats
			var peak uint64
			for i := 0; i < b.N; i++ {
				ios, _, _, _ := iostreams.Test()
				ios.Out, ios.ErrOut = io.Discard, io.Discard
				f := &cmdutil.Factory{IOStreams: ios, Now: func() time.Time { return testNow }}
				cmd := NewCmdAnalyze(f, nil)
				cmd.SetArgs([]string{"-f", p, "-o", format})
				cmd.SilenceErrors, cmd.SilenceUsage = true, true
				_, err := cmd.ExecuteContextC(context.Background())
				if code := cmdutil.ExitCode(err); code != cmdutil.ExitOK && code != cmdutil.ExitProblems {
					b.Fatal(err)
				}
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
