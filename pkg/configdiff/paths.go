package configdiff

import (
	"slices"
	"strconv"
	"strings"
)

// fieldChanges lists the fields where two canonical values differ, appending to out. Objects are
// compared member by member; lists whose elements all carry distinct names (filter chains,
// filters, virtual hosts, routes with names) element by element by name; other lists of the same
// length position by position; anything else as a whole.
func fieldChanges(out []FieldChange, a, b any, path string) []FieldChange {
	switch x := a.(type) {
	case *obj:
		y, ok := b.(*obj)
		if !ok {
			break
		}
		for i, k := range x.keys {
			p := joinPath(path, k)
			if yv, ok := y.get(k); ok {
				out = fieldChanges(out, x.vals[i], yv, p)
			} else {
				out = append(out, FieldChange{Path: p, Old: x.vals[i]})
			}
		}
		for i, k := range y.keys {
			if _, ok := x.get(k); !ok {
				out = append(out, FieldChange{Path: joinPath(path, k), New: y.vals[i]})
			}
		}
		return out
	case []any:
		y, ok := b.([]any)
		if !ok {
			break
		}
		if na, nb := names(x), names(y); na != nil && nb != nil {
			if sameSet(na, nb) && !slices.Equal(na, nb) {
				// the same elements in another order (lists Envoy treats as sets are sorted already)
				out = append(out, FieldChange{Path: path, Old: toAny(na), New: toAny(nb)})
			}
			idx := make(map[string]int, len(nb))
			for i, n := range nb {
				idx[n] = i
			}
			seen := make(map[string]bool, len(na))
			for i, n := range na {
				seen[n] = true
				p := path + "[name=" + n + "]"
				if j, ok := idx[n]; ok {
					out = fieldChanges(out, x[i], y[j], p)
				} else {
					out = append(out, FieldChange{Path: p, Old: x[i]})
				}
			}
			for j, n := range nb {
				if !seen[n] {
					out = append(out, FieldChange{Path: path + "[name=" + n + "]", New: y[j]})
				}
			}
			return out
		}
		if len(x) == len(y) {
			for i := range x {
				out = fieldChanges(out, x[i], y[i], path+"["+strconv.Itoa(i)+"]")
			}
			return out
		}
	}
	if compact(a) != compact(b) {
		out = append(out, FieldChange{Path: path, Old: a, New: b})
	}
	return out
}

// names are the "name" members of a list of objects, or nil when one lacks a name or two share one.
func names(l []any) []string {
	if len(l) == 0 {
		return nil
	}
	out := make([]string, 0, len(l))
	seen := make(map[string]bool, len(l))
	for _, e := range l {
		o, ok := e.(*obj)
		if !ok {
			return nil
		}
		v, _ := o.get("name")
		n, ok := v.(string)
		if !ok || n == "" || seen[n] {
			return nil
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

// joinPath adds a member to a path: "a.b", or a["key with.dots"] for a key that is not a plain
// field name (map keys).
func joinPath(path, k string) string {
	if !plainKey(k) {
		return path + "[" + strconv.Quote(k) + "]"
	}
	if path == "" {
		return k
	}
	return path + "." + k
}

func plainKey(k string) bool {
	if k == "" {
		return false
	}
	return strings.IndexFunc(k, func(r rune) bool {
		return !(r == '_' || r == '@' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, e := range s {
		out[i] = e
	}
	return out
}
