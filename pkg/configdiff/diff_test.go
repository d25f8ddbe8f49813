package configdiff

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lcsLen is the textbook dynamic-programming LCS length, the reference for the Myers implementation.
func lcsLen(a, b []string) int {
	dp := make([][]int, len(a)+1)
	for i := range dp {
		dp[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			switch {
			case a[i] == b[j]:
				dp[i][j] = dp[i+1][j+1] + 1
			case dp[i+1][j] > dp[i][j+1]:
				dp[i][j] = dp[i+1][j]
			default:
				dp[i][j] = dp[i][j+1]
			}
		}
	}
	return dp[0][0]
}

func checkScript(t *testing.T, a, b []string) {
	t.Helper()
	es := diffLines(a, b)
	var gotA, gotB []string
	changes := 0
	for _, e := range es {
		switch e.op {
		case ' ':
			gotA, gotB = append(gotA, e.text), append(gotB, e.text)
		case '-':
			gotA = append(gotA, e.text)
			changes++
		case '+':
			gotB = append(gotB, e.text)
			changes++
		}
	}
	require.Equal(t, strings.Join(a, "|"), strings.Join(gotA, "|"), "the script rebuilds a")
	require.Equal(t, strings.Join(b, "|"), strings.Join(gotB, "|"), "the script rebuilds b")
	require.Equal(t, len(a)+len(b)-2*lcsLen(a, b), changes, "the script is shortest: a=%q b=%q", a, b)
}

func TestDiffLinesShortest(t *testing.T) {
	fixed := [][2]string{
		{"", ""}, {"a", ""}, {"", "a"}, {"a", "b"}, {"abc", "abc"}, {"abcabba", "cbabac"},
		{"xaaay", "xbbby"}, {"ab", "ba"}, {"aaaa", "aa"}, {"abcdef", "azcdxf"},
	}
	for _, f := range fixed {
		checkScript(t, split(f[0]), split(f[1]))
	}
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		checkScript(t, randSeq(rng), randSeq(rng))
	}
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, "")
}

func randSeq(rng *rand.Rand) []string {
	n := rng.Intn(14)
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune('a' + rng.Intn(3)))
	}
	return out
}

func TestUnified(t *testing.T) {
	a := []block{{name: "one", text: "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5\n}\n"}, {name: "two", text: "x\n"}}
	b := []block{{name: "one", text: "{\n  \"a\": 1,\n  \"b\": 7,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5\n}\n"}, {name: "two"}}
	assert.Equal(t, `--- control plane
+++ proxy
@@ -2,3 +2,3 @@ cluster "one"
   "a": 1,
-  "b": 2,
+  "b": 7,
   "c": 3,
@@ -7,2 +7 @@ cluster "two"
 }
-x
`, unified(a, b, "control plane", "proxy", 1, "cluster"))
	// changes close together share a hunk
	assert.Equal(t, `--- control plane
+++ proxy
@@ -1,8 +1,7 @@ cluster "one"
 {
   "a": 1,
-  "b": 2,
+  "b": 7,
   "c": 3,
   "d": 4,
   "e": 5
 }
-x
`, unified(a, b, "control plane", "proxy", 3, "cluster"))
}

func BenchmarkDiffLargeListener(b *testing.B) {
	// two 20,000-line texts differing in a few places: linear space, no blow-up
	mk := func(change int) []string {
		out := make([]string, 20000)
		for i := range out {
			out[i] = strings.Repeat(" ", i%7) + "\"line\": " + string(rune('a'+i%26))
			if change > 0 && i%change == 0 {
				out[i] += " changed"
			}
		}
		return out
	}
	x, y := mk(0), mk(997)
	b.ReportAllocs()
	for b.Loop() {
		diffLines(x, y)
	}
}
