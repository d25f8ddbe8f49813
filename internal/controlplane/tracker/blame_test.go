package tracker

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestBlame(t *testing.T) {
	tests := []struct {
		name  string
		msg   string
		names []string
		want  map[string]string
	}{
		{
			name:  "gRPC: one resource",
			msg:   `error parsing "ClusterResource" response: resource "greeter": unexpected lbPolicy MAGLEV in response: name:"greeter"`,
			names: []string{"greeter", "other"},
			want:  map[string]string{"greeter": `unexpected lbPolicy MAGLEV in response: name:"greeter"`},
		},
		{
			name:  "gRPC: two resources",
			msg:   "error parsing \"ClusterResource\" response: resource \"a\": bad one;\nresource \"b\": bad two",
			names: []string{"a", "b", "c"},
			want:  map[string]string{"a": "bad one", "b": "bad two"},
		},
		{
			name:  "gRPC: a name with a quote",
			msg:   `error parsing "ClusterResource" response: resource "a\"b": bad`,
			names: []string{`a"b`},
			want:  map[string]string{`a"b`: "bad"},
		},
		{
			name:  "gRPC: top level errors only",
			msg:   `error parsing "ClusterResource" response: top level errors: failed to unmarshal`,
			names: []string{"a"},
			want:  map[string]string{},
		},
		{
			name:  "Envoy: names in the text",
			msg:   "Error adding/updating cluster(s) backend: Proto constraint validation failed, web: bad",
			names: []string{"backend", "web", "back"},
			want: map[string]string{
				"backend": "Error adding/updating cluster(s) backend: Proto constraint validation failed, web: bad",
				"web":     "Error adding/updating cluster(s) backend: Proto constraint validation failed, web: bad",
			},
		},
		{
			name:  "Envoy: a name at the end of a sentence",
			msg:   "Error adding/updating listener(s) http-8080.",
			names: []string{"http-8080", "http"},
			want:  map[string]string{"http-8080": "Error adding/updating listener(s) http-8080."},
		},
		{
			name:  "no name in the text",
			msg:   "Proto constraint validation failed",
			names: []string{"a"},
			want:  map[string]string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Blame(tt.msg, tt.names))
		})
	}
}
