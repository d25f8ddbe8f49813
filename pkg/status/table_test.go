package status

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xdsctl/xdsctl/internal/testutil"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// fleet is a small mixed set of proxies from two control planes.
var t0 = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

func assertGolden(t *testing.T, got []byte, name string) {
	t.Helper()
	testutil.Golden(t, filepath.Join("testdata", name+".golden"), got)
}

func fleet() []ProxyStatus {
	ty := func(short string, s State, ago time.Duration) TypeStatus {
		t := TypeStatus{Type: short, TypeURL: V3TypeURL(short), State: s}
		if ago > 0 {
			t.LastUpdated = t0.Add(-ago)
		}
		return t
	}
	return []ProxyStatus{
		{Name: "reviews-v1.bookinfo", Namespace: "bookinfo", Cluster: "Kubernetes", ControlPlane: "istiod-b", Version: "1.28.0",
			Labels: map[string]string{"app": "reviews", "version": "v1"},
			Types: []TypeStatus{
				ty("CDS", StateSynced, 5*time.Minute), ty("LDS", StateSynced, 5*time.Minute), ty("EDS", StateSynced, 3*time.Second),
				ty("RDS", StateSynced, 5*time.Minute), {Type: "ECDS", State: StateIgnored},
			}},
		{Name: "ratings-v1.bookinfo", Namespace: "bookinfo", Cluster: "Kubernetes", ControlPlane: "istiod-a", Version: "1.28.0",
			Labels: map[string]string{"app": "ratings"},
			Types: []TypeStatus{
				{Type: "CDS", State: StateError, LastUpdated: t0.Add(-90 * time.Minute), Error: "unexpected lbPolicy\nMAGLEV", VersionSent: "v7", VersionAcked: "v6"},
				ty("LDS", StateStale, 2*time.Second), {Type: "EDS", State: StateNotSent}, ty("RDS", StateSynced, 26*time.Hour), {Type: "ECDS", State: StateIgnored},
				ty("SDS", StateSynced, time.Minute),
			}},
		{Name: "ztunnel-x.istio-system", Namespace: "istio-system", ControlPlane: "istiod-a",
			Types: []TypeStatus{
				{Type: "CDS", State: StateIgnored}, {Type: "LDS", State: StateIgnored}, {Type: "EDS", State: StateIgnored},
				{Type: "RDS", State: StateIgnored}, {Type: "ECDS", State: StateIgnored}, ty("WDS", StateSynced, 40*time.Second),
			}},
	}
}

func render(headers []string, rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(headers, "\t") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r, "\t") + "\n")
	}
	return b.Bytes()
}

func TestTable(t *testing.T) {
	tests := []struct {
		name    string
		proxies []ProxyStatus
		wide    bool
	}{
		{"fleet.short", fleet(), false},
		{"fleet.wide", fleet(), true},
		{"empty.short", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rows := Table(tt.proxies, TableOptions{Wide: tt.wide, Now: t0})
			for _, r := range rows {
				require.Len(t, r, len(h), "every row has every column")
				for _, c := range r {
					assert.NotEmpty(t, c, "empty cells are -")
					assert.NotContains(t, c, "\n")
				}
			}
			assertGolden(t, render(h, rows), "table/"+tt.name)
		})
	}
}

func TestStateCell(t *testing.T) {
	tests := []struct {
		name string
		in   TypeStatus
		now  time.Time
		want string
	}{
		{"synced with age", TypeStatus{State: StateSynced, LastUpdated: t0.Add(-5 * time.Minute)}, t0, "SYNCED (5m)"},
		{"stale seconds", TypeStatus{State: StateStale, LastUpdated: t0.Add(-2 * time.Second)}, t0, "STALE (2s)"},
		{"error hours", TypeStatus{State: StateError, LastUpdated: t0.Add(-150 * time.Minute)}, t0, "ERROR (150m)"},
		{"days", TypeStatus{State: StateSynced, LastUpdated: t0.Add(-50 * time.Hour)}, t0, "SYNCED (2d2h)"},
		{"no timestamp", TypeStatus{State: StateSynced}, t0, "SYNCED"},
		{"not sent never has an age", TypeStatus{State: StateNotSent, LastUpdated: t0.Add(-time.Hour)}, t0, "NOT SENT"},
		{"future timestamp is clamped", TypeStatus{State: StateSynced, LastUpdated: t0.Add(time.Minute)}, t0, "SYNCED (0s)"},
		{"no clock", TypeStatus{State: StateSynced, LastUpdated: t0}, time.Time{}, "SYNCED"},
		{"empty state", TypeStatus{}, t0, "IGNORED"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, StateCell(tt.in, tt.now))
		})
	}
}

func TestVersionsOf(t *testing.T) {
	tests := []struct {
		name string
		in   TypeStatus
		want string
	}{
		{"synced", TypeStatus{State: StateSynced, VersionSent: "v4", VersionAcked: "v4"}, "v4"},
		{"accepted only (a proxy's own view)", TypeStatus{State: StateSynced, VersionAcked: "v4"}, "v4"},
		{"stale, accepted version known", TypeStatus{State: StateStale, VersionSent: "v4", VersionAcked: "v3"}, "v3→v4"},
		{"error, accepted version known (a client's CSDS)", TypeStatus{State: StateError, VersionSent: "v2", VersionAcked: "v1"}, "v1→v2"},
		{"stale, only the version sent known (a control plane's CSDS)", TypeStatus{State: StateStale, VersionSent: "v4"}, "v4 (not acked)"},
		{"error, only the rejected version known", TypeStatus{State: StateError, VersionSent: "v2"}, "v2 (rejected)"},
		{"synced, only the version sent known", TypeStatus{State: StateSynced, VersionSent: "v4"}, "v4"},
		{"no version", TypeStatus{State: StateNotSent}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, versionsOf(tt.in))
			assert.NotContains(t, versionsOf(tt.in), "-→", "no placeholder for an unknown version")
		})
	}
}

func TestViewsJSONAndYAML(t *testing.T) {
	ps := fleet()
	Sort(ps)
	b, err := json.MarshalIndent(ps, "", "  ")
	require.NoError(t, err)
	assertGolden(t, append(b, '\n'), "views/fleet.json")
	y, err := yaml.Marshal(ps)
	require.NoError(t, err)
	assertGolden(t, y, "views/fleet.yaml")
}

func TestFilter(t *testing.T) {
	sel := func(s string) labels.Selector {
		l, err := labels.Parse(s)
		require.NoError(t, err)
		return l
	}
	states := func(s string) ([]State, bool) {
		st, not, err := ParseStates(s)
		require.NoError(t, err)
		return st, not
	}
	tests := []struct {
		name string
		f    func() Filter
		want []string
	}{
		{"zero keeps all", func() Filter { return Filter{} }, []string{"ratings-v1.bookinfo", "reviews-v1.bookinfo", "ztunnel-x.istio-system"}},
		{"namespace", func() Filter { return Filter{Namespace: "istio-system"} }, []string{"ztunnel-x.istio-system"}},
		{"unknown namespace matches nothing", func() Filter { return Filter{Namespace: "nope"} }, nil},
		{"labels", func() Filter { return Filter{Labels: sel("app=reviews")} }, []string{"reviews-v1.bookinfo"}},
		{"label set-based", func() Filter { return Filter{Labels: sel("app in (reviews,ratings),version!=v1")} }, []string{"ratings-v1.bookinfo"}},
		{"status error", func() Filter { s, n := states("error"); return Filter{States: s, NotStates: n} }, []string{"ratings-v1.bookinfo"}},
		{"status not synced ignores IGNORED", func() Filter { s, n := states("!SYNCED"); return Filter{States: s, NotStates: n} }, []string{"ratings-v1.bookinfo"}},
		{"status unsynced", func() Filter { s, n := states("unsynced"); return Filter{States: s, NotStates: n} }, []string{"ratings-v1.bookinfo"}},
		{"status ignored", func() Filter { s, n := states("IGNORED"); return Filter{States: s, NotStates: n} }, []string{"ratings-v1.bookinfo", "reviews-v1.bookinfo", "ztunnel-x.istio-system"}},
		{"status plus namespace", func() Filter { s, n := states("synced"); return Filter{Namespace: "bookinfo", States: s, NotStates: n} },
			[]string{"ratings-v1.bookinfo", "reviews-v1.bookinfo"}},
	}
	ps := fleet()
	Sort(ps)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range tt.f().Apply(ps) {
				got = append(got, p.Name)
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseStates(t *testing.T) {
	tests := []struct {
		in   string
		want []State
		not  bool
		err  string
	}{
		{"SYNCED", []State{StateSynced}, false, ""},
		{"stale, not_sent", []State{StateStale, StateNotSent}, false, ""},
		{"NOT SENT", []State{StateNotSent}, false, ""},
		{"!synced,ignored", []State{StateSynced, StateIgnored}, true, ""},
		{"unsynced", []State{StateStale, StateNotSent, StateError}, false, ""},
		{"SYNCD", nil, false, `unknown status "SYNCD"`},
		{"", nil, false, `unknown status ""`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, not, err := ParseStates(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.not, not)
		})
	}
}

func TestMerge(t *testing.T) {
	a := &Report{Proxies: []ProxyStatus{
		{Name: "p2", ControlPlane: "istiod-a", Types: []TypeStatus{{Type: "CDS", State: StateStale, LastUpdated: t0.Add(-time.Minute)}}},
		{Name: "p1", ControlPlane: "istiod-a"},
	}, Warnings: []string{"w-a"}}
	b := &Report{Proxies: []ProxyStatus{
		{Name: "p2", ControlPlane: "istiod-b"}, // reconnecting: a row per replica
		{Name: "p3", ControlPlane: "istiod-b"},
	}}
	again := &Report{Proxies: []ProxyStatus{ // istiod-a answered twice through the service address
		{Name: "p2", ControlPlane: "istiod-a", Types: []TypeStatus{{Type: "CDS", State: StateSynced, LastUpdated: t0}}},
	}}
	m := Merge(a, nil, b, again)
	var got []string
	for _, p := range m.Proxies {
		got = append(got, p.Name+"@"+p.ControlPlane)
	}
	assert.Equal(t, []string{"p1@istiod-a", "p2@istiod-a", "p2@istiod-b", "p3@istiod-b"}, got)
	assert.Equal(t, StateSynced, m.Proxies[1].Types[0].State, "newest duplicate kept")
	assert.Equal(t, []string{"w-a"}, m.Warnings)
}
