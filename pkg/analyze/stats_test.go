package analyze_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xdsctl/xdsctl/pkg/analyze"
	"github.com/xdsctl/xdsctl/pkg/configdump"
	"github.com/xdsctl/xdsctl/pkg/stats"
)

func TestStatsChecks(t *testing.T) {
	tests := []struct {
		name  string
		stats string // /stats text
		want  []analyze.Finding
	}{
		{"zero counters say nothing", "cluster_manager.cds.update_rejected: 0\ncluster.web.upstream_cx_connect_fail: 0\ncluster.web.upstream_cx_total: 12\n", nil},
		{"each failure counter", `cluster_manager.cds.update_rejected: 3
listener_manager.lds.update_failure: 12
http.inbound_0.0.0.0_80.rds.80.update_rejected: 1
cluster.outbound|9080||reviews.default.svc.cluster.local.upstream_cx_connect_fail: 7
cluster.web.upstream_rq_pending_overflow: 42
listener.0.0.0.0_8080.downstream_cx_overflow: 5
http.outbound_0.0.0.0_80.no_route: 9
sds.default.update_rejected: 2
`, []analyze.Finding{
			{Code: "XDS0901", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "Proxy", Name: "cds"}, Message: "cluster discovery (CDS): 3 updates rejected (NACKed) (update_rejected)"},
			{Code: "XDS0901", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "RouteConfiguration", Name: "80"}, Message: `route discovery (RDS) of route configuration "80": 1 updates rejected (NACKed) (update_rejected)`},
			{Code: "XDS0901", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "Secret", Name: "default"}, Message: `secret discovery (SDS) of secret "default": 2 updates rejected (NACKed) (update_rejected)`},
			{Code: "XDS0902", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "Proxy", Name: "lds"}, Message: "listener discovery (LDS): 12 failed fetches of updates (control plane unreachable) (update_failure)"},
			{Code: "XDS0903", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "Cluster", Name: "outbound|9080||reviews.default.svc.cluster.local"}, Message: `cluster "outbound|9080||reviews.default.svc.cluster.local": 7 failed connections to upstream hosts (upstream_cx_connect_fail)`},
			{Code: "XDS0904", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "Cluster", Name: "web"}, Message: `cluster "web": 42 requests rejected by the pending-requests circuit breaker (upstream_rq_pending_overflow)`},
			{Code: "XDS0905", Severity: analyze.Warning, Resource: analyze.Resource{Kind: "Listener", Name: "0.0.0.0_8080"}, Message: `listener "0.0.0.0_8080": 5 connections rejected for the listener's connection limit (downstream_cx_overflow)`},
			{Code: "XDS0906", Severity: analyze.Info, Resource: analyze.Resource{Kind: "Proxy", Name: "http.outbound_0.0.0.0_80"}, Message: `HTTP connection manager "outbound_0.0.0.0_80": 9 requests that matched no route (404 NR) (no_route)`},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := configdump.Parse([]byte(dump(clusters(nil))))
			require.NoError(t, err)
			st, err := stats.Parse([]byte(tt.stats))
			require.NoError(t, err)
			res, err := analyze.Analyze(analyze.Input{Dump: d, Stats: st}, analyze.Options{Now: testNow})
			require.NoError(t, err)
			for i := range res.Findings {
				res.Findings[i].Hint = "" // the hints are the codes' (TestChecks)
			}
			assert.Equal(t, tt.want, res.Findings)
		})
	}
}
