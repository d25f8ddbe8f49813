package uiapi

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/xdsctl/xdsctl/pkg/analyze"
)

// Finding is one of analyze's findings, with the API's kind of the resource it is on ("" when
// the graph has no node for it: a secret, an extension, the proxy as a whole).
type Finding struct {
	analyze.Finding
	Node string `json:"node,omitempty"`
	// ID is the id of the node (ids.go): the resource's, or the InlineKey of the inline route
	// configuration the finding is in.
	ID string `json:"id,omitempty"`
}

// Badge sums up the findings on one resource of the graph.
type Badge struct {
	Kind  string `json:"kind"`
	Name  string `json:"name"` // the node's id
	Count int    `json:"count"`
	Worst string `json:"worst"` // error, warning or info
}

// Findings is what analyze found in the proxy's config, run once over the dump.
type Findings struct {
	// Counts per severity (error, warning, info); Total is their sum.
	Counts map[string]int `json:"counts"`
	Total  int            `json:"total"`
	// Findings are the first MaxFindings, most severe first: a big proxy has tens of thousands,
	// which no list on a page helps with (`xdsctl analyze` has them all).
	Findings []Finding `json:"findings"`
	// Badges, one per resource of the graph with findings, in the findings' order; the
	// findings on a cluster's endpoints (ClusterLoadAssignment) count on the cluster.
	Badges []Badge `json:"badges"`
	// Notes say what analyze could not check and why.
	Notes []string `json:"notes"`
}

// MaxFindings is how many findings /api/findings lists.
const MaxFindings = 200

// nodeKinds maps analyze's resource kinds to the API's.
var nodeKinds = map[string]string{
	analyze.KindListener:       KindListener,
	analyze.KindRouteConfig:    KindRouteConfig,
	analyze.KindCluster:        KindCluster,
	analyze.KindLoadAssignment: KindEndpoints,
}

// Findings runs analyze over the dump the first time it is asked (a big dump takes a while, and
// the page's first view does not wait for it) and returns the same answer afterwards.
func (a *API) Findings() (Findings, error) {
	a.findingsOnce.Do(func() { a.findings, a.findingsErr = a.analyze() })
	return a.findings, a.findingsErr
}

func (a *API) analyze() (Findings, error) {
	f := Findings{Counts: map[string]int{"error": 0, "warning": 0, "info": 0}, Findings: []Finding{}, Badges: []Badge{}, Notes: []string{}}
	if a.dump == nil {
		return f, nil
	}
	a.engine.Lock()
	defer a.engine.Unlock()
	in := analyze.Input{Dump: a.dump, Static: a.dump.Static != "", Health: a.statuses}
	res, err := analyze.Analyze(in, analyze.Options{Now: a.now})
	if err != nil {
		return f, fmt.Errorf("analyze: %w", err)
	}
	f.Notes = append(f.Notes, res.Notes...)
	at := map[string]int{} // kind/name → index in f.Badges
	for _, fd := range res.Findings {
		sev := fd.Severity.String()
		f.Counts[sev]++
		node, id := a.nodeOfFinding(fd.Resource)
		f.Total++
		if len(f.Findings) < MaxFindings {
			f.Findings = append(f.Findings, Finding{Finding: fd, Node: node, ID: id})
		}
		if node == "" {
			continue
		}
		if node == KindEndpoints {
			node = KindCluster // the graph draws a cluster's endpoints under the cluster's node
		}
		key := node + "/" + id
		i, ok := at[key]
		if !ok {
			i = len(f.Badges)
			at[key] = i
			f.Badges = append(f.Badges, Badge{Kind: node, Name: id, Worst: sev})
		}
		b := &f.Badges[i]
		b.Count++
		if worse(sev, b.Worst) {
			b.Worst = sev
		}
	}
	return f, nil
}

func worse(a, b string) bool {
	rank := map[string]int{"info": 0, "warning": 1, "error": 2}
	return rank[a] > rank[b]
}

// inlinePath is the start of a finding's path in a listener's inline route configuration:
// "chain[N]/" or "chain[N:name]/" (analyze's chainPath, then the route configuration's path).
var inlinePath = regexp.MustCompile(`^chain\[(\d+)(?::[^\]]*)?\]/`)

// nodeOfFinding returns the graph's kind and id of the node a finding is on: its resource's (a
// name analyze gives leads to the active one of that name), or the inline route configuration
// of a listener's chain its path is in. "" when the graph has no node for it.
func (a *API) nodeOfFinding(r analyze.Resource) (kind, id string) {
	kind = nodeKinds[r.Kind]
	if kind == "" {
		return "", ""
	}
	id = idOf(r.Name)
	if kind == KindListener {
		if m := inlinePath.FindStringSubmatch(r.Path); m != nil {
			if chain, err := strconv.Atoi(m[1]); err == nil {
				if _, ok := a.inlineOf(id, chain); ok {
					return KindRouteConfig, InlineKey(id, chain)
				}
			}
		}
	}
	return kind, id
}
