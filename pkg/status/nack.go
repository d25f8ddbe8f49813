package status

import (
	"sort"
	"strconv"
	"strings"
)

// NACKLines are the wide table's NACK column, one line per rejected resource: "CDS backend:
// <reason>", or "LDS: <message>" for a message about no resource in particular, sorted per type
// so that identical rejections print identically; a type's warming count (inferred status) as
// "CDS: 2 warming". A message that lists several resources, as Envoy words them ("Error
// adding/updating listener(s) a: …, b: …"), is split per resource. JSON keeps Error whole.
func NACKLines(p *ProxyStatus) []string {
	var out []string
	for _, t := range p.Types {
		if t.Error == "" {
			if t.Warming > 0 {
				out = append(out, t.Type+": "+strconv.Itoa(t.Warming)+" warming")
			}
			continue
		}
		var names []string
		for _, r := range t.Resources {
			if r.Name != "" && r.State == StateError && r.Error != "" {
				names = append(names, r.Name)
			}
		}
		var lines []string
		seen := map[string]bool{}
		add := func(line string) {
			if !seen[line] {
				seen[line] = true
				lines = append(lines, line)
			}
		}
		if len(names) > 0 {
			// Each rejected resource's own message, its part of a message that lists several.
			for _, r := range t.Resources {
				if r.Name == "" || r.State != StateError || r.Error == "" {
					continue
				}
				reason := OneLine(r.Error)
				for _, item := range perResource(reason, names) {
					if item.name == r.Name {
						reason = item.reason
					}
				}
				add(t.Type + " " + r.Name + ": " + reason)
			}
		} else {
			for _, msg := range strings.Split(t.Error, "; ") {
				for _, item := range perResource(OneLine(msg), nil) {
					if item.name == "" {
						add(t.Type + ": " + item.reason)
					} else {
						add(t.Type + " " + item.name + ": " + item.reason)
					}
				}
			}
		}
		sort.Strings(lines)
		out = append(out, lines...)
	}
	return out
}

type nackItem struct{ name, reason string }

// leadingName returns the resource name s starts with, followed by ": ", when the names are not
// known: a token without space, comma or colon. "" when s does not start so.
func leadingName(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ':':
			if i > 0 && strings.HasPrefix(s[i:], ": ") {
				return s[:i]
			}
			return ""
		case ' ', '\t', '\n', ',':
			return ""
		}
	}
	return ""
}

// perResource splits "<what> listener(s) a: reason a, b: reason b" into (a, reason a), (b, reason
// b). names are the rejected resources when known (a split happens only before one of them);
// otherwise any name-like token followed by ": " after ", " starts an item. A message that lists
// no resources is one item without a name.
func perResource(msg string, names []string) []nackItem {
	i := strings.Index(msg, "(s) ")
	if i < 0 {
		return []nackItem{{reason: msg}}
	}
	rest := msg[i+len("(s) "):]
	nameAt := func(s string) (string, bool) {
		if len(names) == 0 {
			n := leadingName(s)
			return n, n != ""
		}
		for _, n := range names {
			if strings.HasPrefix(s, n+": ") {
				return n, true
			}
		}
		return "", false
	}
	first, ok := nameAt(rest)
	if !ok {
		return []nackItem{{reason: msg}}
	}
	var items []nackItem
	cur := nackItem{name: first}
	body := rest[len(first)+2:]
	start := 0
	for j := 0; j < len(body); j++ {
		if !strings.HasPrefix(body[j:], ", ") {
			continue
		}
		if n, ok := nameAt(body[j+2:]); ok {
			cur.reason = body[start:j]
			items = append(items, cur)
			cur = nackItem{name: n}
			j += 2 + len(n) + 1
			start = j + 1
		}
	}
	cur.reason = body[start:]
	return append(items, cur)
}
