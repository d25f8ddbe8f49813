package analyze_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// FuzzAnalyze: whatever a dump or static config holds, analyze reports findings or an error; it
// never panics. Seeded with the small real dumps and static configs of testdata.
func FuzzAnalyze(f *testing.F) {
	for _, glob := range []string{"../../testdata/dumps/*/*.json", "../../testdata/static/*"} {
		files, _ := filepath.Glob(glob)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Add([]byte(dump(clusters([]string{edsCluster("e")}), eds(cla("e")), routes(routeConfig("r", "v|*|"+route(`{"prefix":"/"}`, "e")+";"+route(`{"path":"/x"}`, "gone"))))))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := configdump.ParseInput(data)
		if err != nil {
			return
		}
		res, err := analyze.Analyze(analyze.Input{Dump: d, Static: d.Static != ""}, analyze.Options{Now: testNow, Schema: len(data) < 8<<10})
		if err != nil {
			return
		}
		for _, fd := range res.Findings {
			if _, ok := analyze.LookupCode(fd.Code); !ok {
				t.Fatalf("finding with unknown code %q", fd.Code)
			}
		}
	})
}
