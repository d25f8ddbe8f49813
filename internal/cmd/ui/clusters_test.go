package ui

import (
	"net/http"
	neturl "net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/testutil"
)

const (
	demoDump     = "../proxyconfig/demodata/config_dump.json"
	demoClusters = "../proxyconfig/demodata/clusters.json"
	// analyze's test dump and its /clusters, where cluster api's one host failed its outlier check.
	brokenDump     = "../analyze/testdata/broken.json"
	brokenClusters = "../analyze/testdata/broken-clusters.json"
)

// TestClustersFile: with --clusters, a saved dump's endpoints and their health come from the
// saved /clusters?format=json, as they do for a live proxy; without it, from the dump's EDS.
func TestClustersFile(t *testing.T) {
	const reviews = "outbound|9080|v1|reviews.default.svc.cluster.local"
	golden := func(url, file, path string) string {
		t.Helper()
		code, body := do(t, http.MethodGet, url+path, "", nil)
		assert.Equal(t, http.StatusOK, code, body)
		testutil.Golden(t, filepath.Join("testdata", "clusters-file", file), []byte(body))
		return body
	}
	withHealth := serve(t, &Options{Source: cmdutil.SourceOptions{File: demoDump}, ClustersFile: demoClusters})
	_, body := do(t, http.MethodGet, withHealth+"api/overview", "", nil)
	assert.Contains(t, body, `"hasHealth": true`)
	body = golden(withHealth, "demo-reviews-v1.json", "api/cluster/"+neturl.PathEscape(reviews))
	assert.Contains(t, body, `"endpointsFrom": "clusters"`)

	edsOnly := serve(t, &Options{Source: cmdutil.SourceOptions{File: demoDump}})
	_, body = do(t, http.MethodGet, edsOnly+"api/overview", "", nil)
	assert.Contains(t, body, `"hasHealth": false`)
	_, body = do(t, http.MethodGet, edsOnly+"api/cluster/"+neturl.PathEscape(reviews), "", nil)
	assert.Contains(t, body, `"endpointsFrom": "eds"`)

	// The host that failed its outlier check is ejected: the page draws it red.
	broken := serve(t, &Options{Source: cmdutil.SourceOptions{File: brokenDump}, ClustersFile: brokenClusters})
	body = golden(broken, "broken-api.json", "api/cluster/api")
	assert.Contains(t, body, `"outlierEjected": true`)
	_, body = do(t, http.MethodGet, serve(t, &Options{Source: cmdutil.SourceOptions{File: brokenDump}})+"api/cluster/api", "", nil)
	assert.NotContains(t, body, `"outlierEjected"`, "EDS knows nothing of outlier detection")
}

// TestClustersFileOfAnotherProxy: a /clusters naming none of the dump's clusters is said, on
// standard error and in the overview; the endpoints come from the dump.
func TestClustersFileOfAnotherProxy(t *testing.T) {
	url := serve(t, &Options{Source: cmdutil.SourceOptions{File: "../../../testdata/static/front-proxy.yaml"}, ClustersFile: demoClusters})
	_, body := do(t, http.MethodGet, url+"api/overview", "", nil)
	assert.Contains(t, body, `/clusters names none of the dump's 2 clusters, only 23 others (another proxy's?): endpoints come from the dump's EDS`)
}
