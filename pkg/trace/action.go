package trace

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Kinds of route action.
const (
	KindCluster        = "cluster"
	KindRedirect       = "redirect"
	KindDirectResponse = "direct_response"
	KindFilterAction   = "filter_action"
	KindNonForwarding  = "non_forwarding"
	KindNoCluster      = "no_cluster"
)

// Action is what the chosen route does with the request.
type Action struct {
	Kind string `json:"kind"`
	// Cluster is the upstream cluster (for KindCluster).
	Cluster string `json:"cluster,omitempty"`
	// Weighted lists a weighted split with the range of random values each cluster takes.
	Weighted []WeightedPick `json:"weighted_clusters,omitempty"`
	// Path and Host are the :path and :authority sent upstream, after rewrites.
	Path          string `json:"path,omitempty"`
	Host          string `json:"host,omitempty"`
	PathRewritten bool   `json:"path_rewritten,omitempty"`
	HostRewritten bool   `json:"host_rewritten,omitempty"`
	// Location and Status are a redirect's; Status and Body a direct response's.
	Location string `json:"location,omitempty"`
	Status   int    `json:"status,omitempty"`
	Body     string `json:"body,omitempty"`
	// RequestHeaders and ResponseHeaders are the headers the route, virtual host and route
	// configuration add (values as configured; %…% formatters are not evaluated).
	RequestHeaders  []Header `json:"request_headers_added,omitempty"`
	ResponseHeaders []Header `json:"response_headers_added,omitempty"`
}

// WeightedPick is one cluster of a weighted split: it takes random values in [From, To).
type WeightedPick struct {
	Name   string `json:"name"`
	Weight uint64 `json:"weight"`
	From   uint64 `json:"from"`
	To     uint64 `json:"to"`
	Chosen bool   `json:"chosen,omitempty"`
}

func (rc *RouteConfiguration) action(vh *VirtualHost, r *Route, req *Request, vars map[string]string, res *RouteResult) *Action {
	step := func(subject, compared, outcome string) {
		res.Steps = append(res.Steps, Step{Stage: "action", Subject: subject, Compared: compared, Outcome: outcome})
	}
	a := &Action{}
	switch {
	case r.Redirect != nil:
		a.Kind = KindRedirect
		a.Location, a.Status = r.redirect(req)
		step("redirect", r.Redirect.describe(), fmt.Sprintf("%d Location: %s", a.Status, a.Location))
	case r.DirectResponse != nil:
		a.Kind = KindDirectResponse
		a.Status = int(r.DirectResponse.Status)
		if b := r.DirectResponse.Body; b != nil {
			a.Body = b.InlineString
			if b.Filename != "" {
				a.Body = "(body from file " + b.Filename + ")"
			}
		}
		step("direct_response", "the proxy answers itself", strconv.Itoa(a.Status))
	case r.Route != nil:
		rc.routeAction(vh, r, req, vars, a, step)
	case len(r.FilterAction) > 0:
		a.Kind = KindFilterAction
		step("filter_action", "an HTTP filter handles the request (not followed)", OutcomeNote)
	case len(r.NonForwardingAction) > 0:
		a.Kind = KindNonForwarding
		step("non_forwarding_action", "a filter answers the request; the router does not forward it", OutcomeNote)
	default:
		a.Kind = KindNoCluster
		step("none", "the route has no action", OutcomeStop)
	}
	if a.Kind == KindCluster {
		for _, hm := range []*headerMutations{&r.headerMutations, &vh.headerMutations, &rc.headerMutations} {
			for _, h := range hm.RequestHeadersToAdd {
				a.RequestHeaders = append(a.RequestHeaders, Header{Name: strings.ToLower(h.Header.Key), Value: h.Header.Value})
			}
		}
	}
	for _, hm := range []*headerMutations{&r.headerMutations, &vh.headerMutations, &rc.headerMutations} {
		for _, h := range hm.ResponseHeadersToAdd {
			a.ResponseHeaders = append(a.ResponseHeaders, Header{Name: strings.ToLower(h.Header.Key), Value: h.Header.Value})
		}
	}
	return a
}

func (rc *RouteConfiguration) routeAction(vh *VirtualHost, r *Route, req *Request, vars map[string]string, a *Action, step func(string, string, string)) {
	ra := r.Route
	a.Kind = KindCluster
	hostLiteral := ra.HostRewriteLiteral
	if hostLiteral == "" {
		hostLiteral = ra.HostRewrite
	}
	switch {
	case ra.Cluster != "":
		a.Cluster = ra.Cluster
		step("cluster", "route.cluster", ra.Cluster)
	case ra.ClusterHeader != "":
		v, ok := req.header(ra.ClusterHeader)
		if !ok || v == "" {
			a.Kind = KindNoCluster
			step("cluster_header", "header "+ra.ClusterHeader+" is absent", "503 NC: no cluster")
			return
		}
		a.Cluster = v
		step("cluster_header", "header "+ra.ClusterHeader, v)
	case ra.WeightedClusters != nil:
		wc := ra.WeightedClusters
		random, src := req.RandomValue, "random value"
		if !req.RandomSet {
			src = "random value (assumed 0: pass --random-value)"
		}
		if wc.HeaderName != "" {
			if v, ok := req.header(wc.HeaderName); ok {
				if n, err := strconv.ParseUint(v, 10, 64); err == nil {
					random, src = n, "header "+wc.HeaderName
				}
			}
		}
		var total uint64
		for _, c := range wc.Clusters {
			if c.Weight != nil {
				total += uint64(*c.Weight)
			}
		}
		if wc.TotalWeight != nil && *wc.TotalWeight > 0 {
			total = uint64(*wc.TotalWeight)
		}
		if total == 0 {
			a.Kind = KindNoCluster
			step("weighted_clusters", "all weights are 0", "503: no cluster")
			return
		}
		sel := random % total
		var begin uint64
		picked := -1
		for i, c := range wc.Clusters {
			w := uint64(0)
			if c.Weight != nil {
				w = uint64(*c.Weight)
			}
			p := WeightedPick{Name: c.Name, Weight: w, From: begin, To: begin + w}
			if c.Name == "" && c.ClusterHeader != "" {
				p.Name = "header:" + c.ClusterHeader
			}
			if picked < 0 && sel >= begin && sel < begin+w {
				p.Chosen, picked = true, i
			}
			a.Weighted = append(a.Weighted, p)
			begin += w
		}
		if picked < 0 {
			a.Kind = KindNoCluster
			step("weighted_clusters", fmt.Sprintf("%s %d %% total weight %d = %d falls in no cluster's range", src, random, total, sel), "503: no cluster")
			return
		}
		c := wc.Clusters[picked]
		a.Cluster = c.Name
		if c.Name == "" && c.ClusterHeader != "" {
			a.Cluster, _ = req.header(c.ClusterHeader)
		}
		if c.HostRewriteLiteral != "" {
			hostLiteral = c.HostRewriteLiteral
		}
		step("weighted_clusters", fmt.Sprintf("%s %d %% total weight %d = %d, in [%d,%d)", src, random, total, sel, a.Weighted[picked].From, a.Weighted[picked].To), a.Cluster)
	case ra.ClusterSpecifierPlugin != "" || len(ra.InlineClusterSpecifierPlugin) > 0:
		a.Kind = KindNoCluster
		step("cluster_specifier_plugin", "a plugin picks the cluster (not followed)", OutcomeStop)
		return
	default:
		a.Kind = KindNoCluster
		step("cluster", "the route names no cluster", "503 NC: no cluster")
		return
	}
	// rewrites, as finalizeRequestHeaders applies them
	a.Path = req.Path
	switch {
	case ra.PrefixRewrite != nil && (r.Match.path.kind == pathPrefix || r.Match.path.kind == pathExact || r.Match.path.kind == pathSeparatedPrefix):
		matched := len(r.Match.path.value)
		if r.Match.path.kind == pathExact {
			matched = len(pathOnly(req.Path))
		}
		a.Path = *ra.PrefixRewrite + req.Path[matched:]
		a.PathRewritten = true
		step("prefix_rewrite", fmt.Sprintf("%s replaces %s", quote(*ra.PrefixRewrite), quote(req.Path[:matched])), a.Path)
	case ra.RegexRewrite != nil && ra.RegexRewrite.re != nil && ra.RegexRewrite.re.err == nil:
		p := pathOnly(req.Path)
		a.Path = substitute(ra.RegexRewrite, p) + req.Path[len(p):]
		a.PathRewritten = true
		step("regex_rewrite", fmt.Sprintf("%s → %s", quote(ra.RegexRewrite.Pattern.Regex), quote(ra.RegexRewrite.Substitution)), a.Path)
	case ra.PathRewritePolicy != nil:
		tpl := templateOf(ra.PathRewritePolicy, "path_template_rewrite")
		np, err := rewriteTemplate(tpl, vars)
		if err != nil {
			step("path_template_rewrite", quote(tpl)+": "+err.Error(), OutcomeNote)
			break
		}
		p := pathOnly(req.Path)
		a.Path = np + req.Path[len(p):]
		a.PathRewritten = true
		step("path_template_rewrite", quote(tpl), a.Path)
	}
	a.Host = req.Authority
	switch {
	case hostLiteral != "":
		a.Host, a.HostRewritten = hostLiteral, true
		step("host_rewrite_literal", "Host", a.Host)
	case ra.AutoHostRewrite != nil && *ra.AutoHostRewrite:
		step("auto_host_rewrite", "Host becomes the chosen upstream host's hostname (strict_dns and logical_dns clusters only)", OutcomeNote)
	case ra.HostRewriteHeader != "":
		if v, ok := req.header(ra.HostRewriteHeader); ok && v != "" {
			a.Host, a.HostRewritten = v, true
			step("host_rewrite_header", "header "+ra.HostRewriteHeader, a.Host)
		}
	case ra.HostRewritePathRegex != nil && ra.HostRewritePathRegex.re != nil && ra.HostRewritePathRegex.re.err == nil:
		a.Host, a.HostRewritten = substitute(ra.HostRewritePathRegex, pathOnly(req.Path)), true
		step("host_rewrite_path_regex", quote(ra.HostRewritePathRegex.Pattern.Regex), a.Host)
	}
}

var backref = regexp.MustCompile(`\\([0-9])`)

// substitute is RE2's GlobalReplace: every match of the pattern replaced, \N naming a group.
func substitute(rw *RegexRewrite, s string) string {
	sub := strings.ReplaceAll(rw.Substitution, "$", "$$")
	sub = backref.ReplaceAllString(sub, "$${$1}")
	return rw.re.raw.ReplaceAllString(s, sub)
}

// redirect computes the Location and status of a redirect route as Envoy does: scheme, host
// and port swapped as configured (a default port of the original scheme dropped when the scheme
// changes), then the path (path_redirect, or the request's path with prefix_rewrite or
// regex_rewrite applied), the query string kept unless strip_query.
func (r *Route) redirect(req *Request) (string, int) {
	rd := r.Redirect
	orig := req.scheme()
	scheme := orig
	switch {
	case rd.SchemeRedirect != "":
		scheme = strings.ToLower(rd.SchemeRedirect)
	case rd.HTTPSRedirect:
		scheme = "https"
	}
	port := ""
	if rd.PortRedirect != 0 {
		port = ":" + strconv.Itoa(int(rd.PortRedirect))
	}
	host := rd.HostRedirect
	if host == "" {
		host = req.Authority
		if p := portStart(host); p >= 0 {
			reqPort := host[p:]
			remove := port != ""
			if scheme != orig {
				remove = remove || orig == "https" && reqPort == ":443" || orig == "http" && reqPort == ":80"
			}
			if remove {
				host = host[:p]
			}
		}
	}
	path := req.Path
	switch {
	case rd.PathRedirect != nil:
		if strings.Contains(*rd.PathRedirect, "?") {
			path = *rd.PathRedirect
		} else {
			path = *rd.PathRedirect
			if !rd.StripQuery {
				path += queryOf(req.Path)
			}
		}
	default:
		switch {
		case rd.PrefixRewrite != nil:
			matched := len(r.Match.path.value)
			if r.Match.path.kind == pathExact {
				matched = len(pathOnly(req.Path))
			}
			if matched <= len(req.Path) {
				path = *rd.PrefixRewrite + req.Path[matched:]
			}
		case rd.RegexRewrite != nil && rd.RegexRewrite.re != nil && rd.RegexRewrite.re.err == nil:
			p := pathOnly(req.Path)
			path = substitute(rd.RegexRewrite, p) + req.Path[len(p):]
		}
		if rd.StripQuery {
			path = pathOnly(path)
		}
	}
	return scheme + "://" + host + port + path, rd.Code()
}

func (rd *RedirectAction) describe() string {
	var parts []string
	if rd.SchemeRedirect != "" {
		parts = append(parts, "scheme_redirect "+rd.SchemeRedirect)
	}
	if rd.HTTPSRedirect {
		parts = append(parts, "https_redirect")
	}
	if rd.HostRedirect != "" {
		parts = append(parts, "host_redirect "+rd.HostRedirect)
	}
	if rd.PortRedirect != 0 {
		parts = append(parts, "port_redirect "+strconv.Itoa(int(rd.PortRedirect)))
	}
	if rd.PathRedirect != nil {
		parts = append(parts, "path_redirect "+*rd.PathRedirect)
	}
	if rd.PrefixRewrite != nil {
		parts = append(parts, "prefix_rewrite "+*rd.PrefixRewrite)
	}
	if rd.RegexRewrite != nil {
		parts = append(parts, "regex_rewrite "+rd.RegexRewrite.Pattern.Regex)
	}
	if rd.StripQuery {
		parts = append(parts, "strip_query")
	}
	if len(parts) == 0 {
		return "redirect"
	}
	return strings.Join(parts, ", ")
}
