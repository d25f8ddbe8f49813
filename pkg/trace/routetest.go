package trace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// TestFile is a route test file in the format of Envoy's router_check_tool
// (envoy.RouterCheckToolSchema.Validation): a list of tests, each a request and the expected
// routing.
type TestFile struct {
	Tests []RouteTest `json:"tests"`
}

// RouteTest is one test case (ValidationItem).
type RouteTest struct {
	TestName string        `json:"test_name"`
	Input    TestInput     `json:"input"`
	Validate TestAssertion `json:"validate"`
}

// TestInput is the request of a test (ValidationInput).
type TestInput struct {
	Authority                 string        `json:"authority"`
	Path                      string        `json:"path"`
	Method                    string        `json:"method"`
	SSL                       bool          `json:"ssl"`
	Internal                  bool          `json:"internal"`
	RandomValue               uint64Str     `json:"random_value"`
	AdditionalRequestHeaders  []headerValue `json:"additional_request_headers"`
	AdditionalHeaders         []headerValue `json:"additional_headers"` // older name
	AdditionalResponseHeaders []headerValue `json:"additional_response_headers"`
	Runtime                   string        `json:"runtime"`
}

type headerValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
	Field string `json:"field"` // the oldest JSON schema's name for key
}

func (h headerValue) name() string {
	if h.Key != "" {
		return strings.ToLower(h.Key)
	}
	return strings.ToLower(h.Field)
}

// TestAssertion is what a test expects (ValidationAssert). A field left out is not checked; ""
// expects no value (e.g. cluster_name: "" expects no cluster).
type TestAssertion struct {
	ClusterName           *string          `json:"cluster_name"`
	VirtualClusterName    *string          `json:"virtual_cluster_name"`
	VirtualHostName       *string          `json:"virtual_host_name"`
	HostRewrite           *string          `json:"host_rewrite"`
	PathRewrite           *string          `json:"path_rewrite"`
	PathRedirect          *string          `json:"path_redirect"`
	CodeRedirect          *uint64Str       `json:"code_redirect"`
	RequestHeaderMatches  []*HeaderMatcher `json:"request_header_matches"`
	ResponseHeaderMatches []*HeaderMatcher `json:"response_header_matches"`
	// older forms: exact values
	HeaderFields         []headerValue `json:"header_fields"`
	RequestHeaderFields  []headerValue `json:"request_header_fields"`
	ResponseHeaderFields []headerValue `json:"response_header_fields"`
	CustomHeaderFields   []headerValue `json:"custom_header_fields"`
}

// TestResult is the outcome of one test.
type TestResult struct {
	TestName string        `json:"test_name"`
	Passed   bool          `json:"passed"`
	Failures []TestFailure `json:"failures"`
}

// TestFailure is one field whose actual value differs from the expected one.
type TestFailure struct {
	Field    string `json:"field"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
}

// ReadTests reads a route test file, YAML or JSON. Unknown fields are errors (a misspelt
// expectation would otherwise pass silently), as router_check_tool's strict loading makes them.
func ReadTests(data []byte) (*TestFile, error) {
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, fmt.Errorf("not YAML or JSON: %w", err)
	}
	j = bytes.TrimSpace(j)
	if len(j) == 0 || string(j) == "null" {
		return nil, errors.New("the file is empty: want a tests: list")
	}
	if j[0] != '{' {
		return nil, errors.New("want an object with a tests: list (router_check_tool's format)")
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	tf := &TestFile{}
	if err := dec.Decode(tf); err != nil {
		return nil, fmt.Errorf("read tests: %w", err)
	}
	if len(tf.Tests) == 0 {
		return nil, errors.New("no tests: the tests: list is empty")
	}
	for i := range tf.Tests {
		t := &tf.Tests[i]
		where := fmt.Sprintf("test %d", i+1)
		if t.TestName != "" {
			where += " " + strconv.Quote(t.TestName)
		}
		switch {
		case t.TestName == "":
			return nil, fmt.Errorf("%s: test_name is empty", where)
		case t.Input.Authority == "":
			return nil, fmt.Errorf("%s: input.authority is empty", where)
		case t.Input.Path == "":
			return nil, fmt.Errorf("%s: input.path is empty", where)
		case len(t.Input.Method) < 3:
			return nil, fmt.Errorf("%s: input.method %q is not an HTTP method", where, t.Input.Method)
		}
		for _, hm := range [][]*HeaderMatcher{t.Validate.RequestHeaderMatches, t.Validate.ResponseHeaderMatches} {
			for _, h := range hm {
				if h == nil || h.Name == "" {
					return nil, fmt.Errorf("%s: a header matcher has no name", where)
				}
				(&RouteConfiguration{}).compileHeader(h)
				if h.re != nil && h.re.err != nil {
					return nil, fmt.Errorf("%s: header matcher %s: %w", where, h.Name, h.re.err)
				}
			}
		}
	}
	return tf, nil
}

// request builds the request router_check_tool sends for a test.
func (in *TestInput) request() *Request {
	runtime := in.Runtime
	r := &Request{Authority: in.Authority, Path: in.Path, Method: in.Method, Internal: in.Internal,
		RandomValue: uint64(in.RandomValue), RandomSet: true, ActiveRuntime: &runtime}
	if in.SSL {
		r.Scheme = "https"
	}
	for _, hs := range [][]headerValue{in.AdditionalRequestHeaders, in.AdditionalHeaders} {
		for _, h := range hs {
			r.Headers = append(r.Headers, Header{Name: h.name(), Value: h.Value})
		}
	}
	return r
}

// RunTests runs every test against the route configuration.
func (rc *RouteConfiguration) RunTests(tf *TestFile) []TestResult {
	out := make([]TestResult, 0, len(tf.Tests))
	for i := range tf.Tests {
		out = append(out, rc.RunTest(&tf.Tests[i]))
	}
	return out
}

// RunTest runs one test: routes its request and compares each expected field.
func (rc *RouteConfiguration) RunTest(t *RouteTest) TestResult {
	req := t.Input.request()
	res := rc.RouteRequest(req, RouteOptions{})
	tr := TestResult{TestName: t.TestName, Failures: []TestFailure{}}
	check := func(field string, want *string, got string) {
		if want != nil && *want != got {
			tr.Failures = append(tr.Failures, TestFailure{Field: field, Expected: *want, Actual: got})
		}
	}
	var cluster, vhost, vcluster, pathRewrite, hostRewrite, redirect string
	code := 0
	a := res.Action
	// as router_check_tool: the virtual host and virtual cluster, rewrites and cluster come from
	// a route entry (a route with a route action); redirects and direct responses have none
	if res.Route != nil && a != nil {
		switch a.Kind {
		case KindCluster, KindNoCluster:
			vhost, vcluster = res.VirtualHost.Name, res.VirtualCluster
			cluster, pathRewrite, hostRewrite = a.Cluster, a.Path, a.Host
			if a.Kind == KindNoCluster {
				pathRewrite, hostRewrite = req.Path, req.Authority
			}
		case KindRedirect:
			redirect, code = a.Location, a.Status
		case KindDirectResponse:
			code = a.Status
		}
	} else if a != nil && a.Kind == KindRedirect { // require_tls
		redirect, code = a.Location, a.Status
	}
	v := &t.Validate
	check("cluster_name", v.ClusterName, cluster)
	check("virtual_cluster_name", v.VirtualClusterName, vcluster)
	check("virtual_host_name", v.VirtualHostName, vhost)
	check("path_rewrite", v.PathRewrite, pathRewrite)
	check("host_rewrite", v.HostRewrite, hostRewrite)
	check("path_redirect", v.PathRedirect, redirect)
	if v.CodeRedirect != nil && int(*v.CodeRedirect) != code {
		tr.Failures = append(tr.Failures, TestFailure{Field: "code_redirect", Expected: strconv.Itoa(int(*v.CodeRedirect)), Actual: strconv.Itoa(code)})
	}
	if len(v.RequestHeaderMatches)+len(v.RequestHeaderFields)+len(v.HeaderFields)+len(v.CustomHeaderFields) > 0 {
		up := finalRequest(req, a)
		for _, h := range v.RequestHeaderMatches {
			if ok, _ := h.matchRequest(up); !ok {
				got, present := up.header(h.Name)
				if !present {
					got = "(absent)"
				}
				tr.Failures = append(tr.Failures, TestFailure{Field: "request_header_matches " + h.Name, Expected: h.describe(), Actual: got})
			}
		}
		for _, hs := range [][]headerValue{v.RequestHeaderFields, v.HeaderFields, v.CustomHeaderFields} {
			for _, h := range hs {
				got, _ := up.header(h.name())
				if got != h.Value {
					tr.Failures = append(tr.Failures, TestFailure{Field: "request_header_fields " + h.name(), Expected: h.Value, Actual: got})
				}
			}
		}
	}
	if len(v.ResponseHeaderMatches)+len(v.ResponseHeaderFields) > 0 {
		resp := &Request{}
		for _, h := range t.Input.AdditionalResponseHeaders {
			resp.Headers = append(resp.Headers, Header{Name: h.name(), Value: h.Value})
		}
		if a != nil {
			resp.Headers = append(resp.Headers, a.ResponseHeaders...)
		}
		for _, h := range v.ResponseHeaderMatches {
			if ok, _ := h.matchRequest(resp); !ok {
				got, present := resp.header(h.Name)
				if !present {
					got = "(absent)"
				}
				tr.Failures = append(tr.Failures, TestFailure{Field: "response_header_matches " + h.Name, Expected: h.describe(), Actual: got})
			}
		}
		for _, h := range v.ResponseHeaderFields {
			got, _ := resp.header(h.name())
			if got != h.Value {
				tr.Failures = append(tr.Failures, TestFailure{Field: "response_header_fields " + h.name(), Expected: h.Value, Actual: got})
			}
		}
	}
	tr.Passed = len(tr.Failures) == 0
	return tr
}

// finalRequest is the request as it leaves for the upstream: rewritten path and host, and the
// headers the route configuration adds.
func finalRequest(req *Request, a *Action) *Request {
	up := *req
	up.Headers = append([]Header(nil), req.Headers...)
	if a == nil || a.Kind != KindCluster {
		return &up
	}
	if a.PathRewritten {
		up.Headers = append(up.Headers, Header{Name: "x-envoy-original-path", Value: req.Path})
		up.Path = a.Path
	}
	up.Authority = a.Host
	up.Headers = append(up.Headers, a.RequestHeaders...)
	return &up
}
