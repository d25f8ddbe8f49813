package status

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNACKLinesSplitsEnvoyLists(t *testing.T) {
	tests := []struct {
		name string
		t    TypeStatus
		want []string
	}{
		{"one message naming several resources, sorted", TypeStatus{Type: "LDS", Error: "Error adding/updating listener(s) b: duplicate filter chain, c: x, y, a: address is necessary"},
			[]string{"LDS a: address is necessary", "LDS b: duplicate filter chain", "LDS c: x, y"}},
		{"a message about no resource", TypeStatus{Type: "CDS", Error: "unknown type URL x"}, []string{"CDS: unknown type URL x"}},
		{"distinct messages, each split", TypeStatus{Type: "RDS", Error: "Error adding/updating route(s) r2: bad; Error adding/updating route(s) r1: worse"},
			[]string{"RDS r1: worse", "RDS r2: bad"}},
		{"known names split only before them", TypeStatus{Type: "CDS", Error: "Error adding/updating cluster(s) a: no, b: c: d",
			Resources: []ResourceStatus{{Name: "a", State: StateError, Error: "Error adding/updating cluster(s) a: no, b: c: d"}, {Name: "b", State: StateError, Error: "Error adding/updating cluster(s) a: no, b: c: d"}}},
			[]string{"CDS a: no", "CDS b: c: d"}},
		{"warming", TypeStatus{Type: "CDS", Warming: 2}, []string{"CDS: 2 warming"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, NACKLines(&ProxyStatus{Types: []TypeStatus{tt.t}}))
		})
	}
}

// FuzzNACKLines: any NACK message splits into lines without a panic, each naming its type.
func FuzzNACKLines(f *testing.F) {
	f.Add("Error adding/updating listener(s) b: duplicate, c: x, y, a: address is necessary", "a")
	f.Add("(s) : , : ", "")
	f.Add("route(s) r: ; r: ", "r")
	f.Fuzz(func(t *testing.T, msg, name string) {
		p := &ProxyStatus{Types: []TypeStatus{{Type: "LDS", Error: msg, Resources: []ResourceStatus{{Name: name, State: StateError, Error: msg}}}}}
		for _, l := range NACKLines(p) {
			if len(l) < 3 || l[:3] != "LDS" {
				t.Fatalf("line %q", l)
			}
		}
	})
}
