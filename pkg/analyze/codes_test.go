package analyze_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/pkg/analyze"
)

// TestCodesDocumented: every code has its section in docs/analyze.md, with its severity, and the
// docs name no code that does not exist.
func TestCodesDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/analyze.md")
	require.NoError(t, err)
	doc := string(b)
	seen := map[string]bool{}
	for _, c := range analyze.Codes {
		assert.False(t, seen[c.ID], "code %s used twice", c.ID)
		seen[c.ID] = true
		head := regexp.MustCompile(`(?m)^#### ` + c.ID + ` — .* \(` + c.Severity.String() + `\)$`)
		assert.Regexp(t, head, doc, "docs/analyze.md has no '#### %s — ... (%s)' section", c.ID, c.Severity)
		assert.NotEmpty(t, c.Hint, c.ID)
		assert.False(t, strings.HasSuffix(c.Hint, "."), "hint of %s ends with a period", c.ID)
	}
	for _, m := range regexp.MustCompile(`XDS\d{4}`).FindAllString(doc, -1) {
		assert.True(t, seen[m] || m == "XDS9999", "docs/analyze.md names %s, which is no code", m) // XDS9999: the example of a bad --suppress
	}
}
