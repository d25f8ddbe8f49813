package analyze

import (
	"slices"
	"strconv"

	"github.com/xdsctl/xdsctl/pkg/configdump"
)

// checkEndpoints checks that each EDS cluster has its ClusterLoadAssignment in the dump's EDS
// section, and that it has endpoints. Envoy writes an assignment for every active cluster, named
// by the cluster's eds_cluster_config.service_name or else its name.
func (a *analyzer) checkEndpoints() {
	byName := map[string]*configdump.LoadAssignment{}
	nameless := false // Envoy 1.18 wrote no cluster_name for an EDS cluster without service_name
	for i := range a.eds {
		la := &a.eds[i]
		if la.State == configdump.StateActive || la.State == configdump.StateStatic {
			if la.Cluster == "" {
				nameless = true
				continue
			}
			if _, ok := byName[la.Cluster]; !ok {
				byName[la.Cluster] = la
			}
		}
	}
	noted := false
	for i := range a.clusters {
		c := &a.clusters[i]
		if c.Type != "EDS" || !c.Raw.Exists() || !c.IsShort() {
			continue // a warming cluster waits for its endpoints: XDS0202 says so
		}
		if a.edsNames == nil {
			if !noted && a.in.Health == nil && !a.in.Static {
				noted = true
				a.note("the dump has no EDS section: the endpoints of EDS clusters are not checked; save a dump with /config_dump?include_eds (xdsctl proxy-config all <pod> --save FILE)")
			}
			continue
		}
		service := c.Raw.Get("eds_cluster_config", "service_name").Str()
		if service == "" {
			service = c.Name
		}
		res := Resource{Kind: KindCluster, Name: c.Name}
		label := "EDS cluster " + quote(c.Name)
		if service != c.Name {
			label += " (service_name " + quote(service) + ")"
		}
		la := byName[service]
		if la == nil && nameless && service == c.Name {
			continue // its assignment may be the nameless one
		}
		if la == nil {
			if t := a.edsNames.get(service); t != nil && t.rejected != nil {
				a.add(EndpointsMissing, res, "Envoy rejected the endpoints of %s: %s", label, t.rejected.Details)
			} else {
				a.add(EndpointsMissing, res, "%s has no ClusterLoadAssignment in the dump's EDS section", label)
			}
			continue
		}
		if len(la.Endpoints) == 0 {
			a.noEndpoints(c, label)
		}
	}
}

// noEndpoints reports a cluster with no endpoints; an Istio subset cluster is named by its
// DestinationRule and subset.
func (a *analyzer) noEndpoints(c *configdump.Cluster, label string) {
	res := Resource{Kind: KindCluster, Name: c.Name}
	if c.IsSubsetKey() && c.Subset != "" {
		dr := c.DestinationRule
		if dr == "" {
			dr = "(unknown)"
		}
		a.add(SubsetNoEndpoints, res, "subset %q of DestinationRule %s for %s port %d (cluster %q) has no endpoints", c.Subset, dr, c.FQDN, c.Port, c.Name)
		return
	}
	a.add(NoEndpoints, res, "%s has no endpoints", label)
}

// unhealthyFlags are the health flags of /clusters that take a host out of load balancing.
var unhealthyFlags = []string{"failed_active_health_check", "pending_dynamic_removal", "excluded_via_immediate_hc_fail", "active_hc_timeout"}

// checkHealth reports, from /clusters?format=json, clusters whose hosts are all unhealthy.
func (a *analyzer) checkHealth() {
	if a.in.Health == nil {
		return
	}
	var edsClusters map[string]*configdump.Cluster // when the dump has no EDS section to tell
	if a.edsNames == nil {
		edsClusters = map[string]*configdump.Cluster{}
		for i := range a.clusters {
			if c := &a.clusters[i]; c.Type == "EDS" && c.IsShort() {
				edsClusters[c.Name] = c
			}
		}
	}
	for i := range a.in.Health.Statuses {
		cs := &a.in.Health.Statuses[i]
		if len(cs.Hosts) == 0 {
			// static clusters such as BlackHoleCluster have none on purpose; EDS ones are checked
			// from the dump's EDS section, or here when it has none
			if c := edsClusters[cs.Name]; c != nil {
				a.noEndpoints(c, "EDS cluster "+quote(c.Name))
			}
			continue
		}
		healthy := 0
		for j := range cs.Hosts {
			if hostHealthy(&cs.Hosts[j]) {
				healthy++
			}
		}
		if healthy == 0 {
			a.add(NoHealthyEndpoint, Resource{Kind: KindCluster, Name: cs.Name}, "none of the %d host(s) of cluster %q is healthy (%s)", len(cs.Hosts), cs.Name, hostStates(cs.Hosts))
		}
	}
}

func hostHealthy(h *configdump.Host) bool {
	switch h.Status {
	case "HEALTHY", "UNKNOWN", "DEGRADED", "":
	default:
		return false
	}
	if h.FailedOutlierCheck {
		return false
	}
	for _, f := range h.Flags {
		if slices.Contains(unhealthyFlags, f) {
			return false
		}
	}
	return true
}

// hostStates sums up why hosts are unhealthy: "2 UNHEALTHY, 1 failed_outlier_check".
func hostStates(hosts []configdump.Host) string {
	counts := map[string]int{}
	var order []string
	add := func(k string) {
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	for i := range hosts {
		h := &hosts[i]
		switch {
		case h.Status != "HEALTHY" && h.Status != "UNKNOWN" && h.Status != "DEGRADED" && h.Status != "":
			add(h.Status)
		case h.FailedOutlierCheck:
			add("failed_outlier_check")
		default:
			for _, f := range h.Flags {
				if slices.Contains(unhealthyFlags, f) {
					add(f)
					break
				}
			}
		}
	}
	s := ""
	for i, k := range order {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(counts[k]) + " " + k
	}
	return s
}

func quote(s string) string { return strconv.Quote(s) }
