package uiapi

import (
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// An HTTP connection manager may hold its route configuration inline (route_config) rather than
// name one of RDS. The graph shows it as a route configuration of its own, known to the API by a
// key naming its listener (by its id) and filter chain, "inline:LISTENER/CHAIN": the same name may
// be inline in several listeners (Envoy's sandboxes' local_route), with different contents.

// InlineAt says where an inline route configuration is written.
type InlineAt struct {
	Listener    string `json:"listener"`    // its id
	FilterChain int    `json:"filterChain"` // index in the listener's filter chains
	Name        string `json:"name"`        // the route configuration's own name, often empty
}

type inlineRoute struct {
	at InlineAt
	rc configdump.RouteConfig
}

// InlineKey is how the API names the route configuration written inline in chain of the listener
// of that id.
func InlineKey(listener string, chain int) string {
	return "inline:" + listener + "/" + strconv.Itoa(chain)
}

// indexInline finds every listener's inline route configurations.
func (a *API) indexInline() {
	a.inline = nil
	a.byInline = map[string]int{}
	for i := range a.listeners {
		l := &a.listeners[i]
		id := a.listenerIDs[i]
		for _, ir := range l.InlineRouteConfigs() {
			key := InlineKey(id, ir.Chain)
			a.byInline[key] = len(a.inline)
			rc := ir.RouteConfig
			a.inline = append(a.inline, inlineRoute{at: InlineAt{Listener: id, FilterChain: ir.Chain, Name: rc.Name}, rc: rc})
			a.inline[len(a.inline)-1].rc.Name = key
		}
	}
}

// inlineOf returns the inline route configuration of a listener's chain, if any.
func (a *API) inlineOf(listener string, chain int) (*inlineRoute, bool) {
	i, ok := a.byInline[InlineKey(listener, chain)]
	if !ok {
		return nil, false
	}
	return &a.inline[i], true
}

// tracedInline returns the InlineKey of the route configuration the trace engine went through
// when it is written inline in the chain it chose of the listener of that id: the engine names a
// chain by its name, or "filter chain N" when it has none.
func (a *API) tracedInline(listener, chain string) (string, bool) {
	li, ok := a.byListener[listener]
	if !ok || chain == "" {
		return "", false
	}
	idx := -1
	if n, ok := strings.CutPrefix(chain, "filter chain "); ok {
		if i, err := strconv.Atoi(n); err == nil {
			idx = i
		}
	}
	if idx < 0 {
		for i, fc := range a.listeners[li].FilterChains {
			if fc.Name == chain {
				idx = i
				break
			}
		}
	}
	if _, ok := a.inlineOf(listener, idx); !ok {
		return "", false
	}
	return InlineKey(listener, idx), true
}
