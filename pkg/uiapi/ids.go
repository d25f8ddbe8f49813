package uiapi

import (
	"fmt"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Every resource the API lists has an id, unique within its kind, by which the page opens it:
// its name; Unnamed when it has none; and NAME [2], NAME [3]... for the second and later ones of
// a kind with the same name, as xdsctl diff tells them apart. The active (or static) one of a
// name keeps the name itself, so what a filter chain or a route names leads to it; a draining or
// warming version of it, or a second listener without a name, is NAME [2].

// Unnamed is the id of a resource without a name.
const Unnamed = "(unnamed)"

// idOf is the id of the (active) resource a reference by name leads to.
func idOf(name string) string {
	if name == "" {
		return Unnamed
	}
	return name
}

// assignIDs gives each of n resources its id, in their order, those whose state is settled
// (active or static) first, and returns the ids and an index by id.
func assignIDs(n int, name func(int) string, meta func(int) configdump.Meta) ([]string, map[string]int) {
	ids := make([]string, n)
	by := make(map[string]int, n)
	seen := map[string]int{}
	for _, settled := range []bool{true, false} {
		for i := range n {
			m := meta(i)
			if (m.State == configdump.StateActive || m.State == configdump.StateStatic || m.State == "") != settled {
				continue
			}
			base := idOf(name(i))
			id := base
			for _, taken := by[id]; taken; _, taken = by[id] {
				seen[base]++
				id = fmt.Sprintf("%s [%d]", base, seen[base]+1)
			}
			ids[i], by[id] = id, i
		}
	}
	return ids, by
}
