package testutil

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestArgs(t *testing.T) {
	for in, want := range map[string][]string{
		"":                           nil,
		"pc  clusters -f x.json":     {"pc", "clusters", "-f", "x.json"},
		"--jq '.[] | .name' -o json": {"--jq", ".[] | .name", "-o", "json"},
		"--debug-listen '' x":        {"--debug-listen", "", "x"},
		"a'b c'd":                    {"ab cd"},
	} {
		assert.Equal(t, want, Args(in), in)
	}
}
