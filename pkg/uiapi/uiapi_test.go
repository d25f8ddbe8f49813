package uiapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// dumps are the inputs of the goldens: the --demo sidecar (with its /clusters, so endpoints
// carry Envoy's health view), a real Istio sidecar dump, and the synthetic dump whose resources
// are warming, NACKed and in error.
var dumps = []struct{ name, dump, clusters string }{
	{"demo", "../../internal/cmd/proxyconfig/demodata/config_dump.json", "../../internal/cmd/proxyconfig/demodata/clusters.json"},
	{"istio-proxyconfig", "../../testdata/dumps/istio/proxyconfig__config_dump.json", ""},
	{"states", "../configdump/testdata/states.json", ""},
}

// testNow pins the time analyze checks certificates at (while the demo's certificate is valid),
// so findings' goldens stay put.
var testNow = time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC)

func load(t *testing.T, dump, clusters string) *API {
	t.Helper()
	src := Source{Name: filepath.Base(dump), Now: testNow}
	var err error
	src.Dump, err = os.ReadFile(dump)
	require.NoError(t, err)
	if clusters != "" {
		src.Clusters, err = os.ReadFile(clusters)
		require.NoError(t, err)
	}
	a, err := New(src)
	require.NoError(t, err)
	return a
}

// get asks the handler for path and returns the status and body.
func get(t *testing.T, h http.Handler, path string) (int, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, err := io.ReadAll(rec.Result().Body)
	require.NoError(t, err)
	return rec.Code, body
}

// TestGoldens asks every endpoint of each dump, following the graph as the page does: the
// first listener that sends to a route configuration, that route configuration, the first
// cluster one of its routes names (else the first cluster), and searches by port, name and IP.
func TestGoldens(t *testing.T) {
	for _, d := range dumps {
		t.Run(d.name, func(t *testing.T) {
			a := load(t, d.dump, d.clusters)
			h := a.Handler()
			dir := filepath.Join("testdata", d.name)
			golden := func(file, path string) []byte {
				t.Helper()
				code, body := get(t, h, path)
				require.Equal(t, http.StatusOK, code, "%s: %s", path, body)
				testutil.Golden(t, filepath.Join(dir, file), body)
				return body
			}
			golden("overview.json", "/api/overview")
			golden("listeners.json", "/api/listeners")

			listener, route, cluster, port := "", "", "", uint32(0)
			for _, l := range a.Listeners().Listeners {
				ld, err := a.Listener(l.Name)
				require.NoError(t, err)
				for _, c := range ld.Chains {
					if c.RouteConfig != "" && !c.Inline && c.RouteConfigStatus != "MISSING" && route == "" {
						listener, route, port = l.Name, c.RouteConfig, l.Port
					}
				}
			}
			if listener == "" && len(a.listeners) > 0 {
				listener, port = a.listeners[0].Name, a.listeners[0].Port
			}
			if route == "" && len(a.routes) > 0 {
				route = a.routes[0].Name
			}
			if route != "" {
				rc, err := a.RouteConfig(route)
				require.NoError(t, err)
				for _, vh := range rc.VirtualHosts {
					for _, r := range vh.Routes {
						if cluster == "" && r.Cluster != "" && r.ClusterStatus != "MISSING" {
							cluster = r.Cluster
						}
					}
				}
				golden("routeconfig.json", "/api/routeconfig/"+url.PathEscape(route))
			}
			if cluster == "" && len(a.clusters) > 0 {
				cluster = a.clusters[0].Name
			}
			if listener != "" {
				golden("listener.json", "/api/listener/"+url.PathEscape(listener))
				golden("resource-listener.json", "/api/resource/listener/"+url.PathEscape(listener))
				golden("search-port.json", "/api/search?q="+strconv.Itoa(int(port)))
			}
			if cluster != "" {
				var cd ClusterDetail
				require.NoError(t, json.Unmarshal(golden("cluster.json", "/api/cluster/"+url.PathEscape(cluster)), &cd))
				golden("resource-cluster.json", "/api/resource/cluster/"+url.PathEscape(cluster))
				golden("search-name.json", "/api/search?q="+url.QueryEscape(cd.FQDN))
				if len(cd.Endpoints) > 0 {
					ip := cd.Endpoints[0].Address
					golden("search-ip.json", "/api/search?q="+url.QueryEscape(ip))
				}
			}
			if route != "" {
				golden("resource-routeconfig.json", "/api/resource/routeconfig/"+url.PathEscape(route))
			}
			if d.name == "demo" {
				// reviews' route splits traffic between two subsets: weighted clusters
				body := golden("routeconfig-9080.json", "/api/routeconfig/9080")
				assert.Contains(t, string(body), `"weightedClusters"`)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	h := load(t, dumps[0].dump, dumps[0].clusters).Handler()
	for _, path := range []string{
		"/api/listener/nope", "/api/routeconfig/nope", "/api/cluster/nope",
		"/api/resource/listener/nope", "/api/resource/secret/x", "/api/nope",
	} {
		code, body := get(t, h, path)
		assert.Equal(t, http.StatusNotFound, code, path)
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal(body, &e), path)
		assert.NotEmpty(t, e.Error, path)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/overview", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code, "the API is read-only")
}

func TestProblems(t *testing.T) {
	a := load(t, dumps[2].dump, "")
	o := a.Overview()
	states := map[string]bool{}
	nacks := 0
	for _, p := range o.Problems {
		states[p.State] = true
		if p.NACK != "" {
			nacks++
		}
	}
	assert.True(t, states["WARMING"], "warming resources are problems: %+v", o.Problems)
	assert.Positive(t, nacks, "NACKed resources carry their rejection: %+v", o.Problems)
}

func TestSearchBounded(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	assert.Empty(t, a.Search("  "))
	assert.LessOrEqual(t, len(a.Search("a")), MaxHits)
	assert.Empty(t, a.Search("no-such-thing-anywhere"))
}

func TestListenersBounded(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	for len(a.listeners) <= MaxListed {
		a.listeners = append(a.listeners, a.listeners...)
	}
	a.index()
	l := a.Listeners()
	assert.Equal(t, len(a.listeners), l.Total)
	assert.Len(t, l.Listeners, MaxListed)
	seen := map[string]bool{}
	for _, li := range l.Listeners {
		assert.False(t, seen[li.Name], "%s listed twice", li.Name)
		seen[li.Name] = true
	}
}

func TestBadDump(t *testing.T) {
	_, err := New(Source{Name: "x", Dump: []byte("not json")})
	assert.Error(t, err)
}

// TestConcurrent: the server answers requests at once; run with -race.
func TestConcurrent(t *testing.T) {
	a := load(t, dumps[0].dump, dumps[0].clusters)
	h := a.Handler()
	paths := []string{"/api/overview", "/api/listeners", "/api/search?q=10", "/api/resource/listener/virtualInbound",
		"/api/resource/cluster/" + url.PathEscape(a.clusters[0].Name), "/api/routeconfig/9080",
		"/api/findings", "/api/trace?to=10.96.0.10:9080&host=reviews", "/api/trace?to=10.244.0.194:9080&inbound=1"}
	done := make(chan struct{})
	for i := range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for _, p := range paths {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
				if rec.Code != http.StatusOK {
					t.Errorf("worker %d: %s: %d", i, p, rec.Code)
				}
			}
		}()
	}
	for range 8 {
		<-done
	}
}

// TestChildrenBounded: a route configuration with 100 virtual hosts of 100 routes answers with
// MaxChildren of each and the totals.
func TestChildrenBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.RoutesConfigDump","dynamic_route_configs":[{"route_config":{"name":"big","virtual_hosts":[`)
	for i := range 100 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"vh%d","domains":["d%d"],"routes":[`, i, i)
		for j := range 100 {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"match":{"prefix":"/%d"},"route":{"cluster":"c%d"}}`, j, j)
		}
		b.WriteString("]}")
	}
	b.WriteString("]}}]}]}")
	a, err := New(Source{Name: "big", Dump: []byte(b.String())})
	require.NoError(t, err)
	rc, err := a.RouteConfig("big")
	require.NoError(t, err)
	assert.Equal(t, 100, rc.TotalVirtualHosts)
	require.Len(t, rc.VirtualHosts, MaxChildren)
	assert.Equal(t, 100, rc.VirtualHosts[0].TotalRoutes)
	assert.Len(t, rc.VirtualHosts[0].Routes, MaxChildren)
	assert.Equal(t, "c59", rc.VirtualHosts[59].Routes[59].Cluster)
}
