// Package uiapi is the small JSON API behind xdsctl ui's page: views of one parsed config dump
// (and, when present, the proxy's /clusters?format=json) shaped for a graph that is expanded one
// step at a time. Every view is computed once, when the API is built; requests only look up and
// encode, so the page never receives the whole dump.
package uiapi

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// Source is one proxy's admin output.
type Source struct {
	Name     string // how the page names the proxy: a file, an admin URL, a pod
	Dump     []byte // /config_dump?include_eds
	Clusters []byte // /clusters?format=json; nil when not available
	// Health is /clusters?format=json already parsed (a saved file given beside the dump, whose
	// errors the caller reports itself); when set, Clusters is not read.
	Health *configdump.Clusters
	Live   bool // the source can be read again (the page shows a refresh button)
	// Warnings are problems met while reading the source, shown in the overview.
	Warnings []string
	// Now is the time analyze checks certificates at; zero means when New runs.
	Now time.Time
}

// API holds the views of one proxy's config.
type API struct {
	name      string
	live      bool
	listeners []configdump.Listener
	routes    []configdump.RouteConfig
	clusters  []configdump.Cluster
	eds       []configdump.LoadAssignment
	statuses  *configdump.Clusters
	boot      *configdump.Bootstrap
	warnings  []string

	// Ids of the resources (ids.go), in the views' order, and the views by id.
	listenerIDs, routeIDs, clusterIDs, edsIDs []string

	byListener map[string]int
	byRoute    map[string]int
	byCluster  map[string]int
	byEDS      map[string]int
	byStatus   map[string]int
	ips        endpoints
	inline     []inlineRoute  // route configurations written in a listener's HTTP connection manager
	byInline   map[string]int // by InlineKey

	normalize sync.Mutex // configdump.Normalize's warnings are not safe for concurrent use

	// dump is kept for analyze and trace, which read it one at a time (engine); raw, the bytes
	// it was parsed from, for Diff.
	dump         *configdump.Dump
	raw          []byte
	now          time.Time
	engine       sync.Mutex
	findingsOnce sync.Once
	findings     Findings
	findingsErr  error
}

// New parses src and computes every view. A view whose section is missing is empty; other
// problems the views met are kept as warnings for the overview.
func New(src Source) (*API, error) {
	d, err := configdump.ParseInput(src.Dump)
	if err != nil {
		return nil, err
	}
	a := &API{name: src.Name, live: src.Live, warnings: append([]string(nil), src.Warnings...), dump: d, raw: src.Dump, now: src.Now}
	if a.now.IsZero() {
		a.now = time.Now()
	}
	if d.Partial != "" {
		a.warnings = append(a.warnings, d.Partial)
	}
	keep := func(what string, err error) {
		if err != nil && !errors.Is(err, configdump.ErrNoSection) {
			a.warnings = append(a.warnings, fmt.Sprintf("%s: %v", what, err))
		}
	}
	var e error
	a.listeners, e = d.Listeners()
	keep("listeners", e)
	a.routes, e = d.Routes()
	keep("routes", e)
	a.clusters, e = d.Clusters()
	keep("clusters", e)
	a.eds, e = d.EDS()
	keep("endpoints", e)
	a.boot, e = d.Bootstrap()
	keep("bootstrap", e)
	if d.Warnings != nil {
		a.warnings = append(a.warnings, d.Warnings.List()...)
	}
	a.statuses = src.Health
	if a.statuses == nil && len(src.Clusters) > 0 {
		st, err := configdump.ParseClusters(src.Clusters)
		if err != nil {
			a.warnings = append(a.warnings, fmt.Sprintf("/clusters: %v", err))
		} else {
			a.statuses = st
		}
	}
	if a.statuses != nil && a.statuses.Partial != "" {
		a.warnings = append(a.warnings, "/clusters: "+a.statuses.Partial)
	}
	a.index()
	if w := a.healthMismatch(); w != "" {
		a.warnings = append(a.warnings, w)
	}
	return a, nil
}

// healthMismatch says when /clusters names none of the dump's clusters: it is another proxy's,
// and every cluster's endpoints then come from the dump's EDS.
func (a *API) healthMismatch() string {
	if a.statuses == nil || len(a.statuses.Statuses) == 0 || len(a.clusters) == 0 {
		return ""
	}
	for i := range a.statuses.Statuses {
		if _, ok := a.byCluster[a.statuses.Statuses[i].Name]; ok {
			return ""
		}
	}
	return fmt.Sprintf("/clusters names none of the dump's %d clusters, only %d others (another proxy's?): endpoints come from the dump's EDS",
		len(a.clusters), len(a.statuses.Statuses))
}

func (a *API) index() {
	a.listenerIDs, a.byListener = assignIDs(len(a.listeners), func(i int) string { return a.listeners[i].Name },
		func(i int) configdump.Meta { return a.listeners[i].Meta })
	a.routeIDs, a.byRoute = assignIDs(len(a.routes), func(i int) string { return a.routes[i].Name },
		func(i int) configdump.Meta { return a.routes[i].Meta })
	a.clusterIDs, a.byCluster = assignIDs(len(a.clusters), func(i int) string { return a.clusters[i].Name },
		func(i int) configdump.Meta { return a.clusters[i].Meta })
	a.edsIDs, a.byEDS = assignIDs(len(a.eds), func(i int) string { return a.eds[i].Cluster },
		func(i int) configdump.Meta { return a.eds[i].Meta })
	a.ips = a.endpointIndex()
	a.indexInline()
	a.byStatus = map[string]int{}
	if a.statuses != nil {
		for i := range a.statuses.Statuses {
			setFirst(a.byStatus, a.statuses.Statuses[i].Name, i)
		}
	}
}

// setFirst keeps the first index of a name.
func setFirst(m map[string]int, name string, i int) {
	if _, ok := m[name]; !ok {
		m[name] = i
	}
}

// Kinds the API names resources by, in /api/resource/{kind}/{name} and in search results.
const (
	KindListener    = "listener"
	KindRouteConfig = "routeconfig"
	KindCluster     = "cluster"
	KindEndpoints   = "endpoints"
)

// Problem is a resource Envoy has not fully taken: warming, or with a rejected update (NACK).
type Problem struct {
	Kind    string `json:"kind"`
	Name    string `json:"name"` // the resource's id
	State   string `json:"state"`
	NACK    string `json:"nack,omitempty"` // the rejection's details
	Version string `json:"rejectedVersion,omitempty"`
}

// Overview is the page's first view.
type Overview struct {
	Source   string                `json:"source"`
	Live     bool                  `json:"live"`
	Identity *configdump.Bootstrap `json:"identity,omitempty"`
	Counts   map[string]int        `json:"counts"`
	// InlineRouteConfigs counts the route configurations written inline in listeners' HTTP
	// connection managers (one per chain, the graph's inline:LISTENER/CHAIN). Envoy lists them
	// among its static route configurations too, so Counts' routeconfig includes them when the
	// dump does.
	InlineRouteConfigs int       `json:"inlineRouteConfigs"`
	Problems           []Problem `json:"problems"`
	Warnings           []string  `json:"warnings"`
	HasHealth          bool      `json:"hasHealth"` // /clusters was read: endpoints carry Envoy's health view
}

// Overview returns counts per kind, the resources in trouble and the proxy's identity.
func (a *API) Overview() Overview {
	o := Overview{
		Source: a.name, Live: a.live, Identity: a.boot, HasHealth: a.statuses != nil,
		Counts: map[string]int{
			KindListener: len(a.listeners), KindRouteConfig: len(a.routes),
			KindCluster: len(a.clusters), KindEndpoints: len(a.eds),
		},
		InlineRouteConfigs: len(a.inline),
		Problems:           []Problem{},
		Warnings:           append([]string{}, a.warnings...),
	}
	add := func(kind, id string, m configdump.Meta) {
		if p, ok := problemOf(kind, id, m); ok {
			o.Problems = append(o.Problems, p)
		}
	}
	for i := range a.listeners {
		add(KindListener, a.listenerIDs[i], a.listeners[i].Meta)
	}
	for i := range a.routes {
		add(KindRouteConfig, a.routeIDs[i], a.routes[i].Meta)
	}
	for i := range a.clusters {
		add(KindCluster, a.clusterIDs[i], a.clusters[i].Meta)
	}
	for i := range a.eds {
		add(KindEndpoints, a.edsIDs[i], a.eds[i].Meta)
	}
	return o
}

func problemOf(kind, name string, m configdump.Meta) (Problem, bool) {
	if m.State != configdump.StateWarming && m.State != configdump.StateError && m.Error == nil {
		return Problem{}, false
	}
	p := Problem{Kind: kind, Name: name, State: m.State}
	if m.Error != nil {
		p.NACK = m.Error.Details
		p.Version = m.Error.VersionInfo
	}
	return p, true
}

// status is a resource's state for the graph: "" when active or static, else WARMING, ERROR,
// DRAINING, or NACKED when Envoy rejected its last update but keeps the previous one.
func status(m configdump.Meta) string {
	switch {
	case m.State == configdump.StateActive || m.State == configdump.StateStatic:
		if m.Error != nil {
			return "NACKED"
		}
		return ""
	}
	return m.State
}

// routeOrCluster splits a filter chain's destination ("Route: name", "Cluster: name", an inline
// route's summary) into the resource it names.
func routeOrCluster(dest string) (route, cluster string) {
	switch {
	case strings.HasPrefix(dest, "Route: "):
		return strings.TrimPrefix(dest, "Route: "), ""
	case strings.HasPrefix(dest, "Cluster: "):
		return "", strings.TrimPrefix(dest, "Cluster: ")
	}
	return "", ""
}
