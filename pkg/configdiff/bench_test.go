package configdiff

import (
	"bytes"
	"os"
	"testing"
)

// BenchmarkDiffBig diffs two 100 MB dumps (hack/bigdumps.sh makes testdata/big/dump-100mb.json;
// the second is the same dump with three clusters' connect_timeout changed and every version
// bumped). Target: ≤ 2 s and ≤ 500 MiB per op (docs/performance.md).
func BenchmarkDiffBig(b *testing.B) {
	a, err := os.ReadFile("../../testdata/big/dump-100mb.json")
	if err != nil {
		b.Skip("run hack/bigdumps.sh to generate it: ", err)
	}
	planted := bytes.Replace(a, []byte(`"connect_timeout": "10s"`), []byte(`"connect_timeout": "11s"`), 3)
	planted = bytes.ReplaceAll(planted, []byte(`"version_info": "2024-`), []byte(`"version_info": "2025-`))
	if bytes.Equal(a, planted) {
		b.Fatal("no change planted")
	}
	b.SetBytes(int64(len(a) + len(planted)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Diff(Input{Name: "a", Dump: a}, Input{Name: "b", Dump: planted}, DiffOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Changes) != 3 {
			b.Fatalf("%d changes, want 3", len(r.Changes))
		}
	}
}

// BenchmarkDiffManyChanges diffs the 100 MB dump with a copy where every cluster with a 10s
// connect timeout (7,986 of them) has another: each of those is normalized, canonicalized and
// diffed on both sides.
func BenchmarkDiffManyChanges(b *testing.B) {
	a, err := os.ReadFile("../../testdata/big/dump-100mb.json")
	if err != nil {
		b.Skip("run hack/bigdumps.sh to generate it: ", err)
	}
	planted := bytes.ReplaceAll(a, []byte(`"connect_timeout": "10s"`), []byte(`"connect_timeout": "11s"`))
	b.SetBytes(int64(len(a) + len(planted)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Diff(Input{Name: "a", Dump: a}, Input{Name: "b", Dump: planted}, DiffOptions{Kinds: []Kind{Clusters}})
		if err != nil {
			b.Fatal(err)
		}
		if len(r.Changes) != 7986 {
			b.Fatalf("%d changes, want 7986", len(r.Changes))
		}
	}
}

// BenchmarkDiffBigTwins diffs the 100 MB dump with its twin replica (another pod IP and pod name)
// under --normalize-pod: resources that do not name the pod take the equal-bytes path still.
func BenchmarkDiffBigTwins(b *testing.B) {
	a, err := os.ReadFile("../../testdata/big/dump-100mb.json")
	if err != nil {
		b.Skip("run hack/bigdumps.sh to generate it: ", err)
	}
	twin := bytes.ReplaceAll(a, []byte("192.168.252.229"), []byte("192.168.7.31"))
	twin = bytes.ReplaceAll(twin, []byte("httpbin-istio-waypoint-58f646c5ff-dbfkz"), []byte("httpbin-istio-waypoint-58f646c5ff-q2x9z"))
	b.SetBytes(int64(len(a) + len(twin)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := Diff(Input{Name: "a", Dump: a}, Input{Name: "b", Dump: twin}, DiffOptions{NormalizePod: true})
		if err != nil {
			b.Fatal(err)
		}
		if !r.Equal {
			b.Fatalf("twins differ: %s", r.Summary())
		}
	}
}
