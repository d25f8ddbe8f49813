package uiapi

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// TestHealthSources: /clusters given parsed (a saved file beside the dump) is used as read
// bytes are; one cut short keeps its complete clusters with a warning; one of another proxy
// is said, and the endpoints come from EDS.
func TestHealthSources(t *testing.T) {
	dump, err := os.ReadFile(dumps[0].dump)
	require.NoError(t, err)
	clusters, err := os.ReadFile(dumps[0].clusters)
	require.NoError(t, err)
	const reviews = "outbound|9080|v1|reviews.default.svc.cluster.local"

	parsed, err := configdump.ParseClusters(clusters)
	require.NoError(t, err)
	a, err := New(Source{Name: "f", Dump: dump, Health: parsed, Now: testNow})
	require.NoError(t, err)
	assert.True(t, a.Overview().HasHealth)
	c, err := a.Cluster(reviews)
	require.NoError(t, err)
	assert.Equal(t, "clusters", c.EndpointsFrom)
	assert.Empty(t, a.Overview().Warnings)

	a, err = New(Source{Name: "f", Dump: dump, Clusters: clusters[:len(clusters)/2], Now: testNow})
	require.NoError(t, err)
	require.NotEmpty(t, a.Overview().Warnings)
	assert.Contains(t, a.Overview().Warnings[0], "/clusters: input is truncated")
	assert.True(t, a.Overview().HasHealth, "the complete clusters are kept")

	other, err := os.ReadFile("../../internal/cmd/analyze/testdata/broken-clusters.json")
	require.NoError(t, err)
	static, err := os.ReadFile("../../testdata/static/front-proxy.yaml")
	require.NoError(t, err)
	a, err = New(Source{Name: "f", Dump: static, Clusters: other, Now: testNow})
	require.NoError(t, err)
	assert.Equal(t, []string{"/clusters names none of the dump's 2 clusters, only 2 others (another proxy's?): endpoints come from the dump's EDS"},
		a.Overview().Warnings)
}
