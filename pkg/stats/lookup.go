package stats

import (
	"strings"
)

// The stats analyze reads, by their name after the scope (cluster.<name>., listener.<address>.,
// http.<stat_prefix>., …).
const (
	UpdateRejected            = "update_rejected" // a NACKed xDS update
	UpdateFailure             = "update_failure"  // an xDS fetch that failed (connection, timeout)
	UpdateSuccess             = "update_success"
	UpstreamCxConnectFail     = "upstream_cx_connect_fail"
	UpstreamRqPendingOverflow = "upstream_rq_pending_overflow"
	DownstreamCxOverflow      = "downstream_cx_overflow"
	NoRoute                   = "no_route"   // http.<stat_prefix>.no_route: requests answered 404 NR
	NoCluster                 = "no_cluster" // http.<stat_prefix>.no_cluster: routes to a cluster Envoy lacks (503 NC)
	// ControlPlaneConnected is the gauge control_plane.connected_state (1 while the ADS stream is up).
	ControlPlaneConnected = "control_plane.connected_state"
)

// Labels Envoy's default tag extractors set (envoy.cluster_name, …) as Prometheus writes them,
// and the shorter names Istio's bootstrap gives the same tags.
var (
	clusterLabels  = []string{"envoy_cluster_name", "cluster_name"}
	listenerLabels = []string{"envoy_listener_address", "listener_address"}
	hcmLabels      = []string{"envoy_http_conn_manager_prefix", "http_conn_manager_prefix"}
	rdsLabels      = []string{"envoy_rds_route_config", "rds_route_config"}
)

// Per is one value of a stat in one scope: a cluster, a listener, an HTTP connection manager.
type Per struct {
	Scope string  `json:"scope"` // the cluster name, listener address or stat_prefix
	Value float64 `json:"value"`
}

// PerCluster returns stat (e.g. UpstreamCxConnectFail) for every cluster that has it:
// cluster.<name>.<stat>, or envoy_cluster_<stat>{cluster_name="<name>"}.
func (s *Set) PerCluster(stat string) []Per {
	return s.per("cluster.", "envoy_cluster_", stat, clusterLabels)
}

// PerListener returns stat (e.g. DownstreamCxOverflow) for every listener:
// listener.<address>.<stat> (the admin listener is "admin"), or envoy_listener_<stat>{listener_address=…}.
func (s *Set) PerListener(stat string) []Per {
	return s.per("listener.", "envoy_listener_", stat, listenerLabels)
}

// PerHTTP returns stat (e.g. NoRoute) for every HTTP connection manager, by its stat_prefix:
// http.<stat_prefix>.<stat>, or envoy_http_<stat>{http_conn_manager_prefix=…}.
func (s *Set) PerHTTP(stat string) []Per {
	return s.per("http.", "envoy_http_", stat, hcmLabels)
}

// Cluster returns stat of one cluster.
func (s *Set) Cluster(cluster, stat string) (float64, bool) { return find(s.PerCluster(stat), cluster) }

// Listener returns stat of one listener (address as Envoy names it: 0.0.0.0_15006).
func (s *Set) Listener(address, stat string) (float64, bool) {
	return find(s.PerListener(stat), address)
}

func find(ps []Per, scope string) (float64, bool) {
	for _, p := range ps {
		if p.Scope == scope {
			return p.Value, true
		}
	}
	return 0, false
}

func (s *Set) per(prefix, promPrefix, stat string, labels []string) []Per {
	var out []Per
	suffix := "." + stat
	metric := promPrefix + stat
	for i := range s.Stats {
		st := &s.Stats[i]
		if !st.IsNumber() {
			continue
		}
		if s.Format == FormatPrometheus {
			if st.Name != metric {
				continue
			}
			for _, l := range labels {
				if v, ok := st.Label(l); ok {
					out = append(out, Per{Scope: v, Value: st.Value})
					break
				}
			}
			continue
		}
		n := st.Name
		if len(n) > len(prefix)+len(suffix) && strings.HasPrefix(n, prefix) && strings.HasSuffix(n, suffix) {
			out = append(out, Per{Scope: n[len(prefix) : len(n)-len(suffix)], Value: st.Value})
		}
	}
	return out
}

// XDS is one xDS subscription's stat.
type XDS struct {
	Type     string  `json:"type"`               // CDS, LDS, RDS, EDS, SDS
	Resource string  `json:"resource,omitempty"` // the route config (RDS), cluster (EDS) or secret (SDS); "" for CDS and LDS
	Prefix   string  `json:"prefix,omitempty"`   // RDS: the connection manager's stat_prefix
	Value    float64 `json:"value"`
}

// PerXDS returns stat (UpdateRejected, UpdateFailure, UpdateSuccess, …) of every xDS
// subscription: cluster_manager.cds.<stat> (CDS), listener_manager.lds.<stat> (LDS),
// http.<prefix>.rds.<route_config>.<stat> (RDS), cluster.<name>.<stat> (EDS: a cluster's
// subscription), sds.<secret>.<stat> (SDS); in the Prometheus form the same metrics with their tags.
func (s *Set) PerXDS(stat string) []XDS {
	var out []XDS
	suffix := "." + stat
	for i := range s.Stats {
		st := &s.Stats[i]
		if !st.IsNumber() {
			continue
		}
		if s.Format == FormatPrometheus {
			if x, ok := promXDS(st, stat); ok {
				out = append(out, x)
			}
			continue
		}
		n, ok := strings.CutSuffix(st.Name, suffix)
		if !ok {
			continue
		}
		x := XDS{Value: st.Value}
		switch {
		case n == "cluster_manager.cds":
			x.Type = "CDS"
		case n == "listener_manager.lds":
			x.Type = "LDS"
		case strings.HasPrefix(n, "http.") && strings.Contains(n, ".rds."):
			j := strings.Index(n, ".rds.")
			x.Type, x.Prefix, x.Resource = "RDS", n[len("http."):j], n[j+len(".rds."):]
		case strings.HasPrefix(n, "cluster.") && len(n) > len("cluster."):
			x.Type, x.Resource = "EDS", n[len("cluster."):]
		case strings.HasPrefix(n, "sds.") && len(n) > len("sds."):
			x.Type, x.Resource = "SDS", n[len("sds."):]
		default:
			continue
		}
		out = append(out, x)
	}
	return out
}

func promXDS(st *Stat, stat string) (XDS, bool) {
	label := func(names []string) string {
		for _, l := range names {
			if v, ok := st.Label(l); ok {
				return v
			}
		}
		return ""
	}
	x := XDS{Value: st.Value}
	switch st.Name {
	case "envoy_cluster_manager_cds_" + stat:
		x.Type = "CDS"
	case "envoy_listener_manager_lds_" + stat:
		x.Type = "LDS"
	case "envoy_http_rds_" + stat:
		x.Type, x.Prefix, x.Resource = "RDS", label(hcmLabels), label(rdsLabels)
	case "envoy_cluster_" + stat:
		x.Type, x.Resource = "EDS", label(clusterLabels)
	default:
		if strings.HasPrefix(st.Name, "envoy_sds_") && strings.HasSuffix(st.Name, "_"+stat) {
			x.Type, x.Resource = "SDS", strings.TrimSuffix(strings.TrimPrefix(st.Name, "envoy_sds_"), "_"+stat)
			break
		}
		return x, false
	}
	return x, true
}
