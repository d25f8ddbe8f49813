package configdiff

import (
	"fmt"
	"strings"
)

// DefaultIgnore are the field paths every comparison ignores: bookkeeping that changes with every
// push or every replica, not configuration. Most of it lives beside the resources in a dump
// (version_info, last_updated, client_status, error_state are never compared: only resources are),
// but some resources and bootstraps carry it too.
var DefaultIgnore = []string{"**.version_info", "**.last_updated", "**.nonce", "**.client_status"}

// pathPattern is a parsed --ignore FIELD-PATH: an optional kind, then field names separated by
// dots, where * is any one field (or map key) and ** any number of them. List elements take no
// step: "filter_chains.filters.name" names the name of every filter of every chain.
type pathPattern struct {
	kind Kind // "" for every kind
	segs []string
}

// parseIgnore reads --ignore values: [KIND:]FIELD[.FIELD]... with proto field names (camelCase
// spellings are accepted and turned into snake_case).
func parseIgnore(specs []string) ([]pathPattern, error) {
	var out []pathPattern
	for _, s := range specs {
		p, err := parsePattern(s)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func parsePattern(s string) (pathPattern, error) {
	var p pathPattern
	rest := s
	if i := strings.IndexByte(s, ':'); i >= 0 {
		k, err := ParseKind(s[:i])
		if err != nil {
			return p, fmt.Errorf("ignore path %q: %w", s, err)
		}
		p.kind, rest = k, s[i+1:]
	}
	if rest == "" {
		return p, fmt.Errorf("ignore path %q names no field: give e.g. metadata or clusters:circuit_breakers.thresholds", s)
	}
	for _, seg := range strings.Split(rest, ".") {
		if seg == "" {
			return p, fmt.Errorf("ignore path %q has an empty step: separate field names with single dots", s)
		}
		if seg != "*" && seg != "**" {
			seg = snakeCase(seg)
		}
		p.segs = append(p.segs, seg)
	}
	return p, nil
}

// snakeCase turns a lowerCamelCase field name into its proto name (already snake_case stays).
func snakeCase(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			b.WriteByte(c + 'a' - 'A')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// forKind are the patterns that apply to a kind.
func forKind(ps []pathPattern, k Kind) []pathPattern {
	var out []pathPattern
	for _, p := range ps {
		if p.kind == "" || p.kind == k {
			out = append(out, p)
		}
	}
	return out
}

// match tells whether the pattern names the field at path (field names from the resource down).
func (p pathPattern) match(path []string) bool {
	// a pattern ending in a field name matches only paths ending in it: most fields are ruled out
	// without the full match
	if last := p.segs[len(p.segs)-1]; last != "*" && last != "**" && (len(path) == 0 || path[len(path)-1] != last) {
		return false
	}
	return matchSegs(p.segs, path)
}

// matchSegs matches a pattern against a path by dynamic programming (a pattern with many ** would
// take exponential time by backtracking): ok[j] tells whether the pattern so far matches path[:j].
func matchSegs(pat, path []string) bool {
	ok := make([]bool, len(path)+1)
	ok[0] = true
	for _, seg := range pat {
		next := make([]bool, len(path)+1)
		for j := 0; j <= len(path); j++ {
			switch {
			case seg == "**":
				next[j] = ok[j] || (j > 0 && next[j-1])
			case j > 0 && ok[j-1] && (seg == "*" || seg == path[j-1]):
				next[j] = true
			}
		}
		ok = next
	}
	return ok[len(path)]
}

// ParseKinds reads --kinds values.
func ParseKinds(names []string) ([]Kind, error) {
	var out []Kind
	seen := map[Kind]bool{}
	for _, n := range names {
		k, err := ParseKind(n)
		if err != nil {
			return nil, err
		}
		seen[k] = true
	}
	for _, k := range AllKinds { // in report order
		if seen[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// CheckIgnore tells whether --ignore values are well formed: [KIND:]FIELD[.FIELD]... with proto
// field names (camelCase accepted), * for any one field or map key, ** for any number of them.
func CheckIgnore(specs []string) error {
	_, err := parseIgnore(specs)
	return err
}
