package trace

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// compiledRegex is a regex anchored for RE2's full match, as Envoy's safe_regex matches.
type compiledRegex struct {
	full   *regexp.Regexp // ^(?:re)$
	raw    *regexp.Regexp // unanchored, for rewrites
	prefix string         // every full match starts with it: a cheap first test
	err    error
}

func compileRegex(re string) *compiledRegex {
	c := &compiledRegex{}
	if c.full, c.err = regexp.Compile(`^(?:` + re + `)$`); c.err != nil {
		return c
	}
	c.raw, c.err = regexp.Compile(re)
	if c.err == nil {
		c.prefix, _ = c.raw.LiteralPrefix()
	}
	return c
}

func (c *compiledRegex) match(s string) bool {
	return c != nil && c.err == nil && strings.HasPrefix(s, c.prefix) && c.full.MatchString(s)
}

// pathKind is how a route matches the path.
type pathKind int

const (
	pathNone pathKind = iota // no path specifier: never matches (Envoy rejects such a route)
	pathPrefix
	pathExact
	pathRegex
	pathSeparatedPrefix
	pathTemplate
	pathConnect
)

type pathMatcher struct {
	kind     pathKind
	value    string // prefix, path, regex or template as configured
	re       *compiledRegex
	template *uriTemplate
}

// Compile indexes the domains and compiles the regexes. ParseRouteConfiguration calls it; call
// it again after changing the configuration by hand.
func (rc *RouteConfiguration) Compile() {
	rc.exact = map[string]*VirtualHost{}
	rc.suffix, rc.prefix, rc.star, rc.Problems = nil, nil, nil, nil
	for _, vh := range rc.VirtualHosts {
		if vh == nil {
			continue
		}
		for _, d := range vh.Domains {
			ld := strings.ToLower(d)
			switch {
			case ld == "*":
				if rc.star != nil {
					rc.problem("virtual host %q: domain \"*\" also in %q (Envoy rejects the configuration)", vh.Name, rc.star.Name)
					continue
				}
				rc.star = vh
			case strings.HasPrefix(ld, "*"):
				rc.suffix = append(rc.suffix, wildcardHost{part: ld[1:], domain: d, vh: vh})
			case strings.HasSuffix(ld, "*"):
				rc.prefix = append(rc.prefix, wildcardHost{part: ld[:len(ld)-1], domain: d, vh: vh})
			default:
				if prev, dup := rc.exact[ld]; dup {
					rc.problem("virtual host %q: domain %q also in %q (Envoy rejects the configuration)", vh.Name, d, prev.Name)
					continue
				}
				rc.exact[ld] = vh
			}
		}
		for i := range vh.VirtualClusters {
			vc := &vh.VirtualClusters[i]
			for _, h := range vc.Headers {
				rc.compileHeader(h)
			}
			if vc.Pattern != "" {
				vc.re = compileRegex(vc.Pattern)
			}
		}
		for i, r := range vh.Routes {
			if r == nil {
				vh.Routes[i] = &Route{}
				r = vh.Routes[i]
			}
			r.index = i
			rc.compileRoute(vh, r)
		}
	}
	longestFirst := func(w []wildcardHost) {
		sort.SliceStable(w, func(i, j int) bool { return len(w[i].part) > len(w[j].part) })
	}
	longestFirst(rc.suffix)
	longestFirst(rc.prefix)
}

func (rc *RouteConfiguration) problem(format string, args ...any) {
	rc.Problems = append(rc.Problems, fmt.Sprintf(format, args...))
}

func (rc *RouteConfiguration) compileRoute(vh *VirtualHost, r *Route) {
	m := &r.Match
	where := func() string { return fmt.Sprintf("virtual host %q route %d", vh.Name, r.index) }
	switch {
	case m.Prefix != nil:
		m.path = pathMatcher{kind: pathPrefix, value: *m.Prefix}
	case m.Path != nil:
		m.path = pathMatcher{kind: pathExact, value: *m.Path}
	case m.SafeRegex != nil:
		m.path = pathMatcher{kind: pathRegex, value: m.SafeRegex.Regex, re: compileRegex(m.SafeRegex.Regex)}
	case m.Regex != nil:
		m.path = pathMatcher{kind: pathRegex, value: *m.Regex, re: compileRegex(*m.Regex)}
	case m.PathSeparatedPrefix != nil:
		m.path = pathMatcher{kind: pathSeparatedPrefix, value: *m.PathSeparatedPrefix}
	case m.PathMatchPolicy != nil:
		tpl := templateOf(m.PathMatchPolicy, "path_template")
		t, err := parseURITemplate(tpl)
		if err != nil {
			rc.problem("%s: path_match_policy %q: %v", where(), tpl, err)
		}
		m.path = pathMatcher{kind: pathTemplate, value: tpl, template: t}
	case m.ConnectMatcher != nil:
		m.path = pathMatcher{kind: pathConnect}
	}
	if m.path.re != nil && m.path.re.err != nil {
		rc.problem("%s: regex %q: %v", where(), m.path.value, m.path.re.err)
	}
	for _, h := range m.Headers {
		rc.compileHeader(h)
	}
	for _, q := range m.QueryParameters {
		if q != nil && q.StringMatch != nil {
			rc.compileString(q.StringMatch)
		}
	}
	compileRewrite := func(rw *RegexRewrite) {
		if rw != nil {
			rw.re = compileRegex(rw.Pattern.Regex)
			if rw.re.err != nil {
				rc.problem("%s: regex_rewrite %q: %v", where(), rw.Pattern.Regex, rw.re.err)
			}
		}
	}
	if a := r.Route; a != nil {
		compileRewrite(a.RegexRewrite)
		compileRewrite(a.HostRewritePathRegex)
	}
	if a := r.Redirect; a != nil {
		compileRewrite(a.RegexRewrite)
	}
}

func (rc *RouteConfiguration) compileHeader(h *HeaderMatcher) {
	if h == nil {
		return
	}
	switch {
	case h.SafeRegexMatch != nil:
		h.re = compileRegex(h.SafeRegexMatch.Regex)
	case h.RegexMatch != nil:
		h.re = compileRegex(*h.RegexMatch)
	case h.StringMatch != nil:
		rc.compileString(h.StringMatch)
	}
	if h.re != nil && h.re.err != nil {
		rc.problem("header matcher %q: %v", h.Name, h.re.err)
	}
}

func (rc *RouteConfiguration) compileString(s *StringMatcher) {
	if s.SafeRegex != nil {
		s.re = compileRegex(s.SafeRegex.Regex)
		if s.re.err != nil {
			rc.problem("string matcher regex %q: %v", s.SafeRegex.Regex, s.re.err)
		}
	}
}

// templateOf reads a string field of a typed extension's config (path_template or
// path_template_rewrite of the uri_template extensions).
func templateOf(ext *TypedExtension, field string) string {
	if ext == nil {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(ext.TypedConfig, &m) != nil {
		return ""
	}
	var s string
	_ = json.Unmarshal(m[field], &s)
	return s
}
