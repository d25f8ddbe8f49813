package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAssetsMatchSources checks that the committed bundle was built from the committed sources:
// web/build.mjs records each source's sha256 in assets/SOURCES.sha256; this recomputes them
// without npm. When it fails, run `cd internal/cmd/ui/web && npm ci && npm run build` and commit
// assets/.
func TestAssetsMatchSources(t *testing.T) {
	files, err := filepath.Glob("web/src/*")
	require.NoError(t, err)
	for i := range files {
		files[i] = strings.TrimPrefix(files[i], "web/")
	}
	files = append(files, "build.mjs", "package.json", "package-lock.json", "tsconfig.json")
	sort.Strings(files)
	var want strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("web", f))
		require.NoError(t, err)
		sum := sha256.Sum256(b)
		want.WriteString(hex.EncodeToString(sum[:]) + "  " + f + "\n")
	}
	got, err := os.ReadFile("assets/SOURCES.sha256")
	require.NoError(t, err)
	assert.Equal(t, want.String(), string(got),
		"assets/ is stale or lists other sources: rebuild with `cd internal/cmd/ui/web && npm ci && npm run build` (and list new sources in build.mjs)")

	for _, name := range []string{"index.html", "style.css", "favicon.svg", "app.js", "THIRD_PARTY_LICENSES.txt"} {
		f, err := page{}.Open(name)
		require.NoError(t, err, "the page serves %s", name)
		_ = f.Close()
	}
	js, err := assets.ReadFile("assets/app.js")
	require.NoError(t, err)
	assert.Contains(t, string(js), "api/overview", "the bundle holds the page's code")
}
