package uiapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/internal/testutil"
)

// ingressGateway is a real Istio 1.5 ingress gateway with bookinfo's Gateway routes (/productpage,
// /static, /login, /logout, /api/v1/products) in route configuration http.80.
const ingressGateway = "../../testdata/dumps/istio-history/istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj@2020-04-20.json"

// TestSearchRoutes: a route is found by its match (a path's prefix) or its name; the hit names
// its route configuration, virtual host and index.
func TestSearchRoutes(t *testing.T) {
	for _, tc := range []struct{ dump, clusters, q, golden string }{
		{ingressGateway, "", "/api/v1", "testdata/search/route-path.json"},
		{dumps[0].dump, dumps[0].clusters, "allow_any", "testdata/search/route-name.json"},
	} {
		a := load(t, tc.dump, tc.clusters)
		code, body := get(t, a.Handler(), "/api/search?q="+url.QueryEscape(tc.q))
		require.Equal(t, http.StatusOK, code, "%s", body)
		testutil.Golden(t, tc.golden, body)
	}
	a := load(t, ingressGateway, "")
	assert.Equal(t, []Hit{{Kind: KindRouteConfig, Name: "http.80", Why: "route /api/v1/products* in virtual host *:80",
		Child: &HitChild{Kind: "route", Name: "/api/v1/products*", Index: 4, VirtualHost: "*:80"}}}, a.Search("/API/v1"), "any case")
	// A route configuration found by its name has no hit per route.
	for _, h := range a.Search("http.80") {
		assert.Nil(t, h.Child, "%+v", h)
	}
}

// TestSearchRoutePastFirstPage: a route past the first page of its virtual host's routes says
// its index; the page at that index holds it.
func TestSearchRoutePastFirstPage(t *testing.T) {
	a, err := New(Source{Name: "paged", Dump: pagedDump(), Now: testNow})
	require.NoError(t, err)
	code, body := get(t, a.Handler(), "/api/search?q="+url.QueryEscape("/125"))
	require.Equal(t, http.StatusOK, code)
	testutil.Golden(t, "testdata/paged/search-route.json", body)
	var hits []Hit
	require.NoError(t, json.Unmarshal(body, &hits))
	require.Len(t, hits, 1)
	c := hits[0].Child
	require.NotNil(t, c)
	vh, err := a.VirtualHostPage(hits[0].Name, c.VirtualHost, Page{Offset: c.Index / MaxChildren * MaxChildren})
	require.NoError(t, err)
	assert.Equal(t, "/125*", vh.Routes[c.Index-vh.RoutesOffset].Match)

	// Every route matches "/": the hits stop at MaxHits.
	assert.Len(t, a.Search("/"), MaxHits)
}
