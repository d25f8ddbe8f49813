package uiapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/xdsctl/xdsctl/internal/jsonscan"
	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// ErrNotFound is returned (wrapped) for a resource the dump does not hold.
var ErrNotFound = errors.New("not found")

// MaxChildren bounds the children one answer holds (filter chains, virtual hosts, routes of a
// virtual host, endpoints): the page draws no more per expansion, so it asks for no more, and a
// route configuration with thousands of virtual hosts stays a small answer. The totals say how
// many there are; a Page (offset, limit) asks for the next ones.
const MaxChildren = 60

// ListenerItem is one row of /api/listeners.
type ListenerItem struct {
	Name    string `json:"name"` // its id (ids.go)
	Address string `json:"address"`
	Port    uint32 `json:"port"`
	Type    string `json:"type"`
	Chains  int    `json:"chains"`
	Status  string `json:"status,omitempty"`
}

// MaxListed bounds /api/listeners: a big proxy's thousands of listeners are found by search.
const MaxListed = 200

// ListenerList is /api/listeners: the first MaxListed listeners, in the dump's order.
type ListenerList struct {
	Total     int            `json:"total"`
	Listeners []ListenerItem `json:"listeners"`
}

// Listeners lists the first MaxListed listeners, in the dump's order, and how many there are.
func (a *API) Listeners() ListenerList {
	n := min(len(a.listeners), MaxListed)
	out := ListenerList{Total: len(a.listeners), Listeners: make([]ListenerItem, 0, n)}
	for i := range n {
		out.Listeners = append(out.Listeners, a.listenerItem(i))
	}
	return out
}

func (a *API) listenerItem(i int) ListenerItem {
	l := &a.listeners[i]
	return ListenerItem{Name: a.listenerIDs[i], Address: l.Address(), Port: l.Port, Type: l.Type,
		Chains: len(l.FilterChains), Status: status(l.Meta)}
}

// Chain is one filter chain of a listener, with the route configuration or cluster it sends to.
type Chain struct {
	configdump.FilterChain
	RouteConfig       string `json:"routeConfig,omitempty"`
	RouteConfigStatus string `json:"routeConfigStatus,omitempty"` // MISSING when the proxy does not hold it
	// Inline: RouteConfig is the InlineKey of the route configuration the chain holds inline.
	Inline        bool   `json:"routeConfigInline,omitempty"`
	Cluster       string `json:"cluster,omitempty"`
	ClusterStatus string `json:"clusterStatus,omitempty"`
}

// ListenerDetail is /api/listener/{name}.
type ListenerDetail struct {
	ListenerItem
	configdump.Meta
	// Chains are at most MaxChildren, from Offset; ListenerItem.Chains counts them all.
	Chains []Chain `json:"filterChains"`
	Offset int     `json:"offset,omitempty"`
}

// Listener returns a listener's first filter chains and where each sends traffic.
func (a *API) Listener(id string) (ListenerDetail, error) { return a.ListenerPage(id, Page{}) }

// ListenerPage returns the filter chains of page p.
func (a *API) ListenerPage(id string, p Page) (ListenerDetail, error) {
	i, ok := a.byListener[id]
	if !ok {
		return ListenerDetail{}, fmt.Errorf("listener %q: %w", id, ErrNotFound)
	}
	l := &a.listeners[i]
	lo, hi := p.window(len(l.FilterChains))
	d := ListenerDetail{Meta: l.Meta, Chains: make([]Chain, 0, hi-lo), Offset: lo}
	d.ListenerItem = a.listenerItem(i)
	for j, fc := range l.FilterChains[lo:hi] {
		c := Chain{FilterChain: fc}
		c.RouteConfig, c.Cluster = routeOrCluster(fc.Destination)
		if _, ok := a.inlineOf(id, lo+j); ok {
			c.RouteConfig, c.Cluster, c.Inline = InlineKey(id, lo+j), "", true
		}
		if c.RouteConfig != "" && !c.Inline {
			c.RouteConfigStatus = a.routeStatus(c.RouteConfig)
		}
		if c.Cluster != "" {
			c.ClusterStatus = a.clusterStatus(c.Cluster)
		}
		d.Chains = append(d.Chains, c)
	}
	return d, nil
}

func (a *API) routeStatus(name string) string {
	i, ok := a.byRoute[idOf(name)]
	if !ok {
		return "MISSING"
	}
	return status(a.routes[i].Meta)
}

func (a *API) clusterStatus(name string) string {
	i, ok := a.byCluster[idOf(name)]
	if !ok {
		return "MISSING"
	}
	return status(a.clusters[i].Meta)
}

// RouteOut is one route of a virtual host, with its cluster's state, or its weighted clusters.
type RouteOut struct {
	configdump.Route
	ClusterStatus string            `json:"clusterStatus,omitempty"`
	Weighted      []WeightedCluster `json:"weightedClusters,omitempty"`
}

// WeightedCluster is one cluster of a route's weighted_clusters.
type WeightedCluster struct {
	Name   string `json:"name"`
	Weight int64  `json:"weight"`
	Status string `json:"status,omitempty"`
}

// VirtualHostOut is one virtual host of /api/routeconfig/{name}.
type VirtualHostOut struct {
	Name    string     `json:"name"`
	Domains []string   `json:"domains"`
	Routes  []RouteOut `json:"routes"` // at most MaxChildren, from RoutesOffset
	// TotalRoutes counts them all.
	TotalRoutes  int `json:"totalRoutes"`
	RoutesOffset int `json:"routesOffset,omitempty"`
}

// RouteConfigDetail is /api/routeconfig/{name}.
type RouteConfigDetail struct {
	Name   string `json:"name"` // its id (ids.go), or the InlineKey of one written inline
	Status string `json:"status,omitempty"`
	configdump.Meta
	// VirtualHosts are at most MaxChildren, from Offset, each with its first routes.
	VirtualHosts []VirtualHostOut `json:"virtualHosts"`
	// TotalVirtualHosts counts them all.
	TotalVirtualHosts int `json:"totalVirtualHosts"`
	Offset            int `json:"offset,omitempty"`
	// Inline says where a route configuration written inline is (Name is then its InlineKey).
	Inline *InlineAt `json:"inline,omitempty"`
}

// RouteConfig returns a route configuration's first virtual hosts and routes.
func (a *API) RouteConfig(name string) (RouteConfigDetail, error) {
	return a.RouteConfigPage(name, Page{})
}

// RouteConfigPage returns the virtual hosts of page p, each with its first routes.
func (a *API) RouteConfigPage(name string, p Page) (RouteConfigDetail, error) {
	rc, err := a.routeConfig(name)
	if err != nil {
		return RouteConfigDetail{}, err
	}
	lo, hi := p.window(len(rc.VirtualHosts))
	d := RouteConfigDetail{Name: name, Status: status(rc.Meta), Meta: rc.Meta, TotalVirtualHosts: len(rc.VirtualHosts),
		VirtualHosts: make([]VirtualHostOut, 0, hi-lo), Offset: lo}
	if i, ok := a.byInline[name]; ok {
		d.Inline = &a.inline[i].at
	}
	rawVHs := rc.Raw.Get("virtual_hosts")
	for i := lo; i < hi; i++ {
		d.VirtualHosts = append(d.VirtualHosts, a.virtualHost(rc, rawVHs, i, Page{}))
	}
	return d, nil
}

// VirtualHostPage returns the routes of page p of a route configuration's virtual host (Envoy
// requires their names to be unique within it).
func (a *API) VirtualHostPage(routeConfig, vhost string, p Page) (VirtualHostOut, error) {
	rc, err := a.routeConfig(routeConfig)
	if err != nil {
		return VirtualHostOut{}, err
	}
	for i := range rc.VirtualHosts {
		if rc.VirtualHosts[i].Name == vhost {
			return a.virtualHost(rc, rc.Raw.Get("virtual_hosts"), i, p), nil
		}
	}
	return VirtualHostOut{}, fmt.Errorf("virtual host %q of route configuration %q: %w", vhost, routeConfig, ErrNotFound)
}

// routeConfig returns the route configuration of an id or InlineKey.
func (a *API) routeConfig(name string) (*configdump.RouteConfig, error) {
	if i, ok := a.byRoute[name]; ok {
		return &a.routes[i], nil
	}
	if i, ok := a.byInline[name]; ok {
		return &a.inline[i].rc, nil
	}
	return nil, fmt.Errorf("route configuration %q: %w", name, ErrNotFound)
}

func (a *API) virtualHost(rc *configdump.RouteConfig, rawVHs jsonscan.Value, i int, p Page) VirtualHostOut {
	vh := &rc.VirtualHosts[i]
	lo, hi := p.window(len(vh.Routes))
	v := VirtualHostOut{Name: vh.Name, Domains: vh.Domains, TotalRoutes: len(vh.Routes), Routes: make([]RouteOut, 0, hi-lo),
		RoutesOffset: lo}
	rawRoutes := rawVHs.Index(i).Get("routes")
	for j := lo; j < hi; j++ {
		r := vh.Routes[j]
		ro := RouteOut{Route: r}
		if r.Cluster != "" {
			ro.ClusterStatus = a.clusterStatus(r.Cluster)
		}
		_ = rawRoutes.Index(j).Get("route", "weighted_clusters", "clusters").Items(func(_ int, c jsonscan.Value) bool {
			w := WeightedCluster{Name: c.Get("name").Str()}
			w.Weight, _ = c.Get("weight").Int()
			w.Status = a.clusterStatus(w.Name)
			ro.Weighted = append(ro.Weighted, w)
			return true
		})
		v.Routes = append(v.Routes, ro)
	}
	return v
}

// EndpointOut is one endpoint of a cluster, from EDS or from /clusters.
type EndpointOut struct {
	Address  string   `json:"address"`
	Health   string   `json:"health"`
	Locality string   `json:"locality,omitempty"`
	Weight   uint32   `json:"weight,omitempty"`
	Priority uint32   `json:"priority,omitempty"`
	Hostname string   `json:"hostname,omitempty"`
	Flags    []string `json:"flags,omitempty"`
	Ejected  bool     `json:"outlierEjected,omitempty"`
}

// ClusterDetail is /api/cluster/{name}.
type ClusterDetail struct {
	configdump.Cluster
	Status string `json:"status,omitempty"`
	// EndpointsFrom says where the endpoints come from: "clusters" (Envoy's /clusters, with its
	// health view), "eds" (the dump's endpoint assignment) or "" when neither has them.
	EndpointsFrom string        `json:"endpointsFrom"`
	Endpoints     []EndpointOut `json:"endpoints"` // at most MaxChildren, from Offset
	// TotalEndpoints counts them all.
	TotalEndpoints int `json:"totalEndpoints"`
	Offset         int `json:"offset,omitempty"`
}

// Cluster returns a cluster and its first endpoints with their health.
func (a *API) Cluster(id string) (ClusterDetail, error) { return a.ClusterPage(id, Page{}) }

// ClusterPage returns a cluster and the endpoints of page p. Its Name is its id; its endpoints
// are those of its name.
func (a *API) ClusterPage(id string, p Page) (ClusterDetail, error) {
	i, ok := a.byCluster[id]
	if !ok {
		return ClusterDetail{}, fmt.Errorf("cluster %q: %w", id, ErrNotFound)
	}
	d := ClusterDetail{Cluster: a.clusters[i], Status: status(a.clusters[i].Meta), Endpoints: []EndpointOut{}}
	d.Name = id
	name := a.clusters[i].Name
	if j, ok := a.byStatus[name]; ok {
		d.EndpointsFrom = "clusters"
		hosts := a.statuses.Statuses[j].Hosts
		d.TotalEndpoints = len(hosts)
		lo, hi := p.window(len(hosts))
		d.Offset = lo
		for _, h := range hosts[lo:hi] {
			d.Endpoints = append(d.Endpoints, EndpointOut{Address: h.Endpoint(), Health: h.Status, Locality: h.Locality.String(),
				Weight: h.Weight, Priority: h.Priority, Hostname: h.Hostname, Flags: h.Flags, Ejected: h.FailedOutlierCheck})
		}
	} else if j, ok := a.byEDS[idOf(name)]; ok {
		d.EndpointsFrom = "eds"
		eps := a.eds[j].Endpoints
		d.TotalEndpoints = len(eps)
		lo, hi := p.window(len(eps))
		d.Offset = lo
		for _, e := range eps[lo:hi] {
			d.Endpoints = append(d.Endpoints, EndpointOut{Address: e.Name(), Health: e.Status, Locality: e.Locality.String(),
				Weight: e.Weight, Priority: e.Priority, Hostname: e.Hostname})
		}
	}
	return d, nil
}

// Resource returns a resource's JSON as the dump holds it, normalized (Envoy's field names,
// secrets redacted).
func (a *API) Resource(kind, name string) ([]byte, error) {
	raw, m, typ, err := a.rawResource(kind, name)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		// Envoy rejected the resource on its first arrival: it holds no version of it, only the
		// rejection.
		return json.MarshalIndent(struct {
			Note  string                 `json:"note"`
			Error *configdump.ErrorState `json:"errorState,omitempty"`
		}{"Envoy holds no accepted version of this resource", m.Error}, "", "  ")
	}
	a.normalize.Lock()
	defer a.normalize.Unlock()
	return configdump.Normalize(raw, configdump.NormalizeOptions{Warnings: configdump.NewWarnings(), Type: typ})
}

// rawResource returns a resource's JSON as the dump holds it, its state, and its message type
// when the JSON carries no @type (an inline route configuration).
func (a *API) rawResource(kind, name string) ([]byte, configdump.Meta, string, error) {
	notFound := fmt.Errorf("%s %q: %w", kind, name, ErrNotFound)
	switch kind {
	case KindListener:
		if i, ok := a.byListener[name]; ok {
			return a.listeners[i].Raw.Raw(), a.listeners[i].Meta, "", nil
		}
	case KindRouteConfig:
		if i, ok := a.byRoute[name]; ok {
			return a.routes[i].Raw.Raw(), a.routes[i].Meta, "", nil
		}
		if i, ok := a.byInline[name]; ok {
			return a.inline[i].rc.Raw.Raw(), a.inline[i].rc.Meta, "envoy.config.route.v3.RouteConfiguration", nil
		}
	case KindCluster:
		if i, ok := a.byCluster[name]; ok {
			return a.clusters[i].Raw.Raw(), a.clusters[i].Meta, "", nil
		}
	case KindEndpoints:
		if i, ok := a.byEDS[name]; ok {
			return a.eds[i].Raw.Raw(), a.eds[i].Meta, "", nil
		}
	default:
		notFound = fmt.Errorf("kind %q: %w (one of listener, routeconfig, cluster, endpoints)", kind, ErrNotFound)
	}
	return nil, configdump.Meta{}, "", notFound
}

// Hit is one search result: a resource and why it matched.
type Hit struct {
	Kind string `json:"kind"`
	Name string `json:"name"` // the resource's id
	Why  string `json:"why"`
	// Child is the child the query matched (a virtual host by a domain, a route by its name or
	// match, an endpoint by its address), when it did.
	Child *HitChild `json:"child,omitempty"`
}

// HitChild is the child of a hit's resource that matched: its index among its parent's
// children says the page (of MaxChildren) that holds it.
type HitChild struct {
	Kind string `json:"kind"` // vhost, route or endpoint
	// Name is the virtual host's name, the route's name (its match when it has none), the
	// endpoint's address.
	Name  string `json:"name"`
	Index int    `json:"index"` // among the route configuration's virtual hosts, the virtual host's routes, the cluster's endpoints
	// VirtualHost and VirtualHostIndex are a route's virtual host and its index among the route
	// configuration's: the route is on the page of Index among that virtual host's routes.
	VirtualHost      string `json:"vhost,omitempty"`
	VirtualHostIndex int    `json:"vhostIndex,omitempty"`
}

// MaxHits bounds a search's results.
const MaxHits = 50

// Search finds resources by name (substring, any case), listener port, virtual host domain,
// route (by its name or match, substring, any case) or endpoint IP. Results come in kind order
// (listeners, route configurations, clusters), at most MaxHits of them; a route configuration
// has a hit for its name or first matching domain, then one for each route that matches, unless
// its name matched.
func (a *API) Search(q string) []Hit {
	q = strings.TrimSpace(q)
	hits := []Hit{}
	if q == "" {
		return hits
	}
	lq := strings.ToLower(q)
	port, perr := strconv.ParseUint(q, 10, 32)
	add := func(kind, name, why string, child *HitChild) bool {
		hits = append(hits, Hit{Kind: kind, Name: name, Why: why, Child: child})
		return len(hits) < MaxHits
	}
	for i := range a.listeners {
		l := &a.listeners[i]
		var why string
		switch {
		case strings.Contains(strings.ToLower(l.Name), lq):
			why = "name"
		case perr == nil && uint32(port) == l.Port:
			why = "port " + q
		case strings.Contains(l.Address(), q):
			why = "address " + l.Address()
		}
		if why != "" && !add(KindListener, a.listenerIDs[i], why, nil) {
			return hits
		}
	}
	for i := range a.routes {
		rc := &a.routes[i]
		why := ""
		var child *HitChild
		if strings.Contains(strings.ToLower(rc.Name), lq) {
			why = "name"
		} else {
		vh:
			for j, vh := range rc.VirtualHosts {
				for _, d := range vh.Domains {
					if strings.Contains(strings.ToLower(d), lq) {
						why, child = "domain "+d, &HitChild{Kind: "vhost", Name: vh.Name, Index: j}
						break vh
					}
				}
			}
		}
		if why != "" && !add(KindRouteConfig, a.routeIDs[i], why, child) {
			return hits
		}
		if why == "name" {
			continue // its routes are found by opening it
		}
		for j := range rc.VirtualHosts {
			vh := &rc.VirtualHosts[j]
			for k := range vh.Routes {
				if why, child := routeHit(vh, j, k, lq); why != "" && !add(KindRouteConfig, a.routeIDs[i], why, child) {
					return hits
				}
			}
		}
	}
	ips := a.ips
	for i := range a.clusters {
		c := &a.clusters[i]
		why := ""
		var child *HitChild
		if strings.Contains(strings.ToLower(c.Name), lq) {
			why = "name"
		} else if j := ips.find(c.Name, q); j >= 0 {
			addr := ips[c.Name][j]
			why, child = "endpoint "+addr, &HitChild{Kind: "endpoint", Name: addr, Index: j}
		}
		if why != "" && !add(KindCluster, a.clusterIDs[i], why, child) {
			return hits
		}
	}
	return hits
}

// routeHit tells whether route k of virtual host vh (the j-th of its route configuration) has
// lq in its name or match, and if so why and the hit's child.
func routeHit(vh *configdump.VirtualHost, j, k int, lq string) (string, *HitChild) {
	r := &vh.Routes[k]
	if !strings.Contains(strings.ToLower(r.Name), lq) && !strings.Contains(strings.ToLower(r.Match), lq) {
		return "", nil
	}
	name, what := r.Name, r.Match
	if name == "" {
		name = r.Match
	} else {
		what = r.Name + " " + r.Match
	}
	return fmt.Sprintf("route %s in virtual host %s", what, vh.Name),
		&HitChild{Kind: "route", Name: name, Index: k, VirtualHost: vh.Name, VirtualHostIndex: j}
}

// endpoints maps a cluster to its endpoint addresses (from /clusters when read, else EDS).
type endpoints map[string][]string

func (a *API) endpointIndex() endpoints {
	m := endpoints{}
	if a.statuses != nil {
		for _, s := range a.statuses.Statuses {
			for _, h := range s.Hosts {
				m[s.Name] = append(m[s.Name], h.Endpoint())
			}
		}
		return m
	}
	for _, la := range a.eds {
		for _, e := range la.Endpoints {
			m[la.Cluster] = append(m[la.Cluster], e.Name())
		}
	}
	return m
}

// find returns the index of the first endpoint address of cluster that contains q, or -1.
func (e endpoints) find(cluster, q string) int {
	for i, addr := range e[cluster] {
		if strings.Contains(addr, q) {
			return i
		}
	}
	return -1
}
