package trace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// routes decodes a RouteConfiguration written in YAML, as Envoy's docs write them.
func routes(t *testing.T, y string) *RouteConfiguration {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(y))
	require.NoError(t, err)
	rc, err := ParseRouteConfiguration(j)
	require.NoError(t, err)
	require.Empty(t, rc.Problems)
	return rc
}

func get(authority, path string, headers ...string) *Request {
	r := &Request{Authority: authority, Path: path, Method: "GET"}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Headers = append(r.Headers, Header{Name: headers[i], Value: headers[i+1]})
	}
	return r
}

// Envoy docs, api v3 config.route.v3.VirtualHost.domains: "Domain search order: 1. Exact domain
// names 2. Suffix domain wildcards 3. Prefix domain wildcards 4. Special wildcard * matching any
// domain. The wildcard will not match the empty string. The longest wildcards match first."
// Hosts are case-insensitive (RouteMatcher lower-cases the host).
func TestFindVirtualHost(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- {name: exact, domains: [www.foo.com]}
- {name: suffix-short, domains: ["*.com"]}
- {name: suffix-long, domains: ["*.foo.com"]}
- {name: suffix-dash, domains: ["*-bar.foo.com"]}
- {name: prefix, domains: ["foo.*"]}
- {name: prefix-long, domains: ["foo.bar.*"]}
- {name: star, domains: ["*"]}
- {name: port, domains: ["api.local:8080"]}
`)
	tests := []struct{ host, want, how string }{
		{"www.foo.com", "exact", "exact domain"},
		{"WWW.Foo.COM", "exact", "exact domain"},
		{"api.foo.com", "suffix-long", "suffix wildcard"},
		{"baz-bar.foo.com", "suffix-dash", "suffix wildcard"},
		{"-bar.foo.com", "suffix-long", "suffix wildcard"}, // *-bar.foo.com needs one character before -bar
		{"foo.com", "suffix-short", "suffix wildcard"},     // *.foo.com does not match foo.com itself
		{"x.org", "star", "wildcard"},
		{"foo.org", "prefix", "prefix wildcard"},
		{"foo.bar.org", "prefix-long", "prefix wildcard"},
		{"api.local:8080", "port", "exact domain"},
		{"api.local", "star", "wildcard"}, // the port is part of the domain
		{"www.foo.com:80", "star", "wildcard"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			vh, _, how := rc.FindVirtualHost(tt.host)
			require.NotNil(t, vh)
			assert.Equal(t, tt.want, vh.Name)
			assert.Equal(t, tt.how, how)
		})
	}
}

// config.route.v3.RouteConfiguration.ignore_port_in_host_matching: "Ignore port in host name when
// matching the virtual host"; HttpConnectionManager.strip_any_host_port and
// strip_matching_host_port remove the port from the Host header before routing.
func TestHostPortHandling(t *testing.T) {
	y := `
virtual_hosts:
- {name: svc, domains: [svc.local]}
`
	rc := routes(t, y)
	res := rc.RouteRequest(get("svc.local:8080", "/"), RouteOptions{})
	assert.Nil(t, res.VirtualHost, "without port handling the port is part of the host")
	assert.Contains(t, res.Stop, "404 NR")
	assert.Contains(t, res.Stop, `without its port the host would match "svc.local" of "svc"`)

	res = rc.RouteRequest(get("svc.local:8080", "/"), RouteOptions{StripAnyHostPort: true})
	require.NotNil(t, res.VirtualHost)
	res = rc.RouteRequest(get("svc.local:8080", "/"), RouteOptions{StripMatchingHostPort: true, ListenerPort: 8080})
	require.NotNil(t, res.VirtualHost)
	res = rc.RouteRequest(get("svc.local:9090", "/"), RouteOptions{StripMatchingHostPort: true, ListenerPort: 8080})
	assert.Nil(t, res.VirtualHost, "strip_matching_host_port keeps a port other than the listener's")

	rc = routes(t, "ignore_port_in_host_matching: true\n"+y)
	res = rc.RouteRequest(get("svc.local:8080", "/"), RouteOptions{})
	require.NotNil(t, res.VirtualHost)
	res = rc.RouteRequest(get("[::1]:8080", "/"), RouteOptions{})
	assert.Equal(t, "::1]", res.Host[1:], "an IPv6 literal keeps its brackets, loses its port")
}

func firstRoute(t *testing.T, rc *RouteConfiguration, req *Request) string {
	t.Helper()
	res := rc.RouteRequest(req, RouteOptions{Explain: true})
	if res.Route == nil {
		return ""
	}
	return res.Route.Name
}

// config.route.v3.RouteMatch: prefix, path, safe_regex ("The entire path (without the query
// string) must match the regex"), path_separated_prefix ("the prefix must match ... and be
// followed by / or the end of the path"), case_sensitive ("Indicates that prefix/path matching
// should be case sensitive. The default is true. Ignored for safe_regex matching").
// Routes are tried in order; the first match wins (intro arch_overview http_routing).
func TestRoutePathMatch(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: exact, match: {path: /exact}}
  - {name: ci, match: {prefix: /CI/, case_sensitive: false}}
  - {name: regex, match: {safe_regex: {regex: "/r/[0-9]+"}}}
  - {name: sep, match: {path_separated_prefix: /sep}}
  - {name: tpl, match: {path_match_policy: {name: envoy.path.match.uri_template.uri_template_matcher, typed_config: {"@type": type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig, path_template: "/videos/{id}/chunk/*"}}}}
  - {name: tplmany, match: {path_match_policy: {name: t, typed_config: {path_template: "/static/**"}}}}
  - {name: api, match: {prefix: /api}}
  - {name: all, match: {prefix: /}}
`)
	tests := []struct{ path, want string }{
		{"/exact", "exact"},
		{"/exact?x=1", "exact"}, // the query string is not part of the path
		{"/exact/", "all"},
		{"/EXACT", "all"}, // case sensitive by default
		{"/ci/x", "ci"},
		{"/Ci/X", "ci"},
		{"/r/123", "regex"},
		{"/r/123/x", "all"}, // RE2 full match: no implicit prefix
		{"/x/r/123", "all"}, // nor suffix
		{"/r/123?q", "regex"},
		{"/sep", "sep"},
		{"/sep/x", "sep"},
		{"/separate", "all"},
		{"/videos/42/chunk/7", "tpl"},
		{"/videos/42/chunk/7/8", "all"}, // * is one segment
		{"/static/", "tplmany"},
		{"/static/a/b/c.css", "tplmany"},
		{"/apix", "api"}, // a prefix is not a path segment
		{"/", "all"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			assert.Equal(t, tt.want, firstRoute(t, rc, get("h", tt.path)))
		})
	}
}

// config.route.v3.HeaderMatcher: exact_match, safe_regex_match, range_match ("[start, end)"),
// present_match, prefix_match, suffix_match, contains_match, string_match, invert_match ("the
// match result will be inverted before checking"), treat_missing_header_as_empty. A header that
// is absent matches no value matcher, inverted or not; present_match: false matches its absence.
func TestHeaderMatch(t *testing.T) {
	tests := []struct {
		name    string
		matcher string
		headers []string
		want    bool
	}{
		{"exact", `{name: x-a, exact_match: v}`, []string{"x-a", "v"}, true},
		{"exact other", `{name: x-a, exact_match: v}`, []string{"x-a", "w"}, false},
		{"exact absent", `{name: x-a, exact_match: v}`, nil, false},
		{"exact inverted absent", `{name: x-a, exact_match: v, invert_match: true}`, nil, false},
		{"exact inverted other", `{name: x-a, exact_match: v, invert_match: true}`, []string{"x-a", "w"}, true},
		{"regex full match", `{name: x-a, safe_regex_match: {regex: "\\d{3}"}}`, []string{"x-a", "123"}, true},
		{"regex 1234 not a full match", `{name: x-a, safe_regex_match: {regex: "\\d{3}"}}`, []string{"x-a", "1234"}, false},
		{"regex inverted (docs: \\d{3} does not match 1234, so it matches when inverted)", `{name: x-a, safe_regex_match: {regex: "\\d{3}"}, invert_match: true}`, []string{"x-a", "1234"}, true},
		{"range in", `{name: x-n, range_match: {start: "-10", end: "0"}}`, []string{"x-n", "-1"}, true},
		{"range end excluded", `{name: x-n, range_match: {start: -10, end: 0}}`, []string{"x-n", "0"}, false},
		{"range inverted (docs: [-10,0) matches -1, so not when inverted)", `{name: x-n, range_match: {start: -10, end: 0}, invert_match: true}`, []string{"x-n", "-1"}, false},
		{"range not a number", `{name: x-n, range_match: {start: 0, end: 10}}`, []string{"x-n", "5a"}, false},
		{"present", `{name: x-a, present_match: true}`, []string{"x-a", ""}, true},
		{"present absent", `{name: x-a, present_match: true}`, nil, false},
		{"present false absent", `{name: x-a, present_match: false}`, nil, true},
		{"present inverted absent", `{name: x-a, present_match: true, invert_match: true}`, nil, true},
		{"prefix", `{name: x-a, prefix_match: ab}`, []string{"x-a", "abc"}, true},
		{"suffix", `{name: x-a, suffix_match: bc}`, []string{"x-a", "abc"}, true},
		{"contains", `{name: x-a, contains_match: b}`, []string{"x-a", "abc"}, true},
		{"string_match exact ignore_case", `{name: x-a, string_match: {exact: ABC, ignore_case: true}}`, []string{"x-a", "abc"}, true},
		{"string_match prefix", `{name: x-a, string_match: {prefix: ab}}`, []string{"x-a", "xab"}, false},
		{"string_match regex", `{name: x-a, string_match: {safe_regex: {regex: "a.c"}}}`, []string{"x-a", "abc"}, true},
		{"missing as empty", `{name: x-a, exact_match: "", treat_missing_header_as_empty: true}`, nil, true},
		{"missing as empty prefix", `{name: x-a, prefix_match: a, treat_missing_header_as_empty: true}`, nil, false},
		{"several values joined by comma", `{name: x-a, exact_match: "1,2"}`, []string{"x-a", "1", "x-a", "2"}, true},
		{"method pseudo-header", `{name: ":method", exact_match: GET}`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - name: m
    match: {prefix: /, headers: [`+tt.matcher+`]}
`)
			got := firstRoute(t, rc, get("h", "/", tt.headers...)) == "m"
			assert.Equal(t, tt.want, got)
		})
	}
}

// config.route.v3.QueryParameterMatcher (string_match or present_match, on the first value,
// decoded); RouteMatch.grpc ("only match gRPC requests": content-type application/grpc);
// RouteMatch.tls_context (presented, validated); RouteMatch.runtime_fraction (the route matches
// when random_value % denominator < numerator).
func TestOtherMatches(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: q, match: {prefix: /, query_parameters: [{name: debug, string_match: {exact: "a b"}}]}}
  - {name: qp, match: {prefix: /, query_parameters: [{name: p, present_match: true}]}}
  - {name: grpc, match: {prefix: /, grpc: {}}}
  - {name: tls, match: {prefix: /, tls_context: {presented: true}}}
  - {name: rt, match: {prefix: /rt, runtime_fraction: {default_value: {numerator: 25, denominator: HUNDRED}, runtime_key: k}}}
  - {name: rt10k, match: {prefix: /rt, runtime_fraction: {default_value: {numerator: 5000, denominator: TEN_THOUSAND}}}}
  - {name: all, match: {prefix: /}}
`)
	tls := get("h", "/")
	tls.TLS = &TLSFacts{Presented: true}
	rnd := func(path string, v uint64) *Request {
		r := get("h", path)
		r.RandomValue, r.RandomSet = v, true
		return r
	}
	tests := []struct {
		name string
		req  *Request
		want string
	}{
		{"query decoded", get("h", "/?debug=a%20b"), "q"},
		{"query first value", get("h", "/?debug=x&debug=a+b"), "all"},
		{"query present", get("h", "/?x=1&p"), "qp"},
		{"grpc", get("h", "/", "content-type", "application/grpc+proto"), "grpc"},
		{"not grpc", get("h", "/", "content-type", "application/grpcx"), "all"},
		{"tls presented", tls, "tls"},
		{"runtime 24 < 25", rnd("/rt", 124), "rt"},
		{"runtime 5025 % 100 = 25 not < 25, 5025 not < 5000", rnd("/rt", 5025), "all"},
		{"runtime 10000 denominator: 50 % 100 >= 25, 50 % 10000 < 5000", rnd("/rt", 50), "rt10k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, firstRoute(t, rc, tt.req))
		})
	}
}

// config.route.v3.VirtualCluster: "the first virtual cluster whose headers match"; requests that
// match none count under "other" when the virtual host has virtual clusters. v2's pattern (a
// regex on the path) and method are read too.
func TestVirtualClusters(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  virtual_clusters:
  - {name: posts, headers: [{name: ":method", exact_match: POST}, {name: ":path", prefix_match: /api}]}
  - {name: v2-users, pattern: "/users/[0-9]+", method: GET}
  routes: [{match: {prefix: /}, route: {cluster: c}}]
- name: none
  domains: [none]
  routes: [{match: {prefix: /}, route: {cluster: c}}]
`)
	post := get("h", "/api/x")
	post.Method = "POST"
	for _, tt := range []struct {
		req  *Request
		want string
	}{
		{post, "posts"},
		{get("h", "/users/12?x"), "v2-users"},
		{get("h", "/users/ab"), "other"},
		{get("none", "/users/12"), ""},
	} {
		res := rc.RouteRequest(tt.req, RouteOptions{})
		assert.Equal(t, tt.want, res.VirtualCluster, tt.req.Path)
	}
}

// A host that only "*" takes names the domains it was probably meant to match.
func TestNearDomains(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- {name: reviews, domains: ["reviews.default.svc.cluster.local:9080", "reviews:9080"]}
- {name: ratings, domains: ["ratings:9080"]}
- {name: any, domains: ["*"]}
`)
	res := rc.RouteRequest(get("reviews:8080", "/"), RouteOptions{})
	require.Len(t, res.Steps, 2)
	assert.Contains(t, res.Steps[0].Compared, `similar: "reviews:9080" of "reviews"`)
	res = rc.RouteRequest(get("other", "/"), RouteOptions{})
	assert.NotContains(t, res.Steps[0].Compared, "similar")
}

// HttpConnectionManager.normalize_path: "Should paths be normalized according to RFC 3986 before
// any processing of requests by HTTP filters or routing?"; merge_slashes: "Determines if adjacent
// slashes in the path are merged into one before any processing of requests by HTTP filters or
// routing."
func TestNormalizePath(t *testing.T) {
	tests := []struct {
		in               string
		normalize, merge bool
		want             string
	}{
		{"/a/../b", true, false, "/b"},
		{"/a/./b/.", true, false, "/a/b/"},
		{"/../../x", true, false, "/x"},
		{"/%61%2Fb/%7Euser?q=%61", true, false, "/a%2Fb/~user?q=%61"},
		{"//a///b", false, true, "/a/b"},
		{"//a/../b", true, true, "/b"},
		{"/a/../b", false, false, "/a/../b"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, normalizePath(tt.in, tt.normalize, tt.merge), tt.in)
	}
}

// RouteConfiguration.ignore_path_parameters_in_path_matching: "Envoy by default takes ":path" as
// "<path>;<params>". For users who want to only match path on the "<path>" portion, this option
// should be true."
func TestIgnorePathParameters(t *testing.T) {
	y := `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {name: exact, match: {path: /a}}
  - {name: all, match: {prefix: /}}
`
	assert.Equal(t, "all", firstRoute(t, routes(t, y), get("h", "/a;v=1?q")))
	assert.Equal(t, "exact", firstRoute(t, routes(t, "ignore_path_parameters_in_path_matching: true\n"+y), get("h", "/a;v=1?q")))
}

// RouteConfiguration.vhost_header: "The header name used instead of :authority to pick the
// virtual host"; VirtualHost.require_tls EXTERNAL_ONLY: "External requests must use TLS", internal
// ones (x-envoy-internal: true) need not.
func TestVhostHeaderAndRequireTLSExternal(t *testing.T) {
	rc := routes(t, `
vhost_header: x-vhost
virtual_hosts:
- {name: a, domains: [a], require_tls: EXTERNAL_ONLY, routes: [{match: {prefix: /}, route: {cluster: a}}]}
`)
	res := rc.RouteRequest(get("ignored", "/", "x-vhost", "a"), RouteOptions{})
	require.NotNil(t, res.Action)
	assert.Equal(t, "https://ignored/", res.Action.Location, "external plaintext: redirected to https")
	in := get("ignored", "/", "x-vhost", "a")
	in.Internal = true
	res = rc.RouteRequest(in, RouteOptions{})
	assert.Equal(t, "a", res.Action.Cluster)
	res = rc.RouteRequest(get("a", "/"), RouteOptions{})
	assert.Contains(t, res.Stop, "picks the virtual host by header x-vhost")
}
