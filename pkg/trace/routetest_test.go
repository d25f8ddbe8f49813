package trace

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testRoutes = `
name: front
virtual_hosts:
- name: www
  domains: [www.example.com]
  request_headers_to_add: [{header: {key: x-vhost, value: www}}]
  virtual_clusters:
  - name: api-posts
    headers: [{name: ":path", prefix_match: /api}, {name: ":method", exact_match: POST}]
  routes:
  - match: {prefix: /api/}
    route: {cluster: api, prefix_rewrite: /, host_rewrite_literal: api.internal}
    response_headers_to_add: [{header: {key: x-served-by, value: api}}]
  - match: {prefix: /old}
    redirect: {path_redirect: /new, response_code: FOUND}
  - match: {prefix: /}
    route: {cluster: web}
- name: secure
  domains: [secure.example.com]
  require_tls: ALL
  routes:
  - match: {prefix: /}
    route: {cluster: secure}
`

// Envoy's router_check_tool docs (operations/tools/route_table_check_tool, config/tools
// router_check): tests: [{test_name, input: {authority, path, method, ssl, internal,
// random_value, additional_request_headers}, validate: {cluster_name, virtual_cluster_name,
// virtual_host_name, path_rewrite, host_rewrite, path_redirect, code_redirect,
// request_header_matches, response_header_matches}}]; "" expects no value.
func TestRunTests(t *testing.T) {
	rc := routes(t, testRoutes)
	tf, err := ReadTests([]byte(`
tests:
- test_name: api rewrite
  input: {authority: www.example.com, path: "/api/users?x=1", method: POST}
  validate:
    cluster_name: api
    virtual_host_name: www
    virtual_cluster_name: api-posts
    path_rewrite: "/users?x=1"
    host_rewrite: api.internal
    request_header_matches: [{name: x-vhost, string_match: {exact: www}}, {name: x-envoy-original-path, exact_match: "/api/users?x=1"}]
    response_header_matches: [{name: x-served-by, exact_match: api}]
- test_name: other virtual cluster
  input: {authority: www.example.com, path: /index.html, method: GET}
  validate: {cluster_name: web, virtual_cluster_name: other, path_rewrite: /index.html, host_rewrite: www.example.com}
- test_name: redirect
  input: {authority: www.example.com, path: "/old?a=1", method: GET, ssl: true}
  validate: {cluster_name: "", path_redirect: "https://www.example.com/new?a=1", code_redirect: 302}
- test_name: require tls
  input: {authority: secure.example.com, path: /x, method: GET}
  validate: {path_redirect: "https://secure.example.com/x", code_redirect: 301}
- test_name: no virtual host
  input: {authority: nowhere, path: /, method: GET}
  validate: {cluster_name: "", virtual_host_name: ""}
- test_name: failing
  input: {authority: www.example.com, path: /, method: GET, additional_request_headers: [{key: X-User, value: a}]}
  validate:
    cluster_name: api
    virtual_host_name: nope
    request_header_matches: [{name: x-user, exact_match: b}, {name: x-absent, present_match: true}]
    response_header_matches: [{name: x-served-by, exact_match: api}]
`))
	require.NoError(t, err)
	res := rc.RunTests(tf)
	require.Len(t, res, 6)
	for _, r := range res[:5] {
		assert.True(t, r.Passed, "%s: %+v", r.TestName, r.Failures)
	}
	assert.Equal(t, TestResult{TestName: "failing", Failures: []TestFailure{
		{Field: "cluster_name", Expected: "api", Actual: "web"},
		{Field: "virtual_host_name", Expected: "nope", Actual: "www"},
		{Field: "request_header_matches x-user", Expected: `exact "b"`, Actual: "a"},
		{Field: "request_header_matches x-absent", Expected: "present", Actual: "(absent)"},
		{Field: "response_header_matches x-served-by", Expected: `exact "api"`, Actual: "(absent)"},
	}}, res[5])
}

func TestReadTestsErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "the file is empty"},
		{"list", "[1]", "want an object with a tests: list"},
		{"no tests", "tests: []", "no tests"},
		{"unknown field", "tests: [{test_name: a, input: {authority: a, path: /, method: GET}, validate: {clustr_name: x}}]", `unknown field "clustr_name"`},
		{"no name", "tests: [{input: {authority: a, path: /, method: GET}, validate: {}}]", "test 1: test_name is empty"},
		{"no authority", "tests: [{test_name: a, input: {path: /, method: GET}, validate: {}}]", `test 1 "a": input.authority is empty`},
		{"no method", "tests: [{test_name: a, input: {authority: a, path: /}, validate: {}}]", `input.method "" is not an HTTP method`},
		{"bad regex", "tests: [{test_name: a, input: {authority: a, path: /, method: GET}, validate: {request_header_matches: [{name: x, safe_regex_match: {regex: '('}}]}}]", "header matcher x"},
		{"not yaml", "tests: [", "not YAML or JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTests([]byte(tt.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func FuzzReadTests(f *testing.F) {
	f.Add([]byte("tests: [{test_name: a, input: {authority: a, path: /, method: GET}, validate: {cluster_name: x}}]"))
	f.Add([]byte(`{"tests":[{"test_name":"a","input":{"authority":"a","path":"/?q=%zz","method":"GET","random_value":"7"},"validate":{"request_header_matches":[{"name":"x","range_match":{"start":"1","end":"2"}}]}}]}`))
	rc, err := ParseRouteConfiguration([]byte(`{"virtual_hosts":[{"name":"v","domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"weighted_clusters":{"clusters":[{"name":"a","weight":1}]},"regex_rewrite":{"pattern":{"regex":"a"},"substitution":"\\1"}}}]}]}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tf, err := ReadTests(data)
		if err != nil {
			return
		}
		_ = rc.RunTests(tf)
	})
}

// router_check_tool's runtime input: "Runtime setting key to enable for the test case. If a route
// depends on the runtime, the route will be enabled based on the random_value defined in the
// test. Only a random_value less than the fractional percentage will enable the route." A route
// with a runtime_fraction never matches a test that does not name its key. Redirects and direct
// responses have no route entry: their virtual host name is "" as the tool reports it.
func TestRunTestsRuntimeAndRouteEntry(t *testing.T) {
	rc := routes(t, `
virtual_hosts:
- name: vh
  domains: ["*"]
  routes:
  - {match: {prefix: /, runtime_fraction: {default_value: {numerator: 50}, runtime_key: feature.x}}, route: {cluster: new}}
  - {match: {prefix: /r}, redirect: {path_redirect: /x}}
  - {match: {prefix: /}, route: {cluster: old}}
`)
	tf, err := ReadTests([]byte(`
tests:
- {test_name: enabled, input: {authority: a, path: /, method: GET, runtime: feature.x, random_value: 49}, validate: {cluster_name: new}}
- {test_name: outside the fraction, input: {authority: a, path: /, method: GET, runtime: feature.x, random_value: 50}, validate: {cluster_name: old}}
- {test_name: no runtime, input: {authority: a, path: /, method: GET, random_value: 0}, validate: {cluster_name: old}}
- {test_name: other runtime, input: {authority: a, path: /, method: GET, runtime: feature.y}, validate: {cluster_name: old}}
- {test_name: redirect has no route entry, input: {authority: a, path: /r, method: GET}, validate: {virtual_host_name: "", cluster_name: "", path_redirect: "http://a/x"}}
`))
	require.NoError(t, err)
	for _, r := range rc.RunTests(tf) {
		assert.True(t, r.Passed, "%s: %+v", r.TestName, r.Failures)
	}
}
