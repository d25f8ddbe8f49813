package trace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func act(t *testing.T, rc *RouteConfiguration, req *Request) *Action {
	t.Helper()
	res := rc.RouteRequest(req, RouteOptions{Explain: true})
	require.NotNil(t, res.Action, "no action: %s", res.Stop)
	return res.Action
}

// config.route.v3.WeightedCluster: the router picks by the request's random value modulo the
// total weight; each cluster takes the values [sum of weights before it, + its weight).
// total_weight, when set, replaces the sum; header_name reads the random value from a header.
func TestWeightedClusters(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: /h}
    route: {weighted_clusters: {header_name: x-rand, clusters: [{name: a, weight: 1}, {name: b, weight: 1}]}}
  - match: {prefix: /t}
    route: {weighted_clusters: {total_weight: 100, clusters: [{name: a, weight: 30}, {name: b, weight: 30}]}}
  - match: {prefix: /}
    route: {weighted_clusters: {clusters: [{name: a, weight: 20}, {name: b, weight: 30}, {name: c, weight: 50}]}}
`)
	tests := []struct {
		random uint64
		path   string
		want   string
		kind   string
	}{
		{0, "/", "a", KindCluster},
		{19, "/", "a", KindCluster},
		{20, "/", "b", KindCluster}, // boundary: [20,50) is b
		{49, "/", "b", KindCluster},
		{50, "/", "c", KindCluster},
		{99, "/", "c", KindCluster},
		{100, "/", "a", KindCluster}, // 100 % 100 = 0
		{59, "/t", "b", KindCluster},
		{60, "/t", "", KindNoCluster}, // total_weight larger than the sum leaves a gap
	}
	for _, tt := range tests {
		r := get("h", tt.path)
		r.RandomValue, r.RandomSet = tt.random, true
		a := act(t, rc, r)
		assert.Equal(t, tt.kind, a.Kind, "random %d", tt.random)
		assert.Equal(t, tt.want, a.Cluster, "random %d", tt.random)
	}
	a := act(t, rc, get("h", "/h", "x-rand", "3"))
	assert.Equal(t, "b", a.Cluster, "header_name gives the random value")
	require.Len(t, a.Weighted, 2)
	assert.Equal(t, WeightedPick{Name: "b", Weight: 1, From: 1, To: 2, Chosen: true}, a.Weighted[1])
}

// config.route.v3.RouteAction: cluster_header ("If the header is not found or the referenced
// cluster does not exist, Envoy will return a 404 response" — the router answers 503 NC when it is
// empty), prefix_rewrite, regex_rewrite (RE2 GlobalReplace, \1 references), host_rewrite_literal,
// path_rewrite_policy (uri_template rewrite).
func TestRouteActionRewrites(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - match: {prefix: /ch}
    route: {cluster_header: x-cluster}
  - match: {prefix: /prefix/, case_sensitive: false}
    route: {cluster: c, prefix_rewrite: /, host_rewrite_literal: upstream.local}
  - match: {path: /exact}
    route: {cluster: c, prefix_rewrite: /other}
  - match: {prefix: /re/}
    route: {cluster: c, regex_rewrite: {pattern: {regex: "^/re/([^/]+)/(.*)$"}, substitution: "/\\2/\\1"}}
  - match: {prefix: /aaa}
    route: {cluster: c, regex_rewrite: {pattern: {regex: "a"}, substitution: "b"}}
  - match: {path_match_policy: {name: m, typed_config: {path_template: "/bar/{lang}/{country}"}}}
    route: {cluster: c, path_rewrite_policy: {name: r, typed_config: {path_template_rewrite: "/{country}/{lang}"}}}
`)
	a := act(t, rc, get("h", "/ch", "x-cluster", "picked"))
	assert.Equal(t, "picked", a.Cluster)
	a = act(t, rc, get("h", "/ch"))
	assert.Equal(t, KindNoCluster, a.Kind)

	tests := []struct{ path, wantPath, wantHost string }{
		{"/prefix/a?x=1", "/a?x=1", "upstream.local"},
		{"/PREFIX/a", "/a", "upstream.local"},
		{"/exact?q", "/other?q", "h"},
		{"/re/v1/items/1?z", "/items/1/v1?z", "h"},
		{"/aaa", "/bbb", "h"}, // every match is replaced
		{"/bar/en/us", "/us/en", "h"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := act(t, rc, get("h", tt.path))
			assert.Equal(t, KindCluster, a.Kind)
			assert.Equal(t, tt.wantPath, a.Path)
			assert.Equal(t, tt.wantHost, a.Host)
		})
	}
}

// config.route.v3.RedirectAction: https_redirect/scheme_redirect swap the scheme, host_redirect
// the host, port_redirect the port; path_redirect swaps the path ("query string in path_redirect
// will override the request's query string and will not be stripped": /old-path-1?bar=1 →
// /new-path-1?bar=1, with strip_query /new-path-2, /new-path-3?foo=1), prefix_rewrite and
// regex_rewrite rewrite it; response_code defaults to MOVED_PERMANENTLY (301). A port that is the
// default of the original scheme is dropped when the scheme changes.
func TestRedirect(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {match: {path: /old-path-1}, redirect: {path_redirect: /new-path-1}}
  - {match: {path: /old-path-2}, redirect: {path_redirect: /new-path-2, strip_query: true}}
  - {match: {path: /old-path-3}, redirect: {path_redirect: "/new-path-3?foo=1", strip_query: true}}
  - {match: {prefix: /https}, redirect: {https_redirect: true}}
  - {match: {prefix: /scheme}, redirect: {scheme_redirect: HTTPS, response_code: PERMANENT_REDIRECT}}
  - {match: {prefix: /host}, redirect: {host_redirect: new.example.com, response_code: FOUND}}
  - {match: {prefix: /port}, redirect: {port_redirect: 8443, response_code: TEMPORARY_REDIRECT}}
  - {match: {prefix: /prefix/}, redirect: {prefix_rewrite: /p/, response_code: SEE_OTHER}}
  - {match: {prefix: /regex}, redirect: {regex_rewrite: {pattern: {regex: "^/regex/(.*)$"}, substitution: "/r/\\1"}, strip_query: true}}
`)
	tests := []struct {
		host, path, want string
		code             int
	}{
		{"example.com", "/old-path-1?bar=1", "http://example.com/new-path-1?bar=1", 301},
		{"example.com", "/old-path-2?bar=1", "http://example.com/new-path-2", 301},
		{"example.com", "/old-path-3?bar=1", "http://example.com/new-path-3?foo=1", 301},
		{"example.com", "/https?a=b", "https://example.com/https?a=b", 301},
		{"example.com:80", "/https", "https://example.com/https", 301},        // default http port dropped
		{"example.com:8080", "/https", "https://example.com:8080/https", 301}, // other ports kept
		{"example.com", "/scheme", "https://example.com/scheme", 308},
		{"example.com:8080", "/host", "http://new.example.com/host", 302},
		{"example.com:8080", "/port", "http://example.com:8443/port", 307},
		{"example.com", "/prefix/x?y", "http://example.com/p/x?y", 303},
		{"example.com", "/regex/a/b?y", "http://example.com/r/a/b", 301},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			a := act(t, rc, get(tt.host, tt.path))
			assert.Equal(t, KindRedirect, a.Kind)
			assert.Equal(t, tt.want, a.Location)
			assert.Equal(t, tt.code, a.Status)
		})
	}
}

// config.route.v3.DirectResponseAction: status and body; VirtualHost.require_tls ALL redirects
// plaintext requests to https (301).
func TestDirectResponseAndRequireTLS(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: [a]
  routes:
  - {match: {prefix: /}, direct_response: {status: 418, body: {inline_string: teapot}}}
- name: secure
  domains: [s]
  require_tls: ALL
  routes:
  - {match: {prefix: /}, route: {cluster: c}}
`)
	a := act(t, rc, get("a", "/"))
	assert.Equal(t, Action{Kind: KindDirectResponse, Status: 418, Body: "teapot"}, *a)
	a = act(t, rc, get("s", "/x"))
	assert.Equal(t, "https://s/x", a.Location)
	r := get("s", "/x")
	r.Scheme = "https"
	a = act(t, rc, r)
	assert.Equal(t, "c", a.Cluster)
}
