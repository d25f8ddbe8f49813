package ui

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/xdsctl/xdsctl/internal/admin"
	"github.com/xdsctl/xdsctl/internal/cmd/proxyconfig"
	"github.com/xdsctl/xdsctl/internal/cmdutil"
	"github.com/xdsctl/xdsctl/internal/kube"
)

// TestServeAdmin: --admin reads the config dump and /clusters once at start, and again on each
// refresh only.
func TestServeAdmin(t *testing.T) {
	dump, clusters := proxyconfig.DemoAdmin()
	var dumps, other atomic.Int32
	var failClusters atomic.Bool
	envoy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.RequestURI() {
		case admin.PathConfigDumpWithEDS:
			dumps.Add(1)
			_, _ = w.Write(dump)
		case admin.PathClustersJSON:
			if failClusters.Load() {
				http.Error(w, "no", http.StatusInternalServerError)
				return
			}
			_, _ = w.Write(clusters)
		default:
			other.Add(1)
			http.NotFound(w, r)
		}
	}))
	defer envoy.Close()
	url := serve(t, &Options{
		Resolver: func() (cmdutil.TargetResolver, error) {
			return kube.NewResolver(genericclioptions.NewConfigFlags(true)), nil
		},
		Source: cmdutil.SourceOptions{AdminURL: envoy.URL, Timeout: 5 * time.Second},
	})
	code, body := do(t, http.MethodGet, url+"api/overview", "", nil)
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"live": true`)
	assert.Contains(t, body, `"hasHealth": true`, "/clusters was read")
	time.Sleep(100 * time.Millisecond)
	assert.Equal(t, int32(1), dumps.Load(), "read once at start")

	code, body = do(t, http.MethodPost, url+"api/refresh", "", http.Header{refreshHeader: {"1"}})
	assert.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, int32(2), dumps.Load(), "read again on refresh")
	assert.Zero(t, other.Load(), "nothing else asked of the proxy")

	failClusters.Store(true)
	code, body = do(t, http.MethodPost, url+"api/refresh", "", http.Header{refreshHeader: {"1"}})
	assert.Equal(t, http.StatusOK, code, "a failing /clusters is not fatal: %s", body)
	assert.Contains(t, body, "endpoint health from EDS only")
	assert.Contains(t, body, `"hasHealth":false`)
}
