package analyze

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
)

// checkRouteConfigs checks the route configurations of the routes section (RDS and static);
// inline ones are checked with their listener.
func (a *analyzer) checkRouteConfigs() {
	if len(a.routes) > 0 && a.clusterNames == nil && !a.in.Static {
		a.note("the dump has no clusters section: the clusters routes send to are not checked")
	}
	for i := range a.routes {
		rc := &a.routes[i]
		if !rc.Raw.Exists() {
			continue
		}
		a.checkRouteConfig(Resource{Kind: KindRouteConfig, Name: rc.Name}, "", fmt.Sprintf("route configuration %q", rc.Name), rc.Raw)
	}
}

// checkRouteConfig checks one route configuration: domains, shadowed routes, cluster
// references. res is where findings go (pathPrefix starts their path); label names the route
// configuration in messages.
func (a *analyzer) checkRouteConfig(res Resource, pathPrefix, label string, rc jsonscan.Value) {
	type seenIn struct {
		vhost string
		index int
	}
	domains := map[string]seenIn{} // lower-cased domain -> the virtual host it is in first
	_ = rc.Get("virtual_hosts").Items(func(vi int, vh jsonscan.Value) bool {
		vname := vh.Get("name").Str()
		vhLabel := fmt.Sprintf("virtual host %q of %s", vname, label)
		at := func(path string) Resource {
			r := res
			r.Path = pathPrefix + path
			return r
		}
		for _, d := range vh.Get("domains").Strings() {
			k := strings.ToLower(d)
			if prev, ok := domains[k]; ok {
				if prev.index == vi {
					a.add(DuplicateDomain, at(vhostPath(vname, vi)), "domain %q is twice in virtual host %q of %s", d, vname, label)
				} else {
					a.add(DuplicateDomain, at(vhostPath(vname, vi)), "domain %q is in virtual hosts %q and %q of %s", d, prev.vhost, vname, label)
				}
				continue
			}
			domains[k] = seenIn{vname, vi}
		}
		_ = vh.Get("request_mirror_policies").Items(func(_ int, m jsonscan.Value) bool {
			if c := m.Get("cluster").Str(); c != "" {
				a.reference(MirrorClusterMissing, a.clusterNames, at(vhostPath(vname, vi)), vhLabel+" mirrors to", "cluster", c)
			}
			return true
		})
		var earlier []routeMatch
		_ = vh.Get("routes").Items(func(ri int, r jsonscan.Value) bool {
			rname := r.Get("name").Str()
			m := readRouteMatch(ri, rname, r.Get("match"))
			where := func() (Resource, string) {
				return at(routePath(vname, vi, ri, rname)), fmt.Sprintf("route %s of %s", m.label(), vhLabel)
			}
			for _, e := range earlier {
				if e.key == m.key {
					res, _ := where()
					a.add(DuplicateRoute, res, "route %s of %s has the same match as route %s before it (%s), so it never matches", m.label(), vhLabel, e.label(), m.describe())
					break
				}
				if e.covers(&m) {
					res, _ := where()
					a.add(RouteShadowed, res, "route %s of %s can never match: route %s before it (%s) matches every request it would (%s)", m.label(), vhLabel, e.label(), e.describe(), m.describe())
					break
				}
			}
			earlier = append(earlier, m)
			a.routeRefs(where, r.Get("route"))
			return true
		})
		return true
	})
}

// routeRefs reports the clusters a route action sends to, or mirrors to, that the proxy does not
// have. where gives the route's place and label, made only when there is something to report.
func (a *analyzer) routeRefs(where func() (Resource, string), action jsonscan.Value) {
	if !action.Exists() || a.clusterNames == nil {
		return
	}
	ref := func(c Code, verb, what, name string) {
		if t := a.clusterNames.get(name); t != nil && t.ok {
			return
		}
		res, label := where()
		a.reference(c, a.clusterNames, res, label+" "+verb, what, name)
	}
	if c := action.Get("cluster"); c.Kind() == jsonscan.String {
		ref(RouteClusterMissing, "sends to", "cluster", c.Str())
	}
	_ = action.Get("weighted_clusters", "clusters").Items(func(_ int, w jsonscan.Value) bool {
		if n := w.Get("name").Str(); n != "" {
			ref(RouteClusterMissing, "sends to", "weighted cluster", n)
		}
		return true
	})
	mirror := func(m jsonscan.Value) {
		if c := m.Get("cluster").Str(); c != "" {
			ref(MirrorClusterMissing, "mirrors to", "cluster", c)
		}
	}
	_ = action.Get("request_mirror_policies").Items(func(_ int, m jsonscan.Value) bool {
		mirror(m)
		return true
	})
	if m := action.Get("request_mirror_policy"); m.Exists() {
		mirror(m)
	}
}

// routeMatch is what shadowing needs of a route's match.
type routeMatch struct {
	index int
	name  string
	key   string // the canonical match, for exact duplicates
	// kind is the path specifier: prefix, path, path_separated_prefix, safe_regex, ... ("" for none)
	kind  string
	value string
	// caseInsensitive is case_sensitive: false
	caseInsensitive bool
	// pathOnly: the match has nothing but its path specifier (and case_sensitive)
	pathOnly bool
}

// pathKinds are the path specifiers of a RouteMatch (v3 and older names).
var pathKinds = []string{"prefix", "path", "path_separated_prefix", "safe_regex", "regex", "path_match_policy", "connect_matcher"}

func readRouteMatch(i int, name string, m jsonscan.Value) routeMatch {
	rm := routeMatch{index: i, name: name, key: canonicalJSON(m), pathOnly: true}
	_ = m.Fields(func(k []byte, v jsonscan.Value) bool {
		for _, pk := range pathKinds {
			if jsonscan.KeyIs(k, pk) {
				rm.kind = pk
				rm.value = v.Str()
				if pk == "safe_regex" {
					rm.value = v.Get("regex").Str()
				}
				return true
			}
		}
		if jsonscan.KeyIs(k, "case_sensitive") {
			rm.caseInsensitive = !boolValue(v)
			return true
		}
		rm.pathOnly = false
		return true
	})
	return rm
}

func (m *routeMatch) label() string {
	if m.name == "" {
		return strconv.Itoa(m.index)
	}
	return fmt.Sprintf("%d %q", m.index, m.name)
}

func (m *routeMatch) describe() string {
	s := m.kind
	if s == "" {
		s = "no path match"
	} else if m.kind != "connect_matcher" {
		s += " " + strconv.Quote(m.value)
	}
	if !m.pathOnly {
		s += " and more conditions"
	}
	return s
}

// covers tells whether every request later would match also matches m (so later never matches).
// It answers only what it can tell for sure: m has no condition besides its path, and is a
// prefix or exact path that includes every path later's matches.
func (m *routeMatch) covers(later *routeMatch) bool {
	if !m.pathOnly {
		return false
	}
	hasLetters := strings.IndexFunc(m.value, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0
	if later.caseInsensitive && !m.caseInsensitive && hasLetters {
		return false // later matches other spellings that m does not
	}
	fold := func(s string) string {
		if m.caseInsensitive {
			return strings.ToLower(s)
		}
		return s
	}
	switch m.kind {
	case "prefix":
		if m.value == "" || m.value == "/" {
			// every request with a path; CONNECT requests match only connect_matcher routes
			return later.kind != "connect_matcher" && later.kind != ""
		}
		switch later.kind {
		case "prefix", "path", "path_separated_prefix":
			return strings.HasPrefix(fold(later.value), fold(m.value))
		}
	case "path":
		return later.kind == "path" && fold(later.value) == fold(m.value)
	case "safe_regex":
		// a regex that matches any path is a catch-all, as prefix "/" is
		return (m.value == ".*" || m.value == "/.*") && later.kind != "connect_matcher" && later.kind != ""
	}
	return false
}

// canonicalJSON writes a value with sorted keys and no spaces ("{}" for a missing one), so two
// matches compare equal however they were written.
func canonicalJSON(v jsonscan.Value) string {
	if !v.Exists() {
		return "{}"
	}
	var x any
	if err := json.Unmarshal(v.Raw(), &x); err != nil {
		return string(v.Raw())
	}
	b, err := json.Marshal(x)
	if err != nil {
		return string(v.Raw())
	}
	return string(b)
}
