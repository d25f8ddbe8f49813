package trace

import (
	"fmt"
	"strconv"
	"strings"
)

// Step is one decision on the way: what was considered, what was compared, and the outcome.
type Step struct {
	Stage    string `json:"stage"`
	Subject  string `json:"subject,omitempty"`
	Compared string `json:"compared,omitempty"`
	Outcome  string `json:"outcome"`
}

// Outcomes of a step.
const (
	OutcomeMatch   = "match"
	OutcomeNoMatch = "no match"
	OutcomeChosen  = "chosen"
	OutcomeStop    = "stop"
	OutcomeNote    = "note"
)

// RouteOptions tune routing.
type RouteOptions struct {
	// Explain records a step for every route that did not match, with why (a trace); without it
	// only the decisions are recorded (route tests).
	Explain bool
	// StripAnyHostPort and StripMatchingHostPort are the HTTP connection manager's options that
	// remove the port from the Host header before routing; ListenerPort is the port the
	// connection arrived on, for StripMatchingHostPort.
	StripAnyHostPort      bool
	StripMatchingHostPort bool
	ListenerPort          uint32
}

// RouteResult is where the router sent a request.
type RouteResult struct {
	VirtualHost    *VirtualHost
	Domain         string // the domain of the virtual host that matched
	Route          *Route
	VirtualCluster string
	Action         *Action
	Steps          []Step
	// Stop says why the request ends without a route: "404 NR (no virtual host)" and the like.
	Stop string
	// Host is the Host header the router matched (after the connection manager's port handling).
	Host string
	vars map[string]string
}

// RouteRequest runs the router on one request: virtual host, first matching route, action.
func (rc *RouteConfiguration) RouteRequest(req *Request, o RouteOptions) *RouteResult {
	res := &RouteResult{}
	step := func(s Step) { res.Steps = append(res.Steps, s) }
	host := req.Authority
	if rc.VhostHeader != "" {
		v, ok := req.header(rc.VhostHeader)
		if !ok || v == "" {
			step(Step{Stage: "virtual_host", Subject: "vhost_header " + rc.VhostHeader, Compared: "header absent", Outcome: OutcomeStop})
			res.Stop = "404 NR: the route configuration picks the virtual host by header " + rc.VhostHeader + ", which the request lacks"
			return res
		}
		host = v
	}
	if p := portStart(host); p >= 0 {
		switch {
		case o.StripAnyHostPort && rc.VhostHeader == "":
			step(Step{Stage: "virtual_host", Subject: "host " + host, Compared: "the connection manager's strip_any_host_port", Outcome: "port removed"})
			host = host[:p]
			stripped := *req // the connection manager changes the Host header itself
			stripped.Authority = host
			req = &stripped
		case o.StripMatchingHostPort && rc.VhostHeader == "" && o.ListenerPort != 0 && host[p+1:] == strconv.Itoa(int(o.ListenerPort)):
			step(Step{Stage: "virtual_host", Subject: "host " + host, Compared: "the connection manager's strip_matching_host_port: the port is the listener's", Outcome: "port removed"})
			host = host[:p]
			stripped := *req
			stripped.Authority = host
			req = &stripped
		case rc.IgnorePortInHostMatching:
			step(Step{Stage: "virtual_host", Subject: "host " + host, Compared: "ignore_port_in_host_matching", Outcome: "port ignored"})
			host = host[:p]
		}
	}
	res.Host = host
	vh, domain, how := rc.FindVirtualHost(host)
	if vh == nil {
		why := fmt.Sprintf("%s: no exact domain, no wildcard and no \"*\"", plural(len(rc.VirtualHosts), "virtual host"))
		res.Stop = "404 NR: no virtual host matches host " + quote(host)
		if p := portStart(host); p >= 0 {
			if other, d, _ := rc.FindVirtualHost(host[:p]); other != nil {
				hint := fmt.Sprintf("; without its port the host would match %s of %s: Envoy compares the port too, unless ignore_port_in_host_matching or the connection manager's strip_any_host_port", quote(d), quote(other.Name))
				why += hint
				res.Stop += hint
			}
		}
		step(Step{Stage: "virtual_host", Subject: "host " + quote(host), Compared: why, Outcome: OutcomeStop})
		return res
	}
	res.VirtualHost, res.Domain = vh, domain
	cmp := fmt.Sprintf("host %s: %s %s", quote(host), how, quote(domain))
	if domain == "*" {
		if near := rc.nearDomains(host, vh); near != "" {
			cmp += " (no exact domain; similar: " + near + ")"
		}
	}
	step(Step{Stage: "virtual_host", Subject: vh.Name, Compared: cmp, Outcome: OutcomeMatch})
	if len(vh.Matcher) > 0 && len(vh.Routes) == 0 {
		step(Step{Stage: "route", Subject: vh.Name, Compared: "the virtual host routes with an xDS matcher tree, which trace does not follow", Outcome: OutcomeStop})
		res.Stop = "not followed: the virtual host's matcher tree"
		return res
	}
	if vh.RequireTLS == "ALL" || vh.RequireTLS == "EXTERNAL_ONLY" && !req.Internal {
		if req.scheme() != "https" {
			step(Step{Stage: "route", Subject: vh.Name, Compared: "require_tls " + vh.RequireTLS + " and the request is not over TLS", Outcome: OutcomeMatch})
			loc := "https://" + hostNoPort(req.Authority) + req.Path
			res.Action = &Action{Kind: KindRedirect, Status: 301, Location: loc}
			step(Step{Stage: "action", Subject: "redirect", Compared: "to https", Outcome: "301 " + loc})
			return res
		}
	}
	skipped := 0
	p := pathOnly(req.Path)
	if i := strings.IndexByte(p, ';'); i >= 0 && rc.IgnorePathParameters {
		step(Step{Stage: "route", Subject: "path " + quote(p), Compared: "ignore_path_parameters_in_path_matching", Outcome: "path " + quote(p[:i])})
		p = p[:i]
	}
	for _, r := range vh.Routes {
		ok, why, vars := r.matches(req, p, o.Explain)
		if !ok {
			if o.Explain {
				step(Step{Stage: "route", Subject: r.Describe(), Compared: why, Outcome: OutcomeNoMatch})
			} else {
				skipped++
			}
			continue
		}
		if skipped > 0 {
			step(Step{Stage: "route", Subject: fmt.Sprintf("%d routes before", skipped), Outcome: OutcomeNoMatch})
		}
		res.Route, res.vars = r, vars
		step(Step{Stage: "route", Subject: r.Describe(), Compared: why, Outcome: OutcomeMatch})
		res.VirtualCluster = vh.virtualCluster(req)
		res.Action = rc.action(vh, r, req, vars, res)
		return res
	}
	step(Step{Stage: "route", Subject: vh.Name, Compared: fmt.Sprintf("none of its %d routes matches %s %s", len(vh.Routes), req.Method, quote(req.Path)), Outcome: OutcomeStop})
	res.Stop = "404 NR: no route of virtual host " + quote(vh.Name) + " matches"
	return res
}

func quote(s string) string { return strconv.Quote(s) }

// portStart is the index of the ':' before a host's port, or -1 (IPv6 literals in brackets).
func portStart(host string) int {
	i := strings.LastIndexByte(host, ':')
	if i < 0 {
		return -1
	}
	if j := strings.LastIndexByte(host, ']'); j > i {
		return -1
	}
	if strings.Count(host, ":") > 1 && !strings.HasPrefix(host, "[") {
		return -1 // a bare IPv6 address
	}
	return i
}

func hostNoPort(h string) string {
	if p := portStart(h); p >= 0 {
		return h[:p]
	}
	return h
}

// FindVirtualHost picks the virtual host for a Host header as Envoy does: exact domain, then the
// longest suffix wildcard (*.foo.com), then the longest prefix wildcard (foo.*), then "*". Hosts
// are compared in lower case; a wildcard never matches an empty string.
func (rc *RouteConfiguration) FindVirtualHost(host string) (vh *VirtualHost, domain, how string) {
	if rc.exact == nil {
		rc.Compile()
	}
	h := strings.ToLower(host)
	if v, ok := rc.exact[h]; ok {
		for _, d := range v.Domains {
			if strings.EqualFold(d, host) {
				return v, d, "exact domain"
			}
		}
	}
	for _, w := range rc.suffix {
		if len(w.part) < len(h) && strings.HasSuffix(h, w.part) {
			return w.vh, w.domain, "suffix wildcard"
		}
	}
	for _, w := range rc.prefix {
		if len(w.part) < len(h) && strings.HasPrefix(h, w.part) {
			return w.vh, w.domain, "prefix wildcard"
		}
	}
	if rc.star != nil {
		return rc.star, "*", "wildcard"
	}
	return nil, "", ""
}

// Describe names a route for the steps: its index, name and path match.
func (r *Route) Describe() string {
	s := "route " + strconv.Itoa(r.index)
	if r.Name != "" {
		s += " " + quote(r.Name)
	}
	return s + " (" + r.Match.describePath() + ")"
}

func (m *RouteMatch) describePath() string {
	ci := ""
	if m.CaseSensitive != nil && !*m.CaseSensitive {
		ci = ", case-insensitive"
	}
	switch m.path.kind {
	case pathPrefix:
		return "prefix " + quote(m.path.value) + ci
	case pathExact:
		return "path " + quote(m.path.value) + ci
	case pathRegex:
		return "safe_regex " + quote(m.path.value)
	case pathSeparatedPrefix:
		return "path_separated_prefix " + quote(m.path.value) + ci
	case pathTemplate:
		return "path template " + quote(m.path.value)
	case pathConnect:
		return "CONNECT"
	}
	return "no path match"
}

// matches tells whether the route matches the request (p is its path without the query). why says what was compared (always for a
// match, for a miss only when explain is set). vars are a path template's variables.
func (r *Route) matches(req *Request, p string, explain bool) (bool, string, map[string]string) {
	m := &r.Match
	ci := m.CaseSensitive != nil && !*m.CaseSensitive
	var vars map[string]string
	ok := false
	switch m.path.kind {
	case pathPrefix:
		ok = hasPrefix(p, m.path.value, ci)
	case pathExact:
		ok = len(p) == len(m.path.value) && hasPrefix(p, m.path.value, ci)
	case pathRegex:
		ok = m.path.re.match(p)
	case pathSeparatedPrefix:
		v := m.path.value
		ok = hasPrefix(p, v, ci) && (len(p) == len(v) || p[len(v)] == '/')
	case pathTemplate:
		vars = m.path.template.match(p)
		ok = vars != nil
	case pathConnect:
		ok = req.Method == "CONNECT"
	}
	if !ok {
		if !explain {
			return false, "", nil
		}
		if m.path.re != nil && m.path.re.err != nil {
			return false, "the regex does not compile: " + m.path.re.err.Error(), nil
		}
		return false, fmt.Sprintf("path %s does not match %s", quote(p), m.describePath()), nil
	}
	why := []string{fmt.Sprintf("path %s matches %s", quote(p), m.describePath())}
	if rf := m.RuntimeFraction; rf != nil {
		den := rf.DefaultValue.Of()
		got := req.RandomValue % den
		in := got < rf.DefaultValue.Numerator
		d := fmt.Sprintf("runtime_fraction %d/%d: random value %d %% %d = %d", rf.DefaultValue.Numerator, den, req.RandomValue, den, got)
		if !req.RandomSet {
			d += " (random value assumed 0: pass --random-value)"
		}
		if req.ActiveRuntime != nil && *req.ActiveRuntime != rf.RuntimeKey {
			return false, fmt.Sprintf("runtime_fraction: runtime key %s is not the test's runtime %s", quote(rf.RuntimeKey), quote(*req.ActiveRuntime)), nil
		}
		if !in {
			return false, d + " is not below " + strconv.FormatUint(rf.DefaultValue.Numerator, 10), nil
		}
		why = append(why, d+" is below "+strconv.FormatUint(rf.DefaultValue.Numerator, 10))
	}
	for _, h := range m.Headers {
		ok, d := h.matchRequest(req)
		if !ok {
			return false, d, nil
		}
		why = append(why, d)
	}
	if len(m.Grpc) > 0 {
		ct, _ := req.header("content-type")
		if !isGRPC(ct) {
			return false, "grpc: content-type " + quote(ct) + " is not application/grpc", nil
		}
		why = append(why, "grpc: content-type "+quote(ct))
	}
	for _, q := range m.QueryParameters {
		ok, d := q.matchPath(req.Path)
		if !ok {
			return false, d, nil
		}
		why = append(why, d)
	}
	if t := m.TLSContext; t != nil {
		presented, validated := false, false
		if req.TLS != nil {
			presented, validated = req.TLS.Presented, req.TLS.Validated
		}
		if t.Presented != nil && *t.Presented != presented {
			return false, fmt.Sprintf("tls_context presented: want %t, the connection %t", *t.Presented, presented), nil
		}
		if t.Validated != nil && *t.Validated != validated {
			return false, fmt.Sprintf("tls_context validated: want %t, the connection %t", *t.Validated, validated), nil
		}
		why = append(why, "tls_context matches")
	}
	if len(m.DynamicMetadata) > 0 {
		why = append(why, "dynamic_metadata not evaluated (assumed to match)")
	}
	return true, strings.Join(why, "; "), vars
}

func hasPrefix(s, prefix string, ignoreCase bool) bool {
	if len(s) < len(prefix) {
		return false
	}
	if ignoreCase {
		return strings.EqualFold(s[:len(prefix)], prefix)
	}
	return s[:len(prefix)] == prefix
}

func isGRPC(ct string) bool {
	const g = "application/grpc"
	return strings.HasPrefix(ct, g) && (len(ct) == len(g) || ct[len(g)] == '+' || ct[len(g)] == ';')
}

// matchRequest applies one header matcher: a missing header matches only present_match: false
// (or an inverted present_match: true) unless treat_missing_header_as_empty; invert_match flips
// the result of the comparison.
func (h *HeaderMatcher) matchRequest(req *Request) (bool, string) {
	v, ok := req.header(h.Name)
	desc := h.describe()
	if !ok && !h.TreatMissingHeaderAsEmpty {
		present := h.PresentMatch != nil || h.kind() == "present"
		want := true
		if h.PresentMatch != nil {
			want = *h.PresentMatch
		}
		m := present && (h.InvertMatch == want)
		return m, fmt.Sprintf("header %s %s: absent", h.Name, desc) + matchWord(m)
	}
	var m bool
	switch h.kind() {
	case "exact":
		m = *h.ExactMatch == "" || v == *h.ExactMatch
	case "regex":
		m = h.re.match(v)
	case "range":
		n, err := strconv.ParseInt(v, 10, 64)
		m = err == nil && n >= int64(h.RangeMatch.Start) && n < int64(h.RangeMatch.End)
	case "present":
		m = h.PresentMatch == nil || *h.PresentMatch
	case "prefix":
		m = strings.HasPrefix(v, *h.PrefixMatch)
	case "suffix":
		m = strings.HasSuffix(v, *h.SuffixMatch)
	case "contains":
		m = strings.Contains(v, *h.ContainsMatch)
	case "string":
		m = h.StringMatch.match(v)
	}
	m = m != h.InvertMatch
	return m, fmt.Sprintf("header %s %s: %s", h.Name, desc, quote(v)) + matchWord(m)
}

func matchWord(m bool) string {
	if m {
		return " (matches)"
	}
	return " (does not match)"
}

func (h *HeaderMatcher) kind() string {
	switch {
	case h.ExactMatch != nil:
		return "exact"
	case h.SafeRegexMatch != nil, h.RegexMatch != nil:
		return "regex"
	case h.RangeMatch != nil:
		return "range"
	case h.PrefixMatch != nil:
		return "prefix"
	case h.SuffixMatch != nil:
		return "suffix"
	case h.ContainsMatch != nil:
		return "contains"
	case h.StringMatch != nil:
		return "string"
	}
	return "present"
}

func (h *HeaderMatcher) describe() string {
	var s string
	switch h.kind() {
	case "exact":
		s = "exact " + quote(*h.ExactMatch)
	case "regex":
		re := ""
		if h.SafeRegexMatch != nil {
			re = h.SafeRegexMatch.Regex
		} else {
			re = *h.RegexMatch
		}
		s = "safe_regex " + quote(re)
	case "range":
		s = fmt.Sprintf("range [%d,%d)", h.RangeMatch.Start, h.RangeMatch.End)
	case "prefix":
		s = "prefix " + quote(*h.PrefixMatch)
	case "suffix":
		s = "suffix " + quote(*h.SuffixMatch)
	case "contains":
		s = "contains " + quote(*h.ContainsMatch)
	case "string":
		s = h.StringMatch.describe()
	default:
		if h.PresentMatch != nil && !*h.PresentMatch {
			s = "absent"
		} else {
			s = "present"
		}
	}
	if h.InvertMatch {
		s = "not " + s
	}
	return s
}

func (s *StringMatcher) match(v string) bool {
	if s == nil {
		return true
	}
	if s.SafeRegex != nil {
		return s.re.match(v)
	}
	cmp := func(a, b string) bool { return a == b }
	if s.IgnoreCase {
		cmp = strings.EqualFold
	}
	switch {
	case s.Exact != nil:
		return cmp(v, *s.Exact)
	case s.Prefix != nil:
		return len(v) >= len(*s.Prefix) && cmp(v[:len(*s.Prefix)], *s.Prefix)
	case s.Suffix != nil:
		return len(v) >= len(*s.Suffix) && cmp(v[len(v)-len(*s.Suffix):], *s.Suffix)
	case s.Contains != nil:
		if s.IgnoreCase {
			return strings.Contains(strings.ToLower(v), strings.ToLower(*s.Contains))
		}
		return strings.Contains(v, *s.Contains)
	}
	return false
}

func (s *StringMatcher) describe() string {
	ic := ""
	if s.IgnoreCase {
		ic = " (ignore case)"
	}
	switch {
	case s.SafeRegex != nil:
		return "string_match safe_regex " + quote(s.SafeRegex.Regex)
	case s.Exact != nil:
		return "string_match exact " + quote(*s.Exact) + ic
	case s.Prefix != nil:
		return "string_match prefix " + quote(*s.Prefix) + ic
	case s.Suffix != nil:
		return "string_match suffix " + quote(*s.Suffix) + ic
	case s.Contains != nil:
		return "string_match contains " + quote(*s.Contains) + ic
	}
	return "string_match (empty)"
}

// matchPath applies a query parameter matcher to the first value of the parameter.
func (q *QueryParameterMatcher) matchPath(path string) (bool, string) {
	v, ok := firstQueryValue(path, q.Name)
	if !ok {
		return false, "query parameter " + q.Name + ": absent (does not match)"
	}
	if q.StringMatch == nil {
		return true, "query parameter " + q.Name + ": present (matches)"
	}
	m := q.StringMatch.match(v)
	return m, fmt.Sprintf("query parameter %s %s: %s", q.Name, q.StringMatch.describe(), quote(v)) + matchWord(m)
}

// virtualCluster names the request's virtual cluster: the first whose headers match, "other"
// when the virtual host has virtual clusters and none match, else "".
func (vh *VirtualHost) virtualCluster(req *Request) string {
	for i := range vh.VirtualClusters {
		vc := &vh.VirtualClusters[i]
		all := (vc.re == nil || vc.re.match(pathOnly(req.Path))) && (vc.Method == "" || vc.Method == req.Method)
		for _, h := range vc.Headers {
			if !all {
				break
			}
			if ok, _ := h.matchRequest(req); !ok {
				all = false
				break
			}
		}
		if all {
			return vc.Name
		}
	}
	if len(vh.VirtualClusters) > 0 {
		return "other"
	}
	return ""
}

// nearDomains lists, for a host that only the "*" virtual host took, domains of other virtual
// hosts with the same first label (reviews vs reviews.default.svc.cluster.local:9080): the usual
// reason a request falls through to a catch-all is a Host spelt otherwise than the domains.
func (rc *RouteConfiguration) nearDomains(host string, took *VirtualHost) string {
	first := strings.ToLower(host)
	if i := strings.IndexAny(first, ".:"); i >= 0 {
		first = first[:i]
	}
	if first == "" {
		return ""
	}
	name := hostNoPort(strings.ToLower(host))
	var near []string
	for _, vh := range rc.VirtualHosts {
		if vh == nil || vh == took {
			continue
		}
		best, bestScore := "", 0
		for _, d := range vh.Domains {
			ld := strings.ToLower(d)
			score := 0
			switch {
			case hostNoPort(ld) == name:
				score = 2 // the same name, another port (or none)
			case strings.HasPrefix(ld, first) && (len(ld) == len(first) || ld[len(first)] == '.' || ld[len(first)] == ':'):
				score = 1
			}
			if score > bestScore {
				best, bestScore = d, score
			}
		}
		if best != "" {
			near = append(near, quote(best)+" of "+quote(vh.Name))
		}
		if len(near) == 3 {
			break
		}
	}
	return strings.Join(near, ", ")
}
