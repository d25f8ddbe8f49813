// Package trace follows one connection or HTTP request through an Envoy proxy's configuration
// the way Envoy decides: listener, listener filters, filter chain, network filters, virtual host,
// route, action, cluster and endpoints. It is pure: it takes configuration already read (views
// and JSON from pkg/configdump) and a description of the traffic, and returns each decision with
// what was compared and why. It never talks to a proxy.
//
// It is an emulation of Envoy's matching rules written from Envoy's documentation, not Envoy:
// what it does not model (xDS matcher trees on virtual hosts, cluster specifier plugins, Lua
// or ext_authz filters that change a request) is named in the steps rather than guessed.
package trace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// RouteConfiguration is an envoy.config.route.v3.RouteConfiguration, the fields routing reads.
type RouteConfiguration struct {
	Name                     string         `json:"name"`
	VirtualHosts             []*VirtualHost `json:"virtual_hosts"`
	IgnorePortInHostMatching bool           `json:"ignore_port_in_host_matching"`
	VhostHeader              string         `json:"vhost_header"`
	// IgnorePathParameters: path matches compare the path without its ";params" (RFC 1808).
	IgnorePathParameters bool `json:"ignore_path_parameters_in_path_matching"`
	headerMutations

	exact  map[string]*VirtualHost
	suffix []wildcardHost // longest first
	prefix []wildcardHost // longest first
	star   *VirtualHost
	// Problems are what Compile found and could not use (a bad regex, a duplicate domain).
	Problems []string `json:"-"`
}

type wildcardHost struct {
	part   string // the domain without its '*', lower case
	domain string
	vh     *VirtualHost
}

// headerMutations are the request/response headers a route configuration, virtual host, route
// or weighted cluster adds and removes.
type headerMutations struct {
	RequestHeadersToAdd     []HeaderValueOption `json:"request_headers_to_add"`
	RequestHeadersToRemove  []string            `json:"request_headers_to_remove"`
	ResponseHeadersToAdd    []HeaderValueOption `json:"response_headers_to_add"`
	ResponseHeadersToRemove []string            `json:"response_headers_to_remove"`
}

// HeaderValueOption is a header to add, and whether it is appended to an existing value.
type HeaderValueOption struct {
	Header struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	} `json:"header"`
	Append       *bool  `json:"append"`
	AppendAction string `json:"append_action"`
}

// VirtualHost is an envoy.config.route.v3.VirtualHost.
type VirtualHost struct {
	Name            string           `json:"name"`
	Domains         []string         `json:"domains"`
	Routes          []*Route         `json:"routes"`
	VirtualClusters []VirtualCluster `json:"virtual_clusters"`
	RequireTLS      string           `json:"require_tls"`
	Matcher         json.RawMessage  `json:"matcher"`
	headerMutations
}

// VirtualCluster names a class of requests for statistics.
type VirtualCluster struct {
	Name    string           `json:"name"`
	Headers []*HeaderMatcher `json:"headers"`
	Pattern string           `json:"pattern"` // v2: a regex on the path
	Method  string           `json:"method"`  // v2
	re      *compiledRegex
}

// Route is an envoy.config.route.v3.Route.
type Route struct {
	Name                string                `json:"name"`
	Match               RouteMatch            `json:"match"`
	Route               *RouteAction          `json:"route"`
	Redirect            *RedirectAction       `json:"redirect"`
	DirectResponse      *DirectResponseAction `json:"direct_response"`
	FilterAction        json.RawMessage       `json:"filter_action"`
	NonForwardingAction json.RawMessage       `json:"non_forwarding_action"`
	headerMutations

	index int
}

// RouteMatch is an envoy.config.route.v3.RouteMatch.
type RouteMatch struct {
	Prefix              *string                   `json:"prefix"`
	Path                *string                   `json:"path"`
	SafeRegex           *RegexMatcher             `json:"safe_regex"`
	Regex               *string                   `json:"regex"` // v2
	PathSeparatedPrefix *string                   `json:"path_separated_prefix"`
	PathMatchPolicy     *TypedExtension           `json:"path_match_policy"`
	ConnectMatcher      json.RawMessage           `json:"connect_matcher"`
	CaseSensitive       *bool                     `json:"case_sensitive"`
	RuntimeFraction     *RuntimeFractionalPercent `json:"runtime_fraction"`
	Headers             []*HeaderMatcher          `json:"headers"`
	QueryParameters     []*QueryParameterMatcher  `json:"query_parameters"`
	Grpc                json.RawMessage           `json:"grpc"`
	TLSContext          *struct {
		Presented *bool `json:"presented"`
		Validated *bool `json:"validated"`
	} `json:"tls_context"`
	DynamicMetadata json.RawMessage `json:"dynamic_metadata"`

	path pathMatcher
}

// TypedExtension is a TypedExtensionConfig: a name and an Any.
type TypedExtension struct {
	Name        string          `json:"name"`
	TypedConfig json.RawMessage `json:"typed_config"`
}

// RegexMatcher is an envoy.type.matcher.v3.RegexMatcher (Google RE2; Go's regexp is RE2 too).
type RegexMatcher struct {
	Regex string `json:"regex"`
}

// RuntimeFractionalPercent is a runtime-overridable fraction; only default_value is read.
type RuntimeFractionalPercent struct {
	DefaultValue FractionalPercent `json:"default_value"`
	RuntimeKey   string            `json:"runtime_key"`
}

// FractionalPercent is numerator / denominator (HUNDRED, TEN_THOUSAND or MILLION).
type FractionalPercent struct {
	Numerator   uint64 `json:"numerator"`
	Denominator enum   `json:"denominator"`
}

// Of returns the denominator as a number.
func (f FractionalPercent) Of() uint64 {
	switch f.Denominator {
	case "TEN_THOUSAND", "1":
		return 10000
	case "MILLION", "2":
		return 1000000
	}
	return 100
}

// HeaderMatcher is an envoy.config.route.v3.HeaderMatcher.
type HeaderMatcher struct {
	Name                      string         `json:"name"`
	ExactMatch                *string        `json:"exact_match"`
	SafeRegexMatch            *RegexMatcher  `json:"safe_regex_match"`
	RegexMatch                *string        `json:"regex_match"` // v2
	RangeMatch                *Int64Range    `json:"range_match"`
	PresentMatch              *bool          `json:"present_match"`
	PrefixMatch               *string        `json:"prefix_match"`
	SuffixMatch               *string        `json:"suffix_match"`
	ContainsMatch             *string        `json:"contains_match"`
	StringMatch               *StringMatcher `json:"string_match"`
	InvertMatch               bool           `json:"invert_match"`
	TreatMissingHeaderAsEmpty bool           `json:"treat_missing_header_as_empty"`

	re *compiledRegex
}

// Int64Range is [start, end).
type Int64Range struct {
	Start int64Str `json:"start"`
	End   int64Str `json:"end"`
}

// StringMatcher is an envoy.type.matcher.v3.StringMatcher.
type StringMatcher struct {
	Exact      *string       `json:"exact"`
	Prefix     *string       `json:"prefix"`
	Suffix     *string       `json:"suffix"`
	Contains   *string       `json:"contains"`
	SafeRegex  *RegexMatcher `json:"safe_regex"`
	IgnoreCase bool          `json:"ignore_case"`

	re *compiledRegex
}

// QueryParameterMatcher is an envoy.config.route.v3.QueryParameterMatcher.
type QueryParameterMatcher struct {
	Name         string         `json:"name"`
	StringMatch  *StringMatcher `json:"string_match"`
	PresentMatch *bool          `json:"present_match"`
}

// RouteAction is an envoy.config.route.v3.RouteAction, the fields that pick the cluster and
// rewrite the request.
type RouteAction struct {
	Cluster                      string            `json:"cluster"`
	ClusterHeader                string            `json:"cluster_header"`
	WeightedClusters             *WeightedClusters `json:"weighted_clusters"`
	ClusterSpecifierPlugin       string            `json:"cluster_specifier_plugin"`
	InlineClusterSpecifierPlugin json.RawMessage   `json:"inline_cluster_specifier_plugin"`
	PrefixRewrite                *string           `json:"prefix_rewrite"`
	RegexRewrite                 *RegexRewrite     `json:"regex_rewrite"`
	PathRewritePolicy            *TypedExtension   `json:"path_rewrite_policy"`
	HostRewriteLiteral           string            `json:"host_rewrite_literal"`
	HostRewrite                  string            `json:"host_rewrite"` // v2
	AutoHostRewrite              *bool             `json:"auto_host_rewrite"`
	HostRewriteHeader            string            `json:"host_rewrite_header"`
	HostRewritePathRegex         *RegexRewrite     `json:"host_rewrite_path_regex"`
}

// WeightedClusters splits traffic between clusters by weight.
type WeightedClusters struct {
	Clusters    []WeightedCluster `json:"clusters"`
	TotalWeight *uint64Str        `json:"total_weight"`
	HeaderName  string            `json:"header_name"`
}

// WeightedCluster is one cluster of a weighted split.
type WeightedCluster struct {
	Name               string     `json:"name"`
	ClusterHeader      string     `json:"cluster_header"`
	Weight             *uint64Str `json:"weight"`
	HostRewriteLiteral string     `json:"host_rewrite_literal"`
	headerMutations
}

// RegexRewrite is a pattern and its substitution (\1 for capture groups, as RE2 writes them).
type RegexRewrite struct {
	Pattern      RegexMatcher `json:"pattern"`
	Substitution string       `json:"substitution"`

	re *compiledRegex
}

// RedirectAction is an envoy.config.route.v3.RedirectAction.
type RedirectAction struct {
	HTTPSRedirect  bool          `json:"https_redirect"`
	SchemeRedirect string        `json:"scheme_redirect"`
	HostRedirect   string        `json:"host_redirect"`
	PortRedirect   uint32        `json:"port_redirect"`
	PathRedirect   *string       `json:"path_redirect"`
	PrefixRewrite  *string       `json:"prefix_rewrite"`
	RegexRewrite   *RegexRewrite `json:"regex_rewrite"`
	ResponseCode   enum          `json:"response_code"`
	StripQuery     bool          `json:"strip_query"`
}

// Code returns the redirect's HTTP status (301 unless response_code says otherwise).
func (r *RedirectAction) Code() int {
	switch r.ResponseCode {
	case "FOUND", "1":
		return 302
	case "SEE_OTHER", "2":
		return 303
	case "TEMPORARY_REDIRECT", "3":
		return 307
	case "PERMANENT_REDIRECT", "4":
		return 308
	}
	return 301
}

// DirectResponseAction answers the request from the proxy itself.
type DirectResponseAction struct {
	Status uint32 `json:"status"`
	Body   *struct {
		InlineString string `json:"inline_string"`
		InlineBytes  string `json:"inline_bytes"`
		Filename     string `json:"filename"`
	} `json:"body"`
}

// enum is a protobuf enum in JSON: its name, or its number (kept as the decimal string).
type enum string

func (e *enum) UnmarshalJSON(b []byte) error {
	var s string
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*e = enum(s)
		return nil
	}
	*e = enum(strings.TrimSpace(string(b)))
	return nil
}

// int64Str is an int64, which protobuf's JSON writes as a string (numbers are accepted too).
type int64Str int64

func (n *int64Str) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*n = int64Str(v)
	return nil
}

// uint64Str is a uint64 or a UInt32Value, a number or a string.
type uint64Str uint64

func (n *uint64Str) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	if s == "null" {
		return nil
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not an unsigned integer: %s", b)
	}
	*n = uint64Str(v)
	return nil
}

// ParseRouteConfiguration decodes one RouteConfiguration in Envoy's JSON (snake_case field names:
// pass admin output through configdump.Normalize first) and compiles it for matching.
func ParseRouteConfiguration(data []byte) (*RouteConfiguration, error) {
	rc := &RouteConfiguration{}
	if err := json.Unmarshal(data, rc); err != nil {
		return nil, fmt.Errorf("read route configuration: %w", err)
	}
	rc.Compile()
	return rc, nil
}
