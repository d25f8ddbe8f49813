package analyze

import (
	"strconv"

	"github.com/xdsctl/xdsctl/pkg/stats"
)

// checkStats reports the counters of Input.Stats that say something failed: rejected and failed
// xDS updates, upstream connect failures, circuit breaker overflows, listener overflows and
// requests with no route. pkg/stats finds them in each form of /stats (text, JSON, Prometheus).
func (a *analyzer) checkStats() {
	s := a.in.Stats
	if s == nil {
		return
	}
	for _, c := range []struct {
		stat string
		code Code
		what string
	}{
		{stats.UpdateRejected, UpdatesRejected, "updates rejected (NACKed)"},
		{stats.UpdateFailure, UpdateFailures, "failed fetches of updates (control plane unreachable)"},
	} {
		for _, x := range s.PerXDS(c.stat) {
			if x.Value <= 0 {
				continue
			}
			res, subject := xdsResource(x)
			a.add(c.code, res, "%s: %s %s (%s)", subject, count(x.Value), c.what, c.stat)
		}
	}
	for _, c := range []struct {
		per  func(string) []stats.Per
		stat string
		code Code
		kind string
		what string
	}{
		{s.PerCluster, stats.UpstreamCxConnectFail, ConnectFailures, KindCluster, "failed connections to upstream hosts"},
		{s.PerCluster, stats.UpstreamRqPendingOverflow, PendingOverflow, KindCluster, "requests rejected by the pending-requests circuit breaker"},
		{s.PerListener, stats.DownstreamCxOverflow, DownstreamOverflow, KindListener, "connections rejected for the listener's connection limit"},
		{s.PerHTTP, stats.NoRoute, NoRoute, KindProxy, "requests that matched no route (404 NR)"},
	} {
		for _, p := range c.per(c.stat) {
			if p.Value <= 0 {
				continue
			}
			res, subject := Resource{Kind: c.kind, Name: p.Scope}, kindWords[c.kind]+" "+quote(p.Scope)
			if c.kind == KindProxy {
				res.Name = "http." + p.Scope
				subject = "HTTP connection manager " + quote(p.Scope)
			}
			a.add(c.code, res, "%s: %s %s (%s)", subject, count(p.Value), c.what, c.stat)
		}
	}
}

// xdsResource names what an xDS subscription's counter is about.
func xdsResource(x stats.XDS) (Resource, string) {
	switch x.Type {
	case "CDS":
		return Resource{Kind: KindProxy, Name: "cds"}, "cluster discovery (CDS)"
	case "LDS":
		return Resource{Kind: KindProxy, Name: "lds"}, "listener discovery (LDS)"
	case "RDS":
		return Resource{Kind: KindRouteConfig, Name: x.Resource}, "route discovery (RDS) of route configuration " + quote(x.Resource)
	case "EDS":
		return Resource{Kind: KindCluster, Name: x.Resource}, "endpoint discovery (EDS) of cluster " + quote(x.Resource)
	case "SDS":
		return Resource{Kind: KindSecret, Name: x.Resource}, "secret discovery (SDS) of secret " + quote(x.Resource)
	}
	return Resource{Kind: KindProxy, Name: x.Type}, x.Type
}

func count(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
