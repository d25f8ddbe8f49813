package uiapi

import (
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/xdsctl/xdsctl/pkg/configdiff"
)

// bigDump is the 100 MB dump of hack/bigdumps.sh (testdata/big, gitignored); the benchmarks skip
// without it.
const bigDump = "../../testdata/big/dump-100mb.json"

func loadBig(b *testing.B) []byte {
	data, err := os.ReadFile(bigDump)
	if err != nil {
		b.Skipf("no %s: run ./hack/bigdumps.sh", bigDump)
	}
	return data
}

// BenchmarkNew is the page's first view on the 100 MB dump: parse and every view (target ≤ 2 s).
func BenchmarkNew(b *testing.B) {
	data := loadBig(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(Source{Name: "big", Dump: data}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExpand is one step of each kind on the 100 MB dump, and a search (target ≤ 200 ms).
func BenchmarkExpand(b *testing.B) {
	a, err := New(Source{Name: "big", Dump: loadBig(b)})
	if err != nil {
		b.Fatal(err)
	}
	l, rc, c := a.listeners[len(a.listeners)/2].Name, a.routes[len(a.routes)/2].Name, a.clusters[len(a.clusters)/2].Name
	b.Run("overview", func(b *testing.B) {
		for b.Loop() {
			_ = a.Overview()
		}
	})
	b.Run("listener", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Listener(l); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("routeconfig", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.RouteConfig(rc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cluster", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Cluster(c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("resource", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.Resource(KindCluster, c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("search", func(b *testing.B) {
		for b.Loop() {
			_ = a.Search("10.1.2.3")
		}
	})
}

// BenchmarkFindings is analyze over the 100 MB dump, which /api/findings runs once, after the
// page's first view.
func BenchmarkFindings(b *testing.B) {
	a, err := New(Source{Name: "big", Dump: loadBig(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f, err := a.analyze()
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Findings) > MaxFindings {
			b.Fatalf("%d findings listed, more than %d", len(f.Findings), MaxFindings)
		}
	}
}

// BenchmarkTrace is one trace on the 100 MB dump, to the port of a listener in the middle.
func BenchmarkTrace(b *testing.B) {
	a, err := New(Source{Name: "big", Dump: loadBig(b)})
	if err != nil {
		b.Fatal(err)
	}
	ls := a.Listeners().Listeners
	l := ls[len(ls)/2]
	q := TraceQuery{To: fmt.Sprintf("10.1.2.3:%d", l.Port), Host: "example.com", Path: "/"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Trace(q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDiffBig is the diff view on the 100 MB dump: against itself (no differences: every
// resource takes the equal-bytes path), against a copy where 7,986 clusters have another connect
// timeout, and against the demo sidecar (nearly every resource added, each normalized and
// written out), with the first page of the list.
func BenchmarkDiffBig(b *testing.B) {
	data := loadBig(b)
	a, err := New(Source{Name: "big", Dump: data})
	if err != nil {
		b.Fatal(err)
	}
	demo, err := os.ReadFile(dumps[0].dump)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		base []byte
		want int
	}{
		{"self", data, 0},
		{"timeouts", bytes.ReplaceAll(data, []byte(`"connect_timeout": "10s"`), []byte(`"connect_timeout": "11s"`)), 7986},
		{"demo", demo, -1},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := a.Diff(configdiff.Input{Name: "base", Dump: tc.base})
				if err != nil {
					b.Fatal(err)
				}
				s, err := d.Summary(0, 0)
				if err != nil {
					b.Fatal(err)
				}
				if tc.want >= 0 && s.Total != tc.want {
					b.Fatalf("%d changes, want %d", s.Total, tc.want)
				}
			}
		})
	}
}
