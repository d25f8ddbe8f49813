package analyze

import (
	"slices"
	"strings"
)

// statsChecks are the counters analyze reports when they are not zero: the suffix of the counter's
// name, the code, and how the message names what was counted.
var statsChecks = []struct {
	suffix string
	code   Code
	what   string
}{
	{".update_rejected", UpdatesRejected, "updates rejected (NACKed)"},
	{".update_failure", UpdateFailures, "failed fetches of updates (control plane unreachable)"},
	{".upstream_cx_connect_fail", ConnectFailures, "failed connections to upstream hosts"},
	{".upstream_rq_pending_overflow", PendingOverflow, "requests rejected by the pending-requests circuit breaker"},
	{".downstream_cx_overflow", DownstreamOverflow, "connections rejected for the listener's connection limit"},
	{".no_route", NoRoute, "requests that matched no route (404 NR)"},
}

// checkStats reports the counters of Input.Stats that say something failed: rejected and failed
// xDS updates, upstream connect failures, circuit breaker overflows, requests with no route.
func (a *analyzer) checkStats() {
	if len(a.in.Stats) == 0 {
		return
	}
	names := make([]string, 0, len(a.in.Stats))
	for n, v := range a.in.Stats {
		if v > 0 {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		for _, c := range statsChecks {
			if !strings.HasSuffix(n, c.suffix) {
				continue
			}
			res, subject := statResource(strings.TrimSuffix(n, c.suffix))
			a.addHint(c.code, res, c.code.Hint, "%s: %d %s (counter %s)", subject, a.in.Stats[n], c.what, n)
		}
	}
}

// statResource names what a counter's prefix is about: a cluster, a listener, an HTTP connection
// manager, an xDS subscription.
func statResource(prefix string) (Resource, string) {
	switch {
	case strings.HasPrefix(prefix, "cluster_manager.cds"):
		return Resource{Kind: KindProxy, Name: "cds"}, "cluster discovery (CDS)"
	case strings.HasPrefix(prefix, "listener_manager.lds"):
		return Resource{Kind: KindProxy, Name: "lds"}, "listener discovery (LDS)"
	case strings.HasPrefix(prefix, "cluster."):
		name := strings.TrimPrefix(prefix, "cluster.")
		return Resource{Kind: KindCluster, Name: name}, "cluster " + quote(name)
	case strings.HasPrefix(prefix, "listener."):
		name := strings.TrimPrefix(prefix, "listener.")
		return Resource{Kind: KindListener, Name: name}, "listener " + quote(name)
	case strings.HasPrefix(prefix, "sds."):
		name := strings.TrimPrefix(prefix, "sds.")
		return Resource{Kind: KindSecret, Name: name}, "secret " + quote(name)
	case strings.HasPrefix(prefix, "http.") && strings.Contains(prefix, ".rds."):
		i := strings.Index(prefix, ".rds.")
		name := prefix[i+len(".rds."):]
		return Resource{Kind: KindRouteConfig, Name: name}, "route discovery (RDS) of route configuration " + quote(name)
	case strings.HasPrefix(prefix, "http."):
		name := strings.TrimPrefix(prefix, "http.")
		return Resource{Kind: KindProxy, Name: "http." + name}, "HTTP connection manager " + quote(name)
	}
	return Resource{Kind: KindProxy, Name: prefix}, quote(prefix)
}
