package configdump

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

func TestSplitIstioClusterName(t *testing.T) {
	for _, tt := range []struct {
		name string
		want IstioClusterName
		ok   bool
	}{
		{"outbound|9080|v1|reviews.default.svc.cluster.local", IstioClusterName{"outbound", 9080, "v1", "reviews.default.svc.cluster.local"}, true},
		{"outbound|9080||reviews.default.svc.cluster.local", IstioClusterName{"outbound", 9080, "", "reviews.default.svc.cluster.local"}, true},
		{"inbound|9080||", IstioClusterName{"inbound", 9080, "", ""}, true},
		{"outbound|443||a|b", IstioClusterName{"outbound", 443, "", "a|b"}, true}, // the FQDN keeps the rest
		{"outbound|http|v1|x", IstioClusterName{"outbound", 0, "v1", "x"}, true},  // a port that is not a number is 0
		{"|||", IstioClusterName{}, true},
		{"outbound|9080|v1", IstioClusterName{}, false},
		{"BlackHoleCluster", IstioClusterName{}, false},
		{"httproute/default/backend/rule/0", IstioClusterName{}, false},
		{"", IstioClusterName{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := SplitIstioClusterName(tt.name)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
			c := Cluster{Name: tt.name}
			assert.Equal(t, tt.ok, c.IsSubsetKey(), "IsSubsetKey agrees")
		})
	}
}

func TestIstioVersion(t *testing.T) {
	for _, tt := range []struct{ node, want string }{
		{`{"id":"sidecar~10.0.0.1~web.default~default.svc.cluster.local","metadata":{"ISTIO_VERSION":"1.24.2","NAMESPACE":"default"}}`, "1.24.2"},
		{`{"id":"envoy","metadata":{"NAMESPACE":"default"}}`, ""},
		{`{"id":"envoy"}`, ""},
		{`{"metadata":{"ISTIO_VERSION":7}}`, ""}, // not a string
		{`{}`, ""},
	} {
		t.Run(tt.node, func(t *testing.T) {
			assert.Equal(t, tt.want, IstioVersion(jsonscan.New([]byte(tt.node))))
		})
	}
}

// FuzzSplitIstioClusterName: a name with three "|" or more splits, into parts the name is made of.
func FuzzSplitIstioClusterName(f *testing.F) {
	for _, s := range []string{"outbound|9080|v1|reviews.default.svc.cluster.local", "inbound|80||", "BlackHoleCluster", "a|b|c", "||||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		n, ok := SplitIstioClusterName(name)
		if ok != (strings.Count(name, "|") >= 3) {
			t.Fatalf("%q: ok=%v", name, ok)
		}
		if !ok {
			return
		}
		if strings.Contains(n.Direction, "|") || strings.Contains(n.Subset, "|") || !strings.HasPrefix(name, n.Direction+"|") || !strings.HasSuffix(name, "|"+n.Subset+"|"+n.FQDN) {
			t.Fatalf("%q: split into %+v", name, n)
		}
	})
}
