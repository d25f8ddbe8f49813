package uiapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// manyChildren is how many children each resource of pagedDump has: two full pages and a part.
const manyChildren = 130

// pagedDump is testutil.WideDump's dump with manyChildren children per resource: listener
// "wide", route configuration "rc" (its virtual host "vh-0" with manyChildren routes), cluster "c".
func pagedDump() []byte { return testutil.WideDump(manyChildren) }

// TestPagedGoldens: pages past the first MaxChildren of a listener's chains, a route
// configuration's virtual hosts, a virtual host's routes and a cluster's endpoints.
func TestPagedGoldens(t *testing.T) {
	a, err := New(Source{Name: "paged", Dump: pagedDump(), Now: testNow})
	require.NoError(t, err)
	h := a.Handler()
	for _, tc := range []struct{ file, path string }{
		{"listener-offset-120.json", "/api/listener/wide?offset=120"},
		{"listener-offset-60-limit-2.json", "/api/listener/wide?offset=60&limit=2"},
		{"routeconfig-offset-125.json", "/api/routeconfig/rc?offset=125"},
		{"virtualhost-offset-128.json", "/api/virtualhost/rc?name=vh-0&offset=128"},
		{"cluster-offset-127.json", "/api/cluster/c?offset=127"},
		{"cluster-offset-past-end.json", "/api/cluster/c?offset=1000"},
	} {
		code, body := get(t, h, tc.path)
		require.Equal(t, http.StatusOK, code, "%s: %s", tc.path, body)
		testutil.Golden(t, filepath.Join("testdata", "paged", tc.file), body)
	}
}

// TestPagingReachesAll: following the pages as the page's "show next" node does reaches every
// child exactly once, in order: nothing is dropped.
func TestPagingReachesAll(t *testing.T) {
	a, err := New(Source{Name: "paged", Dump: pagedDump(), Now: testNow})
	require.NoError(t, err)
	h := a.Handler()
	walk := func(path string, names func(body []byte) (total, offset int, got []string)) []string {
		var all []string
		for offset := 0; ; {
			code, body := get(t, h, path+fmt.Sprintf("offset=%d", offset))
			require.Equal(t, http.StatusOK, code, "%s", body)
			total, off, got := names(body)
			require.Equal(t, offset, off)
			require.LessOrEqual(t, len(got), MaxChildren)
			all = append(all, got...)
			offset += len(got)
			if offset >= total || len(got) == 0 {
				require.Equal(t, total, offset, "every child reached")
				return all
			}
		}
	}
	want := func(format string) []string {
		var w []string
		for i := range manyChildren {
			w = append(w, fmt.Sprintf(format, i))
		}
		return w
	}
	assert.Equal(t, want("chain-%d"), walk("/api/listener/wide?", func(body []byte) (int, int, []string) {
		var d ListenerDetail
		require.NoError(t, json.Unmarshal(body, &d))
		var n []string
		for _, c := range d.Chains {
			n = append(n, c.Name)
		}
		return d.ListenerItem.Chains, d.Offset, n
	}))
	assert.Equal(t, want("vh-%d"), walk("/api/routeconfig/rc?", func(body []byte) (int, int, []string) {
		var d RouteConfigDetail
		require.NoError(t, json.Unmarshal(body, &d))
		var n []string
		for _, v := range d.VirtualHosts {
			n = append(n, v.Name)
		}
		return d.TotalVirtualHosts, d.Offset, n
	}))
	assert.Equal(t, want("/%d*"), walk("/api/virtualhost/rc?name=vh-0&", func(body []byte) (int, int, []string) {
		var v VirtualHostOut
		require.NoError(t, json.Unmarshal(body, &v))
		var n []string
		for _, r := range v.Routes {
			n = append(n, r.Match)
		}
		return v.TotalRoutes, v.RoutesOffset, n
	}))
	var eps []string
	for i := range manyChildren {
		eps = append(eps, fmt.Sprintf("10.9.%d.%d:8080", i/256, i%256))
	}
	assert.Equal(t, eps, walk("/api/cluster/c?", func(body []byte) (int, int, []string) {
		var d ClusterDetail
		require.NoError(t, json.Unmarshal(body, &d))
		var n []string
		for _, e := range d.Endpoints {
			n = append(n, e.Address)
		}
		return d.TotalEndpoints, d.Offset, n
	}))
}

func TestPagingBadQuery(t *testing.T) {
	a, err := New(Source{Name: "paged", Dump: pagedDump(), Now: testNow})
	require.NoError(t, err)
	h := a.Handler()
	for _, path := range []string{
		"/api/listener/wide?offset=-1", "/api/routeconfig/rc?offset=x", "/api/cluster/c?limit=-5",
		"/api/virtualhost/rc?name=vh-0&offset=1.5",
	} {
		code, body := get(t, h, path)
		assert.Equal(t, http.StatusBadRequest, code, "%s: %s", path, body)
		assert.Contains(t, string(body), "is not a whole number of 0 or more", path)
	}
	code, body := get(t, h, "/api/virtualhost/rc?name=nope")
	assert.Equal(t, http.StatusNotFound, code, "%s", body)
	code, _ = get(t, h, "/api/virtualhost/nope?name=vh-0")
	assert.Equal(t, http.StatusNotFound, code)
	// A limit above MaxChildren is MaxChildren.
	p, err := ParsePage(url.Values{"limit": {"1000"}})
	require.NoError(t, err)
	lo, hi := p.window(manyChildren)
	assert.Equal(t, [2]int{0, MaxChildren}, [2]int{lo, hi})
}

// TestSearchChildPastFirstPage: a search hit on a domain or an endpoint address says which
// child matched and its index, so the page can load the page of children that holds it; the
// page at that index holds it.
func TestSearchChildPastFirstPage(t *testing.T) {
	a, err := New(Source{Name: "paged", Dump: pagedDump(), Now: testNow})
	require.NoError(t, err)
	code, body := get(t, a.Handler(), "/api/search?q="+url.QueryEscape("d125.example"))
	require.Equal(t, http.StatusOK, code)
	testutil.Golden(t, "testdata/paged/search-domain.json", body)
	var hits []Hit
	require.NoError(t, json.Unmarshal(body, &hits))
	require.Len(t, hits, 1)
	assert.Equal(t, &HitChild{Kind: "vhost", Name: "vh-125", Index: 125}, hits[0].Child)
	rc, err := a.RouteConfigPage(hits[0].Name, Page{Offset: hits[0].Child.Index / MaxChildren * MaxChildren})
	require.NoError(t, err)
	assert.Contains(t, vhostNames(rc), "vh-125")

	hits = a.Search("10.9.0.129")
	require.Len(t, hits, 1)
	assert.Equal(t, Hit{Kind: KindCluster, Name: "c", Why: "endpoint 10.9.0.129:8080", Child: &HitChild{Kind: "endpoint", Name: "10.9.0.129:8080", Index: 129}}, hits[0])
	cd, err := a.ClusterPage("c", Page{Offset: 120})
	require.NoError(t, err)
	assert.Equal(t, "10.9.0.129:8080", cd.Endpoints[129-120].Address)
}

func vhostNames(rc RouteConfigDetail) []string {
	var out []string
	for _, vh := range rc.VirtualHosts {
		out = append(out, vh.Name)
	}
	return out
}
